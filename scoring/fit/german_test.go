package fit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-project/candor/scoring/fit"
)

// germanData returns the path of german.data, found from the module root
// as ../shared/data/german-credit, or skips the test.
func germanData(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test: cannot find ../shared/data/german-credit")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", "german-credit", "german.data")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("German Credit data set not found at %s (it is ../shared/data/german-credit from the module root): %v", p, err)
	}
	return p
}

func readGerman(t testing.TB) *fit.Dataset {
	t.Helper()
	mdata, err := os.ReadFile("testdata/german-credit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := fit.ParseMapping(mdata)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(germanData(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := fit.ReadCSV(f, m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGermanCredit(t *testing.T) {
	d := readGerman(t)
	if d.Rows() != 1000 {
		t.Fatalf("%d rows, want 1000", d.Rows())
	}
	train, test, _, _ := fit.Split(d, 0.7, 1)
	m, err := fit.Fit(train, fit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	scores, err := m.Scores(test)
	if err != nil {
		t.Fatal(err)
	}
	auc := fit.AUC(fit.Floats(scores), test.Outcome)
	base, err := fit.OneHotBaseline(train, test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scorecard AUC %.4f, one-hot logistic baseline %.4f, %d characteristics\n%s", auc, base, len(m.Characteristics), m)
	t.Logf("excluded: %+v", m.Excluded)
	if auc < 0.75 || auc < base {
		t.Errorf("held-out AUC %.4f: want at least 0.75 and the baseline's %.4f", auc, base)
	}
}
