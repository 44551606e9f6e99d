package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
)

// matches reads a subject's matches with one scorecard, copying each record,
// and fails the test on error.
func matches(tb testing.TB, s candor.Store, id candor.SubjectID, card candor.ScorecardKey) []candor.MatchRecord {
	tb.Helper()
	var out []candor.MatchRecord
	for r, err := range s.Matches(ctx, id, card) {
		if err != nil {
			tb.Fatalf("Matches(%s, %x): %v", id, card, err)
		}
		c := *r
		c.Sealed = bytes.Clone(r.Sealed)
		out = append(out, c)
	}
	return out
}

func sameMatch(a, b *candor.MatchRecord) bool {
	return a.Subject == b.Subject && a.Scorecard == b.Scorecard && a.OccurredAt.Equal(b.OccurredAt) &&
		a.Event == b.Event && a.State == b.State && a.Shared == b.Shared && bytes.Equal(a.Sealed, b.Sealed)
}

func wantMatches(tb testing.TB, got []candor.MatchRecord, want ...*candor.MatchRecord) {
	tb.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameMatch(&got[i], want[i])
	}
	if !ok {
		tb.Fatalf("got %d matches %+v, want %d %+v", len(got), got, len(want), want)
	}
}

// testMatches checks matches stored with their events (which take the
// event's subject, time, ID and state) and on their own, per subject and
// scorecard, in time order.
func testMatches(t *testing.T, h *harness) {
	const cardA, cardB candor.ScorecardKey = 1, 0xfedcba9876543210
	a, b := candor.NewSubjectID(), candor.NewSubjectID()
	late := newEvent(a, base.Add(time.Hour))
	late.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(20)}, {Scorecard: cardB, Sealed: randomBytes(21)}}
	early := withState(newEvent(a, base), candor.StateDisputed)
	early.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(22)}}
	other := newEvent(b, base)
	other.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(23)}}
	plain := newEvent(a, base.Add(2*time.Hour)) // matches no scorecard
	commitEvents(t, h.s, late, early, other, plain)

	for _, e := range []*candor.EventRecord{late, early, other} {
		for _, m := range e.Matches {
			if m.Subject != e.Subject || !m.OccurredAt.Equal(e.OccurredAt) || m.Event != e.ID || m.State != e.State {
				t.Fatalf("match %+v of event %s: Commit did not give it the event's placement and ID", m, formatEvent(e))
			}
		}
	}
	wantMatches(t, matches(t, h.s, a, cardA), early.Matches[0], late.Matches[0])
	wantMatches(t, matches(t, h.s, a, cardB), late.Matches[1])
	wantMatches(t, matches(t, h.s, b, cardA), other.Matches[0])
	wantMatches(t, matches(t, h.s, b, cardB))

	// Materialising a newly active scorecard for stored events.
	const cardC candor.ScorecardKey = 7
	put := []*candor.MatchRecord{
		{Subject: a, Scorecard: cardC, OccurredAt: plain.OccurredAt, Event: plain.ID, State: plain.State, Sealed: randomBytes(24)},
		{Subject: a, Scorecard: cardC, OccurredAt: early.OccurredAt, Event: early.ID, State: early.State, Sealed: randomBytes(25)},
	}
	if err := h.s.PutMatches(ctx, put); err != nil {
		t.Fatalf("PutMatches: %v", err)
	}
	wantMatches(t, matches(t, h.s, a, cardC), put[1], put[0])
	// Putting again replaces.
	put[0].Sealed = randomBytes(26)
	if err := h.s.PutMatches(ctx, put[:1]); err != nil {
		t.Fatalf("PutMatches again: %v", err)
	}
	wantMatches(t, matches(t, h.s, a, cardC), put[1], put[0])
	wantMatches(t, matches(t, h.reopen(), a, cardA), early.Matches[0], late.Matches[0])

	bad := *put[0]
	bad.Event = 0
	wantCode(t, h.s.PutMatches(ctx, []*candor.MatchRecord{put[1], &bad}), candor.EINVALID, "PutMatches without an event")
	if got := matches(t, h.s, a, cardC); !sameMatch(&got[1], put[0]) {
		t.Fatal("a refused PutMatches batch changed stored matches")
	}
}

