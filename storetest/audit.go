package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// auditEntries reads the durable audit entries after a sequence.
func auditEntries(tb testing.TB, s candor.Store, after uint64) []*candor.AuditEntry {
	tb.Helper()
	var out []*candor.AuditEntry
	for e, err := range s.AuditEntries(ctx, after) {
		if err != nil {
			tb.Fatalf("AuditEntries(%d): %v", after, err)
		}
		c := *e
		c.Write, c.Access = slices.Clone(e.Write), slices.Clone(e.Access)
		out = append(out, &c)
	}
	return out
}

func accessRecords(tb testing.TB, s candor.Store, sub candor.SubjectID) []candor.AccessRecord {
	tb.Helper()
	var out []candor.AccessRecord
	for r, err := range s.AccessRecords(ctx, sub) {
		if err != nil {
			tb.Fatalf("AccessRecords(%s): %v", sub, err)
		}
		c := *r
		c.Sealed = bytes.Clone(r.Sealed)
		out = append(out, c)
	}
	return out
}

// commitment returns a commitment that names its inputs, for checks.
func commitment(parts ...any) candor.Commitment {
	salt := candor.Salt{7}
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case candor.EventID:
			b = append(b, byte(v), byte(v>>8))
		case uint64:
			b = append(b, byte(v), byte(v>>8))
		case candor.SubjectID:
			b = append(b, v[:]...)
		}
	}
	return candor.NewCommitment(candor.AuditWrite, &salt, b)
}

