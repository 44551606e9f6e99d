package scorebench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/synth"
)

// HistoryAt is the instant CreditHistory is scored at.
var HistoryAt = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// CreditHistory is a person, subject, with 30 events: a loan with two late
// instalments, rent, a bill, a judgment paid. The events are in time order,
// as the store yields them.
func CreditHistory(subject candor.SubjectID) []*candor.Event {
	h := &history{subject: subject}
	h.add("credit.loan_opened", day("2024-12-03"), loan("consumer", 180_000_000)...)
	for k := range 22 {
		when := time.Date(2025, time.January+time.Month(k), 3, 0, 0, 0, 0, time.UTC)
		if k == 7 || k == 8 {
			h.add("credit.instalment_late", when, append(instalment(), num("days_late", int64(30*(k-6)), candor.FieldInt))...)
			continue
		}
		h.add("credit.instalment_paid", when, instalment()...)
	}
	for k := range 4 {
		h.add("rent.paid", day(fmt.Sprintf("2026-0%d-02", k+5)), num("amount", 9_000_000, candor.FieldAmount), eur)
	}
	h.add("utility.bill_overdue", day("2026-06-25"), overdue(35)...)
	h.add("court.money_judgment_entered", day("2025-04-10"), str("case_ref", "DC-1", candor.FieldReference),
		num("amount", 25_000_000, candor.FieldAmount), eur)
	h.add("court.money_judgment_satisfied", day("2025-09-10"), str("case_ref", "DC-1", candor.FieldReference))
	return h.sorted()
}

// EdgeHistories are persons whose events reach what a synthetic population
// seldom does: every cap and every "at most" of the consumer-credit
// scorecard, and both sides of each condition's boundary (29 and 30, 59
// and 60 days late; amounts of exactly 5,000 and 15,000 and a
// ten-thousandth more; unsecured products or not). Each has one such
// group, so that the rest does not hold its points at the minimum, over a
// run of on-time instalments. Score them at EdgeInstants: at most instants
// only some of the group counts.
func EdgeHistories(subject candor.SubjectID) [][]*candor.Event {
	start := day("2020-01-15")
	month := func(k int) time.Time { return start.AddDate(0, k, 0) }
	base := func(n int) *history {
		h := &history{subject: subject}
		for k := range n {
			h.add("credit.instalment_paid", month(k), instalment()...)
		}
		return h
	}
	var out [][]*candor.Event

	h := base(64) // instalments under 60 days late, capped at 175
	for k, days := range []int64{1, 29, 30, 59, 59, 45} {
		h.add("credit.instalment_late", month(50+k), append(instalment(), num("days_late", days, candor.FieldInt))...)
	}
	out = append(out, h.sorted())

	h = base(64) // 60 days late or more, capped at 300
	for k, days := range []int64{60, 61, 90, 365, 60} {
		h.add("credit.instalment_late", month(50+k), append(instalment(), num("days_late", days, candor.FieldInt))...)
	}
	out = append(out, h.sorted())

	h = base(64) // defaults, capped at 300; of more than 5,000, capped at 80
	for k, amount := range []int64{50_000_000, 50_000_001, 200_000_000, 90_000_000} {
		h.add("credit.default", month(50+2*k), str("account", "NB-9", candor.FieldReference), num("amount", amount, candor.FieldAmount), eur)
	}
	for k := range 3 {
		h.add("credit.loan_repaid", month(40+k), str("account", fmt.Sprintf("NB-%d", k), candor.FieldReference))
	}
	out = append(out, h.sorted())

	h = base(12) // judgments, capped at 240, and their satisfaction, capped at 120
	for k := range 3 {
		ref := str("case_ref", fmt.Sprintf("DC-%d", k), candor.FieldReference)
		h.add("court.money_judgment_entered", month(13+2*k), ref, num("amount", 25_000_000, candor.FieldAmount), eur)
		h.add("court.money_judgment_satisfied", month(30+2*k), ref)
	}
	out = append(out, h.sorted())

	h = base(12) // rent and bills: at most 24 paid; 30 or more days late capped at 80
	for k := range 30 {
		h.add([]string{"rent.paid", "utility.bill_paid"}[k%2], month(12+k), num("amount", 9_000_000, candor.FieldAmount), eur)
	}
	for k, days := range []int64{29, 30, 31, 90, 365} {
		h.add("rent.late", month(20+2*k), num("days_late", days, candor.FieldInt), num("amount", 9_000_000, candor.FieldAmount), eur)
		h.add("utility.bill_overdue", month(21+2*k), overdue(days-1)...)
	}
	out = append(out, h.sorted())

	h = base(12) // loans: large unsecured capped at 30, new credit at 45, at most 3 repaid
	for k, l := range []struct {
		product   string
		principal int64
	}{{"consumer", 150_000_000}, {"card", 150_000_001}, {"mortgage", 900_000_000}, {"consumer", 160_000_000}, {"card", 300_000_000}, {"auto", 200_000_000}} {
		h.add("credit.loan_opened", month(20+k), loan(l.product, l.principal)...)
	}
	for k := range 4 {
		h.add("credit.loan_repaid", month(30+k), str("account", fmt.Sprintf("NB-%d", k), candor.FieldReference))
	}
	out = append(out, h.sorted())
	return out
}

