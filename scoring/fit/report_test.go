package fit_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/candor-project/candor/scoring/fit"
	"go.yaml.in/yaml/v3"
)

func TestROCCalibrationDistribution(t *testing.T) {
	scores := []int{500, 500, 600, 700, 700, 800}
	outcome := []uint8{1, 1, 0, 1, 0, 0}
	roc := fit.ROC(fit.Floats(scores), outcome)
	// From the top: 800 (a good), 700 (a good and a bad), 600 (a good), 500 (two bads).
	want := [][2]float64{{0, 0}, {0, 1.0 / 3}, {1.0 / 3, 2.0 / 3}, {1.0 / 3, 1}, {1, 1}}
	if len(roc) != len(want) {
		t.Fatalf("ROC %v, want %v", roc, want)
	}
	for i := range want {
		if !near(roc[i][0], want[i][0], 1e-12) || !near(roc[i][1], want[i][1], 1e-12) {
			t.Errorf("ROC point %d = %v, want %v", i, roc[i], want[i])
		}
	}
	m := &fit.Model{Factor: 20 / math.Ln2, Offset: 600}
	cal := fit.Calibration(m, scores, outcome, 3)
	// Bands of about two rows that never split a score: {500,500}, {600,700,700}, {800}.
	if len(cal) != 3 || cal[0].N != 2 || cal[1].N != 3 || cal[2].N != 1 || cal[0].BadRate != 1 || !near(cal[1].BadRate, 1.0/3, 1e-12) {
		t.Fatalf("calibration %+v", cal)
	}
	// At 500, 100 points below even odds: odds 1:32, a bad probability of 32/33.
	if !near(cal[0].Predicted, 32.0/33, 1e-12) {
		t.Errorf("predicted %v at 500, want 32/33", cal[0].Predicted)
	}
	dist := fit.Distribution(scores, outcome, 3)
	var n, bad int
	for _, b := range dist {
		n, bad = n+b.N, bad+b.Bad
	}
	if n != 6 || bad != 3 || dist[0].Lo != 500 || dist[len(dist)-1].Hi < 800 || dist[0].Bad != 2 {
		t.Errorf("distribution %+v", dist)
	}
}

