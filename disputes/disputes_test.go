package disputes_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

var ctx = context.Background()

type env struct {
	*testenv.Env
	decisions *decisions.Service
	disputes  *disputes.Service
	src       *candor.Source
	landlord  *candor.RelyingParty
}

func mustEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: testenv.NewInMemory(t)}
	e.decisions = decisions.New(e.Store, e.Vault, e.Cat, scoring.NewPublished(e.Cards, e.Cards), e.Clock)
	e.disputes = disputes.New(e.Store, e.Vault, e.Cat, e.Clock)
	e.src = &candor.Source{ID: "rents", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.paid", "rent.late"}}
	e.landlord = &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}
	if err := e.decisions.PutRelyingParty(ctx, e.landlord); err != nil {
		t.Fatal(err)
	}
	return e
}

// post stores one rent event of the person nid, months back from now,
// late by days (paid if 0), under the source's ID id.
func (e *env) post(t *testing.T, id, nid string, months, days int) candor.SubjectID {
	t.Helper()
	at := e.Now.AddDate(0, -months, 0).Format(time.RFC3339)
	typ, fields := "rent.paid", `{"amount":"650","currency":"EUR"}`
	if days > 0 {
		typ, fields = "rent.late", fmt.Sprintf(`{"days_late":%d,"amount":"650","currency":"EUR"}`, days)
	}
	e.Post(t, e.src, fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":%q,"fields":%s}`, id, nid, typ, at, fields))
	return e.Person(t, nid)
}

// facts returns the subject's events by source event ID.
func (e *env) facts(t *testing.T, sub candor.SubjectID) map[string]*candor.Event {
	t.Helper()
	key, err := e.Vault.StoredKey(ctx, e.Store, sub)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := key.ReadEvents(ctx, e.Store)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*candor.Event{}
	for _, ev := range evs {
		out[ev.SourceEventID] = ev
	}
	return out
}

// decide asks for a rental decision about sub with a fresh consent.
func (e *env) decide(t *testing.T, sub candor.SubjectID) *candor.Decision {
	t.Helper()
	c, err := e.decisions.Grant(ctx, sub, e.landlord.ID, candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.decisions.Decide(ctx, e.landlord, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lateFirst posts a person with one late payment and two paid months.
func (e *env) lateFirst(t *testing.T, nid string) (candor.SubjectID, *candor.Event) {
	t.Helper()
	sub := e.post(t, nid+"-late", nid, 1, 90)
	e.post(t, nid+"-p2", nid, 2, 0)
	e.post(t, nid+"-p3", nid, 3, 0)
	return sub, e.facts(t, sub)[nid+"-late"]
}

func TestDisputeVerified(t *testing.T) {
	e := mustEnv(t)
	sub, late := e.lateFirst(t, "AB1234567")
	if d := e.decide(t, sub); d.Outcome != candor.OutcomeDecline {
		t.Fatalf("with the late payment: %v, want decline (else the test proves nothing)", d.Outcome)
	}

	if _, err := e.disputes.Open(ctx, sub, late.ID, "  "); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a blank statement: %v", err)
	}
	if _, err := e.disputes.Open(ctx, sub, late.ID, strings.Repeat("x", candor.MaxStatement+1)); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("an overlong statement: %v", err)
	}
	other := e.post(t, "other-1", "CD7654321", 1, 0)
	if _, err := e.disputes.Open(ctx, other, late.ID, "not mine"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("disputing another subject's fact: %v", err)
	}
	d, err := e.disputes.Open(ctx, sub, late.ID, "I paid on the 1st; the bank statement shows it.")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != candor.DisputeOpen || !d.Deadline.Equal(e.Now.Add(candor.DisputeWindow)) || d.Source != "rents" || d.SourceEventID != "AB1234567-late" {
		t.Fatalf("opened: %+v", d)
	}
	if st := e.facts(t, sub)["AB1234567-late"].State; st != candor.StateDisputed {
		t.Fatalf("the disputed fact is %v", st)
	}
	// Set aside: the decision no longer counts it, and is referred to a
	// person because the fact could raise the score.
	if dec := e.decide(t, sub); dec.Outcome == candor.OutcomeDecline {
		t.Fatalf("while disputed: %v, want the fact set aside", dec.Outcome)
	}
	if _, err := e.disputes.Open(ctx, sub, late.ID, "again"); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("disputing a disputed fact: %v", err)
	}

	if q, err := e.disputes.Queue(ctx, "rents"); err != nil || len(q) != 1 || q[0].ID != d.ID {
		t.Fatalf("the source's queue: %+v, %v", q, err)
	}
	if q, err := e.disputes.Queue(ctx, "bank7"); err != nil || len(q) != 0 {
		t.Fatalf("another source's queue: %+v, %v", q, err)
	}
	if _, err := e.disputes.Answer(ctx, "bank7", d.ID, candor.DisputeReply{Answer: candor.AnswerVerify}); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("another source answering: %v", err)
	}
	if _, err := e.disputes.Answer(ctx, "rents", d.ID, candor.DisputeReply{Answer: "maybe"}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("an unknown answer: %v", err)
	}
	if _, err := e.disputes.Answer(ctx, "rents", d.ID, candor.DisputeReply{Answer: candor.AnswerVerify, Correction: "x"}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("verify with a correction: %v", err)
	}
	got, err := e.disputes.Answer(ctx, "rents", d.ID, candor.DisputeReply{Answer: candor.AnswerVerify, Note: "Paid on the 28th; the ledger is attached to our reply by post."})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != candor.DisputeVerified || len(got.Steps) != 2 || got.Steps[1].By != "rents" {
		t.Fatalf("verified: %+v", got)
	}
	if st := e.facts(t, sub)["AB1234567-late"].State; st != candor.StateActive {
		t.Fatalf("a verified fact is %v", st)
	}
	if dec := e.decide(t, sub); dec.Outcome != candor.OutcomeDecline {
		t.Fatalf("after verification: %v, want decline again", dec.Outcome)
	}
	if _, err := e.disputes.Answer(ctx, "rents", d.ID, candor.DisputeReply{Answer: candor.AnswerWithdraw}); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("answering a settled dispute: %v", err)
	}
	mine, err := e.disputes.Of(ctx, sub)
	if err != nil || len(mine) != 1 || mine[0].Status != candor.DisputeVerified {
		t.Fatalf("the subject's disputes: %+v, %v", mine, err)
	}
	if n, err := disputes.Notices(ctx, e.Store, e.landlord.ID); err != nil || len(n) != 0 {
		t.Fatalf("notices after a verification: %+v, %v; want none", n, err)
	}
}

