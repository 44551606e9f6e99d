package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/postgres/pgtest"
)

// TestMatchesKeptBothWays: matches kept in their event's row, rows of
// candor_matches stored with their event before migration 5, and matches
// stored on their own are read together, one on its own replacing one in
// the row for the same scorecard.
func TestMatchesKeptBothWays(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Database(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, CreatedAt: time.Unix(1, 0).UTC()}
	at := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	e := &candor.EventRecord{Subject: sub.ID, OccurredAt: at, State: candor.StateActive, Sealed: []byte("event"),
		Matches: []*candor.MatchRecord{{Scorecard: 1, Sealed: []byte("in row 1")}, {Scorecard: 2, Sealed: []byte("in row 2")}}}
	e.Dedupe[0], e.Digest[0] = 1, 1
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}, Events: []*candor.EventRecord{e}}); err != nil {
		t.Fatal(err)
	}
	// As stored before migration 5: a row of candor_matches, with its event.
	if _, err := s.pool.Exec(ctx, `INSERT INTO candor_matches (subject, scorecard, occurred, event, state, alone, sealed) VALUES ($1, 3, $2, $3, $4, false, 'old row 3')`,
		sub.ID[:], at.UnixNano(), int64(e.ID), int16(candor.StateActive)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMatches(ctx, []*candor.MatchRecord{{Subject: sub.ID, Scorecard: 2, OccurredAt: at, Event: e.ID, State: candor.StateActive, Sealed: []byte("alone 2")}}); err != nil {
		t.Fatal(err)
	}
	want := map[candor.ScorecardKey]struct {
		sealed string
		alone  bool
	}{1: {"in row 1", false}, 2: {"alone 2", true}, 3: {"old row 3", false}}
	_, ms, err := s.Event(ctx, e.Ref())
	if err != nil || len(ms) != 3 {
		t.Fatalf("Event: %d matches, %v; want 3", len(ms), err)
	}
	for i, m := range ms {
		w := want[m.Scorecard]
		if m.Scorecard != candor.ScorecardKey(i+1) || string(m.Sealed) != w.sealed || m.Alone != w.alone || m.Event != e.ID || m.State != candor.StateActive {
			t.Errorf("Event's match %d: %+v, want scorecard %d %+v", i, m, i+1, w)
		}
	}
	for card, w := range want {
		var got []string
		for m, err := range s.Matches(ctx, sub.ID, card) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(m.Sealed))
		}
		if len(got) != 1 || got[0] != w.sealed {
			t.Errorf("Matches with %d: %q, want [%q]", card, got, w.sealed)
		}
	}
	var rows int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM candor_matches`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2 {
		t.Errorf("candor_matches holds %d rows, want 2 (the old one and the one stored on its own): the event's own are in its row", rows)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE candor_events SET matches = '\x0102'::bytea`); err != nil {
		t.Fatal(err)
	}
	for _, err := range s.Matches(ctx, sub.ID, 1) {
		if err == nil {
			t.Error("a malformed matches column was read without an error")
		}
	}
}