func TestSplitIsFixedAndStratified(t *testing.T) {
	d := &fit.Dataset{Columns: []*fit.Column{{Name: "x", Numeric: true}}}
	for i := range 1000 {
		d.Columns[0].Num = append(d.Columns[0].Num, float64(i))
		d.Outcome = append(d.Outcome, uint8(min(1, i%10/7))) // 30 % bad
	}
	train, test, a, b := fit.Split(d, 0.7, 1)
	_, _, a2, _ := fit.Split(d, 0.7, 1)
	_, _, a3, _ := fit.Split(d, 0.7, 2)
	if train.Rows() != 700 || test.Rows() != 300 || len(a)+len(b) != 1000 {
		t.Fatalf("split %d/%d", train.Rows(), test.Rows())
	}
	var bad int
	for _, y := range test.Outcome {
		bad += int(y)
	}
	if bad != 90 {
		t.Errorf("%d bad of 300 held out, want 90 (30 %%)", bad)
	}
	if !equal(a, a2) || equal(a, a3) {
		t.Error("the same seed must give the same split, another seed another")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFitLeavesOutAndWritesYAML(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	d := &fit.Dataset{Columns: []*fit.Column{
		{Name: "late", Numeric: true}, {Name: "late_again", Numeric: true}, {Name: "noise", Numeric: true}, {Name: "product", Levels: []string{"card", "loan"}},
	}}
	for range 4000 {
		late := float64(r.IntN(5))
		prod := int32(r.IntN(2))
		z := -2 + 0.6*late + 0.8*float64(prod)
		y := uint8(0)
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		noisy := late
		if r.Float64() < 0.5 {
			noisy = float64(r.IntN(5))
		}
		miss := late
		if r.Float64() < 0.2 {
			miss = math.NaN()
		}
		d.Columns[0].Num = append(d.Columns[0].Num, miss)
		d.Columns[1].Num = append(d.Columns[1].Num, noisy)
		d.Columns[2].Num = append(d.Columns[2].Num, r.Float64())
		d.Columns[3].Code = append(d.Columns[3].Code, prod)
		d.Outcome = append(d.Outcome, y)
	}
	m, err := fit.Fit(d, fit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, e := range m.Excluded {
		reasons[e.Name] = e.Reason
	}
	if !strings.Contains(reasons["noise"], "information value below") && !strings.Contains(reasons["noise"], "no monotone split") {
		t.Errorf("noise not left out for want of information: %v", reasons)
	}
	for _, ch := range m.Characteristics {
		if ch.Beta >= 0 {
			t.Errorf("%s kept with coefficient %v: points would contradict its bad rates", ch.Name, ch.Beta)
		}
		for k := 1; k < len(ch.Bins); k++ {
			if (ch.Bins[k].WoE > ch.Bins[k-1].WoE) != (ch.Points[k] >= ch.Points[k-1]) && ch.Points[k] != ch.Points[k-1] {
				t.Errorf("%s: points %v do not follow the weights of evidence", ch.Name, ch.Points)
			}
		}
	}
	card := fit.Card{ID: "consumer-credit", Title: "Consumer credit", Purpose: "credit", SubjectKind: "person", Version: 2,
		EffectiveFrom: "2027-01-01", Min: 350, Max: 950,
		Grades:   []fit.Grade{{"A", 760, "exceptional"}, {"C", 660, "good"}, {"E", 350, "poor"}},
		Benefits: []fit.Benefit{{"pre_approval", "C", "pre-approved"}}}
	if c, err := card.Cutoff("pre_approval"); err != nil || c != 660 {
		t.Errorf("cutoff %d, %v; want 660", c, err)
	}
	if _, err := card.Cutoff("rate_discount"); err == nil {
		t.Error("a benefit the card lacks has a cut-off")
	}
	out, err := m.YAML(card, "fitted in a test\nsecond line")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("# fitted in a test\n# second line\n")) {
		t.Errorf("provenance not a comment:\n%s", out)
	}
	var got struct {
		Base            int
		Characteristics []struct {
			ID   string
			Bins []struct {
				From, Below *float64
				Values      []string
				Missing     bool
				Points      int
			}
		}
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Base != m.Base || len(got.Characteristics) != len(m.Characteristics) {
		t.Fatalf("YAML:\n%s", out)
	}
	for i, ch := range got.Characteristics {
		mc := m.Characteristics[i]
		for k, b := range ch.Bins {
			if b.Points != mc.Points[k] || b.Missing != mc.Bins[k].Missing {
				t.Errorf("%s bin %d: %+v, model %+v", ch.ID, k, b, mc.Bins[k])
			}
			// A value at a bin's start falls in that bin.
			if b.From != nil && mc.AssignNumber(*b.From) != k {
				t.Errorf("%s: %v is not in bin %d", ch.ID, *b.From, k)
			}
			if !mc.Numeric && mc.AssignValue(b.Values[0]) != k {
				t.Errorf("%s: %q is not in bin %d", ch.ID, b.Values[0], k)
			}
		}
	}
	scores := []int{100, 700, 2000}
	fit.Clamp(scores, 350, 950)
	if scores[0] != 350 || scores[1] != 700 || scores[2] != 950 {
		t.Errorf("clamped %v", scores)
	}
}

func TestFitDropsWrongSign(t *testing.T) {
	// x2 = x1 + e: x2 is riskier on its own (through x1), but for a given
	// x1 a higher x2 is safer; its coefficient comes out with the wrong
	// sign, and the fit leaves it out rather than give points against its
	// own bad rates.
	r := rand.New(rand.NewPCG(11, 3))
	d := &fit.Dataset{Columns: []*fit.Column{{Name: "x1", Numeric: true}, {Name: "x2", Numeric: true}}}
	for range 20000 {
		x1, e := float64(r.IntN(5)), float64(r.IntN(3)-1)
		z := -2 + 2.0*x1 - 0.8*(x1+e)
		y := uint8(0)
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		d.Columns[0].Num = append(d.Columns[0].Num, x1)
		d.Columns[1].Num = append(d.Columns[1].Num, x1+e)
		d.Outcome = append(d.Outcome, y)
	}
	m, err := fit.Fit(d, fit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Characteristics) != 1 || m.Characteristics[0].Name != "x1" || len(m.Excluded) != 1 ||
		m.Excluded[0].Name != "x2" || !strings.Contains(m.Excluded[0].Reason, "wrong sign") {
		t.Errorf("kept %d characteristics, excluded %+v", len(m.Characteristics), m.Excluded)
	}
}

func TestFitRefusesOptions(t *testing.T) {
	d := &fit.Dataset{Columns: []*fit.Column{{Name: "x", Numeric: true, Num: []float64{1, 2, 3, 4}}}, Outcome: []uint8{0, 1, 0, 1}}
	for _, tc := range []struct {
		name string
		edit func(*fit.Options)
		want string
	}{
		{"zero pdo", func(o *fit.Options) { o.PDO = 0 }, "points to double the odds (0)"},
		{"negative odds", func(o *fit.Options) { o.BaseOdds = -1 }, "base odds (-1)"},
		{"NaN base", func(o *fit.Options) { o.BasePoints = math.NaN() }, "base points NaN"},
		{"bin share", func(o *fit.Options) { o.Bin.MinShare = 0.6 }, "minimum bin share 0.6"},
		{"one bin", func(o *fit.Options) { o.Bin.MaxBins = 1 }, "at most 1 bins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fit.DefaultOptions()
			tc.edit(&o)
			if _, err := fit.Fit(d, o); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