func TestDisputeCorrected(t *testing.T) {
	e := mustEnv(t)
	sub, late := e.lateFirst(t, "AB1234567")
	dec := e.decide(t, sub)
	d, err := e.disputes.Open(ctx, sub, late.ID, "It was 5 days, not 90.")
	if err != nil {
		t.Fatal(err)
	}
	ans := candor.DisputeReply{Answer: candor.AnswerCorrect, Correction: "AB1234567-fix"}
	if _, err := e.disputes.Answer(ctx, "rents", d.ID, ans); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a correction not posted yet: %v", err)
	}
	e.post(t, "CD-fix", "CD7654321", 1, 5)
	if _, err := e.disputes.Answer(ctx, "rents", d.ID, candor.DisputeReply{Answer: candor.AnswerCorrect, Correction: "CD-fix"}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a correction about another subject: %v", err)
	}
	e.post(t, "AB1234567-fix", "AB1234567", 1, 5)
	got, err := e.disputes.Answer(ctx, "rents", d.ID, ans)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != candor.DisputeCorrected || got.Correction != "AB1234567-fix" {
		t.Fatalf("corrected: %+v", got)
	}
	if st := e.facts(t, sub)["AB1234567-late"].State; st != candor.StateCorrected {
		t.Fatalf("a corrected fact is %v", st)
	}
	notices, err := disputes.Notices(ctx, e.Store, e.landlord.ID)
	if err != nil || len(notices) != 1 || notices[0].Decision != dec.ID || notices[0].Change != candor.DisputeCorrected {
		t.Fatalf("notices: %+v, %v; want one about decision %s", notices, err, dec.ID)
	}
}

