package fit

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Options control a fit. Scaling: BasePoints at BaseOdds (good:bad), and
// PDO more points double the odds. Characteristics with an information
// value below MinIV are left out.
type Options struct {
	Bin        BinOptions
	MinIV      float64
	BasePoints float64
	BaseOdds   float64
	PDO        float64
}

// DefaultOptions are the usual scaling (600 points at 19:1, 50 points to
// double the odds) and the "weak" information value threshold, 0.02.
func DefaultOptions() Options {
	return Options{MinIV: 0.02, BasePoints: 600, BaseOdds: 19, PDO: 50}
}

func (o Options) check() error {
	var probs []string
	if !(o.PDO > 0) || !(o.BaseOdds > 0) || math.IsInf(o.PDO, 0) || math.IsInf(o.BaseOdds, 0) {
		probs = append(probs, fmt.Sprintf("scaling: points to double the odds (%g) and base odds (%g) must be positive and finite", o.PDO, o.BaseOdds))
	}
	if math.IsNaN(o.BasePoints) || math.IsInf(o.BasePoints, 0) {
		probs = append(probs, fmt.Sprintf("scaling: base points %g must be a number", o.BasePoints))
	}
	if !(o.Bin.MinShare >= 0 && o.Bin.MinShare <= 0.5) {
		probs = append(probs, fmt.Sprintf("minimum bin share %g must be at most 0.5: two bins must fit", o.Bin.MinShare))
	}
	if o.Bin.MaxBins == 1 || o.Bin.MaxBins < 0 {
		probs = append(probs, fmt.Sprintf("at most %d bins: a characteristic needs two", o.Bin.MaxBins))
	}
	if !(o.MinIV >= 0) {
		probs = append(probs, fmt.Sprintf("minimum information value %g must not be negative", o.MinIV))
	}
	return problems(probs)
}

// Characteristic is a fitted characteristic: its bins, its coefficient and
// the points of each bin.
type Characteristic struct {
	*Binning
	Beta   float64 `json:"coefficient"`
	Points []int   `json:"points"`
}

// Exclusion is a candidate the fit left out, and why.
type Exclusion struct {
	Name   string  `json:"name"`
	IV     float64 `json:"iv"`
	Reason string  `json:"reason"`
}

// Model is a fitted scorecard: score = Base + the points of the row's bin
// in each characteristic; a value in no bin (unseen in training) scores 0
// points, the weight of evidence of an average row.
type Model struct {
	Characteristics []Characteristic `json:"characteristics"`
	Excluded        []Exclusion      `json:"excluded"`
	Intercept       float64          `json:"intercept"`
	Base            int              `json:"base"`
	Factor          float64          `json:"factor"`
	Offset          float64          `json:"offset"`
}

// Fit bins every column of train, keeps those with information value at
// least o.MinIV, fits a logistic regression on their weights of evidence
// and scales it to points. A characteristic whose coefficient comes out
// with the wrong sign (its points would contradict its own bad rates,
// because it overlaps others) is left out and the rest refitted, as is
// one whose weights of evidence repeat those of the characteristics
// before it (a singular regression). It
// returns an error when train or o is invalid, no characteristic is
// informative or the regression fails.
func Fit(train *Dataset, o Options) (*Model, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	m := &Model{Factor: o.PDO / math.Ln2}
	m.Offset = o.BasePoints - m.Factor*math.Log(o.BaseOdds)
	var chosen []*Binning
	var cols []*Column
	for _, c := range train.Columns {
		b := BinColumn(c, train.Outcome, o.Bin)
		switch {
		case len(b.Bins) < 2:
			m.Excluded = append(m.Excluded, Exclusion{c.Name, b.IV, "no monotone split tells outcomes apart"})
		case b.IV < o.MinIV:
			m.Excluded = append(m.Excluded, Exclusion{c.Name, b.IV, fmt.Sprintf("information value below %g", o.MinIV)})
		default:
			chosen, cols = append(chosen, b), append(cols, c)
		}
	}
	for {
		if len(chosen) == 0 {
			return nil, errors.New("no characteristic has enough information value to fit")
		}
		x := make([][]float64, train.Rows())
		for i := range x {
			x[i] = make([]float64, len(chosen))
			for j, b := range chosen {
				x[i][j] = b.Bins[b.Assign(cols[j], i)].WoE
			}
		}
		beta, err := Logistic(x, train.Outcome, 0)
		var singular *SingularError
		if errors.As(err, &singular) && singular.Coefficient >= 1 && len(chosen) > 1 {
			// Its weights of evidence are a combination of those before it
			// (two characteristics that tell the same, bin for bin).
			j := singular.Coefficient - 1
			m.Excluded = append(m.Excluded, Exclusion{chosen[j].Name, chosen[j].IV,
				"its bins repeat what the characteristics before it tell (collinear)"})
			chosen, cols = slices.Delete(chosen, j, j+1), slices.Delete(cols, j, j+1)
			continue
		}
		if err != nil {
			return nil, err
		}
		worst := -1
		for j := range chosen {
			// Outcome 1 is bad and a positive WoE good: β must be negative.
			if beta[j+1] > 0 && (worst < 0 || beta[j+1] > beta[worst+1]) {
				worst = j
			}
		}
		if worst >= 0 {
			m.Excluded = append(m.Excluded, Exclusion{chosen[worst].Name, chosen[worst].IV,
				"its coefficient had the wrong sign next to the others (it overlaps them)"})
			chosen, cols = slices.Delete(chosen, worst, worst+1), slices.Delete(cols, worst, worst+1)
			continue
		}
		m.Intercept = beta[0]
		// ln(odds good) = -(β0 + Σ βj·WoEj); score = Offset + Factor·ln(odds good).
		m.Base = int(math.Round(m.Offset - m.Factor*beta[0]))
		for j, b := range chosen {
			ch := Characteristic{Binning: b, Beta: beta[j+1]}
			for _, bin := range b.Bins {
				ch.Points = append(ch.Points, int(math.Round(-m.Factor*beta[j+1]*bin.WoE)))
			}
			m.Characteristics = append(m.Characteristics, ch)
		}
		slices.SortStableFunc(m.Excluded, func(a, b Exclusion) int { return cmp.Compare(b.IV, a.IV) })
		return m, nil
	}
}

