package decisions_test

import (
	"reflect"
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

// TestDecisionsStoredAsJSON: a decision stored as JSON, as before issue
// 16, reads as it was written (in the subject's list, by ID, to its
// relying party), and asking for its review rewrites it in the binary
// form, which reads back the same with the review.
func TestDecisionsStoredAsJSON(t *testing.T) {
	e := mustEnv(t)
	sub := e.post(t, "AB1234567", 0, 45, 0)
	c, err := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.Vault.SubjectKey(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.Store.Record(ctx, candor.RecordDecision, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := key.OpenRecord(stored); err != nil || len(plain) == 0 || plain[0] == '{' {
		t.Fatalf("a new decision is stored as %.20q (%v), want the binary form", plain, err)
	}
	old := *d
	old.ID = "d_storedasjson"
	r, err := key.SealJSON(candor.RecordDecision, old.ID, &old)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.PutRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Decision(ctx, sub, old.ID)
	if err != nil || !reflect.DeepEqual(got, &old) {
		t.Fatalf("the JSON decision read back as\n%+v, %v\nwant\n%+v", got, err, old)
	}
	if got, _, err := e.svc.DecisionFor(ctx, e.rp(t, "landlord1"), old.ID); err != nil || !reflect.DeepEqual(got, &old) {
		t.Fatalf("to its relying party: %+v, %v", got, err)
	}
	all, err := e.svc.Decisions(ctx, sub)
	if err != nil || len(all) != 2 {
		t.Fatalf("the subject's decisions: %d, %v; want 2", len(all), err)
	}
	for _, x := range all {
		want := d
		if x.ID == old.ID {
			want = &old
		}
		if !reflect.DeepEqual(x, want) {
			t.Errorf("listed\n%+v\nwant\n%+v", x, want)
		}
	}
	reviewed, err := e.svc.RequestReview(ctx, sub, old.ID, "I paid on time.")
	if err != nil {
		t.Fatal(err)
	}
	if stored, err = e.Store.Record(ctx, candor.RecordDecision, old.ID); err != nil {
		t.Fatal(err)
	}
	if plain, err := key.OpenRecord(stored); err != nil || plain[0] == '{' {
		t.Fatalf("after a review was asked for: %.20q, %v; want the binary form", plain, err)
	}
	if got, err := e.svc.Decision(ctx, sub, old.ID); err != nil || !reflect.DeepEqual(got, reviewed) || got.Review == nil {
		t.Fatalf("after a review was asked for:\n%+v, %v\nwant\n%+v", got, err, reviewed)
	}
}
