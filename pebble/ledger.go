package pebble

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// tableErasures holds the keyring's erasure ledger: 0x02 SubjectID(16) →
// the erasure's intent (candor.ErasureIntent, encoded as its Record's
// data).
const tableErasures byte = 0x02

var _ candor.ErasureLedger = (*Keyring)(nil)

func erasureKey(id candor.SubjectID) []byte {
	return append([]byte{tableErasures}, id[:]...)
}

// RecordErasure keeps x.ForLedger() in the ledger, synced.
func (k *Keyring) RecordErasure(ctx context.Context, x *candor.ErasureIntent) error {
	if !k.gate.enter() {
		return errClosed()
	}
	defer k.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	if x.Erasure.Subject.IsZero() {
		return candor.Errorf(candor.EINVALID, "erasure ledger: zero subject")
	}
	if err := k.db.Set(erasureKey(x.Erasure.Subject), x.ForLedger().Record().Data, pebble.Sync); err != nil {
		return fmt.Errorf("pebble: keyring: erasure ledger: %w", err)
	}
	return nil
}

// Erasures yields the ledger's erasures in subject ID order.
func (k *Keyring) Erasures(ctx context.Context) iter.Seq2[*candor.ErasureIntent, error] {
	return func(yield func(*candor.ErasureIntent, error) bool) {
		if !k.gate.enter() {
			yield(nil, errClosed())
			return
		}
		defer k.gate.leave()
		it, err := k.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{tableErasures}, UpperBound: []byte{tableErasures + 1}})
		if err != nil {
			yield(nil, err)
			return
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			var sub candor.SubjectID
			if len(it.Key()) != 1+len(sub) {
				yield(nil, fmt.Errorf("pebble: keyring: malformed erasure key %x", it.Key()))
				return
			}
			copy(sub[:], it.Key()[1:])
			x, err := candor.ParseErasureIntent(&candor.Record{Kind: candor.RecordErasing, ID: sub.String(), Subject: sub, Data: it.Value()})
			if err != nil {
				yield(nil, fmt.Errorf("pebble: keyring: %w", err))
				return
			}
			if !yield(x, nil) {
				return
			}
		}
		if err := errors.Join(it.Error(), ctx.Err()); err != nil {
			yield(nil, fmt.Errorf("pebble: keyring: %w", err))
		}
	}
}

// scrubLedger rewrites the erasures an earlier build kept in the ledger
// with their blind indexes without them, and compacts the ledger so that
// no live file holds them.
func (k *Keyring) scrubLedger() error {
	ctx := context.Background()
	b := k.db.NewBatch()
	defer b.Close()
	for x, err := range k.Erasures(ctx) {
		if err != nil {
			return err
		}
		if len(x.Unindex) > 0 {
			if err := b.Set(erasureKey(x.Erasure.Subject), x.ForLedger().Record().Data, nil); err != nil {
				return err
			}
		}
	}
	if b.Empty() {
		return nil
	}
	if err := errors.Join(b.Commit(pebble.Sync), k.db.Flush()); err != nil {
		return fmt.Errorf("pebble: keyring: scrubbing the erasure ledger: %w", err)
	}
	if err := k.db.Compact(ctx, []byte{tableErasures}, []byte{tableErasures + 1}, false); err != nil {
		return fmt.Errorf("pebble: keyring: compact: %w", err)
	}
	return k.awaitObsolete(ctx)
}
