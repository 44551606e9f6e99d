package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func testSubjectRoundTrip(t *testing.T, h *harness) {
	tests := []struct {
		name string
		rec  candor.SubjectRecord
	}{
		{"person", newSubject(candor.Person)},
		{"organisation", newSubject(candor.Organisation)},
		{"short", candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: base, Sealed: randomBytes(10)}},
		{"nothing sealed", candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: base}},
		{"zero time", candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Organisation}},
		{"before 1970", candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: time.Date(1931, 5, 2, 1, 2, 3, 4, time.UTC)}},
		{"large", candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: base, Sealed: randomBytes(64 << 10)}},
	}
	var b candor.WriteBatch
	for _, tt := range tests {
		b.Subjects = append(b.Subjects, tt.rec)
	}
	MustCommit(t, h.s, &b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.s.Subject(ctx, tt.rec.ID)
			if err != nil {
				t.Fatalf("Subject: %v", err)
			}
			want := &tt.rec
			if got.ID != want.ID || got.Kind != want.Kind || !got.CreatedAt.Equal(want.CreatedAt) ||
				!bytes.Equal(got.Sealed, want.Sealed) {
				t.Errorf("Subject = {%s %s %s %d sealed}, want {%s %s %s %d sealed}",
					got.ID, got.Kind, got.CreatedAt, len(got.Sealed),
					want.ID, want.Kind, want.CreatedAt, len(want.Sealed))
			}
			if want.CreatedAt.IsZero() && !got.CreatedAt.IsZero() {
				t.Errorf("CreatedAt = %s, want the zero time", got.CreatedAt)
			}
		})
	}
	t.Run("miss", func(t *testing.T) {
		_, err := h.s.Subject(ctx, candor.NewSubjectID())
		wantCode(t, err, candor.ENOTFOUND, "Subject of an unknown ID")
	})
}

func testSubjectByIndex(t *testing.T, h *harness) {
	sub := newSubject(candor.Person)
	var bi1, bi2, other candor.BlindIndex
	rand32(&bi1)
	rand32(&bi2)
	rand32(&other)
	MustCommit(t, h.s, &candor.WriteBatch{
		Subjects: []candor.SubjectRecord{sub},
		Indexes:  []candor.IndexEntry{{Index: bi1, Subject: sub.ID}, {Index: bi2, Subject: sub.ID}},
	})
	tests := []struct {
		name string
		bi   candor.BlindIndex
		want candor.SubjectID
		code string
	}{
		{"first index", bi1, sub.ID, ""},
		{"second index", bi2, sub.ID, ""},
		{"miss", other, candor.SubjectID{}, candor.ENOTFOUND},
		{"zero index", candor.BlindIndex{}, candor.SubjectID{}, candor.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.s.SubjectByIndex(ctx, tt.bi)
			wantCode(t, err, tt.code, "SubjectByIndex")
			if got != tt.want {
				t.Errorf("SubjectByIndex = %s, want %s", got, tt.want)
			}
		})
	}
}

// testIndexesOf: IndexesOf finds every index of the subjects asked for,
// none of another's, and leaves out a subject with none.
func testIndexesOf(t *testing.T, h *harness) {
	a, b, c := newSubject(candor.Person), newSubject(candor.Person), newSubject(candor.Organisation)
	var a1, a2, b1, c1 candor.BlindIndex
	for _, bi := range []*candor.BlindIndex{&a1, &a2, &b1, &c1} {
		rand32(bi)
	}
	MustCommit(t, h.s, &candor.WriteBatch{
		Subjects: []candor.SubjectRecord{a, b, c},
		Indexes:  []candor.IndexEntry{{Index: a1, Subject: a.ID}, {Index: b1, Subject: b.ID}, {Index: a2, Subject: a.ID}, {Index: c1, Subject: c.ID}},
	})
	none := candor.NewSubjectID()
	got, err := h.s.IndexesOf(ctx, []candor.SubjectID{a.ID, c.ID, none})
	if err != nil {
		t.Fatalf("IndexesOf: %v", err)
	}
	sortIndexes := func(bis []candor.BlindIndex) []candor.BlindIndex {
		return slices.SortedFunc(slices.Values(bis), func(x, y candor.BlindIndex) int { return bytes.Compare(x[:], y[:]) })
	}
	want := map[candor.SubjectID][]candor.BlindIndex{a.ID: sortIndexes([]candor.BlindIndex{a1, a2}), c.ID: {c1}}
	if len(got) != len(want) || !slices.Equal(sortIndexes(got[a.ID]), want[a.ID]) || !slices.Equal(got[c.ID], want[c.ID]) {
		t.Errorf("IndexesOf(a, c, none) = %x, want %x", got, want)
	}
}

