package scoring_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// TestMatchesGiveTheSameScore checks the materialised path against the
// events: for every shipped scorecard, subjects of a synthetic population
// (some events disputed), and instants before, at and long after the data,
// scoring from matches gives exactly the score and explanation that scoring
// the events gives, and VerdictFromMatches the same without contributions
// and hints.
func TestMatchesGiveTheSameScore(t *testing.T) {
	pop := MustPopulation(t, 300, 60)
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, evs := range pop.Subjects {
		for i, e := range evs {
			if (n+i)%17 == 0 {
				e.State = candor.StateDisputed
			}
		}
		n++
	}
	instants := []time.Time{popNow.AddDate(-1, 0, 0), popNow, popNow.AddDate(1, 6, 0), popNow.AddDate(8, 0, 0)}
	long := 0 // subjects with more matches than VerdictFromMatches keeps on the stack
	for _, c := range cs {
		sc := c.Scorecard()
		compared := 0
		for id, evs := range pop.Subjects {
			if pop.Kind[id] != sc.SubjectKind {
				continue
			}
			ms := c.Matches(evs)
			if len(ms) > 64 {
				long++
			}
			// As stored since format 6 (the type's number alone) and before
			// (its name alone).
			numbered, named := slices.Clone(ms), slices.Clone(ms)
			for i, m := range ms {
				if m.Scorecard != c.Key() || m.Rules == 0 || m.TypeNo < 1 || sc.EventTypes()[m.TypeNo-1] != m.Type {
					t.Fatalf("%s: match %+v", sc.ID, m)
				}
				numbered[i].Type, named[i].TypeNo = "", 0
			}
			c.Resolve(numbered)
			c.Resolve(named)
			if !reflect.DeepEqual(numbered, ms) || !reflect.DeepEqual(named, ms) {
				t.Fatalf("%s: Resolve did not give stored matches their names and numbers back", sc.ID)
			}
			for i := range ms {
				numbered[i].Type, named[i].TypeNo = "", 0
			}
			for _, at := range instants {
				want, err := c.Score(id, evs, at)
				if err != nil {
					t.Fatal(err)
				}
				got := c.ScoreFromMatches(id, ms, at)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s at %s: from matches\n%+v\nfrom events\n%+v", sc.ID, at.Format(time.DateOnly), got, want)
				}
				for _, stored := range [][]candor.Match{numbered, named} {
					if got := c.ScoreFromMatches(id, stored, at); !reflect.DeepEqual(got, want) {
						t.Fatalf("%s at %s: from matches as stored\n%+v\nfrom events\n%+v", sc.ID, at.Format(time.DateOnly), got, want)
					}
				}
				verdict := want
				verdict.Contributions, verdict.Hints, verdict.Next = nil, nil, nil
				if v := c.VerdictFromMatches(id, ms, at); !reflect.DeepEqual(v, verdict) {
					t.Fatalf("%s at %s: VerdictFromMatches\n%+v\nwant\n%+v", sc.ID, at.Format(time.DateOnly), v, verdict)
				}
				if p, g := c.PointsFromMatches(ms, at); p != want.Points || g != want.Grade {
					t.Fatalf("%s at %s: PointsFromMatches = %d %s, want %d %s", sc.ID, at.Format(time.DateOnly), p, g, want.Points, want.Grade)
				}
				compared++
			}
		}
		if compared < 200 {
			t.Fatalf("%s: only %d scores compared", sc.ID, compared)
		}
	}
	if long == 0 {
		t.Error("no subject had more than 64 matches: the pooled buffer of long histories went untested")
	}
}

// TestMatchesOfAnotherVersionAreIgnored checks that matches stored for
// another scorecard version, or naming rules the version does not have,
// never count.
func TestMatchesOfAnotherVersionAreIgnored(t *testing.T) {
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	sc := c.Scorecard()
	typ := sc.Rules[0].EventTypes[0]
	base, _ := c.PointsFromMatches(nil, popNow)
	for _, m := range []candor.Match{
		{Scorecard: candor.KeyOf(sc.ID, sc.Version+1), Type: typ, OccurredAt: popNow.AddDate(0, -1, 0), State: candor.StateActive, Rules: 1},
		{Scorecard: c.Key(), Type: typ, OccurredAt: popNow.AddDate(0, -1, 0), State: candor.StateActive, Rules: 1 << 63},
	} {
		if p, _ := c.PointsFromMatches([]candor.Match{m}, popNow); p != base {
			t.Errorf("match %+v moved the points from %d to %d", m, base, p)
		}
	}
}
