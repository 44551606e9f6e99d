package decisions_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

var ctx = context.Background()

type env struct {
	*testenv.Env
	svc *decisions.Service
	src *candor.Source
}

func mustEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: testenv.NewInMemory(t)}
	e.svc = decisions.New(e.Store, e.Vault, e.Cat, scoring.NewPublished(e.Cards, e.Cards), e.Clock)
	e.src = &candor.Source{ID: "rents", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.paid", "rent.late"}}
	for _, rp := range []*candor.RelyingParty{
		{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}},
		{ID: "landlord2", Name: "Landlord Two", Purposes: []candor.Purpose{candor.PurposeRental, candor.PurposeCredit}},
		{ID: "bank1", Name: "Bank One", Purposes: []candor.Purpose{candor.PurposeCredit}},
	} {
		if err := e.svc.PutRelyingParty(ctx, rp); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// post stores rent events for the person with national ID nid: late with
// days late > 0, paid otherwise, one a month back from now.
func (e *env) post(t *testing.T, nid string, days ...int) candor.SubjectID {
	t.Helper()
	var lines []string
	for i, d := range days {
		at := e.Now.AddDate(0, -i-1, 0).Format(time.RFC3339)
		typ, fields := "rent.paid", `{"amount":"650","currency":"EUR"}`
		if d > 0 {
			typ, fields = "rent.late", fmt.Sprintf(`{"days_late":%d,"amount":"650","currency":"EUR"}`, d)
		}
		lines = append(lines, fmt.Sprintf(`{"id":"%s-%d-%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":%q,"fields":%s}`,
			nid, e.Now.Unix(), i, nid, typ, at, fields))
	}
	e.Post(t, e.src, lines...)
	return e.Person(t, nid)
}

func (e *env) rp(t *testing.T, id string) *candor.RelyingParty {
	t.Helper()
	rp, err := e.svc.RelyingParty(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestDecisions(t *testing.T) {
	e := mustEnv(t)
	good := e.post(t, "AB1234567", 0, 0, 0)
	bad := e.post(t, "CD7654321", 45, 60, 0)

	cGood, err := e.svc.Grant(ctx, good, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !cGood.ExpiresAt.Equal(e.Now.Add(candor.DefaultConsentPeriod)) {
		t.Errorf("consent expires %s, want 30 days on", cGood.ExpiresAt)
	}
	d, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: strings.ToLower(cGood.Code), Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != candor.OutcomeApprove || d.Scorecard != "rental-deposit" || d.ScorecardVersion != 1 || d.Grade == "" || d.KnownThrough == 0 {
		t.Fatalf("a good payer: %+v", d)
	}
	cBad, err := e.svc.Grant(ctx, bad, "landlord1", candor.PurposeRental, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dBad, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: cBad.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dBad.Outcome != candor.OutcomeDecline || len(dBad.Reasons) == 0 || dBad.Reasons[0].Code == "" {
		t.Fatalf("a late payer: %+v", dBad)
	}

	// Refusals, each with its reason code; each is recorded for the
	// subject when the code names one.
	if _, err := e.svc.Grant(ctx, bad, "bank1", candor.PurposeRental, 0); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a consent for a purpose the relying party does not serve: %v", err)
	}
	cCredit, err := e.svc.Grant(ctx, bad, "landlord2", candor.PurposeCredit, 0)
	if err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		rp, code string
		purpose  candor.Purpose
		want     candor.ConsentRefusal
	}{
		{"landlord1", "XXX-XXX-XXX-XXX", candor.PurposeRental, candor.RefusalNoConsent},
		{"landlord2", cBad.Code, candor.PurposeRental, candor.RefusalNoConsent}, // another landlord's consent
		{"bank1", cBad.Code, candor.PurposeRental, candor.RefusalPurposeNotRegistered},
		{"landlord2", cCredit.Code, candor.PurposeRental, candor.RefusalWrongPurpose},
	}
	for _, r := range refusals {
		_, err := e.svc.Decide(ctx, e.rp(t, r.rp), candor.DecisionRequest{Consent: r.code, Purpose: r.purpose, Benefit: "deposit_waived"}, nil)
		if candor.ErrorCode(err) != candor.EFORBIDDEN || decisions.RefusalReason(err) != r.want {
			t.Errorf("%s with %s for %s: %v (reason %q), want %s", r.rp, r.code, r.purpose, err, decisions.RefusalReason(err), r.want)
		}
	}
	if _, err := e.svc.Revoke(ctx, good, cBad.Code); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("revoking another subject's consent: %v", err)
	}
	if _, err := e.svc.Revoke(ctx, bad, cBad.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: cBad.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalConsentRevoked {
		t.Errorf("a revoked consent: %v", err)
	}
	e.Now = e.Now.Add(31 * 24 * time.Hour)
	if _, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: cGood.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalConsentExpired {
		t.Errorf("an expired consent: %v", err)
	}
	attempts, err := e.svc.Attempts(ctx, bad)
	if err != nil || len(attempts) != 4 { // not the unknown code: it names nobody
		t.Errorf("refused attempts about the late payer: %d, %v; want 4", len(attempts), err)
	}

	// Reproducible: new events do not change a stored decision re-run.
	e.post(t, "AB1234567", 90)
	again, err := e.svc.Reproduce(ctx, d)
	if err != nil || again.Outcome != d.Outcome || again.Grade != d.Grade || len(again.Reasons) != len(d.Reasons) {
		t.Fatalf("re-run after a late payment arrived: %+v, %v; stored %+v", again, err, d)
	}
	cNew, _ := e.svc.Grant(ctx, good, "landlord1", candor.PurposeRental, 0)
	fresh, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: cNew.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil || fresh.Outcome != candor.OutcomeDecline {
		t.Fatalf("a fresh decision after the late payment: %+v, %v; want decline (else the re-run test proves nothing)", fresh, err)
	}

	// Human review: asked for by the subject, closed by a reviewer.
	if _, err := e.svc.RequestReview(ctx, good, dBad.ID, "not mine"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("a review of another subject's decision: %v", err)
	}
	if _, err := e.svc.RequestReview(ctx, bad, dBad.ID, "I paid on time; the landlord's bank was late."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RequestReview(ctx, bad, dBad.ID, "again"); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("a second review: %v", err)
	}
	open, err := e.svc.OpenReviews(ctx)
	if err != nil || len(open) != 1 || open[0].ID != dBad.ID {
		t.Fatalf("open reviews: %+v %v", open, err)
	}
	closed, err := e.svc.CloseReview(ctx, "rita", dBad.ID, candor.OutcomeApprove, "The bank confirms the transfers left on time.")
	if err != nil || !closed.Overturned() {
		t.Fatalf("closing the review: %+v, %v", closed, err)
	}
	if _, err := e.svc.CloseReview(ctx, "rita", dBad.ID, candor.OutcomeApprove, "again"); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("closing twice: %v", err)
	}
	mine, err := e.svc.Decisions(ctx, bad)
	if err != nil || len(mine) != 1 || !mine[0].Overturned() || mine[0].Review.Reviewer != "rita" {
		t.Fatalf("the subject's decisions: %+v %v", mine, err)
	}
	if open, _ := e.svc.OpenReviews(ctx); len(open) != 0 {
		t.Errorf("%d reviews still open", len(open))
	}
}

func TestCourtOrders(t *testing.T) {
	e := mustEnv(t)
	court := &candor.Source{ID: "court1", Name: "District Court", Kind: candor.SourceCourt,
		AllowedTypes: []string{"court.restriction_imposed", "court.restriction_lifted"}}
	if err := e.Store.PutSource(ctx, court); err != nil {
		t.Fatal(err)
	}
	post := func(body string) {
		t.Helper()
		inputs, problems, err := ingest.Decode([]byte(body), ingest.FormatNDJSON, ingest.MaxEvents)
		if err != nil || len(problems) > 0 {
			t.Fatal(err, problems)
		}
		if _, err := e.Pipeline.Ingest(ctx, court, inputs, nil); err != nil {
			t.Fatal(err)
		}
	}
	impose := func(ref string) string {
		return fmt.Sprintf(`{"id":"i-%s","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"court.restriction_imposed","occurred_at":%q,"fields":{"order_ref":%q,"court":"District Court","legal_basis":"Insolvency Act s.11","restriction":"company_director","expires_on":"2027-12-31","appeal_route":"Court of Appeal within 28 days"}}`+"\n",
			ref, e.Now.AddDate(0, -2, 0).Format(time.RFC3339), ref)
	}
	post(impose("A-1") + impose("B-2"))
	for _, rp := range []*candor.RelyingParty{
		{ID: "enforcer", Name: "Enforcement Office", Purposes: []candor.Purpose{candor.PurposeCourtEnforcement}, Statutory: []candor.Purpose{candor.PurposeCourtEnforcement}},
		{ID: "bailiff", Name: "Private Bailiff", Purposes: []candor.Purpose{candor.PurposeCourtEnforcement}},
	} {
		if err := e.svc.PutRelyingParty(ctx, rp); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.PutRelyingParty(ctx, &candor.RelyingParty{ID: "x", Name: "X", Purposes: []candor.Purpose{candor.PurposeCredit},
		Statutory: []candor.Purpose{candor.PurposeCredit}}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("credit without consent: %v", err)
	}
	id := &candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}
	orders, _, err := e.svc.CourtOrders(ctx, e.rp(t, "enforcer"), "", id)
	if err != nil || len(orders) != 2 || orders[0].AppealRoute == "" || orders[0].LegalBasis == "" {
		t.Fatalf("statutory lookup: %+v %v", orders, err)
	}
	post(`{"id":"l-B-2","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"court.restriction_lifted","occurred_at":"` +
		e.Now.Add(-time.Hour).Format(time.RFC3339) + `","fields":{"order_ref":"B-2","reason":"appeal_allowed"}}`)
	if orders, _, _ := e.svc.CourtOrders(ctx, e.rp(t, "enforcer"), "", id); len(orders) != 1 || orders[0].OrderRef != "A-1" {
		t.Fatalf("after B-2 was lifted: %+v", orders)
	}
	if _, _, err := e.svc.CourtOrders(ctx, e.rp(t, "bailiff"), "", id); decisions.RefusalReason(err) != candor.RefusalNoConsent {
		t.Errorf("a lookup without consent by a relying party the law does not allow: %v", err)
	}
	if _, _, err := e.svc.CourtOrders(ctx, e.rp(t, "landlord1"), "", id); decisions.RefusalReason(err) != candor.RefusalPurposeNotRegistered {
		t.Errorf("a landlord looks up court orders: %v", err)
	}
	sub, err := e.Store.SubjectByIndex(ctx, e.Vault.BlindIndex(*id))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Grant(ctx, sub, "bailiff", candor.PurposeCourtEnforcement, 0)
	if err != nil {
		t.Fatal(err)
	}
	if orders, got, err := e.svc.CourtOrders(ctx, e.rp(t, "bailiff"), c.Code, nil); err != nil || len(orders) != 1 || got != sub {
		t.Fatalf("with consent: %+v %v", orders, err)
	}
	if orders, _, err := e.svc.CourtOrders(ctx, e.rp(t, "enforcer"), "", &candor.Identifier{Scheme: candor.NationalID, Value: "ZZ0000000"}); err != nil || len(orders) != 0 {
		t.Errorf("an unknown person: %+v %v", orders, err)
	}
}