// Scores returns the score of every row of d, which must have a column of
// each characteristic's name.
func (m *Model) Scores(d *Dataset) ([]int, error) {
	byName := map[string]*Column{}
	for _, c := range d.Columns {
		byName[c.Name] = c
	}
	out := make([]int, d.Rows())
	for i := range out {
		out[i] = m.Base
	}
	for _, ch := range m.Characteristics {
		c := byName[ch.Name]
		if c == nil || c.Numeric != ch.Numeric {
			return nil, fmt.Errorf("no %s column %q to score", kind(ch.Numeric), ch.Name)
		}
		for i := range out {
			if k := ch.Assign(c, i); k >= 0 {
				out[i] += ch.Points[k]
			}
		}
	}
	return out, nil
}

// ShiftToApprove moves m's scaling by a whole number of points, the same
// for every row, so that a score of cutoff or more approves share (between
// 0 and 1, exclusive) of d's rows: the round(share·rows)-th highest score
// is moved to cutoff exactly, so at least that many rows are approved, more
// only when rows tie with it. Base and Offset move together, so each score
// still stands for the odds the regression gives it, and a score
// BadProbability reads is shifted as well. It returns the shift; m is
// unchanged on error (a share out of range, d not m's columns).
func (m *Model) ShiftToApprove(d *Dataset, cutoff int, share float64) (int, error) {
	if !(share > 0 && share < 1) {
		return 0, fmt.Errorf("share to approve %g: must be between 0 and 1", share)
	}
	s, err := m.Scores(d)
	if err != nil {
		return 0, err
	}
	if len(s) == 0 {
		return 0, errors.New("no rows to approve a share of")
	}
	slices.Sort(s)
	k := min(max(int(math.Round(share*float64(len(s)))), 1), len(s))
	delta := cutoff - s[len(s)-k]
	m.Base += delta
	m.Offset += float64(delta)
	return delta, nil
}

// BadProbability is the scaling's probability of the bad outcome at score.
func (m *Model) BadProbability(score float64) float64 {
	return 1 / (1 + math.Exp((score-m.Offset)/m.Factor))
}

func kind(numeric bool) string {
	if numeric {
		return "numeric"
	}
	return "categorical"
}

// Split deals the rows of d into a training share and the rest, by a
// permutation drawn from seed, so the same seed gives the same split.
// Both parts keep d's share of bad outcomes, give or take a row.
func Split(d *Dataset, share float64, seed uint64) (train, test *Dataset, trainRows, testRows []int) {
	r := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
	var byClass [2][]int
	for i, y := range d.Outcome {
		byClass[y&1] = append(byClass[y&1], i)
	}
	for _, rows := range byClass {
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		cut := int(math.Round(share * float64(len(rows))))
		trainRows = append(trainRows, rows[:cut]...)
		testRows = append(testRows, rows[cut:]...)
	}
	slices.Sort(trainRows)
	slices.Sort(testRows)
	return d.Subset(trainRows), d.Subset(testRows), trainRows, testRows
}

// String lists the scorecard, one bin a line.
func (m *Model) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "base %d\n", m.Base)
	for _, ch := range m.Characteristics {
		fmt.Fprintf(&b, "%s (IV %.3f)\n", ch.Name, ch.IV)
		for k, bin := range ch.Bins {
			fmt.Fprintf(&b, "  %-40s %+d\n", bin.Label(ch.Numeric), ch.Points[k])
		}
	}
	return b.String()
}
