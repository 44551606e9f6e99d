package pebble

import (
	"context"
	"time"

	"github.com/candor-project/candor"
)

var _ candor.Leaser = (*Store)(nil)

// Leases are kept in memory: only one process can open a Pebble store, so
// the leases of its singleton jobs need not outlive it, and they are held
// by that process's goroutines only. A reopened store has no leases.
type leases struct {
	held map[string]candor.Lease // guarded by Store.leaseMu
	last map[string]uint64       // the last token of every lease ever taken
}

// AcquireLease implements candor.Leaser, by this process's clock.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (candor.Lease, bool, error) {
	if err := candor.CheckLease(name, holder, ttl); err != nil {
		return candor.Lease{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return candor.Lease{}, false, err
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	now := time.Now()
	cur, ok := s.leases.held[name]
	if ok && cur.Holder != holder && now.Before(cur.Expires) {
		return cur, false, nil
	}
	if !ok || cur.Holder != holder {
		if s.leases.held == nil {
			s.leases.held, s.leases.last = map[string]candor.Lease{}, map[string]uint64{}
		}
		s.leases.last[name]++
		cur = candor.Lease{Name: name, Holder: holder, Token: s.leases.last[name]}
	}
	cur.Expires = now.Add(ttl)
	s.leases.held[name] = cur
	return cur, true, nil
}

// ReleaseLease implements candor.Leaser.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if cur, ok := s.leases.held[name]; ok && cur.Holder == holder {
		delete(s.leases.held, name)
	}
	return nil
}
