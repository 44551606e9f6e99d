package decisions_test

import (
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestReviewScoresWhatWasKnown: a reviewer sees the score a decision
// rested on, from the facts known when it was taken, not from facts a
// source posted since.
func TestReviewScoresWhatWasKnown(t *testing.T) {
	e := mustEnv(t)
	sub := e.post(t, "AB1234567", 0, 0, 0)
	c, err := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = e.Now.Add(time.Second) // the late rents below get IDs of their own
	e.post(t, "AB1234567", 60, 90, 45)
	later, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if later.Grade == d.Grade {
		t.Fatalf("three late rents left the grade at %s: the test shows nothing", d.Grade)
	}

	got, score, err := e.svc.Review(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != d.ID || score.Grade != d.Grade || len(score.Contributions) == 0 {
		t.Errorf("review of %s: decision %s, score %s with %d contributions; want grade %s, explained", d.ID, got.ID, score.Grade, len(score.Contributions), d.Grade)
	}
	if _, _, err := e.svc.Review(ctx, "d_none"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("an unknown decision: %v", err)
	}
}
