package decisions_test

import (
	"errors"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
)

// TestDecideStoresTheDecisionWithItsDisclosure: with an access log, a
// decision is stored in the commit of the access record disclose
// returns; when disclose fails, neither is stored and Decide says why.
func TestDecideStoresTheDecisionWithItsDisclosure(t *testing.T) {
	e := mustEnv(t)
	al := audit.NewAccessLog(e.Store, e.Vault, nil)
	defer al.Close()
	e.svc.RecordDisclosures(al)
	sub := e.post(t, "AB1234567", 0, 0)
	c, err := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	req := candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}

	refused := errors.New("the answer could not be encoded")
	if _, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), req, func(*candor.Decision) (*candor.Access, error) { return nil, refused }); !errors.Is(err, refused) {
		t.Fatalf("Decide with a failing disclose: %v, want its error", err)
	}
	if ds, err := e.svc.Decisions(ctx, sub); err != nil || len(ds) != 0 {
		t.Fatalf("after a failed disclosure: %d decisions stored (%v), want none", len(ds), err)
	}

	d, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), req, func(d *candor.Decision) (*candor.Access, error) {
		return &candor.Access{Subject: d.Subject, At: d.At, Principal: "landlord1", Role: candor.RoleRelyingParty,
			Purpose: "decision " + d.ID, Action: "POST /v1/decisions"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.svc.Decisions(ctx, sub)
	if err != nil || len(ds) != 1 || ds[0].ID != d.ID {
		t.Fatalf("stored decisions %v (%v), want only %s", ds, err, d.ID)
	}
	var purposes []string
	for rec, err := range e.Store.AccessRecords(ctx, sub) {
		if err != nil {
			t.Fatal(err)
		}
		key, err := e.Vault.StoredKey(ctx, e.Store, sub)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := key.OpenAccess(rec)
		if err != nil {
			t.Fatal(err)
		}
		purposes = append(purposes, a.Purpose)
	}
	if len(purposes) != 1 || purposes[0] != "decision "+d.ID {
		t.Errorf("access records %q, want exactly the decision's disclosure", purposes)
	}
}
