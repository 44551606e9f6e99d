package memstore

import (
	"bytes"
	"context"
	"iter"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
)

// Keyring is an in-memory candor.Keyring, for tests. Like Store, what it
// holds outlives Close: Reopen returns another handle on the same keys.
type Keyring struct {
	d      *keyData
	closed atomic.Bool
}

type keyData struct {
	mu       sync.RWMutex
	keys     map[candor.SubjectID][]byte
	erasures map[candor.SubjectID][]byte // encoded intents (candor.ErasureIntent.Record)
}

var (
	_ candor.Keyring       = (*Keyring)(nil)
	_ candor.ErasureLedger = (*Keyring)(nil)
)

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring {
	return &Keyring{d: &keyData{keys: map[candor.SubjectID][]byte{}, erasures: map[candor.SubjectID][]byte{}}}
}

// Reopen returns another handle on the keys k holds.
func (k *Keyring) Reopen() *Keyring { return &Keyring{d: k.d} }

func (k *Keyring) enter(ctx context.Context) error {
	if k.closed.Load() {
		return errClosed()
	}
	return ctx.Err()
}

// PutSubjectKeys stores keys, all or none.
func (k *Keyring) PutSubjectKeys(ctx context.Context, keys []candor.WrappedKey) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	if err := candor.CheckWrappedKeys(keys); err != nil {
		return err
	}
	k.d.mu.Lock()
	defer k.d.mu.Unlock()
	for _, w := range keys {
		k.d.keys[w.Subject] = bytes.Clone(w.Wrapped)
	}
	return nil
}

// SubjectKey returns a copy of a subject's wrapped key, or ENOTFOUND.
func (k *Keyring) SubjectKey(ctx context.Context, id candor.SubjectID) ([]byte, error) {
	if err := k.enter(ctx); err != nil {
		return nil, err
	}
	k.d.mu.RLock()
	defer k.d.mu.RUnlock()
	w, ok := k.d.keys[id]
	if !ok {
		return nil, candor.Errorf(candor.ENOTFOUND, "no data key for subject %s", id)
	}
	return bytes.Clone(w), nil
}

// DeleteSubjectKey removes a subject's wrapped key; memory keeps no copy.
func (k *Keyring) DeleteSubjectKey(ctx context.Context, id candor.SubjectID) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	k.d.mu.Lock()
	defer k.d.mu.Unlock()
	if w, ok := k.d.keys[id]; ok {
		clear(w)
		delete(k.d.keys, id)
	}
	return nil
}

// SubjectKeys yields copies of the keys above after, in subject ID order,
// from a snapshot taken when the iteration starts.
func (k *Keyring) SubjectKeys(ctx context.Context, after candor.SubjectID) iter.Seq2[candor.WrappedKey, error] {
	return func(yield func(candor.WrappedKey, error) bool) {
		if err := k.enter(ctx); err != nil {
			yield(candor.WrappedKey{}, err)
			return
		}
		k.d.mu.RLock()
		keys := make([]candor.WrappedKey, 0, len(k.d.keys))
		for id, w := range k.d.keys {
			if bytes.Compare(id[:], after[:]) > 0 {
				keys = append(keys, candor.WrappedKey{Subject: id, Wrapped: bytes.Clone(w)})
			}
		}
		k.d.mu.RUnlock()
		slices.SortFunc(keys, func(a, b candor.WrappedKey) int { return bytes.Compare(a.Subject[:], b.Subject[:]) })
		for _, w := range keys {
			if err := ctx.Err(); err != nil {
				yield(candor.WrappedKey{}, err)
				return
			}
			if !yield(w, nil) {
				return
			}
		}
	}
}

// RecordErasure keeps x.ForLedger()'s encoding, replacing any of the
// same subject.
func (k *Keyring) RecordErasure(ctx context.Context, x *candor.ErasureIntent) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	if x.Erasure.Subject.IsZero() {
		return candor.Errorf(candor.EINVALID, "erasure ledger: zero subject")
	}
	k.d.mu.Lock()
	defer k.d.mu.Unlock()
	k.d.erasures[x.Erasure.Subject] = x.ForLedger().Record().Data
	return nil
}

// Erasures yields the erasures kept, decoded anew, in subject ID order.
func (k *Keyring) Erasures(ctx context.Context) iter.Seq2[*candor.ErasureIntent, error] {
	return func(yield func(*candor.ErasureIntent, error) bool) {
		if err := k.enter(ctx); err != nil {
			yield(nil, err)
			return
		}
		k.d.mu.RLock()
		ids := slices.Collect(maps.Keys(k.d.erasures))
		data := make(map[candor.SubjectID][]byte, len(ids))
		maps.Copy(data, k.d.erasures)
		k.d.mu.RUnlock()
		slices.SortFunc(ids, func(a, b candor.SubjectID) int { return bytes.Compare(a[:], b[:]) })
		for _, id := range ids {
			x, err := candor.ParseErasureIntent(&candor.Record{Kind: candor.RecordErasing, ID: id.String(), Subject: id, Data: data[id]})
			if !yield(x, err) || err != nil {
				return
			}
		}
	}
}

// Close closes this handle; a second Close returns EUNAVAILABLE.
func (k *Keyring) Close() error {
	if k.closed.Swap(true) {
		return errClosed()
	}
	return nil
}
