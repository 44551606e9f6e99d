package fit

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Bin is one bin of a characteristic: a numeric interval [Lo, Hi), a set of
// categorical Values, and/or the missing values. Good and Bad count the
// training rows in it; WoE = ln(%good / %bad) and IV its share of the
// information value.
type Bin struct {
	Lo, Hi  float64  `json:"-"`
	Values  []string `json:"values,omitempty"`
	Missing bool     `json:"missing,omitempty"`
	Good    int      `json:"good"`
	Bad     int      `json:"bad"`
	WoE     float64  `json:"woe"`
	IV      float64  `json:"iv"`
}

// Label describes the bin for people: "[12, 24)", "A11, A12", "missing".
func (b Bin) Label(numeric bool) string {
	var parts []string
	if numeric && !(math.IsInf(b.Lo, 1) && math.IsInf(b.Hi, 1)) {
		switch {
		case math.IsInf(b.Lo, -1) && math.IsInf(b.Hi, 1):
			parts = append(parts, "any value")
		case math.IsInf(b.Lo, -1):
			parts = append(parts, fmt.Sprintf("below %g", b.Hi))
		case math.IsInf(b.Hi, 1):
			parts = append(parts, fmt.Sprintf("%g or more", b.Lo))
		default:
			parts = append(parts, fmt.Sprintf("%g to below %g", b.Lo, b.Hi))
		}
	}
	if !numeric && len(b.Values) > 0 {
		parts = append(parts, strings.Join(b.Values, ", "))
	}
	if b.Missing {
		parts = append(parts, "missing")
	}
	return strings.Join(parts, " or ")
}

// Binning is a characteristic cut into bins whose bad rates are monotone
// (numeric: in the order of the values; categorical: sorted by bad rate),
// but for missing values too few for a bin of their own, which join the
// bin with the closest bad rate.
type Binning struct {
	Name    string  `json:"name"`
	Numeric bool    `json:"numeric"`
	Bins    []Bin   `json:"bins"`
	IV      float64 `json:"iv"`
}

// BinOptions bound the binning. MinShare is the smallest share of rows in
// a bin (default 0.05); MaxBins the most bins (default 8).
type BinOptions struct {
	MinShare float64
	MaxBins  int
}

func (o BinOptions) withDefaults() BinOptions {
	if o.MinShare <= 0 {
		o.MinShare = 0.05
	}
	if o.MaxBins <= 0 {
		o.MaxBins = 8
	}
	return o
}

// group is a run of rows being merged into a bin.
type group struct {
	lo, hi    float64
	values    []string
	missing   bool
	good, bad int
}

func (g group) n() int        { return g.good + g.bad }
func (g group) rate() float64 { return float64(g.bad) / float64(g.n()) }
func merge(a, b group) group {
	return group{lo: min(a.lo, b.lo), hi: max(a.hi, b.hi), values: append(slices.Clone(a.values), b.values...),
		missing: a.missing || b.missing, good: a.good + b.good, bad: a.bad + b.bad}
}

// BinColumn bins c against outcome. Every bin holds at least MinShare of
// the rows, has good and bad rows, and bad rates are monotone; missing
// values get a bin of their own when they are numerous enough, else join
// the bin with the closest bad rate. A column with no signal may end in
// one bin (IV 0).
func BinColumn(c *Column, outcome []uint8, o BinOptions) *Binning {
	o = o.withDefaults()
	n := len(outcome)
	minCount := max(1, int(math.Ceil(o.MinShare*float64(n))))
	var groups []group
	var miss group
	miss.missing = true
	miss.lo, miss.hi = math.Inf(1), math.Inf(1)
	if c.Numeric {
		groups = numericGroups(c, outcome, minCount, &miss)
		groups = bestMonotone(groups)
	} else {
		counts := make([]group, len(c.Levels))
		for i, code := range c.Code {
			g := &miss
			if code >= 0 {
				g = &counts[code]
			}
			if outcome[i] == 1 {
				g.bad++
			} else {
				g.good++
			}
		}
		for i := range counts {
			if counts[i].n() > 0 {
				counts[i].values = []string{c.Levels[i]}
				counts[i].lo, counts[i].hi = math.Inf(1), math.Inf(1)
				groups = append(groups, counts[i])
			}
		}
		if miss.n() > 0 {
			groups = append(groups, miss)
			miss = group{}
		}
		slices.SortStableFunc(groups, func(a, b group) int {
			return cmp.Or(cmp.Compare(a.rate(), b.rate()), cmp.Compare(strings.Join(a.values, ","), strings.Join(b.values, ",")))
		})
	}
	// Bins too small, or without good or bad rows, join the neighbour with
	// the closer bad rate; merging neighbours keeps the rates monotone.
	for {
		i := slices.IndexFunc(groups, func(g group) bool { return g.n() < minCount || g.good == 0 || g.bad == 0 })
		if i < 0 || len(groups) < 2 {
			break
		}
		groups = mergeAt(groups, closer(groups, i))
	}
	for len(groups) > o.MaxBins-btoi(miss.n() > 0) && len(groups) > 1 {
		groups = mergeAt(groups, cheapest(groups))
	}
	if miss.n() > 0 {
		if len(groups) == 0 || miss.n() >= minCount && miss.good > 0 && miss.bad > 0 {
			groups = append(groups, miss)
		} else {
			best := 0
			for i, g := range groups {
				if math.Abs(g.rate()-miss.rate()) < math.Abs(groups[best].rate()-miss.rate()) {
					best = i
				}
			}
			groups[best].good += miss.good
			groups[best].bad += miss.bad
			groups[best].missing = true
		}
	}
	b := &Binning{Name: c.Name, Numeric: c.Numeric}
	for _, g := range groups {
		b.Bins = append(b.Bins, Bin{Lo: g.lo, Hi: g.hi, Values: g.values, Missing: g.missing, Good: g.good, Bad: g.bad})
	}
	if c.Numeric {
		// The numeric bins cover the whole line.
		var iv []int
		for i, bin := range b.Bins {
			if !math.IsInf(bin.Lo, 1) {
				iv = append(iv, i)
			}
		}
		if len(iv) > 0 {
			b.Bins[iv[0]].Lo, b.Bins[iv[len(iv)-1]].Hi = math.Inf(-1), math.Inf(1)
		}
	}
	b.IV = WoE(b.Bins)
	return b
}