func rand32(b *candor.BlindIndex) { copy(b[:], randomBytes(len(b))) }

func testDedupe(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	e1, e2 := newEvent(sub, base), newEvent(sub, base.Add(time.Hour))
	commitEvents(t, h.s, e1, e2)
	for i, e := range []*candor.EventRecord{e1, e2} {
		got, err := h.s.Dedupe(ctx, e.Dedupe)
		if err != nil {
			t.Fatalf("Dedupe of event %d: %v", i, err)
		}
		want := candor.DedupeEntry{Digest: e.Digest, Subject: sub, Event: e.ID}
		if got != want {
			t.Errorf("Dedupe of event %d = %+v, want %+v", i, got, want)
		}
	}
	var miss candor.DedupeKey
	copy(miss[:], randomBytes(len(miss)))
	_, err := h.s.Dedupe(ctx, miss)
	wantCode(t, err, candor.ENOTFOUND, "Dedupe of an unknown key")
}

func testCommitAssignsIDs(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	var lastSeq uint64
	next := candor.EventID(1)
	for i, n := range []int{3, 1, 0, 5} {
		evs := make([]*candor.EventRecord, n)
		for j := range evs {
			evs[j] = newEvent(sub, base.Add(time.Duration(-j)*time.Minute))
			evs[j].ID = 999 // ignored: the store assigns IDs
		}
		seq := commitEvents(t, h.s, evs...)
		if i > 0 && seq <= lastSeq {
			t.Errorf("commit %d: sequence %d, not above the previous %d", i, seq, lastSeq)
		}
		lastSeq = seq
		for j, e := range evs {
			if e.ID != next {
				t.Errorf("commit %d, event %d: ID %d, want %d", i, j, e.ID, next)
			}
			next++
		}
	}
}

func testEmptyBatch(t *testing.T, h *harness) {
	s1 := MustCommit(t, h.s, &candor.WriteBatch{})
	s2 := MustCommit(t, h.s, &candor.WriteBatch{Events: []*candor.EventRecord{}})
	if s2 <= s1 {
		t.Errorf("commit sequences %d then %d, want increasing", s1, s2)
	}
	sub := candor.NewSubjectID()
	e := newEvent(sub, base)
	commitEvents(t, h.s, e)
	if e.ID != 1 {
		t.Errorf("first event after empty commits has ID %d, want 1", e.ID)
	}
}

func testInvalidBatch(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	good := newEvent(sub, base)
	_, err := h.s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{good, nil}})
	wantCode(t, err, candor.EINVALID, "Commit with a nil event")
	if got := events(t, h.s, sub, candor.EventFilter{}); len(got) != 0 {
		t.Errorf("a rejected batch stored %d events", len(got))
	}
	if _, err := h.s.Dedupe(ctx, good.Dedupe); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a rejected batch stored a dedupe entry (Dedupe error %v)", err)
	}
	if good.ID != 0 {
		t.Errorf("a rejected batch assigned event ID %d", good.ID)
	}
	// The zero subject is no subject: erasing it would take the records
	// about no subject (relying parties, administrative acts) with it.
	party := &candor.Record{Kind: candor.RecordRelyingParty, ID: "rp1", Data: []byte("{}")}
	if err := h.s.PutRecord(ctx, party); err != nil {
		t.Fatal(err)
	}
	_, err = h.s.Commit(ctx, &candor.WriteBatch{Erase: []candor.Erasure{{}}})
	wantCode(t, err, candor.EINVALID, "Commit erasing the zero subject")
	if _, err := h.s.Record(ctx, candor.RecordRelyingParty, "rp1"); err != nil {
		t.Errorf("a refused erasure of the zero subject: the record about no subject is gone (%v)", err)
	}
}

func testCancelledContext(t *testing.T, h *harness) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	sub := candor.NewSubjectID()
	if _, err := h.s.Commit(cctx, &candor.WriteBatch{Events: []*candor.EventRecord{newEvent(sub, base)}}); err == nil {
		t.Error("Commit with a cancelled context succeeded")
	}
	if got := events(t, h.s, sub, candor.EventFilter{}); len(got) != 0 {
		t.Errorf("a cancelled commit stored %d events", len(got))
	}
}

