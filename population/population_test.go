package population_test

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
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// TestMigrateAndGrades: over persons with 0, 1 or 2 late instalments
// (grades D and E under consumer credit), a version against itself moves
// no one, its migration's diagonal is the grade counts from the stored
// matches, and every count sums to the persons stored.
func TestMigrateAndGrades(t *testing.T) {
	ctx := context.Background()
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := vault.New(bytes.Repeat([]byte{3}, vault.KeySize), memstore.NewKeyring())
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	if err := st.PutSource(ctx, bank); err != nil {
		t.Fatal(err)
	}
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Matcher: scoring.NewMatcher(shipped)})
	defer func() { p.Close(); st.Close() }()
	when := time.Now().UTC().AddDate(0, -1, 0).Format(time.RFC3339)
	var in []candor.EventInput
	const persons = 60
	for i := range persons {
		for j := range i % 3 {
			in = append(in, candor.EventInput{ID: fmt.Sprintf("e%d-%d", i, j),
				Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: fmt.Sprintf("PP%07d", i)},
				Type:    "credit.instalment_late", OccurredAt: when, Fields: []candor.RawField{
					{Name: "days_late", Value: candor.RawValue{Kind: candor.RawNumber, Text: []string{"20", "90"}[j]}},
					{Name: "amount", Value: candor.RawValue{Kind: candor.RawString, Text: "10.00"}},
					{Name: "currency", Value: candor.RawValue{Kind: candor.RawString, Text: "EUR"}}}})
		}
	}
	if _, err := p.Ingest(ctx, bank, in, nil); err != nil {
		t.Fatal(err)
	}
	var credit, business *scoring.Compiled
	for _, c := range shipped {
		switch c.Scorecard().ID {
		case "consumer-credit":
			credit = c
		case "business-compliance":
			business = c
		}
	}
	at := time.Now().UTC()
	m, err := population.Migrate(ctx, st, v, 2, credit, credit, at, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Persons with no event are not stored: two thirds of them are.
	if want := persons * 2 / 3; m.Total != want || m.Up != 0 || m.Down != 0 {
		t.Errorf("migration total %d, up %d, down %d; want %d, 0, 0", m.Total, m.Up, m.Down, want)
	}
	dists, err := population.Grades(ctx, st, v, 2, []population.Materialised{credit}, at)
	if err != nil {
		t.Fatal(err)
	}
	grades := 0
	for _, b := range credit.Scorecard().Grades {
		n := dists[0].Grades[b.Grade]
		if m.Count(b.Grade, b.Grade) != n {
			t.Errorf("grade %s: %d staying in the migration, %d counted from the matches", b.Grade, m.Count(b.Grade, b.Grade), n)
		}
		if n > 0 {
			grades++
		}
	}
	if dists[0].Total != m.Total || grades < 2 {
		t.Errorf("counted %d in %d grades, want %d in at least 2", dists[0].Total, grades, m.Total)
	}
	if _, err := population.Migrate(ctx, st, v, 2, credit, business, at, nil); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a person's and an organisation's scorecard compared: %v, want EINVALID", err)
	}
}
