package storetest

import (
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testChanges checks Event, state changes, deletions, erasure and retired
// commitments: what a dispute, a retention purge and an erasure do.
func testChanges(t *testing.T, h *harness) {
	const cardA, cardB candor.ScorecardKey = 1, 2
	subA, subB := newSubject(candor.Person), newSubject(candor.Person)
	a, b := subA.ID, subB.ID
	first := newEvent(a, base)
	first.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(20)}}
	second := newEvent(a, base.Add(time.Hour))
	second.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(21)}}
	other := newEvent(b, base)
	var ia, ib candor.BlindIndex
	rand32(&ia)
	rand32(&ib)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{subA, subB},
		Indexes: []candor.IndexEntry{{Index: ia, Subject: a}, {Index: ib, Subject: b}},
		Events:  []*candor.EventRecord{first, second, other}})
	// A version materialised later: a match stored on its own.
	alone := &candor.MatchRecord{Subject: a, Scorecard: cardB, OccurredAt: first.OccurredAt, Event: first.ID, State: first.State, Sealed: randomBytes(22)}
	MustCommit(t, h.s, &candor.WriteBatch{Matches: []*candor.MatchRecord{alone}})

	e, ms, err := h.s.Event(ctx, first.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if !sameEvent(e, first) || len(ms) != 2 || ms[0].Scorecard != cardA || ms[0].Alone || ms[1].Scorecard != cardB || !ms[1].Alone {
		t.Fatalf("Event: %s with matches %+v; want the first event, its match with A stored with it and with B alone", formatEvent(e), ms)
	}
	_, _, err = h.s.Event(ctx, candor.EventRef{Subject: a, OccurredAt: base, ID: second.ID})
	wantCode(t, err, candor.ENOTFOUND, "Event at another time")

	// A change of an event not as the caller saw it is refused whole.
	for _, stale := range []candor.Seen{{State: candor.StateDisputed, Matches: 2}, {State: candor.StateActive, Matches: 1}} {
		_, err = h.s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: first.Ref(), Seen: stale, State: candor.StateRemoved}}})
		wantCode(t, err, candor.ECONFLICT, "a change of an event seen otherwise")
		_, err = h.s.Commit(ctx, &candor.WriteBatch{Deletes: []candor.Deletion{{Event: first.Ref(), Seen: stale}}})
		wantCode(t, err, candor.ECONFLICT, "a deletion of an event seen otherwise")
	}
	asRead := candor.Seen{State: candor.StateActive, Matches: 2}
	retired := []candor.Commitment{commitment("first"), commitment("alone")}
	seq := MustCommit(t, h.s, &candor.WriteBatch{
		Changes: []candor.StateChange{{Event: first.Ref(), Seen: asRead, State: candor.StateDisputed}},
		Retire:  retired,
		Commitments: func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
			return []candor.Commitment{commitment("first disputed")}, nil
		}})
	e, ms, err = h.s.Event(ctx, first.Ref())
	if err != nil {
		t.Fatal(err)
	}
	if e.State != candor.StateDisputed || len(ms) != 2 || ms[0].State != candor.StateDisputed || ms[1].State != candor.StateDisputed || ms[1].Alone {
		t.Fatalf("after the change: event %v, matches %+v; want all disputed, stored with the event", e.State, ms)
	}
	if got := matches(t, h.s, a, cardB); len(got) != 1 || got[0].State != candor.StateDisputed {
		t.Fatalf("Matches after the change: %+v", got)
	}
	var entry *candor.AuditEntry
	for _, en := range auditEntries(t, h.s, seq-1) {
		if en.Seq == seq {
			entry = en
		}
	}
	want := []candor.Commitment{commitment("first disputed"), candor.RetireCommitment(retired)}
	if entry == nil || len(entry.Write) != 2 || entry.Write[0] != want[0] || entry.Write[1] != want[1] ||
		len(entry.Retired) != 2 || entry.Retired[0] != retired[0] || entry.Retired[1] != retired[1] {
		t.Fatalf("audit entry of the change: %+v; want writes %v and retired %v", entry, want, retired)
	}

	gone := candor.EventRef{Subject: a, OccurredAt: base, ID: 999}
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: gone, Seen: asRead, State: candor.StateRemoved}}})
	wantCode(t, err, candor.ECONFLICT, "a change of an event that is not stored")
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Deletes: []candor.Deletion{{Event: gone, Seen: asRead}}})
	wantCode(t, err, candor.ECONFLICT, "a deletion of an event that is not stored")
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: second.Ref(), Seen: candor.Seen{State: candor.StateActive, Matches: 1}, State: candor.StateExpired}}})
	wantCode(t, err, candor.EINVALID, "a change to the computed state expired")

	// Deleting the second event takes its match and dedupe entry with it.
	MustCommit(t, h.s, &candor.WriteBatch{Deletes: []candor.Deletion{{Event: second.Ref(), Seen: candor.Seen{State: candor.StateActive, Matches: 1}}}})
	wantEvents(t, events(t, h.s, a, candor.EventFilter{}), []*candor.EventRecord{withState(first, candor.StateDisputed)})
	_, err = h.s.Dedupe(ctx, second.Dedupe)
	wantCode(t, err, candor.ENOTFOUND, "the dedupe entry of a deleted event")
	if got := matches(t, h.s, a, cardA); len(got) != 1 || got[0].Event != first.ID {
		t.Fatalf("matches with A after the deletion: %+v", got)
	}

	// Erasing A leaves B whole.
	if err := h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: a, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c2", Subject: b, Data: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	MustCommit(t, h.s, &candor.WriteBatch{Access: []*candor.AccessRecord{{Subject: a, Sealed: []byte("a")}, {Subject: b, Sealed: []byte("b")}}})
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: a, Events: 1, Access: 0}}, Unindex: []candor.BlindIndex{ia}})
	wantCode(t, err, candor.ECONFLICT, "an erasure that missed an access record")
	MustCommit(t, h.s, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: a, Events: 1, Access: 1}}, Unindex: []candor.BlindIndex{ia}})
	_, err = h.s.Subject(ctx, a)
	wantCode(t, err, candor.ENOTFOUND, "an erased subject")
	_, err = h.s.SubjectByIndex(ctx, ia)
	wantCode(t, err, candor.ENOTFOUND, "an erased subject's index")
	_, err = h.s.Dedupe(ctx, first.Dedupe)
	wantCode(t, err, candor.ENOTFOUND, "an erased subject's dedupe entry")
	_, err = h.s.Record(ctx, candor.RecordConsent, "c1")
	wantCode(t, err, candor.ENOTFOUND, "an erased subject's record")
	if n := len(events(t, h.s, a, candor.EventFilter{})) + len(matches(t, h.s, a, cardA)) + len(matches(t, h.s, a, cardB)) + len(accessRecords(t, h.s, a)); n != 0 {
		t.Fatalf("%d events, matches and access records of the erased subject are left", n)
	}
	if _, err := h.s.Subject(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, err := h.s.SubjectByIndex(ctx, ib); err != nil || got != b {
		t.Fatalf("B's index: %v, %v", got, err)
	}
	if _, err := h.s.Record(ctx, candor.RecordConsent, "c2"); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, events(t, h.s, b, candor.EventFilter{}), []*candor.EventRecord{other})
	if n := len(accessRecords(t, h.s, b)); n != 1 {
		t.Fatalf("B has %d access records, want 1", n)
	}
}
