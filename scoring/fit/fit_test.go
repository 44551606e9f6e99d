package fit_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/candor-project/candor/scoring/fit"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWoEHandComputed(t *testing.T) {
	// G = B = 100: %good .4 .3 .3, %bad .1 .2 .7.
	bins := []fit.Bin{{Good: 40, Bad: 10}, {Good: 30, Bad: 20}, {Good: 30, Bad: 70}}
	iv := fit.WoE(bins)
	want := []float64{math.Log(4), math.Log(1.5), math.Log(3.0 / 7)}
	for i, w := range want {
		if !near(bins[i].WoE, w, 1e-12) {
			t.Errorf("bin %d: WoE %v, want %v", i, bins[i].WoE, w)
		}
	}
	// .3·ln 4 + .1·ln 1.5 + .4·ln(7/3)
	if wantIV := 0.3*math.Log(4) + 0.1*math.Log(1.5) + 0.4*math.Log(7.0/3); !near(iv, wantIV, 1e-12) || !near(iv, 0.795354, 1e-6) {
		t.Errorf("IV %v, want %v", iv, wantIV)
	}
	// A bin without bads gets half a row of each, and stays finite.
	empty := []fit.Bin{{Good: 10, Bad: 0}, {Good: 10, Bad: 10}}
	fit.WoE(empty)
	if want := math.Log((10.5 / 20) / (0.5 / 10)); !near(empty[0].WoE, want, 1e-12) {
		t.Errorf("smoothed WoE %v, want %v", empty[0].WoE, want)
	}
}

// sample draws n rows whose bad probability is p(x) for x uniform in
// [0, 100), with a share of missing values that are bad with probability
// pMissing.
func sample(n int, seed uint64, p func(x float64) float64, missShare, pMissing float64) (*fit.Column, []uint8) {
	r := rand.New(rand.NewPCG(seed, 1))
	c := &fit.Column{Name: "x", Numeric: true}
	y := make([]uint8, n)
	for i := range n {
		x := r.Float64() * 100
		pb := p(x)
		if r.Float64() < missShare {
			x, pb = math.NaN(), pMissing
		}
		c.Num = append(c.Num, math.Round(x))
		if r.Float64() < pb {
			y[i] = 1
		}
	}
	return c, y
}

func rate(b fit.Bin) float64 { return float64(b.Bad) / float64(b.Good+b.Bad) }

func TestBinningMonotoneAndMinShare(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        func(float64) float64
		minShare float64
	}{
		{"rising", func(x float64) float64 { return 0.05 + x/250 }, 0.05},
		{"falling", func(x float64) float64 { return 0.5 - x/250 }, 0.05},
		{"u-shaped truth", func(x float64) float64 { return 0.1 + math.Abs(x-50)/200 }, 0.05},
		{"large minimum share", func(x float64) float64 { return 0.05 + x/250 }, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, y := sample(5000, 7, tc.p, 0, 0)
			b := fit.BinColumn(c, y, fit.BinOptions{MinShare: tc.minShare})
			if len(b.Bins) < 2 {
				t.Fatalf("%d bins", len(b.Bins))
			}
			up, down := true, true
			for i, bin := range b.Bins {
				if n := bin.Good + bin.Bad; float64(n) < tc.minShare*5000 {
					t.Errorf("bin %d holds %d rows, under %g of 5000", i, n, tc.minShare)
				}
				if i > 0 {
					up = up && rate(bin) >= rate(b.Bins[i-1])
					down = down && rate(bin) <= rate(b.Bins[i-1])
					if bin.Lo != b.Bins[i-1].Hi {
						t.Errorf("bin %d starts at %g, the previous ends at %g", i, bin.Lo, b.Bins[i-1].Hi)
					}
				}
			}
			if !up && !down {
				t.Errorf("bad rates not monotone: %+v", b.Bins)
			}
			if !math.IsInf(b.Bins[0].Lo, -1) || !math.IsInf(b.Bins[len(b.Bins)-1].Hi, 1) {
				t.Errorf("bins do not cover the line: %+v", b.Bins)
			}
			for i := range c.Num {
				k := b.Assign(c, i)
				if k < 0 || c.Num[i] < b.Bins[k].Lo || c.Num[i] >= b.Bins[k].Hi {
					t.Fatalf("row %d (%g) assigned to bin %d", i, c.Num[i], k)
				}
			}
		})
	}
}

