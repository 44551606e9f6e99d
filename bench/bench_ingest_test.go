package bench_test

import (
	"regexp"
	"testing"
)

// TestBenchIngestCountsWrites checks that bench ingest reports Pebble's
// write stalls, flushes and compactions for the pipeline and the raw
// baseline.
func TestBenchIngestCountsWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a few thousand events twice")
	}
	out := mustRun(t, "ingest", "--events", "4000", "--batch", "500", "--log", "on", "--dir", t.TempDir())
	re := regexp.MustCompile(`(?m)^ +pebble during the run: write stalls \d+ \(\d+\.\d\d s\), flushes \d+ \(\d+ MB\), compactions \d+ \(\d+ MB written, \d+\.\d s\)$`)
	if n := len(re.FindAllString(out, -1)); n != 2 {
		t.Errorf("%d lines of Pebble's counts, want 2 (pipeline, baseline):\n%s", n, out)
	}
}