func TestDisputeWithdrawnAndExpired(t *testing.T) {
	e := mustEnv(t)
	sub, late := e.lateFirst(t, "AB1234567")
	_, late2 := e.lateFirst(t, "EF1112223")
	d1, err := e.disputes.Open(ctx, sub, late.ID, "Not my flat.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.disputes.Answer(ctx, "rents", d1.ID, candor.DisputeReply{Answer: candor.AnswerWithdraw}); err != nil {
		t.Fatal(err)
	}
	if st := e.facts(t, sub)["AB1234567-late"].State; st != candor.StateRemoved {
		t.Fatalf("a withdrawn fact is %v", st)
	}

	// An operator records an answer the source gave by letter.
	sub3, late3 := e.lateFirst(t, "GH4445556")
	d3, err := e.disputes.Open(ctx, sub3, late3.ID, "Paid in cash at the office.")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.disputes.Resolve(ctx, "olga", d3.ID, candor.DisputeReply{Answer: candor.AnswerVerify, Note: "Letter of 2 Dec: not paid."})
	if err != nil || got.Status != candor.DisputeVerified || got.Steps[1].By != "operator olga for rents" {
		t.Fatalf("resolved by an operator: %+v, %v", got, err)
	}
	if _, err := e.disputes.Resolve(ctx, "olga", d3.ID, candor.DisputeReply{Answer: candor.AnswerVerify}); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("resolving twice: %v", err)
	}

	// A disputed fact purged (past its retention) meanwhile: the dispute
	// is still settled.
	sub4, late4 := e.lateFirst(t, "JK7778889")
	d4, err := e.disputes.Open(ctx, sub4, late4.ID, "Too old to count.")
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.Vault.StoredKey(ctx, e.Store, sub4)
	if err != nil {
		t.Fatal(err)
	}
	purge := audit.NewChanges(e.Store)
	if err := purge.Delete(ctx, key, d4.Ref()); err != nil {
		t.Fatal(err)
	}
	if _, err := purge.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := e.disputes.Answer(ctx, "rents", d4.ID, candor.DisputeReply{Answer: candor.AnswerVerify}); err != nil || got.Status != candor.DisputeVerified {
		t.Fatalf("answering the dispute of a purged fact: %+v, %v", got, err)
	}

	// Unanswered for 30 days: removed by Expire, not a day earlier.
	sub2 := late2.Subject
	d2, err := e.disputes.Open(ctx, sub2, late2.ID, "Never late.")
	if err != nil {
		t.Fatal(err)
	}
	e.Now = e.Now.Add(candor.DisputeWindow - time.Hour)
	if n, err := e.disputes.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("Expire before the deadline: %d, %v", n, err)
	}
	e.Now = e.Now.Add(2 * time.Hour)
	if n, err := e.disputes.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("Expire after the deadline: %d, %v", n, err)
	}
	if st := e.facts(t, sub2)["EF1112223-late"].State; st != candor.StateRemoved {
		t.Fatalf("an expired dispute's fact is %v", st)
	}
	mine, err := e.disputes.Of(ctx, sub2)
	if err != nil || len(mine) != 1 || mine[0].ID != d2.ID || mine[0].Status != candor.DisputeExpired || mine[0].Steps[1].By != "candor" {
		t.Fatalf("the expired dispute: %+v, %v", mine, err)
	}
	if q, err := e.disputes.Queue(ctx, ""); err != nil || len(q) != 0 {
		t.Fatalf("queue after settling both: %+v, %v", q, err)
	}
	if n, err := e.disputes.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("Expire again: %d, %v", n, err)
	}
}
