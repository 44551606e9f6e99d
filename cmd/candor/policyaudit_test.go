package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/app"
)

// auditFixture is a file of policy/testdata: the fitted consumer-credit
// version 2 and the sample and protected attributes it is audited with,
// and the rule sample rental-deposit version 2 is audited with.
func auditFixture(name string) string { return filepath.Join("..", "..", "policy", "testdata", name) }

// readFixture reads auditFixture(name).
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(auditFixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// auditRental audits rental-deposit version 2 (a rule version for rental,
// which rests on consent, so approved only once audited) with the rule
// sample of policy/testdata, running candor with the given flags.
func auditRental(t *testing.T, run func(args ...string) string, flags ...string) {
	t.Helper()
	out := run(append([]string{"policy", "audit", "rental-deposit", "2", "--sample", auditFixture("rental-audit-sample.csv"),
		"--protected", auditFixture("rental-audit-protected.csv")}, flags...)...)
	if !strings.Contains(out, "Fairness audit of rental-deposit version 2") {
		t.Fatalf("policy audit of the rule version:\n%s", out)
	}
}

// TestPolicyAuditOffline: on the store, a fitted consumer-credit version
// is refused approval until candor policy audit records an audit of it;
// list shows the verdict and approve prints the audit it approved.
func TestPolicyAuditOffline(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	keyFile := func(name string) string {
		out, _ := mustRun(t, "policy", "key", "--data", data, name)
		file := filepath.Join(dir, name+".key")
		os.WriteFile(file, []byte(strings.TrimSpace(out)), 0o600)
		return file
	}
	alice, bob := keyFile("alice"), keyFile("bob")
	mustRun(t, "policy", "propose", "--data", data, auditFixture("consumer-credit-2.yaml"), "--key-file", alice)
	policyAuditFlow(t, func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(args, "--data", data), &stdout, &stderr)
		return stdout.String(), err
	}, alice, bob)
}

// TestPolicyAuditOverServer: the same through a running server's API.
func TestPolicyAuditOverServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := serveConfig(t, data, "--purge-every", "0")
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acts := admins.New(inst.Store, inst.Vault, nil)
	var files []string
	for _, name := range []string{"alice", "bob"} {
		token, _, _, err := acts.Mint(ctx, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name+".key")
		os.WriteFile(file, []byte(token+"\n"), 0o600)
		files = append(files, file)
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	defer stopServer(t, srv)
	server := "http://" + srv.Addr()
	mustRun(t, "policy", "propose", auditFixture("consumer-credit-2.yaml"), "--server", server, "--key-file", files[0])
	policyAuditFlow(t, func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(args, "--server", server), &stdout, &stderr)
		return stdout.String(), err
	}, files[0], files[1])
}

// policyAuditFlow: consumer-credit v2, proposed by alice, is refused
// approval; bad audit input is refused, recording nothing; alice audits
// it; bob then approves it and sees the audit.
func policyAuditFlow(t *testing.T, candor func(args ...string) (string, error), alice, bob string) {
	t.Helper()
	must := func(args ...string) string {
		t.Helper()
		out, err := candor(args...)
		if err != nil {
			t.Fatalf("candor %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	fail := func(want string, args ...string) {
		t.Helper()
		if _, err := candor(args...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("candor %s: %v; want an error saying %q", strings.Join(args, " "), err, want)
		}
	}
	fail("no fairness audit of it was recorded", "policy", "approve", "consumer-credit", "2", "--key-file", bob)
	sample, protected := auditFixture("audit-sample.csv"), auditFixture("audit-protected.csv")
	fail("needs --sample FILE and --protected FILE", "policy", "audit", "consumer-credit", "2", "--sample", sample, "--key-file", alice)
	fail("sample", "policy", "audit", "consumer-credit", "2", "--sample", protected, "--protected", protected, "--key-file", alice)
	if out := must("policy", "acts", "--key-file", alice); strings.Contains(out, "scorecard_audited") {
		t.Errorf("a refused audit was recorded:\n%s", out)
	}
	out := must("policy", "audit", "consumer-credit", "2", "--sample", sample, "--protected", protected, "--key-file", alice)
	for _, want := range []string{"Fairness audit of consumer-credit version 2", "by alice", "40 rows, 8 bad outcomes",
		"pre_approval (grade C, score 660 or more) approves 65.0 %", "sex: four-fifths rule NOT met, equal-opportunity difference 0.375", "50.0 %"} {
		if !strings.Contains(out, want) {
			t.Errorf("policy audit's output lacks %q:\n%s", want, out)
		}
	}
	if out := must("policy", "list", "--key-file", alice); !regexp.MustCompile(`consumer-credit\s+2\s+proposed\s+alice .*four-fifths NOT met \(act \d+\)`).MatchString(out) {
		t.Errorf("policy list shows no audit:\n%s", out)
	}
	out = must("policy", "approve", "consumer-credit", "2", "--key-file", bob)
	if !strings.Contains(out, "approved by bob") || !strings.Contains(out, "Fairness audit of consumer-credit version 2") || !strings.Contains(out, "by alice") {
		t.Errorf("policy approve does not show the audit it approved with:\n%s", out)
	}
	if out := must("policy", "acts", "--key-file", alice); !regexp.MustCompile(`scorecard_proposed[\s\S]*scorecard_audited[\s\S]*scorecard_approved`).MatchString(out) {
		t.Errorf("the acts:\n%s", out)
	}
}
