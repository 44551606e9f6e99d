package decisions

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestDecisionEncoding checks that appendDecision writes what json.Marshal
// writes, for decisions with every field set (and so fails if a field is
// added to candor.Decision that it does not write), with and without a
// review, with strings that need escaping, nil and empty reasons.
func TestDecisionEncoding(t *testing.T) {
	at := time.Date(2026, 12, 6, 5, 4, 3, 123456789, time.UTC)
	full := candor.Decision{ID: "d_abc", Subject: candor.SubjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		RelyingParty: "demo_landlord", Consent: "ABCD-EFGH", Purpose: candor.PurposeRental, Benefit: "deposit_waived",
		Outcome: candor.OutcomeApprove, Grade: "B", Scorecard: "rental-deposit", ScorecardVersion: 3,
		Reasons: []candor.Reason{{Code: "R1", Text: "Late <payments> & \"debts\"\n", Rule: "late", Points: -7.5}, {Code: "R2", Text: "é日本\u2028", Rule: "x", Points: -15}},
		At:      at, ValidUntil: at.Add(candor.DecisionValidity), KnownThrough: 12345,
		Review: &candor.Review{RequestedAt: at, Statement: "please", ClosedAt: at.Add(time.Hour), Reviewer: "r", Outcome: candor.OutcomeDecline, Rationale: "why"}}
	for field := range reflect.TypeFor[candor.Decision]().NumField() {
		if reflect.ValueOf(full).Field(field).IsZero() {
			t.Fatalf("the test decision leaves %s zero: set it", reflect.TypeFor[candor.Decision]().Field(field).Name)
		}
	}
	noReview, nilReasons, emptyReasons := full, full, full
	noReview.Review = nil
	nilReasons.Reasons, nilReasons.Review = nil, nil
	emptyReasons.Reasons = []candor.Reason{}
	for _, d := range []candor.Decision{full, noReview, nilReasons, emptyReasons} {
		want, err := json.Marshal(&d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendDecision(nil, &d)
		if err != nil || string(got) != string(want) {
			t.Errorf("appendDecision:\n got %s, %v\nwant %s", got, err, want)
		}
	}
	bad := noReview
	bad.Outcome = 0
	if _, err := appendDecision(nil, &bad); err == nil {
		t.Error("a decision without an outcome encoded")
	}
}

// BenchmarkDecisionEncoding compares appendDecision with json.Marshal on a
// typical decision (three reasons, no review).
func BenchmarkDecisionEncoding(b *testing.B) {
	at := time.Date(2026, 12, 6, 5, 4, 3, 123456789, time.UTC)
	d := &candor.Decision{ID: "d_7kq3xv2m4n5p6r7s8t9u", Subject: candor.SubjectID{1, 2, 3}, RelyingParty: "demo_landlord", Consent: "ABCD-EFGH-JKLM",
		Purpose: candor.PurposeRental, Benefit: "deposit_waived", Outcome: candor.OutcomeApprove, Grade: "B", Scorecard: "rental-deposit", ScorecardVersion: 1,
		Reasons: []candor.Reason{{Code: "RENT_LATE", Text: "Rent paid late in the last 12 months", Rule: "rent_late", Points: -40},
			{Code: "DEBT", Text: "An unpaid debt in collection", Rule: "collections", Points: -25}, {Code: "SHORT", Text: "A short history", Rule: "history", Points: -5.5}},
		At: at, ValidUntil: at.Add(candor.DecisionValidity), KnownThrough: 987654}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(d)
		}
	})
	b.Run("appendDecision", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = appendDecision(buf[:0], d)
		}
	})
}
