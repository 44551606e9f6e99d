package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testErasureLedger: erasures kept in a keyring's ledger
// (candor.ErasureLedger) survive a reopen, are yielded as they were kept
// but without their blind indexes,
// a second one of the same subject replaces the first, one of the zero
// subject is refused, and none brings back the subject's key.
func testErasureLedger(t *testing.T, k *keyHarness) {
	if _, ok := k.kr.(candor.ErasureLedger); !ok {
		t.Skipf("%T keeps no erasure ledger", k.kr)
	}
	ledger := func() candor.ErasureLedger { return k.kr.(candor.ErasureLedger) }
	keys := newWrapped(3)
	k.mustPut(keys...)
	want := map[candor.SubjectID]*candor.ErasureIntent{}
	for i, w := range keys {
		x := &candor.ErasureIntent{
			Erasure: candor.Erasure{Subject: w.Subject, Events: i + 1, Access: i},
			Unindex: []candor.BlindIndex{{byte(i), 1}},
			Retire:  []candor.Commitment{{byte(i)}, {byte(i), 2}},
			At:      time.Unix(1800000000+int64(i), 0).UTC(),
		}
		if err := ledger().RecordErasure(ctx, x); err != nil {
			t.Fatalf("RecordErasure: %v", err)
		}
		if err := k.kr.DeleteSubjectKey(ctx, w.Subject); err != nil {
			t.Fatalf("DeleteSubjectKey: %v", err)
		}
		want[w.Subject] = x
	}
	again := *want[keys[1].Subject]
	again.Erasure.Events = 9
	want[again.Erasure.Subject] = &again
	if err := ledger().RecordErasure(ctx, &again); err != nil {
		t.Fatalf("RecordErasure again: %v", err)
	}
	if err := ledger().RecordErasure(ctx, &candor.ErasureIntent{}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("an erasure of the zero subject: %v, want EINVALID", err)
	}
	k.reopen()
	n := 0
	for x, err := range ledger().Erasures(ctx) {
		if err != nil {
			t.Fatalf("Erasures: %v", err)
		}
		n++
		w := want[x.Erasure.Subject]
		if w == nil || x.Erasure != w.Erasure || len(x.Unindex) != 0 ||
			!reflect.DeepEqual(x.Retire, w.Retire) || !x.At.Equal(w.At) {
			t.Errorf("kept %+v, want %+v", x, w)
		}
	}
	if n != len(keys) {
		t.Errorf("%d erasures kept, want %d (one replaced)", n, len(keys))
	}
	for _, w := range keys {
		k.wantKey(w.Subject, nil)
	}
}
