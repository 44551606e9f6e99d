package fit

import (
	"cmp"
	"math"
	"slices"
)

// AUC is the probability that a random good row (outcome 0) scores higher
// than a random bad one, ties counting half: the area under the ROC curve
// when a higher score means lower risk. It is NaN without both outcomes.
func AUC(scores []float64, outcome []uint8) float64 {
	idx := order(scores)
	var goods, bads, pairs float64
	for i := 0; i < len(idx); {
		j := i
		var g, b float64
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if outcome[idx[j]] == 1 {
				b++
			} else {
				g++
			}
		}
		// Goods in this tie group beat every bad below it and tie with the bads here.
		pairs += g*bads + g*b/2
		goods += g
		bads += b
		i = j
	}
	return pairs / (goods * bads)
}

// KS is the Kolmogorov–Smirnov statistic: the largest gap, over cut-offs,
// between the shares of bad and of good rows scoring below the cut-off.
func KS(scores []float64, outcome []uint8) float64 {
	idx := order(scores)
	var goods, bads float64
	for _, y := range outcome {
		if y == 1 {
			bads++
		} else {
			goods++
		}
	}
	var g, b, ks float64
	for i := 0; i < len(idx); {
		j := i
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if outcome[idx[j]] == 1 {
				b++
			} else {
				g++
			}
		}
		ks = max(ks, math.Abs(b/bads-g/goods))
		i = j
	}
	return ks
}

// ROC returns the points (false positive rate, true positive rate) of the
// ROC curve, approving rows at or above each distinct score, from the
// highest: here a "positive" is a good row approved.
func ROC(scores []float64, outcome []uint8) [][2]float64 {
	idx := order(scores)
	slices.Reverse(idx)
	var goods, bads float64
	for _, y := range outcome {
		if y == 1 {
			bads++
		} else {
			goods++
		}
	}
	pts := [][2]float64{{0, 0}}
	var g, b float64
	for i := 0; i < len(idx); {
		j := i
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if outcome[idx[j]] == 1 {
				b++
			} else {
				g++
			}
		}
		pts = append(pts, [2]float64{b / bads, g / goods})
		i = j
	}
	return pts
}

func order(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	return idx
}

// Band is a range of scores [Lo, Hi] and what fell in it.
type Band struct {
	Lo        int     `json:"lo"`
	Hi        int     `json:"hi"`
	N         int     `json:"n"`
	Good      int     `json:"good"`
	Bad       int     `json:"bad"`
	BadRate   float64 `json:"bad_rate"`
	Predicted float64 `json:"predicted_bad_rate,omitempty"`
}

// Calibration cuts the scores into at most n bands of about equal size
// (never splitting a score) and gives each band's observed bad rate and
// the mean bad probability the model's scaling predicts.
func Calibration(m *Model, scores []int, outcome []uint8, n int) []Band {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	size := max(1, (len(idx)+n-1)/n)
	var out []Band
	var cur Band
	var pred float64
	for k, i := range idx {
		if cur.N == 0 {
			cur.Lo = scores[i]
		}
		cur.N++
		if outcome[i] == 1 {
			cur.Bad++
		} else {
			cur.Good++
		}
		pred += m.BadProbability(float64(scores[i]))
		if k+1 == len(idx) || cur.N >= size && scores[idx[k+1]] != scores[i] {
			cur.Hi = scores[i]
			cur.BadRate = float64(cur.Bad) / float64(cur.N)
			cur.Predicted = pred / float64(cur.N)
			out = append(out, cur)
			cur, pred = Band{}, 0
		}
	}
	return out
}

// Distribution counts scores by outcome in n bands of equal width from the
// lowest score to the highest.
func Distribution(scores []int, outcome []uint8, n int) []Band {
	if len(scores) == 0 {
		return nil
	}
	lo, hi := slices.Min(scores), slices.Max(scores)
	width := max(1, (hi-lo+n)/n)
	out := make([]Band, 0, n)
	for b := lo; b <= hi; b += width {
		out = append(out, Band{Lo: b, Hi: b + width - 1})
	}
	for i, s := range scores {
		b := &out[(s-lo)/width]
		b.N++
		if outcome[i] == 1 {
			b.Bad++
		} else {
			b.Good++
		}
	}
	for i := range out {
		if out[i].N > 0 {
			out[i].BadRate = float64(out[i].Bad) / float64(out[i].N)
		}
	}
	return out
}

// Floats converts integer scores for AUC, KS and ROC.
func Floats(scores []int) []float64 {
	out := make([]float64, len(scores))
	for i, s := range scores {
		out[i] = float64(s)
	}
	return out
}
