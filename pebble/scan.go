package pebble

import (
	"context"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

var _ candor.KeyLister = (*Store)(nil)

// ListKeys implements candor.KeyLister: it scans the dedupe and blind index
// tables of one snapshot, reading keys only.
func (s *Store) ListKeys(ctx context.Context, dedupe func(candor.DedupeKey), index func(candor.BlindIndex)) error {
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	snap := s.db.NewSnapshot()
	defer snap.Close()
	scan := func(table byte, keyLen int, fn func(k []byte)) error {
		lower, upper := tableBounds(table)
		it, err := snap.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return fmt.Errorf("pebble: list keys: %w", err)
		}
		defer it.Close()
		n := 0
		for ok := it.First(); ok; ok = it.Next() {
			if k := it.Key(); len(k) == keyLen {
				fn(k[1:])
			}
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return it.Error()
	}
	if err := scan(tableDedupe, dedupeKeyLen, func(k []byte) { dedupe(candor.DedupeKey(k)) }); err != nil {
		return err
	}
	return scan(tableIndex, indexKeyLen, func(k []byte) { index(candor.BlindIndex(k)) })
}

// scanRange yields decode's result for every key in [lower, upper), from
// one iterator, checking ctx every ctxCheckEvery keys. An error, the
// context's included, is yielded once as the last item, wrapped with what.
// Stopping early closes the iterator.
func scanRange[T any](s *Store, ctx context.Context, what string, lower, upper []byte, decode func(k, v []byte) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		fail := func(err error) { yield(zero, fmt.Errorf("pebble: %s: %w", what, err)) }
		if !s.gate.enter() {
			yield(zero, errClosed())
			return
		}
		defer s.gate.leave()
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			fail(err)
			return
		}
		defer it.Close()
		n := 0
		for ok := it.First(); ok; ok = it.Next() {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
			}
			v, err := it.ValueAndErr()
			if err != nil {
				fail(err)
				return
			}
			r, err := decode(it.Key(), v)
			if err != nil {
				fail(err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := it.Error(); err != nil {
			fail(err)
		}
	}
}
