package scoring_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/internal/scorebench"
	"github.com/candor-project/candor/scoring"
)

var popNow = scorebench.PopNow

// MustPopulation generates persons and orgs with synth into memory.
func MustPopulation(tb testing.TB, persons, orgs int) *scorebench.Population {
	tb.Helper()
	p, err := scorebench.NewPopulation(catalogue.Default(), persons, orgs)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestShippedGradeSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a population")
	}
	pop := MustPopulation(t, 2000, 300)
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		sc := c.Scorecard()
		t.Run(sc.ID, func(t *testing.T) {
			grades := map[string]int{}
			n := 0
			for id, evs := range pop.Subjects {
				if pop.Kind[id] != sc.SubjectKind {
					continue
				}
				s, err := c.Score(id, evs, popNow)
				if err != nil {
					t.Fatal(err)
				}
				p, g, err := c.Points(id, evs, popNow)
				if err != nil || p != s.Points || g != s.Grade {
					t.Fatalf("Points = %d %s %v, Score = %d %s", p, g, err, s.Points, s.Grade)
				}
				grades[s.Grade]++
				n++
			}
			var parts []string
			for _, b := range sc.Grades {
				parts = append(parts, fmt.Sprintf("%s %.1f%%", b.Grade, 100*float64(grades[b.Grade])/float64(n)))
			}
			t.Logf("%d subjects: %s", n, strings.Join(parts, ", "))
			if len(grades) < 3 {
				t.Errorf("only %d grades occur; want at least 3", len(grades))
			}
			top := make([]int, 0, len(grades))
			for _, k := range grades {
				top = append(top, k)
			}
			sort.Sort(sort.Reverse(sort.IntSlice(top)))
			if float64(top[0]) > 0.7*float64(n) {
				t.Errorf("one grade holds %d of %d subjects; want at most 70%%", top[0], n)
			}
		})
	}
}