func testEventRoundTrip(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	tests := []struct {
		name string
		ev   *candor.EventRecord
	}{
		{"active", newEvent(sub, base)},
		{"disputed", withState(newEvent(sub, base.Add(1)), candor.StateDisputed)},
		{"corrected", withState(newEvent(sub, base.Add(2)), candor.StateCorrected)},
		{"removed", withState(newEvent(sub, base.Add(3)), candor.StateRemoved)},
		{"empty payload", withSealed(newEvent(sub, base.Add(4)), nil)},
		{"large payload", withSealed(newEvent(sub, base.Add(5)), randomBytes(100<<10))},
		{"non-UTC time", newEvent(sub, base.Add(6).In(time.FixedZone("UTC+5", 5*3600)))},
	}
	var evs []*candor.EventRecord
	for _, tt := range tests {
		evs = append(evs, tt.ev)
	}
	commitEvents(t, h.s, evs...)
	got := events(t, h.s, sub, candor.EventFilter{})
	if len(got) != len(tests) {
		t.Fatalf("Events returned %d events, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !sameEvent(&got[i], tt.ev) {
				t.Errorf("got %s, want %s", formatEvent(&got[i]), formatEvent(tt.ev))
			}
		})
	}
}

func withState(e *candor.EventRecord, s candor.EventState) *candor.EventRecord {
	e.State = s
	return e
}

func withSealed(e *candor.EventRecord, b []byte) *candor.EventRecord {
	e.Sealed = b
	return e
}

func testEventsOrder(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	at := func(d time.Duration) time.Time { return base.Add(d) }
	// Committed out of time order, over several commits, with ties (the
	// same instant in different and in the same commits) and times before
	// 1970, which a naive encoding of negative times sorts last.
	commits := [][]*candor.EventRecord{
		{newEvent(sub, at(3*time.Hour)), newEvent(sub, at(time.Hour))},
		{newEvent(sub, at(time.Hour)), newEvent(sub, time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC))},
		{newEvent(sub, at(2*time.Hour)), newEvent(sub, at(time.Hour+1)), newEvent(sub, at(time.Hour))},
		{newEvent(sub, time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)), newEvent(sub, time.Unix(0, 0))},
		{newEvent(sub, at(-time.Hour)), newEvent(sub, at(3*time.Hour))},
	}
	var all []*candor.EventRecord
	for _, c := range commits {
		commitEvents(t, h.s, c...)
		all = append(all, c...)
	}
	wantEvents(t, events(t, h.s, sub, candor.EventFilter{}), sortedByOccurrence(all))
}

func testEventsIsolation(t *testing.T, h *harness) {
	id := func(b ...byte) candor.SubjectID {
		var s candor.SubjectID
		copy(s[16-len(b):], b)
		return s
	}
	ff := func(last byte) candor.SubjectID {
		var s candor.SubjectID
		for i := range s {
			s[i] = 0xff
		}
		s[15] = last
		return s
	}
	mid := candor.NewSubjectID()
	mid[15] = 0x7f
	next, prev := mid, mid
	next[15]++
	prev[15]--
	carry := mid
	carry[14], carry[15] = 0x00, 0xff // its successor carries into byte 14
	carryNext := carry
	carryNext[14], carryNext[15] = 0x01, 0x00
	subjects := []candor.SubjectID{
		id(1), id(2), id(1, 0), ff(0xfe), ff(0xff), mid, next, prev, carry, carryNext,
	}
	want := map[candor.SubjectID][]*candor.EventRecord{}
	var batch []*candor.EventRecord
	for i, s := range subjects {
		for j := range 3 {
			e := newEvent(s, base.Add(time.Duration(i*3+j)*time.Second))
			batch = append(batch, e)
			want[s] = append(want[s], e)
		}
	}
	commitEvents(t, h.s, batch...)
	for _, s := range subjects {
		t.Run(s.String(), func(t *testing.T) {
			wantEvents(t, events(t, h.s, s, candor.EventFilter{}), want[s])
		})
	}
	for _, s := range []candor.SubjectID{{}, id(3), ff(0xfd), candor.NewSubjectID()} {
		t.Run("unknown "+s.String(), func(t *testing.T) {
			if got := events(t, h.s, s, candor.EventFilter{}); len(got) != 0 {
				t.Errorf("Events of an unknown subject returned %d events, the first %s", len(got), formatEvent(&got[0]))
			}
		})
	}
}

