package decisions

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// BenchmarkDecisionEncoding compares the stored form of a decision,
// binary since issue 16 (candor.Decision.AppendBinary), with the
// encoding/json one it replaced, on a typical decision (three reasons,
// no review).
func BenchmarkDecisionEncoding(b *testing.B) {
	at := time.Date(2026, 12, 6, 5, 4, 3, 123456789, time.UTC)
	d := &candor.Decision{ID: "d_7kq3xv2m4n5p6r7s8t9u", Subject: candor.SubjectID{1, 2, 3}, RelyingParty: "demo_landlord", Consent: "ABCD-EFGH-JKLM",
		Purpose: candor.PurposeRental, Benefit: "deposit_waived", Outcome: candor.OutcomeApprove, Grade: "B", Scorecard: "rental-deposit", ScorecardVersion: 1,
		Reasons: []candor.Reason{{Code: "RENT_LATE", Text: "Rent paid late in the last 12 months", Rule: "rent_late", Points: -40},
			{Code: "DEBT", Text: "An unpaid debt in collection", Rule: "collections", Points: -25}, {Code: "SHORT", Text: "A short history", Rule: "history", Points: -5.5}},
		At: at, ValidUntil: at.Add(candor.DecisionValidity), KnownThrough: 987654}
	js, _ := json.Marshal(d)
	bin, _ := d.AppendBinary(nil)
	b.Logf("%d bytes JSON, %d binary", len(js), len(bin))
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(d)
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = d.AppendBinary(buf[:0])
		}
	})
}
