package httpapi

import (
	"encoding/json"
	"strings"
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

// FuzzErasureRequest: only a body that is exactly one JSON object with
// confirm true (and nothing else) is an erasure request; everything else
// fails with EMALFORMED or EINVALID, never a panic.
func FuzzErasureRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"confirm":true}`, ` {"confirm": true} `, `{"confirm":false}`, `{"confirm":1}`,
		`{"confirm":true,"x":1}`, `{"confirm":true}{}`, `[true]`, `null`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseErasureRequest(body)
		switch candor.ErrorCode(err) {
		case "":
			if !req.Confirm {
				t.Fatalf("%q accepted without confirm", body)
			}
			// encoding/json matches field names case-insensitively, and
			// the last of repeated ones wins.
			var m map[string]any
			if json.Unmarshal(body, &m) != nil || len(m) == 0 {
				t.Fatalf("%q accepted, but it is not a JSON object", body)
			}
			for k := range m {
				if !strings.EqualFold(k, "confirm") {
					t.Fatalf("%q accepted, but it holds %q", body, k)
				}
			}
		case candor.EMALFORMED, candor.EINVALID:
		default:
			t.Fatalf("%q: %v", body, err)
		}
	})
}
