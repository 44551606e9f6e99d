package stats_test

import (
	"bytes"
	"context"
	"fmt"

	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/vault"
)

// world is a store of persons and the service over it.
type world struct {
	st     *memstore.Store
	vault  *vault.Vault
	credit *scoring.Compiled
	cards  []population.Materialised
	month  candor.Month // last month, when the facts occurred
	now    time.Time
}

// newWorld stores persons persons: person i has i%3 late instalments and
// one paid instalment last month, and every fourth has a paid utility bill
// too.
func newWorld(t testing.TB, persons int) *world {
	t.Helper()
	ctx := context.Background()
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: memstore.New(), now: time.Now().UTC()}
	w.month = candor.MonthOf(w.now).AddDate(0, -1, 0)
	w.vault, _ = vault.New(bytes.Repeat([]byte{3}, vault.KeySize), memstore.NewKeyring())
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank,
		AllowedTypes: []string{"credit.instalment_late", "credit.instalment_paid"}}
	power := &candor.Source{ID: "power", Name: "Power Co", Kind: candor.SourceUtility, AllowedTypes: []string{"utility.bill_paid"}}
	for _, s := range []*candor.Source{bank, power} {
		if err := w.st.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range shipped {
		if c.Scorecard().ID == "consumer-credit" {
			w.credit = c
			w.cards = []population.Materialised{c}
		}
	}
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: w.vault, Store: w.st, Matcher: scoring.NewMatcher(shipped)})
	defer p.Close()
	w.add(t, p, bank, power, 0, persons)
	return w
}

func (w *world) add(t testing.TB, p *ingest.Pipeline, bank, power *candor.Source, from, to int) {
	t.Helper()
	when := w.month.Add(36 * time.Hour).Format(time.RFC3339)
	num := func(n, s string) candor.RawField {
		return candor.RawField{Name: n, Value: candor.RawValue{Kind: candor.RawNumber, Text: s}}
	}
	str := func(n, s string) candor.RawField {
		return candor.RawField{Name: n, Value: candor.RawValue{Kind: candor.RawString, Text: s}}
	}
	var credit, bills []candor.EventInput
	for i := from; i < to; i++ {
		ref := candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: fmt.Sprintf("PP%07d", i)}
		for j := range i % 3 {
			credit = append(credit, candor.EventInput{ID: fmt.Sprintf("l%d-%d", i, j), Subject: ref, Type: "credit.instalment_late",
				OccurredAt: when, Fields: []candor.RawField{num("days_late", []string{"20", "90"}[j]), str("amount", "10.00"), str("currency", "EUR")}})
		}
		credit = append(credit, candor.EventInput{ID: fmt.Sprintf("p%d", i), Subject: ref, Type: "credit.instalment_paid",
			OccurredAt: when, Fields: []candor.RawField{str("account", "ACC1"), str("amount", "10.00"), str("currency", "EUR")}})
		if i%4 == 0 {
			bills = append(bills, candor.EventInput{ID: fmt.Sprintf("b%d", i), Subject: ref, Type: "utility.bill_paid",
				OccurredAt: when, Fields: []candor.RawField{str("service", "water"), str("amount", "30.00"), str("currency", "EUR")}})
		}
	}
	ctx := context.Background()
	for _, b := range []struct {
		src *candor.Source
		in  []candor.EventInput
	}{{bank, credit}, {power, bills}} {
		if len(b.in) == 0 {
			continue
		}
		res, err := p.Ingest(ctx, b.src, b.in, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = res
	}
}

func (w *world) service(o stats.Options) *stats.Service {
	o.Store, o.Vault, o.Catalogue = w.st, w.vault, catalogue.Default()
	o.Scorecards = func() []stats.Card { return []stats.Card{w.credit} }
	if o.Now == nil {
		o.Now = func() time.Time { return w.now }
	}
	return stats.New(o)
}

func analyst(id string) *candor.APIKey {
	return &candor.APIKey{ID: id, Role: candor.RoleAnalyst, Principal: "Ada"}
}

func cell(t *testing.T, r *candor.StatResult, labels ...string) candor.StatCell {
	t.Helper()
	for _, c := range r.Cells {
		if fmt.Sprint(c.Labels) == fmt.Sprint(labels) {
			return c
		}
	}
	t.Fatalf("%s: no cell %v", r.Query, labels)
	return candor.StatCell{}
}
