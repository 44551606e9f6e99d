package fit

import (
	"fmt"
	"math"
)

// OneHotBaseline fits the plain model a fitted scorecard must beat: a
// logistic regression on the raw attributes, numeric ones standardised
// (with an indicator when some are missing) and categorical ones one-hot
// encoded against their most frequent level, on train; it returns the
// model's AUC on test.
func OneHotBaseline(train, test *Dataset) (float64, error) {
	var encoders []func(d *Dataset, i int, dst []float64) []float64
	for j, c := range train.Columns {
		if c.Numeric {
			var sum, sq, n float64
			var missing bool
			for _, v := range c.Num {
				if math.IsNaN(v) {
					missing = true
					continue
				}
				sum, sq, n = sum+v, sq+v*v, n+1
			}
			mean := sum / n
			sd := math.Sqrt(max(sq/n-mean*mean, 0))
			if sd == 0 {
				sd = 1
			}
			encoders = append(encoders, func(d *Dataset, i int, dst []float64) []float64 {
				v := d.Columns[j].Num[i]
				if math.IsNaN(v) {
					dst = append(dst, 0)
				} else {
					dst = append(dst, (v-mean)/sd)
				}
				if missing {
					dst = append(dst, b2f(math.IsNaN(v)))
				}
				return dst
			})
			continue
		}
		counts := map[string]int{}
		for i := range c.Code {
			counts[level(c, i)]++
		}
		ref := ""
		for l, n := range counts {
			if n > counts[ref] || n == counts[ref] && l < ref {
				ref = l
			}
		}
		var levels []string
		for _, l := range append(append([]string(nil), c.Levels...), "(missing)") {
			if counts[l] > 0 && l != ref {
				levels = append(levels, l)
			}
		}
		encoders = append(encoders, func(d *Dataset, i int, dst []float64) []float64 {
			v := level(d.Columns[j], i)
			for _, l := range levels {
				dst = append(dst, b2f(v == l))
			}
			return dst
		})
	}
	encode := func(d *Dataset) [][]float64 {
		x := make([][]float64, d.Rows())
		for i := range x {
			for _, e := range encoders {
				x[i] = e(d, i, x[i])
			}
		}
		return x
	}
	beta, err := Logistic(encode(train), train.Outcome, 0)
	if err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	x := encode(test)
	scores := make([]float64, len(x))
	for i, xi := range x {
		z := beta[0]
		for k, v := range xi {
			z += beta[k+1] * v
		}
		scores[i] = -z // a higher score means lower risk
	}
	return AUC(scores, test.Outcome), nil
}

func level(c *Column, i int) string {
	if c.Code[i] < 0 {
		return "(missing)"
	}
	return c.Levels[c.Code[i]]
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