// testAuditEntries checks that a batch's Commitments function sees the
// IDs, access numbers and sequence the commit assigns, that what it
// returns is recorded with the commit, and that AuditEntries yields
// entries in sequence order after a given one.
func testAuditEntries(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	e1, e2 := newEvent(sub.ID, base), newEvent(sub.ID, base.Add(time.Hour))
	acc := &candor.AccessRecord{Subject: sub.ID, Sealed: randomBytes(40)}
	var gotSeq uint64
	b := &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: []*candor.EventRecord{e1, e2},
		Access: []*candor.AccessRecord{acc},
		Commitments: func(b *candor.WriteBatch, seq uint64) (write, access []candor.Commitment) {
			gotSeq = seq
			for _, e := range b.Events {
				if e.ID == 0 {
					t.Error("Commitments called before the event IDs were assigned")
				}
				write = append(write, commitment(e.ID))
			}
			for _, a := range b.Access {
				if a.N == 0 || a.Commit != seq {
					t.Errorf("Commitments called with access record %+v in commit %d: not numbered", a, seq)
				}
				access = append(access, commitment(a.N))
			}
			return write, access
		}}
	seq := MustCommit(t, h.s, b)
	if gotSeq != seq {
		t.Fatalf("Commitments saw sequence %d, Commit returned %d", gotSeq, seq)
	}
	// A commit without commitments records no entry.
	commitEvents(t, h.s, newEvent(sub.ID, base.Add(2*time.Hour)))
	seq3 := MustCommit(t, h.s, &candor.WriteBatch{Events: []*candor.EventRecord{newEvent(sub.ID, base.Add(3*time.Hour))},
		Commitments: func(b *candor.WriteBatch, seq uint64) (write, access []candor.Commitment) {
			return []candor.Commitment{commitment(b.Events[0].ID)}, nil
		}})
	want := []*candor.AuditEntry{
		{Seq: seq, Write: []candor.Commitment{commitment(e1.ID), commitment(e2.ID)}, Access: []candor.Commitment{commitment(acc.N)}},
		{Seq: seq3, Write: []candor.Commitment{commitment(candor.EventID(4))}},
	}
	check := func(s candor.Store) {
		t.Helper()
		got := auditEntries(t, s, 0)
		if len(got) != 2 {
			t.Fatalf("AuditEntries(0): %d entries, want 2", len(got))
		}
		for i := range want {
			if got[i].Seq != want[i].Seq || !slices.Equal(got[i].Write, want[i].Write) || !slices.Equal(got[i].Access, want[i].Access) {
				t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		if got := auditEntries(t, s, seq); len(got) != 1 || got[0].Seq != seq3 {
			t.Errorf("AuditEntries(%d): %+v, want only the entry of commit %d", seq, got, seq3)
		}
		if got := auditEntries(t, s, seq3); len(got) != 0 {
			t.Errorf("AuditEntries(%d): %+v, want none", seq3, got)
		}
	}
	check(h.s)
	check(h.reopen())
}

// testAccessRecords checks that Commit numbers access records per subject
// (a number reveals nothing of others' reads) across commits and that
// they read back per subject, all together and one by one, also after a
// reopen.
func testAccessRecords(t *testing.T, h *harness) {
	a, b := candor.NewSubjectID(), candor.NewSubjectID()
	r1 := &candor.AccessRecord{Subject: a, Sealed: randomBytes(30)}
	r2 := &candor.AccessRecord{Subject: b, Sealed: randomBytes(31)}
	seq1 := MustCommit(t, h.s, &candor.WriteBatch{Access: []*candor.AccessRecord{r1, r2}})
	r3 := &candor.AccessRecord{Subject: a, Sealed: randomBytes(32)}
	seq2 := MustCommit(t, h.s, &candor.WriteBatch{Access: []*candor.AccessRecord{r3}})
	if r1.N != 1 || r2.N != 1 || r3.N != 2 {
		t.Fatalf("access numbers a:%d, b:%d, a:%d: want 1, 1, 2, numbered per subject", r1.N, r2.N, r3.N)
	}
	if r1.Commit != seq1 || r2.Commit != seq1 || r3.Commit != seq2 || r1.Pos != 0 || r2.Pos != 1 || r3.Pos != 0 {
		t.Fatalf("commits/positions %d/%d %d/%d %d/%d, want %d/0 %d/1 %d/0", r1.Commit, r1.Pos, r2.Commit, r2.Pos, r3.Commit, r3.Pos, seq1, seq1, seq2)
	}
	same := func(got *candor.AccessRecord, want *candor.AccessRecord) bool {
		return got.Subject == want.Subject && got.N == want.N && got.Commit == want.Commit && got.Pos == want.Pos && bytes.Equal(got.Sealed, want.Sealed)
	}
	check := func(s candor.Store) {
		t.Helper()
		if got := accessRecords(t, s, a); len(got) != 2 || !same(&got[0], r1) || !same(&got[1], r3) {
			t.Errorf("AccessRecords(a): %+v, want r1, r3", got)
		}
		if got := accessRecords(t, s, candor.SubjectID{}); len(got) != 3 {
			t.Errorf("AccessRecords(zero): %d records, want 3", len(got))
		}
		got, err := s.AccessRecord(ctx, b, r2.N)
		if err != nil || !same(got, r2) {
			t.Errorf("AccessRecord(b, %d): %+v, %v; want r2", r2.N, got, err)
		}
		_, err = s.AccessRecord(ctx, b, r3.N)
		wantCode(t, err, candor.ENOTFOUND, "AccessRecord of a number only another subject has")
	}
	check(h.s)
	s := h.reopen()
	check(s)
	r4 := &candor.AccessRecord{Subject: a, Sealed: randomBytes(5)}
	MustCommit(t, s, &candor.WriteBatch{Access: []*candor.AccessRecord{r4}})
	if r4.N != 3 {
		t.Errorf("after a reopen, access number %d, want 3", r4.N)
	}
	_, err := s.Commit(ctx, &candor.WriteBatch{Access: []*candor.AccessRecord{{Sealed: randomBytes(5)}}})
	wantCode(t, err, candor.EINVALID, "an access record without a subject")
}

// testAuditMark checks the mark of what is logged and the log indexes of
// logged entries.
func testAuditMark(t *testing.T, h *harness) {
	if m, err := h.s.AuditMark(ctx); err != nil || m != (candor.AuditMark{}) {
		t.Fatalf("AuditMark of a new store: %+v, %v; want zero", m, err)
	}
	_, err := h.s.LogIndexes(ctx, 1)
	wantCode(t, err, candor.ENOTFOUND, "LogIndexes of an unlogged entry")
	mark := candor.AuditMark{Seq: 5, Size: 9}
	if err := h.s.MarkLogged(ctx, mark, []candor.LoggedEntry{{Seq: 2, Indexes: []uint64{3, 4}}, {Seq: 5, Indexes: []uint64{8}}}); err != nil {
		t.Fatal(err)
	}
	check := func(s candor.Store) {
		t.Helper()
		if m, err := s.AuditMark(ctx); err != nil || m != mark {
			t.Errorf("AuditMark: %+v, %v; want %+v", m, err, mark)
		}
		if idx, err := s.LogIndexes(ctx, 2); err != nil || !slices.Equal(idx, []uint64{3, 4}) {
			t.Errorf("LogIndexes(2): %v, %v; want [3 4]", idx, err)
		}
	}
	check(h.s)
	s := h.reopen()
	check(s)
	wantCode(t, s.MarkLogged(ctx, candor.AuditMark{Seq: 4, Size: 10}, nil), candor.EINVALID, "a mark going back")
}

// testStandaloneMatches checks matches committed on their own, with the
// commitments of the batch.
func testStandaloneMatches(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	e := newEvent(sub, base)
	commitEvents(t, h.s, e)
	m := &candor.MatchRecord{Subject: sub, Scorecard: 3, OccurredAt: e.OccurredAt, Event: e.ID, State: e.State, Sealed: randomBytes(20)}
	MustCommit(t, h.s, &candor.WriteBatch{Matches: []*candor.MatchRecord{m}})
	wantMatches(t, matches(t, h.s, sub, 3), m)
	_, err := h.s.Commit(ctx, &candor.WriteBatch{Matches: []*candor.MatchRecord{{Subject: sub, Scorecard: 3, OccurredAt: base}}})
	wantCode(t, err, candor.EINVALID, "a match without an event")
}