func TestBinningMissingValues(t *testing.T) {
	rising := func(x float64) float64 { return 0.05 + x/250 }
	t.Run("many missing get their own bin", func(t *testing.T) {
		c, y := sample(5000, 3, rising, 0.2, 0.6)
		b := fit.BinColumn(c, y, fit.BinOptions{})
		k := b.AssignNumber(math.NaN())
		if k < 0 || !b.Bins[k].Missing || !math.IsInf(b.Bins[k].Lo, 1) {
			t.Fatalf("missing values in bin %d: %+v", k, b.Bins)
		}
		if r := rate(b.Bins[k]); r < 0.55 || r > 0.65 {
			t.Errorf("missing bin's bad rate %.3f, drawn at 0.6", r)
		}
	})
	t.Run("few missing join the closest bin", func(t *testing.T) {
		c, y := sample(5000, 4, rising, 0.01, 0.45)
		b := fit.BinColumn(c, y, fit.BinOptions{})
		k := b.AssignNumber(math.NaN())
		if k < 0 || !b.Bins[k].Missing || math.IsInf(b.Bins[k].Lo, 1) {
			t.Fatalf("missing values in bin %d: %+v", k, b.Bins)
		}
		if k != len(b.Bins)-1 {
			t.Errorf("missing values (bad rate 0.45) joined bin %d, not the riskiest, %d", k, len(b.Bins)-1)
		}
	})
	t.Run("categorical", func(t *testing.T) {
		c := &fit.Column{Name: "c", Levels: []string{"a", "b", "rare"}}
		var y []uint8
		add := func(code int32, n, bad int) {
			for i := range n {
				c.Code = append(c.Code, code)
				y = append(y, uint8(min(1, max(0, bad-i))))
			}
		}
		add(0, 400, 40)  // 10 % bad
		add(1, 400, 200) // 50 % bad
		add(2, 10, 5)    // too rare for a bin
		add(-1, 190, 95) // missing, 50 % bad
		b := fit.BinColumn(c, y, fit.BinOptions{MinShare: 0.05})
		if b.AssignValue("rare") != b.AssignValue("b") {
			t.Errorf("the rare level did not join the level with its bad rate: %+v", b.Bins)
		}
		if k := b.Assign(c, len(y)-1); k < 0 || !b.Bins[k].Missing {
			t.Errorf("missing value in bin %d: %+v", k, b.Bins)
		}
		if b.AssignValue("never seen") != -1 {
			t.Error("an unseen level has a bin")
		}
	})
}

