package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/candor-project/candor/scoring/fit"
	"go.yaml.in/yaml/v3"
)

const germanMapping = "../../scoring/fit/testdata/german-credit.yaml"

// germanData finds german.data at ../shared/data/german-credit from the
// module root, or skips the test.
func germanData(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "..", "shared", "data", "german-credit", "german.data")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("German Credit data set not found at %s (../shared/data/german-credit from the module root): %v", p, err)
	}
	return p
}

// germanAudit writes the auditor's file for german.data: attribute 9 as
// sex, attribute 13 banded at 25 years, attribute 20 (foreign worker).
func germanAudit(t *testing.T, data, path string) {
	t.Helper()
	f, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	b.WriteString("sex,age_band,foreign_worker\n")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		a := strings.Fields(sc.Text())
		sex := "male"
		if a[8] == "A92" || a[8] == "A95" {
			sex = "female"
		}
		age, err := strconv.Atoi(a[12])
		if err != nil {
			t.Fatal(err)
		}
		band := "25 or over"
		if age < 25 {
			band = "under 25"
		}
		fw := map[string]string{"A201": "yes", "A202": "no"}[a[19]]
		b.WriteString(sex + "," + band + "," + fw + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFitGermanCredit(t *testing.T) {
	data := germanData(t)
	dir := t.TempDir()
	audit := filepath.Join(dir, "protected.csv")
	germanAudit(t, data, audit)
	prefix := filepath.Join(dir, "german")
	out, _ := mustRun(t, "fit", "--mapping", germanMapping, "--audit", audit, "--base-odds", "2", "--out", prefix, data)
	if !strings.Contains(out, "held out 300") || !strings.Contains(out, "audit foreign_worker") {
		t.Errorf("output:\n%s", out)
	}
	js, err := os.ReadFile(prefix + ".report.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep fit.Report
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out AUC %.4f, Gini %.4f, KS %.4f; baseline AUC %.4f", rep.AUC, rep.Gini, rep.KS, rep.BaselineAUC)
	if rep.AUC < 0.75 || rep.BaselineAUC == 0 || rep.AUC < rep.BaselineAUC {
		t.Errorf("held-out AUC %.4f: want at least 0.75 and the one-hot baseline's %.4f (%s)", rep.AUC, rep.BaselineAUC, rep.BaselineNote)
	}
	if rep.TestRows != 300 || rep.TrainRows != 700 {
		t.Errorf("split %d/%d, want 700/300", rep.TrainRows, rep.TestRows)
	}
	if len(rep.Audit) != 3 {
		t.Fatalf("audit of %d attributes, want 3", len(rep.Audit))
	}
	for _, a := range rep.Audit {
		if len(a.Groups) != 2 {
			t.Errorf("attribute %s: %d groups", a.Attribute, len(a.Groups))
		}
		var n int
		for _, g := range a.Groups {
			n += g.N
		}
		if n != 1000 {
			t.Errorf("attribute %s audits %d rows, want 1000", a.Attribute, n)
		}
	}
	var card struct {
		Version         int
		Base            int
		Benefits        []struct{ Name string }
		Characteristics []struct {
			ID   string
			Bins []struct{ Points int }
		}
	}
	y, err := os.ReadFile(prefix + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(y, &card); err != nil {
		t.Fatal(err)
	}
	if card.Version != 2 || len(card.Characteristics) == 0 || len(card.Benefits) != 1 || card.Benefits[0].Name != "pre_approval" {
		t.Errorf("scorecard:\n%s", y)
	}
	for _, c := range card.Characteristics {
		if why := fit.Protected(c.ID); why != "" {
			t.Errorf("characteristic %s: %s", c.ID, why)
		}
	}
	html, err := os.ReadFile(prefix + ".report.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "polyline", "Fairness audit at pre_approval", "foreign_worker", "checking_account"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestFitRefusesAndWritesNothing(t *testing.T) {
	data := germanData(t)
	dir := t.TempDir()
	n := 0
	mapping := func(extra string) string {
		n++
		m, err := os.ReadFile(germanMapping)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "mapping"+strconv.Itoa(n)+".yaml")
		if err := os.WriteFile(p, append(m, extra...), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("outcome,x\n1,1\n0,2\n2,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(dir, "audit.csv")
	germanAudit(t, data, audit)
	clash := filepath.Join(dir, "clash.csv")
	if err := os.WriteFile(clash, []byte(strings.Replace(mustRead(t, audit), "sex,", "savings,", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"attribute 9 as a characteristic", []string{"--mapping", mapping("  - {name: status, column: a9}\n"), data}, `column "a9", a protected attribute: charter point 1`},
		{"attribute 13 as a characteristic", []string{"--mapping", mapping("  - {name: years, column: a13, kind: numeric}\n"), data}, `column "a13", a protected attribute: charter point 1`},
		{"attribute 20 as a characteristic", []string{"--mapping", mapping("  - {name: worker, column: a20}\n"), data}, `column "a20", a protected attribute: charter point 1`},
		{"a protected name", []string{"--mapping", mapping("  - {name: applicant_age, column: a11}\n"), data}, "age is a protected attribute: charter point 1"},
		{"an audited column as a characteristic", []string{"--mapping", germanMapping, "--audit", clash, data}, `column "savings" is a protected attribute (it is in the audit file)`},
		{"outcome not 0/1", []string{bad}, `outcome "2" is not 1 (bad) or 0 (good)`},
		{"a benefit outside the catalogue", []string{"--mapping", germanMapping, "--benefit", "travel_allowed", data}, `--benefit "travel_allowed" is not in the benefit catalogue for credit`},
		{"a grade off the card", []string{"--mapping", germanMapping, "--benefit-grade", "AAA", data}, `--benefit-grade "AAA" is not a grade of consumer-credit`},
		{"audit rows not the sample's", []string{"--mapping", germanMapping, "--audit", bad, data}, "rows, the sample 1000"},
		{"a share to approve of 1", []string{"--mapping", germanMapping, "--approve-share", "1", data}, "--approve-share 1: must be between 0 and 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"fit", "--out", filepath.Join(out, "fitted")}, tc.args...)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a refused fit wrote %v", entries)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
