package httpapi

import (
	"testing"

	"github.com/candor-project/candor"
)

// FuzzDecodeJSON feeds the control-plane body decoder arbitrary bytes: it
// must never panic, and must either fill the request or fail with
// EMALFORMED (an unknown purpose, for one, is malformed: it names no
// purpose at all).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"consent":"AAA-AAA-AAA-AAA","purpose":"rental","benefit":"deposit_waived"}`))
	f.Add([]byte(`{"consent":"x","purpose":"astrology"}`))
	f.Add([]byte(`{"consent":"x"} {"consent":"y"}`))
	f.Add([]byte(`{"consent":"x","extra":1}`))
	f.Add([]byte("\xff"))
	f.Add([]byte(`{"purpose":200}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req struct {
			Consent string         `json:"consent"`
			Purpose candor.Purpose `json:"purpose"`
			Benefit string         `json:"benefit"`
		}
		err := decodeJSON(body, &req)
		if err != nil && candor.ErrorCode(err) != candor.EMALFORMED {
			t.Fatalf("decodeJSON(%q): %v, want EMALFORMED", body, err)
		}
		if err == nil && req.Purpose != 0 && req.Purpose.String() == "unknown" {
			t.Fatalf("decodeJSON(%q) accepted purpose %d", body, req.Purpose)
		}
	})
}
