package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/candor-project/candor/internal/jsonenc"
)

func stdString(s string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	enc.Encode(s)
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// FuzzString checks String against encoding/json for any string, with
// and without HTML escaping.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote\`, "<a&b>", "tab\tnl\n", "\u2028x\u2029", "é日本", "\xff\xfe", "\x00\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if got, want := string(jsonenc.String(nil, s, html)), stdString(s, html); got != want {
				t.Fatalf("String(%q, html %v) = %s, want %s", s, html, got, want)
			}
		}
	})
}

// FuzzFloat checks Float against encoding/json.
func FuzzFloat(f *testing.F) {
	for _, x := range []float64{0, -0.0, 1, -15, 7.5, 1e-7, 1e21, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want, werr := json.Marshal(x)
		got, err := jsonenc.Float(nil, x)
		if (err != nil) != (werr != nil) || werr == nil && string(got) != string(want) {
			t.Fatalf("Float(%v) = %s, %v; want %s, %v", x, got, err, want, werr)
		}
	})
}

func TestTime(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Date(2026, 12, 6, 5, 4, 3, 2, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		want, werr := json.Marshal(tm)
		got, err := jsonenc.Time(nil, tm)
		if (err != nil) != (werr != nil) || werr == nil && string(got) != string(want) {
			t.Errorf("Time(%v) = %s, %v; want %s, %v", tm, got, err, want, werr)
		}
	}
}
