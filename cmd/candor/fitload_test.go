package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// creditMapping defines each column of the synthetic sample as an
// aggregate of consumer-credit facts; extra is appended.
const creditMapping = `outcome: defaulted
characteristics:
  - {name: late_instalments, column: late, types: [credit.instalment_late], condition: "days_late >= 30", aggregate: count, window: 24m}
  - {name: months_since_late, column: since_late, types: [credit.instalment_late], aggregate: months_since_last, window: 5y}
  - {name: late_share, column: late_share, types: [credit.instalment_paid, credit.instalment_late], condition: "days_late >= 1", aggregate: share, window: 24m}
`

// creditSample writes n rows whose default odds fall with fewer late
// instalments, a longer time since the last and a smaller share late.
func creditSample(t *testing.T, path string, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(19, 19))
	var b strings.Builder
	b.WriteString("late,since_late,late_share,defaulted\n")
	for range n {
		late := r.IntN(5)
		since, share := "NA", "NA"
		z := -2.5 + 0.5*float64(late)
		if late > 0 || r.IntN(3) == 0 {
			m := r.IntN(60)
			since = fmt.Sprint(m)
			z -= 0.02 * float64(m)
			s := r.Float64() * 0.5
			share = fmt.Sprintf("%.3f", s)
			z += 2 * s
		}
		y := 0
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		fmt.Fprintf(&b, "%d,%s,%s,%d\n", late, since, share, y)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// candor fit's scorecard, its columns defined as aggregates of catalogue
// facts, loads, simulates against the published version and is proposed.
func TestFittedScorecardLoadsSimulatesAndIsProposed(t *testing.T) {
	dir := t.TempDir()
	sample, mapping := filepath.Join(dir, "sample.csv"), filepath.Join(dir, "mapping.yaml")
	creditSample(t, sample, 4000)
	if err := os.WriteFile(mapping, []byte(creditMapping), 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "fitted")
	out, _ := mustRun(t, "fit", "--mapping", mapping, "--out", prefix, sample)
	if strings.Contains(out, "does not load") {
		t.Fatalf("fit says its scorecard does not load:\n%s", out)
	}
	yaml, err := os.ReadFile(prefix + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := scoring.Load("fitted.yaml", yaml, catalogue.Default())
	if err != nil {
		t.Fatalf("fitted scorecard refused: %v\n%s", err, yaml)
	}
	sc := c.Scorecard()
	if sc.ID != "consumer-credit" || sc.Version != 2 || len(sc.Characteristics) == 0 {
		t.Fatalf("fitted %s v%d with %d characteristics", sc.ID, sc.Version, len(sc.Characteristics))
	}
	for _, ch := range sc.Characteristics {
		if ch.Aggregate == 0 || len(ch.EventTypes) == 0 {
			t.Errorf("characteristic %s lost its definition", ch.ID)
		}
	}
	out, _ = mustRun(t, "policy", "diff", "consumer-credit", prefix+".yaml")
	if !strings.Contains(out, "rule late_30: removed") || !strings.Contains(out, "characteristic late_instalments: added: late instalments, count of credit.instalment_late, bins below") {
		t.Errorf("diff of the rules and the fitted characteristics:\n%s", out)
	}
	changed := filepath.Join(dir, "changed.yaml")
	os.WriteFile(changed, bytes.Replace(yaml, []byte("window: 5y"), []byte("window: 4y"), 1), 0o600)
	if out, _ = mustRun(t, "policy", "diff", prefix+".yaml", changed); !strings.Contains(out, `characteristic months_since_late: window "5y" -> "4y"`) {
		t.Errorf("diff of two fitted versions:\n%s", out)
	}

	data := filepath.Join(dir, "data")
	mustRun(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--persons", "200", "--orgs", "20", "--fit-persons", "0", "--load-only")
	out, _ = mustRun(t, "policy", "simulate", "--data", data, prefix+".yaml")
	if !strings.Contains(out, "Grade migration of consumer-credit, published v1 (rows) to candidate v2 (columns)") || !strings.Contains(out, "moved up:") {
		t.Fatalf("simulate:\n%s", out)
	}
	key, _ := mustRun(t, "policy", "key", "--data", data, "alice")
	keyFile := filepath.Join(dir, "alice.key")
	os.WriteFile(keyFile, []byte(strings.SplitN(key, "\n", 2)[0]), 0o600)
	out, _ = mustRun(t, "policy", "propose", "--data", data, prefix+".yaml", "--key-file", keyFile)
	if !strings.Contains(out, "consumer-credit version 2 proposed") {
		t.Fatalf("propose:\n%s", out)
	}
}

// A column the mapping does not define is fitted, but the scorecard says
// so and the engine refuses it; a definition the charter refuses writes
// nothing.
func TestFittedUndefinedColumnIsRefused(t *testing.T) {
	dir := t.TempDir()
	sample := filepath.Join(dir, "sample.csv")
	creditSample(t, sample, 4000)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	undefined := write("undefined.yaml", strings.Replace(creditMapping, ", types: [credit.instalment_late], condition: \"days_late >= 30\", aggregate: count, window: 24m", "", 1))
	prefix := filepath.Join(dir, "fitted")
	out, _ := mustRun(t, "fit", "--mapping", undefined, "--out", prefix, sample)
	if !strings.Contains(out, "fitted.yaml does not load: 1 characteristics are not defined") {
		t.Errorf("fit did not say its scorecard does not load:\n%s", out)
	}
	yaml, err := os.ReadFile(prefix + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(yaml), "undefined: column late_instalments is not defined as an aggregate of catalogue facts") {
		t.Errorf("the scorecard does not say late_instalments is undefined:\n%s", yaml)
	}
	_, err = scoring.Load("fitted.yaml", yaml, catalogue.Default())
	if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), "characteristic late_instalments: undefined: column late_instalments is not defined") {
		t.Errorf("Load: %v", err)
	}

	taxed := write("taxed.yaml", strings.Replace(creditMapping, "types: [credit.instalment_late], condition", "types: [tax.return_late], condition", 1))
	empty := t.TempDir()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"fit", "--mapping", taxed, "--out", filepath.Join(empty, "fitted"), sample}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "tax.return_late is tax data, which may not be used for credit") {
		t.Errorf("fit with tax data for credit: %v", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a refused fit wrote %v", entries)
	}
}

// policy diff names a sum's field when it is added, and a change of a
// max's currency.
func TestDiffSums(t *testing.T) {
	out, _ := mustRun(t, "policy", "diff", "../../scoring/testdata/credit-characteristics.yaml", charCard)
	if !strings.Contains(out, "characteristic days_late_total: added: Days instalments were late, sum of days_late of credit.instalment_late, bins below 1: 20;") ||
		!strings.Contains(out, "characteristic largest_late: added: Largest late instalment, max of amount of credit.instalment_late, bins none in the window: 10;") {
		t.Errorf("diff adding a sum:\n%s", out)
	}
	src, err := os.ReadFile(charCard)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(t.TempDir(), "usd.yaml")
	os.WriteFile(changed, bytes.Replace(src, []byte("currency: EUR"), []byte("currency: USD"), 1), 0o600)
	if out, _ = mustRun(t, "policy", "diff", charCard, changed); !strings.Contains(out, `characteristic largest_late: currency "EUR" -> "USD"`) {
		t.Errorf("diff of a max's currency:\n%s", out)
	}
}
