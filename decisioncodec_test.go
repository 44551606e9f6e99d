package candor_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func sampleDecision() *candor.Decision {
	at := time.Date(2026, 12, 6, 23, 10, 5, 123456789, time.UTC)
	return &candor.Decision{ID: "d_abcdefghijklmnop", Subject: candor.SubjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		RelyingParty: "demo_landlord", Consent: "ABCD-EFGH-JKLM", Purpose: candor.PurposeRental, Benefit: "lease",
		Outcome: candor.OutcomeDecline, Grade: "C", Scorecard: "rental-basic", ScorecardVersion: 3,
		Reasons: []candor.Reason{
			{Code: "R1", Text: "Rent paid late \"twice\" in the last year", Rule: "late_rent", Points: -12.5},
			{Code: "R2", Text: "Отказ в оплате — 拒付", Rule: "chargebacks", Points: -0.1},
		},
		At: at, ValidUntil: at.Add(candor.DecisionValidity), KnownThrough: 123456789}
}

// TestDecisionBinary: a stored decision reads back equal, from the binary
// form and from the JSON decisions were stored as before, and the binary
// form is the smaller.
func TestDecisionBinary(t *testing.T) {
	closed := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, d := range map[string]*candor.Decision{
		"reasons": sampleDecision(),
		"no reasons": func() *candor.Decision {
			d := sampleDecision()
			d.Reasons, d.Outcome = []candor.Reason{}, candor.OutcomeApprove
			return d
		}(),
		"nil reasons": func() *candor.Decision { d := sampleDecision(); d.Reasons = nil; return d }(),
		"reviewed": func() *candor.Decision {
			d := sampleDecision()
			d.Review = &candor.Review{RequestedAt: d.At.Add(time.Hour), Statement: "I paid on time.\nSee the receipts.",
				ClosedAt: closed, Reviewer: "op", Outcome: candor.OutcomeApprove, Rationale: "receipts"}
			return d
		}(),
		"zero times": func() *candor.Decision {
			d := sampleDecision()
			d.At, d.ValidUntil = time.Time{}, time.Time{}
			return d
		}(),
	} {
		if name == "reviewed" { // fails if a field is added that the test (and maybe the codec) leaves out
			for field := range reflect.TypeFor[candor.Decision]().NumField() {
				if reflect.ValueOf(*d).Field(field).IsZero() {
					t.Fatalf("the reviewed decision leaves %s zero: set it", reflect.TypeFor[candor.Decision]().Field(field).Name)
				}
			}
		}
		bin, err := d.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		js, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for form, data := range map[string][]byte{"binary": bin, "JSON": js} {
			var got candor.Decision
			if err := candor.DecodeDecision(data, &got); err != nil {
				t.Fatalf("%s, %s: %v", name, form, err)
			}
			if !reflect.DeepEqual(&got, d) {
				t.Errorf("%s, %s: read back\n%+v\nwant\n%+v", name, form, got, *d)
			}
		}
		if len(bin) >= len(js) {
			t.Errorf("%s: %d bytes binary, %d JSON", name, len(bin), len(js))
		}
		t.Logf("%s: %d bytes binary, %d JSON", name, len(bin), len(js))
	}
}

// TestDecisionBinaryRefuses: what AppendBinary cannot keep it refuses,
// and the decoder refuses what AppendBinary would not write.
func TestDecisionBinaryRefuses(t *testing.T) {
	for name, change := range map[string]func(*candor.Decision){
		"no purpose":   func(d *candor.Decision) { d.Purpose = 0 },
		"no outcome":   func(d *candor.Decision) { d.Outcome = 0 },
		"version":      func(d *candor.Decision) { d.ScorecardVersion = -1 },
		"long string":  func(d *candor.Decision) { d.Grade = strings.Repeat("x", 1<<16+1) },
		"year 10000":   func(d *candor.Decision) { d.ValidUntil = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"many reasons": func(d *candor.Decision) { d.Reasons = make([]candor.Reason, 1025) },
	} {
		d := sampleDecision()
		change(d)
		if _, err := d.MarshalBinary(); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	good, _ := sampleDecision().MarshalBinary()
	for name, data := range map[string][]byte{
		"empty":       nil,
		"version 2":   append([]byte{2}, good[1:]...),
		"truncated":   good[:len(good)-1],
		"trailing":    append(bytes.Clone(good), 0),
		"long varint": append([]byte{1, 0x80, 0}, good[2:]...),
	} {
		var d candor.Decision
		if err := candor.DecodeDecision(data, &d); err == nil {
			t.Errorf("%s: decoded %+v", name, d)
		}
	}
}

// FuzzDecisionBinary checks that the stored decision's decoder accepts
// only the canonical encoding.
func FuzzDecisionBinary(f *testing.F) {
	data, _ := sampleDecision().MarshalBinary()
	f.Add(data)
	d := sampleDecision()
	d.Review = &candor.Review{RequestedAt: d.At, Statement: "s"}
	data, _ = d.MarshalBinary()
	f.Add(data)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d candor.Decision
		if d.UnmarshalBinary(data) != nil {
			return
		}
		again, err := d.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", d, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("decoded and encoded again:\n%x\nwant\n%x", again, data)
		}
	})
}
