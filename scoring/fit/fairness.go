package fit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/candor-project/candor"
)

// MaxGroups is the most groups an audited attribute may have.
const MaxGroups = 50

// Groups are protected attributes for a fairness audit: per attribute, a
// group label for each row of the sample, in the sample's order. They are
// read for the audit only and never stored.
type Groups struct {
	Names  []string
	Labels [][]string // Labels[a][row]
}

// ReadGroups reads protected attributes from a CSV file with a header, one
// row per row of the sample (rows of them). An attribute with more than
// MaxGroups groups (such as an age in years) is refused: band it first. An
// empty cell is the group "(missing)".
func ReadGroups(r io.Reader, rows int) (*Groups, error) {
	cr := csv.NewReader(&lineLimit{r: r, max: MaxColumns * (MaxField + 3)})
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("audit file: empty, no header")
	}
	if err != nil {
		return nil, fmt.Errorf("audit file: %w", err)
	}
	if len(head) > MaxColumns {
		return nil, fmt.Errorf("audit file: %d columns: at most %d", len(head), MaxColumns)
	}
	g := &Groups{Names: slices.Clone(head), Labels: make([][]string, len(head))}
	distinct := make([]map[string]string, len(head))
	for a := range distinct {
		distinct[a] = map[string]string{}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("audit file: line %d: %w", line, err)
		}
		if line-1 > rows {
			return nil, fmt.Errorf("audit file: more rows than the sample's %d", rows)
		}
		for a, v := range rec {
			if len(v) > MaxField {
				return nil, fmt.Errorf("audit file: line %d: a cell of %d bytes (at most %d)", line, len(v), MaxField)
			}
			if v == "" {
				v = "(missing)"
			}
			s, ok := distinct[a][v]
			if !ok {
				if len(distinct[a]) == MaxGroups {
					return nil, fmt.Errorf("audit file: attribute %q has more than %d groups: band it first (an age into ranges, say)", head[a], MaxGroups)
				}
				s = strings.Clone(v)
				distinct[a][v] = s
			}
			g.Labels[a] = append(g.Labels[a], s)
		}
	}
	if len(head) == 0 || len(g.Labels[0]) != rows {
		n := 0
		if len(head) > 0 {
			n = len(g.Labels[0])
		}
		return nil, fmt.Errorf("audit file: %d rows, the sample %d: it must give each row of the sample, in order", n, rows)
	}
	return g, nil
}

// GroupResult is one group's outcome at the cut-off.
type GroupResult = candor.AuditGroup

// AttributeAudit is the audit of one protected attribute.
type AttributeAudit = candor.AttributeAudit

// Audit approves each row whose score is at least cutoff and reports, per
// attribute and group, approval rates, the adverse-impact ratio against
// the best-treated group with the four-fifths rule, and the true positive
// rate among good outcomes with the equal-opportunity difference.
func Audit(g *Groups, scores []int, outcome []uint8, cutoff int) []AttributeAudit {
	var out []AttributeAudit
	for a, name := range g.Names {
		by := map[string]*GroupResult{}
		var order []string
		for i, label := range g.Labels[a] {
			r := by[label]
			if r == nil {
				r = &GroupResult{Group: label}
				by[label] = r
				order = append(order, label)
			}
			r.N++
			ok := scores[i] >= cutoff
			if ok {
				r.Approved++
			}
			if outcome[i] == 0 {
				r.Good++
				if ok {
					r.TruePositiveRate++
				}
			}
		}
		slices.Sort(order)
		aa := AttributeAudit{Attribute: name, FourFifths: true}
		var best float64
		for _, label := range order {
			r := by[label]
			r.ApprovalRate = float64(r.Approved) / float64(r.N)
			best = max(best, r.ApprovalRate)
		}
		lo, hi := 2.0, -1.0
		for _, label := range order {
			r := by[label]
			r.ImpactRatio = 1 // nobody approved: every group alike
			if best > 0 {
				r.ImpactRatio = r.ApprovalRate / best
			}
			r.FourFifths = r.ImpactRatio >= 0.8
			aa.FourFifths = aa.FourFifths && r.FourFifths
			if r.Good > 0 {
				r.TruePositiveRate /= float64(r.Good)
				lo, hi = min(lo, r.TruePositiveRate), max(hi, r.TruePositiveRate)
			}
			aa.Groups = append(aa.Groups, *r)
		}
		if hi >= lo {
			aa.EqualOpportunityDifference = hi - lo
		}
		out = append(out, aa)
	}
	return out
}
