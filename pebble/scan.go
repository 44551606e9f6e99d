package pebble

import (
	"context"
	"fmt"

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
