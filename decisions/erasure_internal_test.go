package decisions

import (
	"context"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestAnErasureEmptiesTheCaches: an erasure committed by anyone sharing
// the store (here another service, as on another node) empties the
// caches at the service's next read, so nothing read of the erased
// subject — its opened key, consents, decrypted matches — stays in memory.
func TestAnErasureEmptiesTheCaches(t *testing.T) {
	e := testenv.NewInMemory(t)
	ctx := context.Background()
	src := &candor.Source{ID: "water1", Name: "Water", Kind: candor.SourceUtility, AllowedTypes: []string{"utility.bill_paid"}}
	e.Post(t, src, `{"id":"w1","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"utility.bill_paid","occurred_at":"2026-11-01T00:00:00Z","fields":{"service":"water","amount":"30","currency":"EUR"}}`)
	person := e.Person(t, "AB1234567")
	s := New(e.Store, e.Vault, e.Cat, scoring.NewPublished(e.Cards, e.Cards), e.Clock)
	if _, err := s.optedOut(ctx, person, "some-opt-out"); err != nil {
		t.Fatal(err)
	}
	s.consents.put("a-consent", person, 0, consentRead{})
	s.matchSets.put(matchesKey{subject: person}, person, 0, nil)
	if n := len(s.consents.entries) + len(s.optOuts.entries) + len(s.matchSets.entries); n != 3 {
		t.Fatalf("%d entries cached, want 3", n)
	}
	plan, err := erasure.New(erasure.Config{Store: e.Store, Vault: e.Vault, Catalogue: e.Cat}).Erase(ctx, person)
	if err != nil || !plan.Whole {
		t.Fatalf("erasure: %+v %v", plan, err)
	}
	if _, err := s.optedOut(ctx, candor.NewSubjectID(), "another"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.consents.entries) + len(s.matchSets.entries); n != 0 {
		t.Errorf("%d entries about the erased subject cached after the next read, want none", n)
	}
}
