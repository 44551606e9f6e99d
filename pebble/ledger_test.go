package pebble

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// TestKeyringScrubsLedgerIndexes: an erasure an earlier build kept in the
// ledger with its blind indexes is rewritten without them when the
// keyring opens, and no file of the keyring holds them afterwards.
func TestKeyringScrubsLedgerIndexes(t *testing.T) {
	dir := t.TempDir()
	k, err := OpenKeyring(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bi := candor.BlindIndex(bytes.Repeat([]byte("BLINDIDX"), 4))
	x := &candor.ErasureIntent{Erasure: candor.Erasure{Subject: candor.NewSubjectID(), Events: 2},
		Unindex: []candor.BlindIndex{bi}, Retire: []candor.Commitment{{7}}, At: time.Unix(1800000000, 0).UTC()}
	// as an earlier build kept it
	if err := k.db.Set(erasureKey(x.Erasure.Subject), x.Record().Data, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if !dirHolds(t, dir, bi[:]) {
		t.Fatal("no file of the keyring holds the blind index before the scrub: this test proves nothing")
	}
	k.Close()
	if k, err = OpenKeyring(dir, Options{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	n := 0
	for got, err := range k.Erasures(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(got.Unindex) != 0 || got.Erasure != x.Erasure || len(got.Retire) != 1 {
			t.Errorf("after the scrub: %+v, want %+v without its blind indexes", got, x)
		}
	}
	if n != 1 {
		t.Errorf("%d erasures after the scrub, want 1", n)
	}
	if dirHolds(t, dir, bi[:]) {
		t.Error("a file of the keyring still holds the blind index after the scrub")
	}
}

// dirHolds says whether a file in dir holds b.
func dirHolds(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(raw, b) {
			return true
		}
	}
	return false
}
