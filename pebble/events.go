package pebble

import (
	"context"
	"iter"

	"github.com/candor-project/candor"
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
	lower, upper := eventBounds(id, f.Since)
	if lower == nil {
		return func(func(*candor.EventRecord, error) bool) {}
	}
	var (
		r      candor.EventRecord
		sealed []byte
	)
	return scanRange(s, ctx, "events of "+id.String(), lower, upper, func(k, v []byte) (*candor.EventRecord, error) {
		var err error
		sealed, err = decodeEvent(&r, k, v, sealed)
		return &r, err
	})
}
