package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/candor-project/candor"
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
		a.Event == b.Event && a.State == b.State && bytes.Equal(a.Sealed, b.Sealed)
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