// EdgeInstants returns instants to score events at with scorecard sc:
// every 60 days and a few hours from the first event until all have aged
// out of a 6-year window, and, for each rule, the age of the first event
// of each of its types exactly at and a nanosecond short of its window.
func EdgeInstants(sc *candor.Scorecard, events []*candor.Event) []time.Time {
	const d = 24 * time.Hour
	first, last := events[0].OccurredAt, events[len(events)-1].OccurredAt
	var out []time.Time
	for at := first; !at.After(last.Add(6*365*d + 60*d)); at = at.Add(60*d + 5*time.Hour) {
		out = append(out, at)
	}
	for _, r := range sc.Rules {
		for _, typ := range r.EventTypes {
			i := slices.IndexFunc(events, func(e *candor.Event) bool { return e.Type == typ })
			if i >= 0 && r.Window > 0 {
				out = append(out, events[i].OccurredAt.Add(r.Window), events[i].OccurredAt.Add(r.Window-1))
			}
		}
	}
	return out
}

// history builds one subject's events.
type history struct {
	subject candor.SubjectID
	events  []*candor.Event
}

func (h *history) add(typ string, when time.Time, fs ...candor.Field) {
	h.events = append(h.events, &candor.Event{ID: candor.EventID(len(h.events) + 1), Subject: h.subject, Type: typ,
		OccurredAt: when, State: candor.StateActive, Fields: fs})
}

// sorted returns the events in time order, as the store yields them.
func (h *history) sorted() []*candor.Event {
	slices.SortStableFunc(h.events, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return h.events
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func str(name, v string, t candor.FieldType) candor.Field {
	return candor.Field{Name: name, Value: candor.Value{Type: t, Str: v}}
}

func num(name string, v int64, t candor.FieldType) candor.Field {
	return candor.Field{Name: name, Value: candor.Value{Type: t, Int: v}}
}

var eur = str("currency", "EUR", candor.FieldCurrency)

func instalment() []candor.Field {
	return []candor.Field{str("account", "NB-1", candor.FieldReference), num("amount", 8_000_000, candor.FieldAmount), eur}
}

func loan(product string, principal int64) []candor.Field {
	return []candor.Field{str("account", "NB-1", candor.FieldReference), str("product", product, candor.FieldEnum),
		num("principal", principal, candor.FieldAmount), eur, num("term_months", 24, candor.FieldInt)}
}

func overdue(days int64) []candor.Field {
	return []candor.Field{str("service", "gas", candor.FieldEnum), num("days_overdue", days, candor.FieldInt),
		num("amount", 800_000, candor.FieldAmount), eur}
}

// Population is a synthetic population's events, validated as ingestion
// validates them and grouped by subject, each subject's in time order.
type Population struct {
	Subjects map[candor.SubjectID][]*candor.Event
	Kind     map[candor.SubjectID]candor.SubjectKind
}

// The synthetic population's history ends at PopUntil; PopNow is when it
// was generated, an instant to score it at.
var (
	PopUntil = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	PopNow   = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
)

// NewPopulation generates persons and orgs with synth (seed 7) into memory,
// every event active.
func NewPopulation(cat *candor.Catalogue, persons, orgs int) (*Population, error) {
	var mu sync.Mutex
	byIdent := map[candor.Identifier][]*candor.Event{}
	kinds := map[candor.Identifier]candor.SubjectKind{}
	var seq candor.EventID
	_, err := synth.Generate(context.Background(), synth.Config{Seed: 7, Persons: persons, Orgs: orgs, Until: PopUntil, Now: PopNow}, cat,
		func(src string, b []byte, _ int) error {
			ins, problems, err := ingest.Decode(b, ingest.FormatNDJSON, ingest.MaxEvents)
			if err != nil || len(problems) > 0 {
				return fmt.Errorf("decode: %v %v", err, problems)
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range ins {
				ev, ps := cat.Validate(&ins[i], i, PopNow, nil)
				if len(ps) > 0 {
					return fmt.Errorf("validate: %v", ps)
				}
				seq++
				byIdent[ev.Identifier] = append(byIdent[ev.Identifier], &candor.Event{ID: seq, Source: src,
					SourceEventID: ev.SourceEventID, Type: ev.Type.Name, OccurredAt: ev.OccurredAt,
					RecordedAt: PopNow, State: candor.StateActive, Fields: ev.Fields})
				kinds[ev.Identifier] = ev.Kind
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("scorebench: %w", err)
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
	return p, nil
}
