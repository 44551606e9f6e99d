package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestDecisionAnswerEncoding checks that a decision's answer appends what
// encoding/json writes for it (SetEscapeHTML(false), as encode does), with
// every field set, so that it fails if a field is added that appendJSON
// does not write; with reasons that need escaping, and none.
func TestDecisionAnswerEncoding(t *testing.T) {
	full := decisionForPartyJSON{DecisionID: "d_x", Outcome: "approve", Grade: "A", ScorecardID: "rental-deposit", ScorecardVersion: 2,
		Reasons:    []reasonForPartyJSON{{Code: "R1", Text: "Late <payments> & \"debts\"\t"}, {Code: "R2", Text: "é\u2028"}},
		ValidUntil: time.Date(2026, 12, 6, 5, 4, 3, 5, time.UTC), HowToContest: "GET /v1/me/decisions & <dispute>"}
	for i := range reflect.TypeFor[decisionForPartyJSON]().NumField() {
		if reflect.ValueOf(full).Field(i).IsZero() {
			t.Fatalf("the test answer leaves %s zero: set it", reflect.TypeFor[decisionForPartyJSON]().Field(i).Name)
		}
	}
	empty, none := full, full
	empty.Reasons = []reasonForPartyJSON{}
	none.Reasons = nil
	for _, d := range []decisionForPartyJSON{full, empty, none} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&d); err != nil {
			t.Fatal(err)
		}
		s := &Server{}
		s.bufs.New = func() any { return new([]byte) }
		e, err := s.encode(&d)
		if err != nil || e.buf.String() != want.String() {
			t.Errorf("encode:\n got %s, %v\nwant %s", e.buf.String(), err, want.String())
		}
	}
}
