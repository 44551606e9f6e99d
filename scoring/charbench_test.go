package scoring_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/scorebench"
)

// The engine and the hand-written function agree on the characteristic
// credit scorecard over the edge histories and a synthetic population, at
// several instants.
func TestHandWrittenCharacteristicsAgree(t *testing.T) {
	c := MustLoad(t, "credit-characteristics.yaml", MustRead(t, "credit-characteristics.yaml"))
	for k, evs := range scorebench.EdgeHistories(subject) {
		for _, at := range scorebench.EdgeInstants(MustShipped(t, "consumer-credit").Scorecard(), evs) {
			p, g, err := c.Points(subject, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := scorebench.HandCharacteristics(evs, at); hp != p || hg != g {
				t.Fatalf("edge history %d at %s: engine %d %s, hand-written %d %s", k, at, p, g, hp, hg)
			}
		}
	}
	if testing.Short() {
		t.Skip("generates a population")
	}
	pop := MustPopulation(t, 1000, 0)
	grades := map[string]int{}
	for _, at := range []time.Time{popNow, popNow.AddDate(0, -7, -3), popNow.AddDate(1, 2, 0)} {
		for id, evs := range pop.Subjects {
			p, g, err := c.Points(id, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := scorebench.HandCharacteristics(evs, at); hp != p || hg != g {
				t.Fatalf("at %s: engine %d %s, hand-written %d %s", at, p, g, hp, hg)
			}
			grades[g]++
		}
	}
	if len(grades) < 3 {
		t.Errorf("grades %v: the population does not exercise the bins", grades)
	}
}

// BenchmarkCharacteristics scores one person with ~30 events with the
// characteristic credit scorecard and with the hand-written function in the
// same loop, interleaved, and reports ns per score for each and the ratio
// (target ≤ 3); explained-ns/op is Score with its explanation.
func BenchmarkCharacteristics(b *testing.B) {
	c := MustLoad(b, "credit-characteristics.yaml", MustRead(b, "credit-characteristics.yaml"))
	evs := scorebench.CreditHistory(subject)
	at := scorebench.HistoryAt
	p, g, err := c.Points(subject, evs, at)
	if hp, hg := scorebench.HandCharacteristics(evs, at); err != nil || hp != p || hg != g {
		b.Fatalf("engine %d %s %v, hand-written %d %s", p, g, err, hp, hg)
	}
	b.Logf("%d events: %d points, grade %s", len(evs), p, g)
	const batch = 100
	var engine, hand, explained time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			c.Points(subject, evs, at)
		}
		t1 := time.Now()
		for range batch {
			scorebench.HandCharacteristics(evs, at)
		}
		t2 := time.Now()
		c.Score(subject, evs, at)
		t3 := time.Now()
		engine += t1.Sub(t0)
		hand += t2.Sub(t1)
		explained += t3.Sub(t2)
		n++
	}
	e, h := float64(engine.Nanoseconds())/float64(n*batch), float64(hand.Nanoseconds())/float64(n*batch)
	b.ReportMetric(e, "engine-ns/op")
	b.ReportMetric(h, "hand-ns/op")
	b.ReportMetric(e/h, "engine/hand")
	b.ReportMetric(float64(explained.Nanoseconds())/float64(n), "explained-ns/op")
}

// Characteristic Points allocates nothing either, for events in time order.
func TestCharacteristicPointsDoesNotAllocate(t *testing.T) {
	c := MustLoad(t, "credit-characteristics.yaml", MustRead(t, "credit-characteristics.yaml"))
	evs := scorebench.CreditHistory(subject)
	if n := testing.AllocsPerRun(100, func() { c.Points(subject, evs, scorebench.HistoryAt) }); n != 0 {
		t.Errorf("%v allocations per Points", n)
	}
}

