package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// Optional capabilities (storecaps.go): a store that has them must honour
// their contracts. RunWith skips them for a store that has not.

func testPipelinedCommit(t *testing.T, h *harness) {
	pc := h.s.(candor.PipelinedCommitter)
	sub := candor.NewSubjectID()
	first := newEvent(sub, base)
	seq0 := commitEvents(t, h.s, first)

	a := []*candor.EventRecord{newEvent(sub, base.Add(2*time.Hour)), newEvent(sub, base.Add(time.Hour))}
	waitA, err := pc.CommitAsync(ctx, &candor.WriteBatch{Events: a})
	if err != nil {
		t.Fatalf("CommitAsync(a): %v", err)
	}
	if a[0].ID != first.ID+1 || a[1].ID != first.ID+2 {
		t.Errorf("CommitAsync assigned IDs %d, %d before its wait; want %d, %d", a[0].ID, a[1].ID, first.ID+1, first.ID+2)
	}
	bEv := []*candor.EventRecord{newEvent(sub, base.Add(-time.Hour))}
	waitB, err := pc.CommitAsync(ctx, &candor.WriteBatch{Events: bEv})
	if err != nil {
		t.Fatalf("CommitAsync(b): %v", err)
	}
	if bEv[0].ID != a[1].ID+1 {
		t.Errorf("second CommitAsync assigned ID %d, want %d", bEv[0].ID, a[1].ID+1)
	}
	if _, err := pc.CommitAsync(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{nil}}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("CommitAsync of a nil event: %v, want EINVALID", err)
	}

	// Waits may come in any order, and more than once.
	seqB, errB := waitB()
	seqA, errA := waitA()
	if errA != nil || errB != nil {
		t.Fatalf("waits: %v, %v", errA, errB)
	}
	if !(seq0 < seqA && seqA < seqB) {
		t.Errorf("commit sequences %d, then %d and %d from CommitAsync; want increasing", seq0, seqA, seqB)
	}
	if again, err := waitA(); err != nil || again != seqA {
		t.Errorf("second wait = %d, %v; want %d", again, err, seqA)
	}
	wantEvents(t, events(t, h.s, sub, candor.EventFilter{}), sortedByOccurrence(append([]*candor.EventRecord{first, bEv[0]}, a...)))

	// Still durable and counted after a reopen.
	s := h.reopen()
	wantEvents(t, events(t, s, sub, candor.EventFilter{}), sortedByOccurrence(append([]*candor.EventRecord{first, bEv[0]}, a...)))
	next := newEvent(sub, base)
	if seq := commitEvents(t, s, next); seq <= seqB || next.ID <= bEv[0].ID {
		t.Errorf("after reopen: commit %d, event ID %d; want above %d and %d", seq, next.ID, seqB, bEv[0].ID)
	}
}

func testListKeys(t *testing.T, h *harness) {
	kl := h.s.(candor.KeyLister)
	list := func() ([]candor.DedupeKey, []candor.BlindIndex) {
		t.Helper()
		var dks []candor.DedupeKey
		var bis []candor.BlindIndex
		if err := kl.ListKeys(ctx, func(k candor.DedupeKey) { dks = append(dks, k) }, func(bi candor.BlindIndex) { bis = append(bis, bi) }); err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		slices.SortFunc(dks, func(a, b candor.DedupeKey) int { return bytes.Compare(a[:], b[:]) })
		slices.SortFunc(bis, func(a, b candor.BlindIndex) int { return bytes.Compare(a[:], b[:]) })
		return dks, bis
	}
	if dks, bis := list(); len(dks)+len(bis) != 0 {
		t.Fatalf("ListKeys of an empty store listed %d dedupe keys and %d indexes", len(dks), len(bis))
	}

	var wantD []candor.DedupeKey
	var wantI []candor.BlindIndex
	for range 3 {
		sub := newSubject(candor.Person)
		var bi candor.BlindIndex
		rand32(&bi)
		b := &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Indexes: []candor.IndexEntry{{Index: bi, Subject: sub.ID}}}
		for i := range 4 {
			e := newEvent(sub.ID, base.Add(time.Duration(i)*time.Hour))
			b.Events = append(b.Events, e)
			wantD = append(wantD, e.Dedupe)
		}
		wantI = append(wantI, bi)
		MustCommit(t, h.s, b)
	}
	// Sources, keys and meta values are not listed.
	if err := h.s.PutMeta(ctx, "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(wantD, func(a, b candor.DedupeKey) int { return bytes.Compare(a[:], b[:]) })
	slices.SortFunc(wantI, func(a, b candor.BlindIndex) int { return bytes.Compare(a[:], b[:]) })
	dks, bis := list()
	if !slices.Equal(dks, wantD) {
		t.Errorf("ListKeys listed %d dedupe keys, want the %d committed", len(dks), len(wantD))
	}
	if !slices.Equal(bis, wantI) {
		t.Errorf("ListKeys listed %d blind indexes, want the %d committed", len(bis), len(wantI))
	}
}

