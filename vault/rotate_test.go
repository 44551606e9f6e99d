package vault_test

import (
	"bytes"
	"context"
	"iter"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// shredding is a keyring that, once an iteration of its keys has ended,
// runs then (a write of another goroutine landing between a rotation's
// read of the keys and its store of them).
type shredding struct {
	candor.Keyring
	then func()
}

func (s *shredding) SubjectKeys(ctx context.Context, after candor.SubjectID) iter.Seq2[candor.WrappedKey, error] {
	return func(yield func(candor.WrappedKey, error) bool) {
		for w, err := range s.Keyring.SubjectKeys(ctx, after) {
			if !yield(w, err) {
				break
			}
		}
		if f := s.then; f != nil {
			s.then = nil
			f()
		}
	}
}

func wrapKey(tb testing.TB, seed byte) []byte {
	tb.Helper()
	k, err := vault.DeriveWrapKey(bytes.Repeat([]byte{seed}, vault.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// TestRewrapKeys: a rotation's steps rewrap every key under the next
// wrapping key; a key shredded between a step's read and its store is not
// brought back; a key made under the old wrapping key and kept after the
// switch is stored under the new one; afterwards no key opens under the
// old wrapping key alone.
func TestRewrapKeys(t *testing.T) {
	ctx := context.Background()
	kr := &shredding{Keyring: memstore.NewKeyring()}
	master := bytes.Repeat([]byte{7}, vault.KeySize)
	v, err := vault.New(master, kr)
	if err != nil {
		t.Fatal(err)
	}
	old, next := wrapKey(t, 1), wrapKey(t, 2)
	v.UseWrapKeys(old)
	var ids []candor.SubjectID
	var keys []candor.WrappedKey
	for range 7 {
		id := candor.NewSubjectID()
		_, w := v.NewSubjectKey(id)
		ids, keys = append(ids, id), append(keys, w)
	}
	if err := v.KeepKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	late := candor.NewSubjectID()
	_, lateKey := v.NewSubjectKey(late) // wrapped under old, kept after the switch

	v.UseWrapKeys(next, old)
	if err := v.KeepKeys(ctx, []candor.WrappedKey{lateKey}); err != nil {
		t.Fatal(err)
	}
	victim := slices.MinFunc(append(ids, late), func(a, b candor.SubjectID) int { return bytes.Compare(a[:], b[:]) })
	kr.then = func() {
		if err := v.ShredKey(ctx, victim); err != nil {
			t.Error(err)
		}
	}
	var after candor.SubjectID
	steps, total := 0, 0
	for end := false; !end; steps++ {
		var n int
		if after, n, end, err = v.RewrapKeys(ctx, after, 3); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if steps != 3 || total != 7 {
		t.Errorf("%d steps rewrapped %d keys; want 3 steps of 8 keys, one shredded meanwhile: 7", steps, total)
	}
	if _, err := kr.SubjectKey(ctx, victim); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the key shredded during the rotation: %v, want it gone", err)
	}

	v.UseWrapKeys(next) // the old one retired
	byOld, _ := vault.New(master, kr)
	byOld.UseWrapKeys(old)
	for _, id := range append(ids, late) {
		if id == victim {
			continue
		}
		if _, err := v.SubjectKey(ctx, id); err != nil {
			t.Errorf("the key of %s does not open under the new wrapping key: %v", id, err)
		}
		if _, err := byOld.SubjectKey(ctx, id); err == nil {
			t.Errorf("the key of %s still opens under the retired wrapping key", id)
		}
	}
}

// TestRewrapKeysConcurrent: a rotation switches wrapping keys and
// rewraps while writers keep and shred keys and readers open them; once
// it is done and the old key retired, every key kept opens, every key
// shredded is gone. Run with -race.
func TestRewrapKeysConcurrent(t *testing.T) {
	ctx := context.Background()
	master := bytes.Repeat([]byte{3}, vault.KeySize)
	v, err := vault.New(master, memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	old, next := wrapKey(t, 1), wrapKey(t, 2)
	v.UseWrapKeys(old)
	var mu sync.Mutex
	kept, shredded := map[candor.SubjectID]bool{}, map[candor.SubjectID]bool{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 300 { // bounded, so that the rotation catches up
				select {
				case <-done:
					return
				default:
				}
				id := candor.NewSubjectID()
				_, wk := v.NewSubjectKey(id)
				if err := v.KeepKeys(ctx, []candor.WrappedKey{wk}); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.SubjectKey(ctx, id); err != nil {
					t.Errorf("a key just kept does not open: %v", err)
					return
				}
				gone := (i+w)%3 == 0
				if gone {
					if err := v.ShredKey(ctx, id); err != nil {
						t.Error(err)
						return
					}
				}
				mu.Lock()
				kept[id], shredded[id] = !gone, gone
				mu.Unlock()
			}
		})
	}
	for n := 0; n < 20; { // the writers are under way
		runtime.Gosched()
		mu.Lock()
		n = len(kept)
		mu.Unlock()
	}
	v.UseWrapKeys(next, old)
	var after candor.SubjectID
	for end := false; !end; {
		if after, _, end, err = v.RewrapKeys(ctx, after, 20); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	v.UseWrapKeys(next) // the rotation is done: the old key retired
	if len(kept) < 10 {
		t.Fatalf("only %d keys kept meanwhile: the test proves nothing", len(kept))
	}
	for id, ok := range kept {
		_, err := v.SubjectKey(ctx, id)
		switch {
		case ok && err != nil:
			t.Errorf("kept key of %s does not open under the new wrapping key alone: %v", id, err)
		case shredded[id] && candor.ErrorCode(err) != candor.ENOTFOUND:
			t.Errorf("shredded key of %s is back: %v", id, err)
		}
	}
}
