package stats_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/stats"
)

// A person known by two linked identifiers is one person in every count:
// the tables by month count the union of the two subjects' facts once,
// bounded as one subject's are, and the grade census gives the person one
// grade. Unlinked, two again.
func TestLinkedPersonCountedOnce(t *testing.T) {
	const persons = 12
	w := newWorld(t, persons)
	ctx := context.Background()
	links := identity.New(identity.Config{Store: w.st, Vault: w.vault})
	s := w.service(stats.Options{Groups: links})
	exact := func(table candor.StatTable, labels ...string) int64 {
		t.Helper()
		q := candor.StatQuery{Table: table, Kind: candor.Person, Scorecard: w.credit.Scorecard().ID, From: w.month, To: w.month}
		cells, counts, err := stats.ExactCounts(ctx, s, q, w.credit)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, c := range cells {
			if labels == nil || fmt.Sprint(c) == fmt.Sprint(labels) {
				sum += counts[i]
			}
		}
		return sum
	}
	month := w.month.Format("2006-01")
	views := s.ConsoleViews(nil)
	check := func(when string, want int64) {
		t.Helper()
		// A migration counts subjects: its noise covers a linked
		// person's two.
		if b, err := views.MigrationBound(ctx); err != nil || b != 1+int(persons-want) {
			t.Errorf("%s: a person is in up to %d cells of a migration (%v), want %d", when, b, err, 1+persons-want)
		}
		if n := exact(candor.StatEventTypes, month, stats.All); n != want {
			t.Errorf("%s: %d persons with facts in the month, want %d", when, n, want)
		}
		if n := exact(candor.StatGrades); n != want {
			t.Errorf("%s: %d persons in the grade census, want %d", when, n, want)
		}
	}
	check("before the link", persons)
	// PP0000001 has one late instalment, PP0000002 two: 8 persons with
	// one, linked, 7.
	late := exact(candor.StatEventTypes, month, "credit.instalment_late")
	registry := &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry}
	req := identity.Request{Source: registry, Ref: "civ-1",
		First:  candor.Identifier{Scheme: candor.NationalID, Value: "PP0000001"},
		Second: candor.Identifier{Scheme: candor.NationalID, Value: "PP0000002"}}
	if _, err := links.Link(ctx, req); err != nil {
		t.Fatal(err)
	}
	check("linked", persons-1)
	if n := exact(candor.StatEventTypes, month, "credit.instalment_late"); n != late-1 {
		t.Errorf("linked: %d persons with a late instalment, want %d", n, late-1)
	}
	req.Ref = "civ-2"
	if _, err := links.Unlink(ctx, req); err != nil {
		t.Fatal(err)
	}
	check("unlinked", persons)
}