// testResetAuditLog checks that a reset forgets the mark and the log
// indexes, durably, and keeps the entries.
func testResetAuditLog(t *testing.T, h *harness) {
	r := h.s.(candor.LogResetter)
	seq := MustCommit(t, h.s, &candor.WriteBatch{
		Events: []*candor.EventRecord{newEvent(candor.NewSubjectID(), base)},
		Commitments: func(b *candor.WriteBatch, seq uint64) (write, access []candor.Commitment) {
			return []candor.Commitment{commitment(seq)}, nil
		},
	})
	if err := h.s.MarkLogged(ctx, candor.AuditMark{Seq: seq, Size: 1}, []candor.LoggedEntry{{Seq: seq, Indexes: []uint64{0}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.ResetAuditLog(ctx); err != nil {
		t.Fatalf("ResetAuditLog: %v", err)
	}
	s := h.reopen()
	if m, err := s.AuditMark(ctx); err != nil || m != (candor.AuditMark{}) {
		t.Errorf("AuditMark after a reset: %+v, %v; want zero", m, err)
	}
	_, err := s.LogIndexes(ctx, seq)
	wantCode(t, err, candor.ENOTFOUND, "LogIndexes after a reset")
	entries := auditEntries(t, s, 0)
	if len(entries) != 1 || entries[0].Seq != seq || len(entries[0].Write) != 1 || entries[0].Write[0] != commitment(seq) {
		t.Errorf("entries after a reset: %+v; want the one recorded, at sequence %d", entries, seq)
	}
	// The mark may start again from zero.
	if err := s.MarkLogged(ctx, candor.AuditMark{Seq: seq, Size: 1}, []candor.LoggedEntry{{Seq: seq, Indexes: []uint64{0}}}); err != nil {
		t.Errorf("MarkLogged after a reset: %v", err)
	}
}

// testCompact checks that Compact keeps what the store holds, and what an
// erasure removed stays removed.
func testCompact(t *testing.T, h *harness) {
	c := h.s.(candor.Compacter)
	kept, erased := newSubject(candor.Person), newSubject(candor.Person)
	ke, ee := newEvent(kept.ID, base), newEvent(erased.ID, base)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{kept, erased}, Events: []*candor.EventRecord{ke, ee}})
	MustCommit(t, h.s, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: erased.ID, Events: 1}}})
	if err := c.Compact(ctx); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	wantEvents(t, events(t, h.s, kept.ID, candor.EventFilter{}), []*candor.EventRecord{ke})
	wantEvents(t, events(t, h.s, erased.ID, candor.EventFilter{}), nil)
	_, err := h.s.Subject(ctx, erased.ID)
	wantCode(t, err, candor.ENOTFOUND, "Subject of an erased subject after Compact")
	_, err = h.s.Dedupe(ctx, ee.Dedupe)
	wantCode(t, err, candor.ENOTFOUND, "Dedupe of an erased event after Compact")
}
