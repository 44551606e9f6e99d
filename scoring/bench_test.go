package scoring_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
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

// The engine and the hand-written consumer-credit function agree on every
// person of a synthetic population, at several instants.
func TestHandWrittenCreditAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a population")
	}
	c := MustShipped(t, "consumer-credit")
	pop := MustPopulation(t, 1000, 0)
	for _, at := range []time.Time{popNow, popNow.AddDate(0, -7, -3), popNow.AddDate(1, 2, 0)} {
		for id, evs := range pop.Subjects {
			p, g, err := c.Points(id, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			if hp, hg := handCredit(evs, at); hp != p || hg != g {
				t.Fatalf("at %s: engine %d %s, hand-written %d %s", at, p, g, hp, hg)
			}
		}
	}
}

// creditHistory is a person with about 30 events: a loan with two late
// instalments, rent, a bill, a judgment paid.
func creditHistory() []*candor.Event {
	var evs []*candor.Event
	add := func(typ, when string, fs ...candor.Field) {
		evs = append(evs, &candor.Event{ID: candor.EventID(len(evs) + 1), Subject: subject, Type: typ,
			OccurredAt: day(when), State: candor.StateActive, Fields: fs})
	}
	str := func(n, v string, t candor.FieldType) candor.Field {
		return candor.Field{Name: n, Value: candor.Value{Type: t, Str: v}}
	}
	num := func(n string, v int64, t candor.FieldType) candor.Field {
		return candor.Field{Name: n, Value: candor.Value{Type: t, Int: v}}
	}
	add("credit.loan_opened", "2024-12-03", str("account", "NB-1", candor.FieldString), str("product", "consumer", candor.FieldEnum),
		num("principal", 180_000_000, candor.FieldAmount), str("currency", "EUR", candor.FieldCurrency), num("term_months", 24, candor.FieldInt))
	for k := range 22 {
		m := time.Date(2025, time.January+time.Month(k), 3, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		fs := []candor.Field{str("account", "NB-1", candor.FieldString), num("amount", 8_000_000, candor.FieldAmount), str("currency", "EUR", candor.FieldCurrency)}
		if k == 7 || k == 8 {
			add("credit.instalment_late", m, append(fs, num("days_late", int64(30*(k-6)), candor.FieldInt))...)
			continue
		}
		add("credit.instalment_paid", m, fs...)
	}
	for k := range 4 {
		add("rent.paid", fmt.Sprintf("2026-0%d-02", k+5), num("amount", 9_000_000, candor.FieldAmount), str("currency", "EUR", candor.FieldCurrency))
	}
	add("utility.bill_overdue", "2026-06-25", str("service", "gas", candor.FieldEnum), num("days_overdue", 35, candor.FieldInt),
		num("amount", 800_000, candor.FieldAmount), str("currency", "EUR", candor.FieldCurrency))
	add("court.money_judgment_entered", "2025-04-10", str("case_ref", "DC-1", candor.FieldString),
		num("amount", 25_000_000, candor.FieldAmount), str("currency", "EUR", candor.FieldCurrency))
	add("court.money_judgment_satisfied", "2025-09-10", str("case_ref", "DC-1", candor.FieldString))
	// In time order, as the store yields them.
	slices.SortStableFunc(evs, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return evs
}

// BenchmarkConsumerCredit scores one person with ~30 events with the
// shipped consumer-credit scorecard, and with the hand-written function in
// the same loop, interleaved so that both see the same machine. It reports
// ns per score for each and the ratio; explained-ns/op is Score with its
// explanation (contributions, reasons, hints), which rescoring makes
// dearer.
func BenchmarkConsumerCredit(b *testing.B) {
	c := MustShipped(b, "consumer-credit")
	evs := creditHistory()
	at := day("2026-11-24")
	p, g, err := c.Points(subject, evs, at)
	if hp, hg := handCredit(evs, at); err != nil || hp != p || hg != g {
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
			handCredit(evs, at)
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
	evs := creditHistory()
	at := day("2026-11-24")
	if n := testing.AllocsPerRun(100, func() { c.Points(subject, evs, at) }); n != 0 {
		t.Errorf("%v allocations per Points", n)
	}
}