func TestLogisticKnownSolution(t *testing.T) {
	// One binary predictor: the MLE is the saturated model, β0 = logit of
	// the bad rate at x=0 and β1 the log odds ratio.
	var x [][]float64
	var y []uint8
	add := func(v float64, bad, good int) {
		for range bad {
			x, y = append(x, []float64{v}), append(y, 1)
		}
		for range good {
			x, y = append(x, []float64{v}), append(y, 0)
		}
	}
	add(0, 30, 70)
	add(1, 60, 40)
	beta, err := fit.Logistic(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	b0, b1 := math.Log(30.0/70), math.Log(60.0/40)-math.Log(30.0/70)
	if !near(beta[0], b0, 1e-8) || !near(beta[1], b1, 1e-8) {
		t.Errorf("β = %v, want [%v %v]", beta, b0, b1)
	}
}

func TestLogisticScoreEquations(t *testing.T) {
	// At the maximum the gradient Xᵀ(y − p) vanishes.
	r := rand.New(rand.NewPCG(9, 9))
	x := make([][]float64, 2000)
	y := make([]uint8, len(x))
	for i := range x {
		x[i] = []float64{r.NormFloat64(), r.NormFloat64(), r.Float64()}
		z := -0.5 + 1.2*x[i][0] - 0.7*x[i][1] + 2*x[i][2]
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
	}
	beta, err := fit.Logistic(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	grad := make([]float64, 4)
	for i, xi := range x {
		z := beta[0] + beta[1]*xi[0] + beta[2]*xi[1] + beta[3]*xi[2]
		res := float64(y[i]) - 1/(1+math.Exp(-z))
		grad[0] += res
		for j, v := range xi {
			grad[j+1] += res * v
		}
	}
	for j, g := range grad {
		if math.Abs(g) > 1e-6 {
			t.Errorf("gradient %d = %g at %v", j, g, beta)
		}
	}
	if !near(beta[1], 1.2, 0.3) || !near(beta[2], -0.7, 0.3) {
		t.Errorf("β = %v, drawn from [-0.5 1.2 -0.7 2]", beta)
	}
}

func TestLogisticRefuses(t *testing.T) {
	t.Run("collinear", func(t *testing.T) {
		x := [][]float64{{1, 2}, {2, 4}, {3, 6}, {4, 8}}
		if _, err := fit.Logistic(x, []uint8{0, 1, 0, 1}, 0); err == nil || !strings.Contains(err.Error(), "singular") {
			t.Errorf("err = %v, want singular", err)
		}
	})
	t.Run("separated", func(t *testing.T) {
		x := [][]float64{{1}, {2}, {3}, {4}}
		if _, err := fit.Logistic(x, []uint8{0, 0, 1, 1}, 0); err == nil || !strings.Contains(err.Error(), "separated") {
			t.Errorf("err = %v, want no convergence", err)
		}
	})
}

func TestScaling(t *testing.T) {
	// One characteristic: the fit is saturated, so each bin's score is
	// Offset + Factor·ln(good/bad in the bin): 600 points at even odds, 20
	// points to double them.
	d := &fit.Dataset{Columns: []*fit.Column{{Name: "c", Levels: []string{"x", "y", "z"}}}}
	add := func(code int32, good, bad int) {
		for i := range good + bad {
			d.Columns[0].Code = append(d.Columns[0].Code, code)
			d.Outcome = append(d.Outcome, uint8(min(1, max(0, bad-i))))
		}
	}
	add(0, 400, 100) // odds 4: 640
	add(1, 200, 200) // odds 1: 600
	add(2, 100, 200) // odds 1/2: 580
	m, err := fit.Fit(d, fit.Options{MinIV: 0.02, BasePoints: 600, BaseOdds: 1, PDO: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Characteristics) != 1 || !near(m.Characteristics[0].Beta, -1, 1e-6) {
		t.Fatalf("model %+v, want one characteristic with coefficient -1", m)
	}
	ch := m.Characteristics[0]
	for _, tc := range []struct {
		level string
		want  int
	}{{"x", 640}, {"y", 600}, {"z", 580}} {
		if got := m.Base + ch.Points[ch.AssignValue(tc.level)]; got < tc.want-1 || got > tc.want+1 {
			t.Errorf("level %s scores %d, want %d ± 1 for rounding", tc.level, got, tc.want)
		}
	}
	if p := m.BadProbability(600); !near(p, 0.5, 1e-12) {
		t.Errorf("bad probability at 600 = %v, want 0.5", p)
	}
}

// ShiftToApprove, on TestScaling's saturated model (500 rows at 640,
// 400 at 600, 300 at 580, each ± 1): a share of 500/1200 at cut-off 660
// moves the scaling by 660 - x's score, approving x's 500 rows; 0.75 by
// 660 - y's score, approving x's and y's 900. The odds a score stands for
// move with it.
func TestShiftToApprove(t *testing.T) {
	d := &fit.Dataset{Columns: []*fit.Column{{Name: "c", Levels: []string{"x", "y", "z"}}}}
	add := func(code int32, good, bad int) {
		for i := range good + bad {
			d.Columns[0].Code = append(d.Columns[0].Code, code)
			d.Outcome = append(d.Outcome, uint8(min(1, max(0, bad-i))))
		}
	}
	add(0, 400, 100)
	add(1, 200, 200)
	add(2, 100, 200)
	for _, tc := range []struct {
		share   float64
		level   string
		approve int
	}{{500.0 / 1200, "x", 500}, {0.75, "y", 900}, {0.1, "x", 500}} {
		m, err := fit.Fit(d, fit.Options{MinIV: 0.02, BasePoints: 600, BaseOdds: 1, PDO: 20})
		if err != nil {
			t.Fatal(err)
		}
		ch := m.Characteristics[0]
		before := m.Base + ch.Points[ch.AssignValue(tc.level)]
		pBefore := m.BadProbability(float64(before))
		delta, err := m.ShiftToApprove(d, 660, tc.share)
		if err != nil || delta != 660-before {
			t.Fatalf("share %g: shift %d, %v; want %d", tc.share, delta, err, 660-before)
		}
		scores, _ := m.Scores(d)
		approved := 0
		for _, s := range scores {
			if s >= 660 {
				approved++
			}
		}
		if approved != tc.approve {
			t.Errorf("share %g: %d approved, want %d", tc.share, approved, tc.approve)
		}
		if p := m.BadProbability(float64(before + delta)); !near(p, pBefore, 1e-12) {
			t.Errorf("share %g: the shifted score stands for bad probability %g, not %g", tc.share, p, pBefore)
		}
	}
	m, _ := fit.Fit(d, fit.Options{MinIV: 0.02, BasePoints: 600, BaseOdds: 1, PDO: 20})
	base := m.Base
	for _, bad := range []float64{0, 1, -0.5, math.NaN()} {
		if _, err := m.ShiftToApprove(d, 660, bad); err == nil || m.Base != base {
			t.Errorf("share %g: %v, base %d", bad, err, m.Base)
		}
	}
}

func TestAUCAndKS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scores  []float64
		outcome []uint8
		auc, ks float64
	}{
		{"perfect", []float64{1, 2, 3, 4}, []uint8{1, 1, 0, 0}, 1, 1},
		{"reversed", []float64{1, 2, 3, 4}, []uint8{0, 0, 1, 1}, 0, 1},
		{"all tied", []float64{5, 5, 5, 5}, []uint8{0, 1, 0, 1}, 0.5, 0},
		// pairs (good, bad): 3>1, 3>2, 2 vs 2 ties, 2>1 → (1+1+0.5+1)/4
		{"ties", []float64{1, 2, 2, 3}, []uint8{1, 1, 0, 0}, 0.875, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fit.AUC(tc.scores, tc.outcome); !near(got, tc.auc, 1e-12) {
				t.Errorf("AUC %v, want %v", got, tc.auc)
			}
			if got := fit.KS(tc.scores, tc.outcome); !near(got, tc.ks, 1e-12) {
				t.Errorf("KS %v, want %v", got, tc.ks)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	g := &fit.Groups{Names: []string{"sex"}, Labels: [][]string{{"f", "f", "f", "f", "m", "m", "m", "m"}}}
	scores := []int{700, 500, 500, 500, 700, 700, 700, 500}
	outcome := []uint8{0, 0, 1, 1, 0, 0, 1, 1}
	a := fit.Audit(g, scores, outcome, 600)
	if len(a) != 1 || len(a[0].Groups) != 2 {
		t.Fatalf("audit %+v", a)
	}
	f, m := a[0].Groups[0], a[0].Groups[1]
	// f: 1 of 4 approved, 1 of 2 goods; m: 3 of 4, 2 of 2.
	if f.Group != "f" || !near(f.ApprovalRate, 0.25, 1e-12) || !near(m.ApprovalRate, 0.75, 1e-12) {
		t.Errorf("approval rates %+v", a[0].Groups)
	}
	if !near(f.ImpactRatio, 1.0/3, 1e-12) || f.FourFifths || !m.FourFifths || a[0].FourFifths {
		t.Errorf("adverse impact %+v", a[0])
	}
	if !near(a[0].EqualOpportunityDifference, 0.5, 1e-12) {
		t.Errorf("equal-opportunity difference %v, want 0.5", a[0].EqualOpportunityDifference)
	}
}

// Two characteristics that tell the same, bin for bin (a count that is 0
// exactly when a months-since is missing), make the regression singular:
// the later one is left out, named, and the rest is fitted.
func TestFitLeavesOutCollinear(t *testing.T) {
	col, y := sample(4000, 3, func(x float64) float64 { return 0.05 + 0.3*x/100 }, 0, 0)
	// twin is 1 where col is high, 0 elsewhere: a coarser copy of col, and
	// a second copy of twin.
	twin := &fit.Column{Name: "twin", Numeric: true, Num: make([]float64, len(col.Num))}
	copyOf := &fit.Column{Name: "copy", Numeric: true, Num: make([]float64, len(col.Num))}
	for i, x := range col.Num {
		if x >= 50 {
			twin.Num[i] = 1
			copyOf.Num[i] = 7
		}
	}
	o := fit.DefaultOptions()
	o.Bin.MinShare, o.Bin.MaxBins = 0.05, 8
	m, err := fit.Fit(&fit.Dataset{Columns: []*fit.Column{twin, copyOf}, Outcome: y}, o)
	if err != nil {
		t.Fatalf("fit with a collinear pair: %v", err)
	}
	if len(m.Characteristics) != 1 || m.Characteristics[0].Name != "twin" {
		t.Fatalf("kept %d characteristics; want twin alone:\n%s", len(m.Characteristics), m)
	}
	found := false
	for _, e := range m.Excluded {
		found = found || e.Name == "copy" && strings.Contains(e.Reason, "collinear")
	}
	if !found {
		t.Errorf("copy is not left out as collinear: %+v", m.Excluded)
	}
}