func testEventsSince(t *testing.T, h *harness) {
	sub, other := candor.NewSubjectID(), candor.NewSubjectID()
	var evs []*candor.EventRecord
	for i := range 5 {
		evs = append(evs, newEvent(sub, base.Add(time.Duration(i)*24*time.Hour)))
	}
	evs = append(evs, newEvent(sub, evs[2].OccurredAt)) // a tie at the boundary
	pre := newEvent(sub, time.Date(1960, 6, 1, 0, 0, 0, 0, time.UTC))
	evs = append(evs, pre)
	commitEvents(t, h.s, evs...)
	commitEvents(t, h.s, newEvent(other, base.Add(100*24*time.Hour)))
	all := sortedByOccurrence(evs)
	tests := []struct {
		name  string
		since time.Time
		want  []*candor.EventRecord
	}{
		{"zero: all", time.Time{}, all},
		{"far past", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), all},
		{"before 1970", time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC), all[1:]},
		{"at the first", pre.OccurredAt, all},
		{"just after the first", pre.OccurredAt.Add(1), all[1:]},
		{"at an instant shared by two", evs[2].OccurredAt, all[3:]},
		{"one nanosecond later", evs[2].OccurredAt.Add(1), all[5:]},
		{"at the last", evs[4].OccurredAt, all[6:]},
		{"after the last", evs[4].OccurredAt.Add(time.Nanosecond), nil},
		{"far future", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), nil},
		{"other time zone", evs[3].OccurredAt.In(time.FixedZone("UTC-8", -8*3600)), all[5:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantEvents(t, events(t, h.s, sub, candor.EventFilter{Since: tt.since}), tt.want)
		})
	}
}

func testEventsEarlyBreak(t *testing.T, h *harness) {
	sub := candor.NewSubjectID()
	var evs []*candor.EventRecord
	for i := range 10 {
		evs = append(evs, newEvent(sub, base.Add(time.Duration(i)*time.Minute)))
	}
	commitEvents(t, h.s, evs...)
	for _, stop := range []int{1, 3, 9} {
		n := 0
		for r, err := range h.s.Events(ctx, sub, candor.EventFilter{}) {
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			if r.ID != evs[n].ID {
				t.Fatalf("event %d has ID %d, want %d", n, r.ID, evs[n].ID)
			}
			if n++; n == stop {
				break
			}
		}
		if n != stop {
			t.Fatalf("iteration stopped after %d events, want %d", n, stop)
		}
	}
	// A cancelled context ends the iteration with its error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	var sawErr bool
	for _, err := range h.s.Events(cctx, sub, candor.EventFilter{}) {
		if err != nil {
			sawErr = true
		}
	}
	if !sawErr {
		t.Error("Events with a cancelled context yielded no error")
	}
	// The store still reads, and closes cleanly (no iterator left open).
	wantEvents(t, events(t, h.s, sub, candor.EventFilter{}), evs)
	h.close()
}

func testLargeBatch(t *testing.T, h *harness) {
	const subjects, perSubject = 100, 100
	subs := make([]candor.SubjectID, subjects)
	for i := range subs {
		subs[i] = candor.NewSubjectID()
	}
	evs := make([]*candor.EventRecord, 0, subjects*perSubject)
	for i := range subjects * perSubject {
		// Interleave subjects and go back in time, so that commit order is
		// neither subject nor time order.
		e := newEvent(subs[i%subjects], base.Add(-time.Duration(i)*time.Second))
		e.Sealed = randomBytes(200)
		evs = append(evs, e)
	}
	seq := commitEvents(t, h.s, evs...)
	for i, e := range evs {
		if e.ID != candor.EventID(i+1) {
			t.Fatalf("event %d has ID %d, want %d", i, e.ID, i+1)
		}
	}
	for i, sub := range subs {
		var want []*candor.EventRecord
		for j := i; j < len(evs); j += subjects {
			want = append(want, evs[j])
		}
		wantEvents(t, events(t, h.s, sub, candor.EventFilter{}), sortedByOccurrence(want))
	}
	for _, i := range []int{0, 1, 4999, len(evs) - 1} {
		d, err := h.s.Dedupe(ctx, evs[i].Dedupe)
		if err != nil || d.Event != evs[i].ID {
			t.Errorf("Dedupe of event %d = %+v, %v; want event %d", i, d, err, evs[i].ID)
		}
	}
	if next := MustCommit(t, h.s, &candor.WriteBatch{}); next <= seq {
		t.Errorf("commit after the large batch has sequence %d, not above %d", next, seq)
	}
}
