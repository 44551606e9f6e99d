package decisions_test

import (
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
)

// TestOptOut: while a person is opted out of a scorecard, decisions for
// its purpose are refused with their own reason, kept for the person to
// see; other people's go on; opting back in restores them. Statutory
// scorecards and unknown ones cannot be opted out of.
func TestOptOut(t *testing.T) {
	e := mustEnv(t)
	alice := e.post(t, "AB1234567", 0, 0)
	rental, err := e.svc.Grant(ctx, alice, "landlord2", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	bob := e.post(t, "CD7654321", 0, 0)
	bobs, err := e.svc.Grant(ctx, bob, "landlord2", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	rp := e.rp(t, "landlord2")
	decide := func(c *candor.Consent, benefit string) error {
		_, err := e.svc.Decide(ctx, rp, candor.DecisionRequest{Consent: c.Code, Purpose: c.Purpose, Benefit: benefit}, nil)
		return err
	}

	o, err := e.svc.OptOut(ctx, alice, "rental-deposit")
	if err != nil || o.Purpose != candor.PurposeRental || !o.Since.Equal(e.Now) {
		t.Fatalf("opt out: %+v, %v", o, err)
	}
	if again, err := e.svc.OptOut(ctx, alice, "rental-deposit"); err != nil || !again.Since.Equal(o.Since) {
		t.Fatalf("opting out twice: %+v, %v", again, err)
	}
	if err := decide(rental, "deposit_waived"); decisions.RefusalReason(err) != candor.RefusalOptedOut {
		t.Fatalf("a rental decision while opted out: %v, want the opted_out refusal", err)
	}
	as, err := e.svc.Attempts(ctx, alice)
	if err != nil || len(as) != 1 || as[0].Reason != candor.RefusalOptedOut {
		t.Fatalf("the refused request is not kept for the person: %+v, %v", as, err)
	}
	if err := decide(bobs, "deposit_waived"); err != nil {
		t.Fatalf("a rental decision about someone else: %v", err)
	}
	if os, err := e.svc.OptOuts(ctx, alice); err != nil || len(os) != 1 || os[0].Scorecard != "rental-deposit" {
		t.Fatalf("opt-outs: %+v, %v", os, err)
	}

	if err := e.svc.OptIn(ctx, alice, "rental-deposit"); err != nil {
		t.Fatal(err)
	}
	if err := decide(rental, "deposit_waived"); err != nil {
		t.Fatalf("a rental decision after opting back in: %v", err)
	}
	if err := e.svc.OptIn(ctx, alice, "rental-deposit"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("opting in twice: %v, want ENOTFOUND", err)
	}
	for card, code := range map[string]string{"business-compliance": candor.EINVALID, "no-such-card": candor.ENOTFOUND} {
		if _, err := e.svc.OptOut(ctx, alice, card); candor.ErrorCode(err) != code {
			t.Errorf("opting out of %s: %v, want %s", card, err, code)
		}
	}
	if got := e.svc.Optable(candor.Person); len(got) != 2 {
		t.Errorf("a person may opt out of %d scorecards, want 2 (consumer credit, rental deposit)", len(got))
	}
}
