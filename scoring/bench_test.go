package scoring_test

import (
	"testing"
	"time"

	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/internal/scorebench"
	"github.com/candor-project/candor/scoring"
)

// MustShipped returns the shipped scorecard with the given ID.
func MustShipped(tb testing.TB, id string) *scoring.Compiled {
	tb.Helper()
	cs, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range cs {
		if c.Scorecard().ID == id {
			return c
		}
	}
	tb.Fatalf("no shipped scorecard %s", id)
	return nil
}

// The engine and the hand-written consumer-credit function agree on the
// edge histories and on every person of a synthetic population, at several
// instants.
func TestHandWrittenCreditAgrees(t *testing.T) {
	c := MustShipped(t, "consumer-credit")
	for k, evs := range scorebench.EdgeHistories(subject) {
		for _, at := range scorebench.EdgeInstants(c.Scorecard(), evs) {
			p, g, err := c.Points(subject, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := scorebench.HandCredit(evs, at); hp != p || hg != g {
				t.Fatalf("edge history %d at %s: engine %d %s, hand-written %d %s", k, at, p, g, hp, hg)
			}
		}
	}
	if testing.Short() {
		t.Skip("generates a population")
	}
	pop := MustPopulation(t, 1000, 0)
	for _, at := range []time.Time{popNow, popNow.AddDate(0, -7, -3), popNow.AddDate(1, 2, 0)} {
		for id, evs := range pop.Subjects {
			p, g, err := c.Points(id, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := scorebench.HandCredit(evs, at); hp != p || hg != g {
				t.Fatalf("at %s: engine %d %s, hand-written %d %s", at, p, g, hp, hg)
			}
		}
	}
}

// BenchmarkConsumerCredit scores one person with ~30 events with the
// shipped consumer-credit scorecard, and with the hand-written function in
// the same loop, interleaved so that both see the same machine. It reports
// ns per score for each and the ratio; explained-ns/op is Score with its
// explanation (contributions, reasons, hints), which rescoring makes
// dearer.
func BenchmarkConsumerCredit(b *testing.B) {
	c := MustShipped(b, "consumer-credit")
	evs := scorebench.CreditHistory(subject)
	at := scorebench.HistoryAt
	p, g, err := c.Points(subject, evs, at)
	if hp, hg := scorebench.HandCredit(evs, at); err != nil || hp != p || hg != g {
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
			scorebench.HandCredit(evs, at)
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

// Points allocates nothing for events in time order: it can run over a
// whole population without pressure on the collector.
func TestPointsDoesNotAllocate(t *testing.T) {
	c := MustShipped(t, "consumer-credit")
	evs := scorebench.CreditHistory(subject)
	at := scorebench.HistoryAt
	if n := testing.AllocsPerRun(100, func() { c.Points(subject, evs, at) }); n != 0 {
		t.Errorf("%v allocations per Points", n)
	}
}
