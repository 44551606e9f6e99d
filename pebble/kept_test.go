package pebble

import (
	"context"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestMatchesKeptBothWays: matches kept in their event's value (format
// 3), a match row stored with its event by format 2, and a match stored
// on its own are read together by Matches and Event, one on its own
// replacing one kept in the value for the same scorecard; a state change
// keeps the kept ones with the event, in its new state.
func TestMatchesKeptBothWays(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: time.Unix(1, 0).UTC()}
	at := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	e := &candor.EventRecord{Subject: sub.ID, OccurredAt: at, State: candor.StateActive, Sealed: []byte("event"),
		Matches: []*candor.MatchRecord{{Scorecard: 1, Sealed: []byte("kept 1")}, {Scorecard: 2, Sealed: []byte("kept 2")}}}
	e.Dedupe[0], e.Digest[0] = 1, 1
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: []*candor.EventRecord{e}}); err != nil {
		t.Fatal(err)
	}
	// As format 2 stored a match with its event: a row of the match table.
	b := s.db.NewBatch()
	putMatch(b, &candor.MatchRecord{Subject: sub.ID, Scorecard: 3, OccurredAt: at, Event: e.ID, State: candor.StateActive, Sealed: []byte("row 3")}, at.UnixNano())
	if err := b.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMatches(ctx, []*candor.MatchRecord{{Subject: sub.ID, Scorecard: 2, OccurredAt: at, Event: e.ID, State: candor.StateActive, Sealed: []byte("alone 2")}}); err != nil {
		t.Fatal(err)
	}
	check := func(state candor.EventState, want map[candor.ScorecardKey]string, alone map[candor.ScorecardKey]bool) {
		t.Helper()
		_, ms, err := s.Event(ctx, e.Ref())
		if err != nil || len(ms) != len(want) {
			t.Fatalf("Event: %d matches, %v; want %d", len(ms), err, len(want))
		}
		for i, m := range ms {
			if m.Scorecard != candor.ScorecardKey(i+1) || string(m.Sealed) != want[m.Scorecard] || m.Alone != alone[m.Scorecard] || m.Event != e.ID || m.State != state {
				t.Errorf("Event's match %d: %+v, want scorecard %d %q alone %v %v", i, m, i+1, want[m.Scorecard], alone[m.Scorecard], state)
			}
		}
		for card, sealed := range want {
			var got []string
			for m, err := range s.Matches(ctx, sub.ID, card) {
				if err != nil {
					t.Fatal(err)
				}
				if m.State != state {
					t.Errorf("Matches with %d: state %v, want %v", card, m.State, state)
				}
				got = append(got, string(m.Sealed))
			}
			if len(got) != 1 || got[0] != sealed {
				t.Errorf("Matches with %d: %q, want [%q]", card, got, sealed)
			}
		}
	}
	want := map[candor.ScorecardKey]string{1: "kept 1", 2: "alone 2", 3: "row 3"}
	check(candor.StateActive, want, map[candor.ScorecardKey]bool{2: true})
	if _, err := s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: e.Ref(), Seen: candor.Seen{State: candor.StateActive, Matches: 3}, State: candor.StateDisputed}}}); err != nil {
		t.Fatal(err)
	}
	check(candor.StateDisputed, want, nil) // every match now with its event
	if _, err := s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: e.Ref(), Seen: candor.Seen{State: candor.StateDisputed, Matches: 2}, State: candor.StateActive}}}); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("a change seeing 2 matches of 3: %v, want ECONFLICT", err)
	}
}
