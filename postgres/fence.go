package postgres

import (
	"context"

	"github.com/candor-project/candor"
)

// MatchGeneration implements candor.MatchFence.
func (s *Store) MatchGeneration(ctx context.Context) (uint64, error) {
	var gen uint64
	err := s.pool.QueryRow(ctx, `SELECT match_gen FROM candor_counters`).Scan(&gen)
	return gen, s.wrap(err, "read the match generation")
}

// AdvanceMatchGeneration implements candor.MatchFence. It takes the
// counters row's lock, which every commit holds from its check of the
// generation to its end, so it waits for the commits that checked the
// old one. The bound is the event ID sequence's last value: every event
// of those commits took its ID before, and every later commit takes its
// IDs after, since it takes them only once it is let in. (A commit that
// took its IDs first and then waited for the lock is refused.)
func (s *Store) AdvanceMatchGeneration(ctx context.Context) (uint64, candor.EventID, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, s.wrap(err, "advance the match generation")
	}
	defer tx.Rollback(context.Background())
	var gen uint64
	if err := tx.QueryRow(ctx, `UPDATE candor_counters SET match_gen = match_gen + 1 RETURNING match_gen`).Scan(&gen); err != nil {
		return 0, 0, s.wrap(err, "advance the match generation")
	}
	var bound int64
	if err := tx.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM candor_event_ids`).Scan(&bound); err != nil {
		return 0, 0, s.wrap(err, "advance the match generation")
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, s.wrap(err, "advance the match generation")
	}
	return gen, candor.EventID(bound), nil
}