// sharedGroup returns an event's matches with cards sealed together: one
// group (internal/matchlist) that each carries, marked Shared.
func sharedGroup(cards ...candor.ScorecardKey) []*candor.MatchRecord {
	g := append(matchlist.AppendGroupHeader(nil, cards), randomBytes(40)...)
	out := make([]*candor.MatchRecord, len(cards))
	for i, c := range cards {
		out[i] = &candor.MatchRecord{Scorecard: c, Shared: true, Sealed: g}
	}
	return out
}

// testSharedMatches checks matches sealed together with their event
// (MatchRecord.Shared): each is read, with its scorecard, as the whole
// group, marked Shared, by Matches and Event, before and after a state
// change and a reopening; one stored on its own replaces the group's for
// its scorecard; matches whose group is not theirs, and a match stored on
// its own marked Shared, are refused.
func testSharedMatches(t *testing.T, h *harness) {
	const cardA, cardB, cardC candor.ScorecardKey = 1, 0xfedcba9876543210, 5
	sub := newSubject(candor.Person)
	a := sub.ID
	three := newEvent(a, base)
	three.Matches = sharedGroup(cardB, cardA, cardC) // in the group's order, not the keys'
	one := newEvent(a, base.Add(time.Hour))
	one.Matches = sharedGroup(cardA)
	each := newEvent(a, base.Add(2*time.Hour)) // sealed each on its own
	each.Matches = []*candor.MatchRecord{{Scorecard: cardA, Sealed: randomBytes(20)}}
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: []*candor.EventRecord{three, one, each}})

	check := func(s candor.Store, state candor.EventState) {
		t.Helper()
		wantMatches(t, matches(t, s, a, cardA), withMatchState(three.Matches[1], state), one.Matches[0], each.Matches[0])
		wantMatches(t, matches(t, s, a, cardB), withMatchState(three.Matches[0], state))
		wantMatches(t, matches(t, s, a, cardC), withMatchState(three.Matches[2], state))
		_, ms, err := s.Event(ctx, three.Ref())
		if err != nil || len(ms) != 3 {
			t.Fatalf("Event: %+v, %v", ms, err)
		}
		for i, want := range []*candor.MatchRecord{three.Matches[1], three.Matches[2], three.Matches[0]} { // in key order
			if !sameMatch(ms[i], withMatchState(want, state)) || ms[i].Alone {
				t.Fatalf("Event's match %d: %+v, want %+v", i, ms[i], want)
			}
		}
	}
	check(h.s, candor.StateActive)
	MustCommit(t, h.s, &candor.WriteBatch{Changes: []candor.StateChange{{Event: three.Ref(), Seen: candor.Seen{State: candor.StateActive, Matches: 3}, State: candor.StateDisputed}}})
	check(h.s, candor.StateDisputed)
	check(h.reopen(), candor.StateDisputed)

	// One stored on its own replaces the group's for its scorecard only.
	alone := &candor.MatchRecord{Subject: a, Scorecard: cardC, OccurredAt: three.OccurredAt, Event: three.ID, State: candor.StateDisputed, Sealed: randomBytes(21)}
	if err := h.s.PutMatches(ctx, []*candor.MatchRecord{alone}); err != nil {
		t.Fatalf("PutMatches: %v", err)
	}
	wantMatches(t, matches(t, h.s, a, cardC), alone)
	wantMatches(t, matches(t, h.s, a, cardB), withMatchState(three.Matches[0], candor.StateDisputed))

	shared := *alone
	shared.Shared = true
	wantCode(t, h.s.PutMatches(ctx, []*candor.MatchRecord{&shared}), candor.EINVALID, "PutMatches of a match marked Shared")
	for name, ms := range map[string][]*candor.MatchRecord{
		"keys out of the group's order": {sharedGroup(cardA, cardB)[1], sharedGroup(cardA, cardB)[0]},
		"fewer than the group holds":    sharedGroup(cardA, cardB)[:1],
		"one not marked":                {sharedGroup(cardA)[0], {Scorecard: cardB, Sealed: randomBytes(20)}},
		"two groups":                    {sharedGroup(cardA, cardB)[0], sharedGroup(cardA, cardB)[1]},
	} {
		e := newEvent(a, base.Add(3*time.Hour))
		e.Matches = ms
		_, err := h.s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{e}})
		wantCode(t, err, candor.EINVALID, "an event whose shared matches "+name)
	}
	if got := events(t, h.s, a, candor.EventFilter{}); len(got) != 3 {
		t.Fatalf("refused events were stored: %d events", len(got))
	}
}

func withMatchState(m *candor.MatchRecord, s candor.EventState) *candor.MatchRecord {
	c := *m
	c.State = s
	return &c
}
