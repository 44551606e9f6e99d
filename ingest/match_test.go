package ingest_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// TestMatchesAreStoredWithEvents checks that, with a Matcher, every event
// is stored with its matches with the active scorecards, whether its
// subject is new (the writer seals it) or stored (sealed before the
// writer), and that scores read from them equal scores from the events.
func TestMatchesAreStoredWithEvents(t *testing.T) {
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	e := mustEnvWith(t, &env{matcher: scoring.NewMatcher(cards)})
	for _, body := range []string{
		late("a1", "AB1234567", 45) + "\n" + late("a2", "AB1234567", 3),
		late("a3", "AB1234567", 90), // the subject is stored now
	} {
		if _, err := e.post(t, body); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	key := e.key(t, "AB1234567")
	events := e.events(t, "AB1234567")
	matched := 0
	for _, c := range cards {
		if c.Scorecard().SubjectKind != candor.Person {
			continue
		}
		got, err := key.ReadMatches(ctx, e.store, c.Key())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			if m.Type != "" || m.TypeNo == 0 {
				t.Fatalf("%s: a stored match names its type (%q, number %d): format 6 stores its number alone", c.Scorecard().ID, m.Type, m.TypeNo)
			}
		}
		resolved := slices.Clone(got)
		c.Resolve(resolved)
		want := c.Matches(events)
		if !reflect.DeepEqual(resolved, want) {
			t.Fatalf("%s: stored matches %+v, want %+v", c.Scorecard().ID, resolved, want)
		}
		matched += len(got)
		p, g := c.PointsFromMatches(got, testNow)
		if wp, wg, err := c.Points(events[0].Subject, events, testNow); err != nil || p != wp || g != wg {
			t.Fatalf("%s: from matches %d %s, from events %d %s (%v)", c.Scorecard().ID, p, g, wp, wg, err)
		}
	}
	if matched == 0 {
		t.Fatal("no shipped scorecard matched a late instalment; the test proves nothing")
	}
}
