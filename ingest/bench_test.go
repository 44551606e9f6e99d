package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/ingest"
)

// BenchmarkDecode decodes an NDJSON body of 1,000 events with Decode (the
// strict, bounded reader) and, interleaved in the same loop, with
// encoding/json into a struct of the same shape (no bounds, no checks on
// keys or text), and reports ns per event for each and their ratio.
func BenchmarkDecode(b *testing.B) {
	var body bytes.Buffer
	for i := range 1000 {
		body.WriteString(strings.Replace(example, "bank7-000123", fmt.Sprintf("bank7-%06d", i), 1))
		body.WriteByte('\n')
	}
	type event struct {
		ID      string `json:"id"`
		Subject struct {
			Kind, Scheme, Value string
		} `json:"subject"`
		Type       string                     `json:"type"`
		OccurredAt string                     `json:"occurred_at"`
		Fields     map[string]json.RawMessage `json:"fields"`
	}
	var strict, std time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if _, _, err := ingest.Decode(body.Bytes(), ingest.FormatNDJSON, ingest.MaxEvents); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for line := range bytes.Lines(body.Bytes()) {
			var e event
			if err := json.Unmarshal(line, &e); err != nil {
				b.Fatal(err)
			}
		}
		strict, std = strict+t1.Sub(t0), std+time.Since(t1)
		n += 1000
	}
	b.ReportMetric(float64(strict.Nanoseconds())/float64(n), "strict-ns/event")
	b.ReportMetric(float64(std.Nanoseconds())/float64(n), "encoding/json-ns/event")
	b.ReportMetric(float64(strict)/float64(std), "ratio")
}
