package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/scoring"
)

// TestDemoFitsAndProposes: the demo runs the fitting loop on its
// population and leaves consumer-credit version 2 proposed and audited,
// fitted to synth's outcomes, with a report whose held-out AUC is above
// 0.6; it loads as the engine loads it; bob approves it with the command
// the tour prints; a second run fits nothing again.
func TestDemoFitsAndProposes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	args := []string{"demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "3000", "--orgs", "30", "--load-only"}
	out, _ := mustRun(t, args...)
	fitDir := data + "-fit"
	for _, want := range []string{"candor features --scorecard " + fitDir, "candor fit --mapping", "consumer-credit version 2 proposed by alice",
		"candor policy audit consumer-credit 2", "candor policy approve consumer-credit 2 --server http://", "--key-file " + filepath.Join(fitDir, "bob.key")} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
	report, err := os.ReadFile(filepath.Join(fitDir, "consumer-credit-fitted.report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		AUC          float64 `json:"auc"`
		Cutoff       int     `json:"cutoff"`
		ApprovalRate float64 `json:"approval_rate"`
		Audit        []struct {
			Attribute string `json:"attribute"`
		} `json:"audit"`
	}
	if err := json.Unmarshal(report, &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out AUC %.3f", rep.AUC)
	if rep.AUC <= 0.6 {
		t.Errorf("held-out AUC %.3f, want above 0.6", rep.AUC)
	}
	if len(rep.Audit) != 1 || rep.Audit[0].Attribute != "age_band" {
		t.Errorf("the report's audit: %+v", rep.Audit)
	}
	// The cut-off approves about the sample's good share (more only by
	// rows tied at it, and by the held-out rows), not the safest few.
	sample, err := os.ReadFile(filepath.Join(fitDir, "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sample)), "\n")[1:]
	good := 0
	for _, l := range lines {
		if strings.HasSuffix(l, ",0") {
			good++
		}
	}
	share := float64(good) / float64(len(lines))
	t.Logf("good share %.3f, approved %.3f at %d", share, rep.ApprovalRate, rep.Cutoff)
	if rep.Cutoff != 660 || rep.ApprovalRate < share-0.03 || rep.ApprovalRate > share+0.03 {
		t.Errorf("pre_approval at %d approves %.3f of the rows; want 660 and the good share %.3f ± 0.03", rep.Cutoff, rep.ApprovalRate, share)
	}
	if want := fmt.Sprintf("approves the sample's good share, %.1f %%", 100*share); !strings.Contains(out, want) || !strings.Contains(out, "--approve-share") {
		t.Errorf("the demo's output lacks %q:\n%s", want, out)
	}

	inst, err := app.Open(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg := inst.Registry()
	v, c, err := reg.Stored(ctx, "consumer-credit", 2)
	if err != nil {
		inst.Close()
		t.Fatalf("the proposed version: %v", err)
	}
	audit, err := reg.LatestAudit(ctx, "consumer-credit", 2)
	fitted, _ := os.ReadFile(filepath.Join(fitDir, "consumer-credit-fitted.yaml"))
	inst.Close()
	if err != nil || audit == nil || audit.By != "alice" || v.ProposedBy != "alice" || v.ApprovedBy != "" {
		t.Errorf("version 2: proposed by %q, approved by %q, audit %+v %v", v.ProposedBy, v.ApprovedBy, audit, err)
	}
	if string(v.Source) != string(fitted) || len(c.Scorecard().Characteristics) < 2 || !scoring.NeedsAudit(c.Scorecard()) {
		t.Errorf("the proposal is not the fitted file, or not fitted: %d characteristics", len(c.Scorecard().Characteristics))
	}
	if _, err := scoring.Load("fitted.yaml", fitted, inst.Catalogue); err != nil {
		t.Errorf("the fitted file does not load: %v", err)
	}
	for _, name := range []string{"sample.csv", "outcomes.csv", "protected.csv", "features.csv", "subjects.txt", "alice.key", "bob.key"} {
		if _, err := os.Stat(filepath.Join(fitDir, name)); err != nil {
			t.Errorf("the fit directory lacks %s: %v", name, err)
		}
	}

	out2, _ := mustRun(t, args...)
	if !strings.Contains(out2, "nothing to fit") || strings.Contains(out2, "consumer-credit version 2 proposed by alice") {
		t.Errorf("a second run fitted again:\n%s", out2)
	}
	out3, _ := mustRun(t, "policy", "approve", "consumer-credit", "2", "--data", data, "--key-file", filepath.Join(fitDir, "bob.key"))
	if !regexp.MustCompile(`consumer-credit version 2 approved by bob and active`).MatchString(out3) || !strings.Contains(out3, "Fairness audit of consumer-credit version 2") {
		t.Errorf("bob's approval:\n%s", out3)
	}
	// The audit's act, like every administrative act, is in the log's account.
	mustRun(t, "audit", "verify", "--data", data)
}
