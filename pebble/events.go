package pebble

import (
	"context"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// ctxCheckEvery is how many records Events yields between checks of its
// context.
const ctxCheckEvery = 256

// Events yields a subject's events in order of occurrence, ties in ID order,
// from one iterator bounded to the subject's prefix (and, with f.Since, to
// the events that occurred at or after it). The yielded record and its
// Sealed bytes are reused: they are valid until the next iteration, and
// the caller may modify them (decrypt in place, say) without touching
// stored data. Stopping early closes the iterator. An error, including the
// context's, is yielded once as the last item.
func (s *Store) Events(ctx context.Context, id candor.SubjectID, f candor.EventFilter) iter.Seq2[*candor.EventRecord, error] {
	return func(yield func(*candor.EventRecord, error) bool) {
		if !s.gate.enter() {
			yield(nil, errClosed())
			return
		}
		defer s.gate.leave()
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		lower, upper := eventBounds(id, f.Since)
		if lower == nil {
			return
		}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			yield(nil, fmt.Errorf("pebble: events: %w", err))
			return
		}
		defer it.Close()
		var (
			r      candor.EventRecord
			sealed []byte
			n      int
		)
		for ok := it.First(); ok; ok = it.Next() {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
			}
			v, err := it.ValueAndErr()
			if err != nil {
				yield(nil, fmt.Errorf("pebble: events: %w", err))
				return
			}
			if sealed, err = decodeEvent(&r, it.Key(), v, sealed); err != nil {
				yield(nil, fmt.Errorf("pebble: events of %s: %w", id, err))
				return
			}
			if !yield(&r, nil) {
				return
			}
		}
		if err := it.Error(); err != nil {
			yield(nil, fmt.Errorf("pebble: events: %w", err))
		}
	}
}
