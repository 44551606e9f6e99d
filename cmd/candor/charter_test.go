package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// A scorecard that names a sanction (issue 11, part 3) is refused by the
// commands that would simulate or propose it, with the charter point.
func TestPolicyRefusesSanctions(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	shipped, err := os.ReadFile("../../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	s = strings.Replace(s, `{grade: D, min: 0,`, `{grade: BANNED, min: 0,`, 1)
	s = strings.Replace(s, "  - name: deposit_waived\n", "  - {name: travel_allowed, min_grade: A}\n  - {name: blacklist, min_grade: A}\n  - name: ban\n", 1)
	if !strings.Contains(s, "BANNED") || !strings.Contains(s, "name: ban\n") {
		t.Fatal("the test's edit of rental-deposit.yaml no longer applies")
	}
	file := filepath.Join(dir, "banned.yaml")
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := mustRun(t, "policy", "key", "--data", data, "alice")
	key := filepath.Join(dir, "alice.key")
	os.WriteFile(key, []byte(strings.SplitN(out, "\n", 2)[0]), 0o600)
	for _, args := range [][]string{
		{"policy", "simulate", "--data", data, file},
		{"policy", "propose", "--data", data, file, "--key-file", key},
	} {
		t.Run(args[1], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("candor %s: %v", strings.Join(args, " "), err)
			}
			var ps []string
			for _, p := range candor.ErrorDetails(err) {
				ps = append(ps, p.Reason)
			}
			got := strings.Join(ps, "\n")
			for _, w := range []string{`grade "BANNED" is not on the fixed ladder`, `"travel_allowed" is not in the benefit catalogue`,
				`"blacklist" is not in the benefit catalogue`, `"ban" is not in the benefit catalogue`} {
				if !strings.Contains(got, w) || !strings.Contains(got, "(charter point 9)") {
					t.Errorf("problems lack %q:\n%s", w, got)
				}
			}
		})
	}
	if out, _ := mustRun(t, "policy", "list", "--data", data); regexp.MustCompile(`rental-deposit\s+2\s`).MatchString(out) {
		t.Errorf("a refused version is listed:\n%s", out)
	}
}