// The engine and the hand-written function agree on the scorecard with a
// sum and a max over the edge histories and a synthetic population, at
// several instants, from events and from stored matches.
func TestHandWrittenSumsAgree(t *testing.T) {
	c := MustLoad(t, "credit-sums.yaml", MustRead(t, "credit-sums.yaml"))
	check := func(what string, evs []*candor.Event, at time.Time) string {
		t.Helper()
		p, g, err := c.Points(subject, evs, at)
		if err != nil {
			t.Fatal(err)
		}
		if hp, hg := scorebench.HandSums(evs, at); hp != p || hg != g {
			t.Fatalf("%s at %s: engine %d %s, hand-written %d %s", what, at, p, g, hp, hg)
		}
		if mp, mg := c.PointsFromMatches(c.Matches(evs), at); mp != p || mg != g {
			t.Fatalf("%s at %s: from matches %d %s, from events %d %s", what, at, mp, mg, p, g)
		}
		return g
	}
	for k, evs := range scorebench.EdgeHistories(subject) {
		for _, at := range scorebench.EdgeInstants(MustShipped(t, "consumer-credit").Scorecard(), evs) {
			check(fmt.Sprintf("edge history %d", k), evs, at)
		}
	}
	check("credit history", scorebench.CreditHistory(subject), scorebench.HistoryAt)
	if testing.Short() {
		t.Skip("generates a population")
	}
	pop := MustPopulation(t, 1000, 0)
	grades := map[string]int{}
	for _, at := range []time.Time{popNow, popNow.AddDate(0, -7, -3), popNow.AddDate(1, 2, 0)} {
		for id, evs := range pop.Subjects {
			p, g, err := c.Points(id, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := scorebench.HandSums(evs, at); hp != p || hg != g {
				t.Fatalf("at %s: engine %d %s, hand-written %d %s", at, p, g, hp, hg)
			}
			grades[g]++
		}
	}
	if len(grades) < 3 {
		t.Errorf("grades %v: the population does not exercise the bins", grades)
	}
}

// BenchmarkSums is BenchmarkCharacteristics for the scorecard with a sum
// and a max: engine and hand-written function interleaved, the ratio
// reported (target ≤ 3); from-matches-ns/op scores from stored matches.
func BenchmarkSums(b *testing.B) {
	c := MustLoad(b, "credit-sums.yaml", MustRead(b, "credit-sums.yaml"))
	evs := scorebench.CreditHistory(subject)
	at := scorebench.HistoryAt
	ms := c.Matches(evs)
	p, g, err := c.Points(subject, evs, at)
	if hp, hg := scorebench.HandSums(evs, at); err != nil || hp != p || hg != g {
		b.Fatalf("engine %d %s %v, hand-written %d %s", p, g, err, hp, hg)
	}
	b.Logf("%d events, %d matches: %d points, grade %s", len(evs), len(ms), p, g)
	const batch = 100
	var engine, hand, matches time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			c.Points(subject, evs, at)
		}
		t1 := time.Now()
		for range batch {
			scorebench.HandSums(evs, at)
		}
		t2 := time.Now()
		for range batch {
			c.PointsFromMatches(ms, at)
		}
		t3 := time.Now()
		engine += t1.Sub(t0)
		hand += t2.Sub(t1)
		matches += t3.Sub(t2)
		n++
	}
	e, h := float64(engine.Nanoseconds())/float64(n*batch), float64(hand.Nanoseconds())/float64(n*batch)
	b.ReportMetric(e, "engine-ns/op")
	b.ReportMetric(h, "hand-ns/op")
	b.ReportMetric(e/h, "engine/hand")
	b.ReportMetric(float64(matches.Nanoseconds())/float64(n*batch), "from-matches-ns/op")
}

// Points with sums and maxima allocates nothing either, from events or
// from matches.
func TestSumPointsDoesNotAllocate(t *testing.T) {
	c := MustLoad(t, "credit-sums.yaml", MustRead(t, "credit-sums.yaml"))
	evs := scorebench.CreditHistory(subject)
	ms := c.Matches(evs)
	if n := testing.AllocsPerRun(100, func() { c.Points(subject, evs, scorebench.HistoryAt) }); n != 0 {
		t.Errorf("%v allocations per Points", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.PointsFromMatches(ms, scorebench.HistoryAt) }); n != 0 {
		t.Errorf("%v allocations per PointsFromMatches", n)
	}
}

// A long history (more hits than the stack buffer holds) borrows a pooled
// buffer: no allocation from events or from matches, and the same points.
func TestLongHistoryDoesNotAllocate(t *testing.T) {
	c := MustLoad(t, "credit-sums.yaml", MustRead(t, "credit-sums.yaml"))
	var evs []*candor.Event
	for len(c.Matches(evs)) <= 200 {
		evs = append(evs, scorebench.CreditHistory(subject)...)
	}
	slices.SortStableFunc(evs, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	ms := c.Matches(evs)
	p, g, err := c.Points(subject, evs, scorebench.HistoryAt)
	if mp, mg := c.PointsFromMatches(ms, scorebench.HistoryAt); err != nil || mp != p || mg != g {
		t.Fatalf("%d matches: from events %d %s (%v), from matches %d %s", len(ms), p, g, err, mp, mg)
	}
	if n := testing.AllocsPerRun(100, func() { c.Points(subject, evs, scorebench.HistoryAt) }); n != 0 {
		t.Errorf("%v allocations per Points of %d events", n, len(evs))
	}
	if n := testing.AllocsPerRun(100, func() { c.PointsFromMatches(ms, scorebench.HistoryAt) }); n != 0 {
		t.Errorf("%v allocations per PointsFromMatches of %d matches", n, len(ms))
	}
}
