package scoring_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/synth"
)

// Population is a synthetic population's events, validated as ingestion
// validates them and grouped by subject, each subject's in time order.
type Population struct {
	Subjects map[candor.SubjectID][]*candor.Event
	Kind     map[candor.SubjectID]candor.SubjectKind
}

var (
	popUntil = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	popNow   = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
)

// MustPopulation generates persons and orgs with synth into memory.
func MustPopulation(tb testing.TB, persons, orgs int) *Population {
	tb.Helper()
	cat := catalogue.Default()
	var mu sync.Mutex
	byIdent := map[candor.Identifier][]*candor.Event{}
	kinds := map[candor.Identifier]candor.SubjectKind{}
	var seq candor.EventID
	_, err := synth.Generate(context.Background(), synth.Config{Seed: 7, Persons: persons, Orgs: orgs, Until: popUntil, Now: popNow}, cat,
		func(src string, b []byte, _ int) error {
			ins, problems, err := ingest.Decode(b, ingest.FormatNDJSON, ingest.MaxEvents)
			if err != nil || len(problems) > 0 {
				return fmt.Errorf("decode: %v %v", err, problems)
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range ins {
				ev, ps := cat.Validate(&ins[i], i, popNow, nil)
				if len(ps) > 0 {
					return fmt.Errorf("validate: %v", ps)
				}
				seq++
				byIdent[ev.Identifier] = append(byIdent[ev.Identifier], &candor.Event{ID: seq, Source: src,
					SourceEventID: ev.SourceEventID, Type: ev.Type.Name, OccurredAt: ev.OccurredAt,
					RecordedAt: popNow, State: candor.StateActive, Fields: ev.Fields})
				kinds[ev.Identifier] = ev.Kind
			}
			return nil
		})
	if err != nil {
		tb.Fatal(err)
	}
	p := &Population{Subjects: map[candor.SubjectID][]*candor.Event{}, Kind: map[candor.SubjectID]candor.SubjectKind{}}
	for ident, evs := range byIdent {
		id := candor.NewSubjectID()
		for _, e := range evs {
			e.Subject = id
		}
		slices.SortStableFunc(evs, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
		p.Subjects[id] = evs
		p.Kind[id] = kinds[ident]
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