// numericGroups sorts the present values and cuts them, at changes of
// value only, into about 20 fine groups of at least minCount rows; missing
// values are counted into miss.
func numericGroups(c *Column, outcome []uint8, minCount int, miss *group) []group {
	idx := make([]int, 0, len(c.Num))
	for i, v := range c.Num {
		if math.IsNaN(v) {
			if outcome[i] == 1 {
				miss.bad++
			} else {
				miss.good++
			}
			continue
		}
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(c.Num[a], c.Num[b]) })
	size := max(minCount, len(idx)/20)
	var groups []group
	cur := group{}
	for k, i := range idx {
		v := c.Num[i]
		if cur.n() == 0 {
			cur.lo = v
		}
		if outcome[i] == 1 {
			cur.bad++
		} else {
			cur.good++
		}
		if k+1 == len(idx) || cur.n() >= size && c.Num[idx[k+1]] != v {
			if k+1 < len(idx) {
				cur.hi = c.Num[idx[k+1]]
			} else {
				cur.hi = math.Inf(1)
			}
			groups = append(groups, cur)
			cur = group{}
		}
	}
	return groups
}

// bestMonotone merges adjacent groups (pool adjacent violators) until the
// bad rate only rises or only falls, whichever keeps more information.
func bestMonotone(groups []group) []group {
	up, down := pav(groups, 1), pav(groups, -1)
	if ivOf(down) > ivOf(up) {
		return down
	}
	return up
}

func pav(groups []group, dir float64) []group {
	var out []group
	for _, g := range groups {
		out = append(out, g)
		for len(out) > 1 && dir*(out[len(out)-1].rate()-out[len(out)-2].rate()) < 0 {
			out = mergeAt(out, len(out)-2)
		}
	}
	return out
}

// mergeAt merges groups i and i+1.
func mergeAt(groups []group, i int) []group {
	groups[i] = merge(groups[i], groups[i+1])
	return slices.Delete(groups, i+1, i+2)
}

// closer returns the index of the left one of the pair i joins: the
// neighbour with the closer bad rate.
func closer(groups []group, i int) int {
	switch {
	case i == 0:
		return 0
	case i == len(groups)-1:
		return i - 1
	case math.Abs(groups[i].rate()-groups[i-1].rate()) <= math.Abs(groups[i].rate()-groups[i+1].rate()):
		return i - 1
	}
	return i
}

// cheapest returns the left index of the adjacent pair whose merge loses
// the least information value.
func cheapest(groups []group) int {
	base, best, at := ivOf(groups), math.Inf(1), 0
	for i := range len(groups) - 1 {
		m := slices.Clone(groups)
		loss := base - ivOf(mergeAt(m, i))
		if loss < best {
			best, at = loss, i
		}
	}
	return at
}

func ivOf(groups []group) float64 {
	bins := make([]Bin, len(groups))
	for i, g := range groups {
		bins[i] = Bin{Good: g.good, Bad: g.bad}
	}
	return WoE(bins)
}

// WoE sets each bin's weight of evidence, ln(%good / %bad), and its part
// of the information value, (%good - %bad)·WoE, and returns the total
// information value. A bin without good or without bad rows gets half a
// row of each, so that its weight stays finite.
func WoE(bins []Bin) float64 {
	var goods, bads float64
	for _, b := range bins {
		goods += float64(b.Good)
		bads += float64(b.Bad)
	}
	var iv float64
	for i := range bins {
		g, b := float64(bins[i].Good), float64(bins[i].Bad)
		if g == 0 || b == 0 {
			g, b = g+0.5, b+0.5
		}
		pg, pb := g/goods, b/bads
		bins[i].WoE = math.Log(pg / pb)
		bins[i].IV = (pg - pb) * bins[i].WoE
		iv += bins[i].IV
	}
	return iv
}

// Assign returns the index of the bin that holds row i of c, or -1 when no
// bin does (a category or a missing value not seen in training).
func (b *Binning) Assign(c *Column, i int) int {
	if c.Numeric {
		return b.AssignNumber(c.Num[i])
	}
	if c.Code[i] < 0 {
		return b.missingBin()
	}
	return b.AssignValue(c.Levels[c.Code[i]])
}

// AssignNumber returns the bin of a numeric value (NaN: missing), or -1.
func (b *Binning) AssignNumber(v float64) int {
	if math.IsNaN(v) {
		return b.missingBin()
	}
	for k, bin := range b.Bins {
		if !math.IsInf(bin.Lo, 1) && v >= bin.Lo && v < bin.Hi {
			return k
		}
	}
	return -1
}

// AssignValue returns the bin of a categorical value, or -1.
func (b *Binning) AssignValue(v string) int {
	for k, bin := range b.Bins {
		if slices.Contains(bin.Values, v) {
			return k
		}
	}
	return -1
}

func (b *Binning) missingBin() int {
	return slices.IndexFunc(b.Bins, func(bin Bin) bool { return bin.Missing })
}
