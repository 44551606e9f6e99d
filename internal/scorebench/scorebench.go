// Package scorebench holds what the scoring engine is measured and checked
// against: a hand-written Go version of the shipped consumer-credit
// scorecard, a person with about 30 events, and a synthetic population. It
// is imported by scoring's tests and benchmarks and by bench/score, never by
// cmd/candor.
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
	var evs []*candor.Event
	add := func(typ, when string, fs ...candor.Field) {
		d, err := time.Parse(time.DateOnly, when)
		if err != nil {
			panic(err)
		}
		evs = append(evs, &candor.Event{ID: candor.EventID(len(evs) + 1), Subject: subject, Type: typ,
			OccurredAt: d, State: candor.StateActive, Fields: fs})
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
	slices.SortStableFunc(evs, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return evs
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
