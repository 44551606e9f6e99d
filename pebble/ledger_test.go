package pebble_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
)

// TestErasureLedger: erasures kept in the keyring's ledger survive a
// reopen, are yielded in subject ID order as they were kept, a second one
// of the same subject replaces the first, and the subject's key is not
// brought back by them.
func TestErasureLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, err := pebble.OpenKeyring(dir, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[candor.SubjectID]*candor.ErasureIntent{}
	for i := range 3 {
		x := &candor.ErasureIntent{Erasure: candor.Erasure{Subject: candor.NewSubjectID(), Events: i + 1}, Retire: []candor.Commitment{{byte(i)}},
			Unindex: []candor.BlindIndex{}, At: time.Unix(1800000000+int64(i), 0).UTC()}
		if err := k.RecordErasure(ctx, x); err != nil {
			t.Fatal(err)
		}
		want[x.Erasure.Subject] = x
	}
	var again candor.SubjectID
	for id, x := range want {
		again = id
		y := *x
		y.Erasure.Events = 9
		want[id] = &y
		if err := k.RecordErasure(ctx, &y); err != nil {
			t.Fatal(err)
		}
		break
	}
	if err := k.RecordErasure(ctx, &candor.ErasureIntent{}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("an erasure of the zero subject: %v, want EINVALID", err)
	}
	k.Close()
	if k, err = pebble.OpenKeyring(dir, pebble.Options{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	var last candor.SubjectID
	n := 0
	for x, err := range k.Erasures(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		id := x.Erasure.Subject
		if string(id[:]) <= string(last[:]) {
			t.Errorf("%s after %s: not in subject ID order", id, last)
		}
		last = id
		if w := want[id]; w == nil || !reflect.DeepEqual(x.Retire, w.Retire) || x.Erasure != w.Erasure || !x.At.Equal(w.At) {
			t.Errorf("kept %+v, want %+v", x, w)
		}
	}
	if n != 3 || want[again].Erasure.Events != 9 {
		t.Errorf("%d erasures kept, want 3 (one replaced)", n)
	}
	if _, err := k.SubjectKey(ctx, again); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a subject whose erasure is kept has a key: %v", err)
	}
}
