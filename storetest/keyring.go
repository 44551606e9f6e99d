package storetest

import (
	"bytes"
	"slices"
	"testing"

	"github.com/candor-project/candor"
)

// KeyringOpenFunc opens the keyring kept under dir, creating an empty one
// if there is none, as OpenFunc does for stores: a fresh directory for
// every keyring the suite needs, the same one again to reopen it.
type KeyringOpenFunc func(t *testing.T, dir string) candor.Keyring

// RunKeyring runs the conformance suite of candor.Keyring against the
// keyrings open returns. The suite closes what it opens.
func RunKeyring(t *testing.T, open KeyringOpenFunc) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, k *keyHarness)
	}{
		{"RoundTrip", testKeyRoundTrip},
		{"Invalid", testKeyInvalid},
		{"Delete", testKeyDelete},
		{"Iterate", testKeyIterate},
		{"Reopen", testKeyReopen},
		{"Closed", testKeyClosed},
		{"ErasureLedger", testErasureLedger},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &keyHarness{t: t, open: open, dir: t.TempDir()}
			k.kr = open(t, k.dir)
			t.Cleanup(func() {
				if k.kr != nil {
					if err := k.kr.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}
			})
			tc.fn(t, k)
		})
	}
}

type keyHarness struct {
	t    *testing.T
	open KeyringOpenFunc
	dir  string
	kr   candor.Keyring
}

func (k *keyHarness) reopen() {
	k.t.Helper()
	if err := k.kr.Close(); err != nil {
		k.t.Fatalf("Close: %v", err)
	}
	k.kr = k.open(k.t, k.dir)
}

func newWrapped(n int) []candor.WrappedKey {
	keys := make([]candor.WrappedKey, n)
	for i := range keys {
		keys[i] = candor.WrappedKey{Subject: candor.NewSubjectID(), Wrapped: randomBytes(60)}
	}
	slices.SortFunc(keys, func(a, b candor.WrappedKey) int { return bytes.Compare(a.Subject[:], b.Subject[:]) })
	return keys
}

func (k *keyHarness) mustPut(keys ...candor.WrappedKey) {
	k.t.Helper()
	if err := k.kr.PutSubjectKeys(ctx, keys); err != nil {
		k.t.Fatalf("PutSubjectKeys: %v", err)
	}
}

func (k *keyHarness) wantKey(id candor.SubjectID, want []byte) {
	k.t.Helper()
	got, err := k.kr.SubjectKey(ctx, id)
	switch {
	case want == nil && candor.ErrorCode(err) != candor.ENOTFOUND:
		k.t.Fatalf("SubjectKey(%s) = %x, %v; want ENOTFOUND", id, got, err)
	case want != nil && (err != nil || !bytes.Equal(got, want)):
		k.t.Fatalf("SubjectKey(%s) = %x, %v; want %x", id, got, err, want)
	}
}

func (k *keyHarness) all() []candor.WrappedKey {
	k.t.Helper()
	var out []candor.WrappedKey
	for w, err := range k.kr.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			k.t.Fatalf("SubjectKeys: %v", err)
		}
		out = append(out, candor.WrappedKey{Subject: w.Subject, Wrapped: bytes.Clone(w.Wrapped)})
	}
	return out
}

func testKeyRoundTrip(t *testing.T, k *keyHarness) {
	keys := newWrapped(3)
	in := slices.Clone(keys)
	in[0].Wrapped = bytes.Clone(keys[0].Wrapped)
	k.mustPut(in...)
	clear(in[0].Wrapped) // the keyring keeps its own copy
	for _, w := range keys {
		k.wantKey(w.Subject, w.Wrapped)
	}
	got, _ := k.kr.SubjectKey(ctx, keys[1].Subject)
	clear(got) // and hands out copies
	k.wantKey(keys[1].Subject, keys[1].Wrapped)
	k.wantKey(candor.NewSubjectID(), nil)
	// A put replaces.
	again := candor.WrappedKey{Subject: keys[2].Subject, Wrapped: randomBytes(61)}
	k.mustPut(again)
	k.wantKey(again.Subject, again.Wrapped)
	k.mustPut() // nothing is no error
}

func testKeyInvalid(t *testing.T, k *keyHarness) {
	good := newWrapped(1)[0]
	for name, bad := range map[string]candor.WrappedKey{
		"zero subject": {Wrapped: randomBytes(40)},
		"empty":        {Subject: candor.NewSubjectID()},
	} {
		err := k.kr.PutSubjectKeys(ctx, []candor.WrappedKey{good, bad})
		if candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%s: PutSubjectKeys = %v, want EINVALID", name, err)
		}
	}
	k.wantKey(good.Subject, nil) // all or none
	if got := k.all(); len(got) != 0 {
		t.Errorf("keyring holds %d keys after refused puts", len(got))
	}
}

func testKeyDelete(t *testing.T, k *keyHarness) {
	keys := newWrapped(3)
	k.mustPut(keys...)
	if err := k.kr.DeleteSubjectKey(ctx, keys[1].Subject); err != nil {
		t.Fatalf("DeleteSubjectKey: %v", err)
	}
	k.wantKey(keys[1].Subject, nil)
	k.wantKey(keys[0].Subject, keys[0].Wrapped)
	if err := k.kr.DeleteSubjectKey(ctx, keys[1].Subject); err != nil {
		t.Fatalf("DeleteSubjectKey of a deleted key: %v", err)
	}
	k.reopen()
	k.wantKey(keys[1].Subject, nil)
	k.wantKey(keys[2].Subject, keys[2].Wrapped)
}

func testKeyIterate(t *testing.T, k *keyHarness) {
	keys := newWrapped(50)
	k.mustPut(keys[:20]...)
	k.mustPut(keys[20:]...)
	got := k.all()
	if len(got) != len(keys) {
		t.Fatalf("SubjectKeys yielded %d keys, want %d", len(got), len(keys))
	}
	for i := range keys {
		if got[i].Subject != keys[i].Subject || !bytes.Equal(got[i].Wrapped, keys[i].Wrapped) {
			t.Fatalf("key %d: got %s, want %s (in subject ID order)", i, got[i].Subject, keys[i].Subject)
		}
	}
	n := 0
	for w, err := range k.kr.SubjectKeys(ctx, keys[29].Subject) {
		if err != nil {
			t.Fatal(err)
		}
		if w.Subject != keys[30+n].Subject {
			t.Fatalf("after key 29: item %d is %s, want %s", n, w.Subject, keys[30+n].Subject)
		}
		if n++; n == 5 {
			break // an early break releases the iteration (Close checks)
		}
	}
}

func testKeyReopen(t *testing.T, k *keyHarness) {
	keys := newWrapped(5)
	k.mustPut(keys...)
	k.reopen()
	for _, w := range keys {
		k.wantKey(w.Subject, w.Wrapped)
	}
}

func testKeyClosed(t *testing.T, k *keyHarness) {
	kr := k.kr
	k.kr = nil
	if err := kr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	check := func(what string, err error) {
		if candor.ErrorCode(err) != candor.EUNAVAILABLE {
			t.Errorf("%s after Close: %v, want EUNAVAILABLE", what, err)
		}
	}
	check("PutSubjectKeys", kr.PutSubjectKeys(ctx, newWrapped(1)))
	_, err := kr.SubjectKey(ctx, candor.NewSubjectID())
	check("SubjectKey", err)
	check("DeleteSubjectKey", kr.DeleteSubjectKey(ctx, candor.NewSubjectID()))
	for _, err := range kr.SubjectKeys(ctx, candor.SubjectID{}) {
		check("SubjectKeys", err)
	}
	check("Close", kr.Close())
}
