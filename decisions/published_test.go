package decisions_test

import (
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestDecideUnderAVersionSetAfterStart: a version activated with Set
// while the service runs decides the next request, with no new service;
// a decision taken under the version it replaced is still reproduced
// under that version.
func TestDecideUnderAVersionSetAfterStart(t *testing.T) {
	e := &env{Env: testenv.New(t)}
	v2 := testenv.NextVersion(t, e.Cat, "rental-deposit")
	e.MatchAlso(t, v2) // materialised before it is activated
	published := scoring.NewPublished(e.Cards, e.Cards)
	e.svc = decisions.New(e.Store, e.Vault, e.Cat, published, e.Clock)
	e.src = &candor.Source{ID: "rents", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.paid", "rent.late"}}
	if err := e.svc.PutRelyingParty(ctx, &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		t.Fatal(err)
	}
	sub := e.post(t, "AB1234567", 0, 0, 0)
	c, err := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	req := candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}
	d1, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d1.ScorecardVersion != 1 || d1.Outcome != candor.OutcomeApprove {
		t.Fatalf("under version 1: version %d, %s (grade %s), want version 1 approving", d1.ScorecardVersion, d1.Outcome, d1.Grade)
	}

	active := []*scoring.Compiled{e.Cards[0], e.Cards[1], v2}
	published.Set(active, append(e.Cards, v2))
	d2, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d2.ScorecardVersion != 2 || d2.Grade == d1.Grade {
		t.Errorf("after Set: version %d, grade %s; want version 2, 100 points lower than %s", d2.ScorecardVersion, d2.Grade, d1.Grade)
	}
	_, score, err := e.svc.Review(ctx, d1.ID)
	if err != nil || score.Version != 1 || score.Grade != d1.Grade {
		t.Errorf("review of the decision under version 1: version %d, grade %s, %v; want version 1, %s", score.Version, score.Grade, err, d1.Grade)
	}
	again, err := e.svc.Reproduce(ctx, d2)
	if err != nil || again.Grade != d2.Grade || again.Outcome != d2.Outcome {
		t.Errorf("reproducing the decision under version 2: %+v, %v", again, err)
	}
}
