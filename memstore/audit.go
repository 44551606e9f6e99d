package memstore

import (
	"bytes"
	"context"
	"iter"
	"slices"
	"sort"
	"time"

	"github.com/candor-project/candor"
)

// AuditEntries implements candor.AuditStore: copies of the entries with a
// sequence above after, in sequence order, as recorded when the iteration
// began. Every committed entry is durable.
func (s *Store) AuditEntries(ctx context.Context, after uint64) iter.Seq2[*candor.AuditEntry, error] {
	return func(yield func(*candor.AuditEntry, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		s.d.mu.RLock()
		i := sort.Search(len(s.d.audit), func(i int) bool { return s.d.audit[i].Seq > after })
		entries := slices.Clone(s.d.audit[i:])
		s.d.mu.RUnlock()
		yieldCopies(ctx, entries, copyEntry, yield)
	}
}

// AuditMark implements candor.AuditStore.
func (s *Store) AuditMark(ctx context.Context) (candor.AuditMark, error) {
	if err := s.check(ctx); err != nil {
		return candor.AuditMark{}, err
	}
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	return s.d.mark, nil
}

// MarkLogged implements candor.AuditStore: it records the log indexes and
// the mark together, at once. EINVALID if the mark would go back.
func (s *Store) MarkLogged(ctx context.Context, m candor.AuditMark, logged []candor.LoggedEntry) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if m.Seq < d.mark.Seq || m.Size < d.mark.Size {
		return candor.Errorf(candor.EINVALID, "audit mark %+v is behind the stored %+v", m, d.mark)
	}
	for _, l := range logged {
		d.logged[l.Seq] = slices.Clone(l.Indexes)
	}
	d.mark = m
	return nil
}

// ResetAuditLog implements candor.LogResetter: it forgets the mark and
// every entry's log indexes; the entries stay.
func (s *Store) ResetAuditLog(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mark = candor.AuditMark{}
	clear(d.logged)
	return nil
}

// LogIndexes implements candor.AuditStore: a copy of the log indexes of
// entry seq's bundles, or ENOTFOUND.
func (s *Store) LogIndexes(ctx context.Context, seq uint64) ([]uint64, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	idx, ok := s.d.logged[seq]
	s.d.mu.RUnlock()
	if !ok {
		return nil, candor.Errorf(candor.ENOTFOUND, "commit %d is not logged", seq)
	}
	return slices.Clone(idx), nil
}

// AccessRecords implements candor.AuditStore: copies of the subject's
// access records in number order (with the zero subject, of every
// subject, in subject then number order), as stored when the iteration
// began.
func (s *Store) AccessRecords(ctx context.Context, subject candor.SubjectID) iter.Seq2[*candor.AccessRecord, error] {
	return func(yield func(*candor.AccessRecord, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		s.d.mu.RLock()
		var recs []*candor.AccessRecord
		if !subject.IsZero() {
			if h := s.d.held[subject]; h != nil {
				recs = slices.Clone(h.access)
			}
		} else {
			subs := make([]candor.SubjectID, 0, len(s.d.held))
			for id, h := range s.d.held {
				if len(h.access) > 0 {
					subs = append(subs, id)
				}
			}
			slices.SortFunc(subs, func(a, b candor.SubjectID) int { return bytes.Compare(a[:], b[:]) })
			for _, id := range subs {
				recs = append(recs, s.d.held[id].access...)
			}
		}
		s.d.mu.RUnlock()
		yieldCopies(ctx, recs, copyAccess, yield)
	}
}

// AccessRecord implements candor.AuditStore: a copy of the subject's
// access record number n, or ENOTFOUND.
func (s *Store) AccessRecord(ctx context.Context, subject candor.SubjectID, n uint64) (*candor.AccessRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	if h := s.d.held[subject]; h != nil {
		i, ok := slices.BinarySearchFunc(h.access, n, func(a *candor.AccessRecord, n uint64) int {
			switch {
			case a.N < n:
				return -1
			case a.N > n:
				return 1
			}
			return 0
		})
		if ok {
			return copyAccess(h.access[i]), nil
		}
	}
	return nil, candor.Errorf(candor.ENOTFOUND, "no access record %d about subject %s", n, subject)
}

// AcquireLease implements candor.Leaser, by this process's clock. The
// leases belong to the data, so every handle on it sees the same holder.
// EINVALID for an empty name or holder or a TTL that is not positive.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (candor.Lease, bool, error) {
	if err := candor.CheckLease(name, holder, ttl); err != nil {
		return candor.Lease{}, false, err
	}
	if err := s.check(ctx); err != nil {
		return candor.Lease{}, false, err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	cur, ok := d.leases[name]
	if ok && cur.Holder != holder && now.Before(cur.Expires) {
		return cur, false, nil
	}
	if !ok || cur.Holder != holder {
		d.tokens[name]++
		cur = candor.Lease{Name: name, Holder: holder, Token: d.tokens[name]}
	}
	cur.Expires = now.Add(ttl)
	d.leases[name] = cur
	return cur, true, nil
}

// ReleaseLease implements candor.Leaser: it does nothing unless holder
// holds the lease.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, ok := d.leases[name]; ok && cur.Holder == holder {
		delete(d.leases, name)
	}
	return nil
}
