package pebble

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// The match generation (candor.MatchFence) is kept under keyFence, eight
// bytes big-endian (none: 0), and in s.fence. Commits check it and
// AdvanceMatchGeneration moves it under s.mu, the lock that also assigns
// event IDs, so the bound it returns, the last event ID assigned, splits
// the events exactly.

func (s *Store) loadFence() error {
	v, err := s.get(keyFence)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("pebble: read the match generation: %w", err)
	case len(v) != 8:
		return fmt.Errorf("pebble: the match generation %x is malformed", v)
	}
	s.fence = binary.BigEndian.Uint64(v)
	return nil
}

// MatchGeneration implements candor.MatchFence.
func (s *Store) MatchGeneration(ctx context.Context) (uint64, error) {
	if !s.gate.enter() {
		return 0, errClosed()
	}
	defer s.gate.leave()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fence, nil
}

// AdvanceMatchGeneration implements candor.MatchFence: the new generation
// is synced before commits see it.
func (s *Store) AdvanceMatchGeneration(ctx context.Context) (uint64, candor.EventID, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if !s.gate.enter() {
		return 0, 0, errClosed()
	}
	defer s.gate.leave()
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.fence + 1
	if err := s.db.Set(keyFence, binary.BigEndian.AppendUint64(nil, next), pebble.Sync); err != nil {
		return 0, 0, fmt.Errorf("pebble: advance the match generation: %w", err)
	}
	s.fence = next
	return next, s.counters.lastEvent, nil
}
