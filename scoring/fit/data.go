package fit

import (
	"fmt"
	"math"
)

// Column is one candidate characteristic: numeric (Num, NaN when missing)
// or categorical (Code indexes Levels, -1 when missing).
type Column struct {
	Name    string
	Numeric bool
	Num     []float64
	Code    []int32
	Levels  []string
}

// Len is the number of rows.
func (c *Column) Len() int {
	if c.Numeric {
		return len(c.Num)
	}
	return len(c.Code)
}

// missing reports whether row i has no value.
func (c *Column) missing(i int) bool {
	if c.Numeric {
		return math.IsNaN(c.Num[i])
	}
	return c.Code[i] < 0
}

// Dataset is a sample: candidate characteristics and, per row, the
// outcome (1 bad, 0 good).
type Dataset struct {
	Columns []*Column
	Outcome []uint8
}

// Rows is the number of rows.
func (d *Dataset) Rows() int { return len(d.Outcome) }

// Validate checks that the dataset can be fitted: at least one column,
// every column as long as the outcomes, outcomes 0 or 1, both outcomes
// present, no column constant or entirely missing, no protected attribute.
// It names every problem it finds.
func (d *Dataset) Validate() error {
	var probs []string
	if len(d.Columns) == 0 {
		probs = append(probs, "no characteristic columns")
	}
	var bad int
	for i, y := range d.Outcome {
		if y > 1 {
			probs = append(probs, fmt.Sprintf("row %d: outcome %d is not 0 or 1", i+1, y))
			break
		}
		bad += int(y)
	}
	if n := len(d.Outcome); n > 0 && (bad == 0 || bad == n) {
		probs = append(probs, fmt.Sprintf("single-class sample: all %d rows have outcome %d; a fit needs both good (0) and bad (1) outcomes", n, d.Outcome[0]))
	} else if n == 0 {
		probs = append(probs, "no rows")
	}
	seen := map[string]bool{}
	for _, c := range d.Columns {
		if seen[c.Name] {
			probs = append(probs, fmt.Sprintf("column %q appears twice", c.Name))
		}
		seen[c.Name] = true
		if why := Protected(c.Name); why != "" {
			probs = append(probs, fmt.Sprintf("column %q: %s", c.Name, why))
		}
		if c.Len() != len(d.Outcome) {
			probs = append(probs, fmt.Sprintf("column %q has %d rows, the outcome %d", c.Name, c.Len(), len(d.Outcome)))
			continue
		}
		if constant(c) {
			probs = append(probs, fmt.Sprintf("column %q is constant (or always missing): it cannot tell outcomes apart", c.Name))
		}
	}
	return problems(probs)
}

func constant(c *Column) bool {
	first := -1
	for i := range c.Len() {
		if c.missing(i) {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		if c.Numeric && c.Num[i] != c.Num[first] || !c.Numeric && c.Code[i] != c.Code[first] {
			return false
		}
	}
	return true
}

// Subset returns the rows idx of d, sharing nothing with d.
func (d *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{Outcome: make([]uint8, len(idx))}
	for j, i := range idx {
		out.Outcome[j] = d.Outcome[i]
	}
	for _, c := range d.Columns {
		nc := &Column{Name: c.Name, Numeric: c.Numeric, Levels: c.Levels}
		if c.Numeric {
			nc.Num = make([]float64, len(idx))
			for j, i := range idx {
				nc.Num[j] = c.Num[i]
			}
		} else {
			nc.Code = make([]int32, len(idx))
			for j, i := range idx {
				nc.Code[j] = c.Code[i]
			}
		}
		out.Columns = append(out.Columns, nc)
	}
	return out
}

// Error is a refusal of input, naming every problem.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	s := fmt.Sprintf("%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		s += "\n  " + p
	}
	return s
}

func problems(p []string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Problems: p}
}
