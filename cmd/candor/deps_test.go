package main

import (
	"os/exec"
	"strings"
	"testing"
)

// OPA is a dependency of bench/score only, for comparison: the candor
// binary never links it, nor the benchmarks' baselines.
func TestBinaryLinksNoBenchmarkDependency(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found:", err)
	}
	cmd := exec.Command("go", "list", "-deps", ".")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !strings.Contains(string(out), "github.com/candor-project/candor/scoring\n") {
		t.Fatalf("go list -deps gave no plausible dependency list:\n%s", out)
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/chromedp/") {
			t.Errorf("cmd/candor depends on %s, which is for the portal's browser test only", d)
		}
		if strings.HasPrefix(d, "github.com/open-policy-agent/") || d == "github.com/candor-project/candor/internal/scorebench" {
			t.Errorf("cmd/candor depends on %s, which is for bench/score only", d)
		}
	}
}
