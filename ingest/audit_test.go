package ingest_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// TestCommitmentsAreRecordedWithEvents checks that every group commit
// records, in its own audit entry, the write commitment of each event it
// stores, with the matches stored with it, recomputed here from the store
// and the subject's salt as a verifier would.
func TestCommitmentsAreRecordedWithEvents(t *testing.T) {
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	e := mustEnvWith(t, &env{matcher: scoring.NewMatcher(cards)})
	var commits []uint64
	for _, body := range []string{
		late("a1", "AB1234567", 45) + "\n" + late("a2", "CD1234567", 3),
		late("a3", "AB1234567", 90) + "\n" + late("a1", "AB1234567", 45), // one new, one duplicate
	} {
		res, err := e.post(t, body)
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, res.Commit)
	}
	ctx := context.Background()
	recorded := map[candor.Commitment]uint64{}
	for entry, err := range e.store.AuditEntries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if len(entry.Access) != 0 {
			t.Errorf("commit %d recorded access commitments", entry.Seq)
		}
		for _, c := range entry.Write {
			recorded[c] = entry.Seq
		}
	}
	if len(recorded) != 3 {
		t.Fatalf("%d write commitments recorded, want 3 (one per stored event)", len(recorded))
	}
	for _, nid := range []string{"AB1234567", "CD1234567"} {
		key := e.key(t, nid)
		for rec, err := range e.store.Events(ctx, key.Subject(), candor.EventFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			var ms []*candor.MatchRecord
			for _, c := range cards {
				for m, err := range e.store.Matches(ctx, rec.Subject, c.Key()) {
					if err != nil {
						t.Fatal(err)
					}
					if m.Event == rec.ID {
						mc := *m
						mc.Sealed = bytes.Clone(m.Sealed)
						ms = append(ms, &mc)
					}
				}
			}
			if len(ms) == 0 {
				t.Fatal("an event without matches; the test proves less than it says")
			}
			c := candor.EventCommitment(key.Salt(), rec, ms)
			seq, ok := recorded[c]
			if !ok {
				t.Fatalf("event %d of %s: its commitment is not recorded", rec.ID, nid)
			}
			if !slices.Contains(commits, seq) {
				t.Errorf("event %d recorded in commit %d, not one of the requests' commits %v", rec.ID, seq, commits)
			}
		}
	}
}
