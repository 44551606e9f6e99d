package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurgeCommand runs candor purge over imported facts, none past its
// retention: it reads them all, deletes none and shows its progress.
// (retention's tests move the clock.)
func TestPurgeCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "source", "add", "--data", data, "--id", "rent1", "--name", "Rent Registry", "--kind", "landlord", "--types", "rent.*")
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, `{"id":"r%d","subject":{"kind":"person","scheme":"national_id","value":"RR%07d"},"type":"rent.paid","occurred_at":"2026-01-05T00:00:00Z","fields":{"amount":"650.00","currency":"EUR"}}`+"\n", i, i%10)
	}
	nd := filepath.Join(dir, "rent.ndjson")
	if err := os.WriteFile(nd, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "import", "--data", data, "--source", "rent1", nd)
	out, errOut := mustRun(t, "purge", "--data", data, "--compact")
	if !strings.Contains(out, "purged 0 expired events of 40, from 10 subjects") || !strings.Contains(out, "compacted") {
		t.Errorf("purge: %s", out)
	}
	if !strings.Contains(errOut, "purge: 40 events") {
		t.Errorf("purge showed no progress: %q", errOut)
	}
}
