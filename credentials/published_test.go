package credentials_test

import (
	"testing"

	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestStatementsFollowTheServedSet: a grade statement is made under the
// version served active when it is made, so a Set after start changes
// the grade offered without a new service.
func TestStatementsFollowTheServedSet(t *testing.T) {
	e := mustEnv(t)
	published := scoring.NewPublished(e.Cards, e.Cards)
	svc := credentials.New(credentials.Config{Store: e.Store, Vault: e.Vault, Catalogue: e.Cat, Scorecards: published,
		Key: e.key, Issuer: issuer, Now: e.Clock})
	const nid = "AB1234567"
	for i := range 6 {
		e.post(t, "rent", nid, "rent.paid", 30*(i+1), `{"amount":"650","currency":"EUR"}`)
	}
	sub := e.Person(t, nid)
	grade := func() any {
		t.Helper()
		offer, err := svc.Offer(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range offer.Statements {
			if c.Name == "rental_grade_at_least" {
				return c.Value
			}
		}
		return nil
	}
	before := grade()
	if before == nil {
		t.Fatal("no rental grade offered")
	}
	v2 := testenv.NextVersion(t, e.Cat, "rental-deposit")
	published.Set([]*scoring.Compiled{e.Cards[0], e.Cards[1], v2}, append(e.Cards, v2))
	if after := grade(); after == before || after == nil {
		t.Errorf("rental grade after Set: %v; want one other than %v (100 points fewer)", after, before)
	}
	if len(svc.Statements()) == 0 {
		t.Error("no statements after Set")
	}
}
