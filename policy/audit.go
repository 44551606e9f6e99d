package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/scoring/fit"
)

// Audit implements candor.Policy: it scores each row of sample with the
// stored version's own bins and records the audit at each benefit's
// cut-off. Neither sample nor groups is kept.
func (s *Service) Audit(ctx context.Context, by *candor.APIKey, id string, version int, sample, groups []byte) (*candor.FairnessAudit, error) {
	v, c, err := s.registry.Stored(ctx, id, version)
	if err != nil {
		return nil, err
	}
	a, err := AuditSample(c, sample, groups)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(v.Source)
	a.Source = hex.EncodeToString(sum[:])
	if err := s.registry.RecordAudit(ctx, by, a); err != nil {
		return nil, err
	}
	return a, nil
}

// AuditSample audits c on sample (CSV with a header: a column per
// characteristic, named by its ID, "NA" for a missing value — for a rule
// scorecard, a column per rule with its points, as candor features writes
// them — and an outcome column, 1 bad and 0 good; other columns are
// ignored) against groups (CSV of protected attributes, one row per row of
// sample), at the cut-off of each of c's benefits. The result has no
// Source: the caller knows what c was compiled from. Errors: EINVALID
// naming the problem: no benefits, a file that does not read, a rule's
// points missing, a group of fewer than candor.MinAuditGroup rows.
func AuditSample(c *scoring.Compiled, sample, groups []byte) (*candor.FairnessAudit, error) {
	sc := c.Scorecard()
	if len(sc.Benefits) == 0 {
		return nil, candor.Errorf(candor.EINVALID, "%s version %d unlocks no benefit: there is no cut-off to audit", sc.ID, sc.Version)
	}
	m := &fit.Mapping{Outcome: "outcome", Missing: []string{"NA", ""}}
	for _, ch := range sc.Characteristics {
		m.Characteristics = append(m.Characteristics, fit.Mapped{Name: ch.ID, Column: ch.ID, Kind: "numeric"})
	}
	for _, r := range sc.Rules {
		m.Characteristics = append(m.Characteristics, fit.Mapped{Name: r.ID, Column: r.ID, Kind: "numeric"})
	}
	d, err := fit.ReadSample(bytes.NewReader(sample), m)
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "sample: %s", err)
	}
	g, err := fit.ReadGroups(bytes.NewReader(groups), d.Rows())
	if err != nil {
		return nil, candor.Errorf(candor.EINVALID, "%s", err)
	}
	if err := smallGroups(g); err != nil {
		return nil, err
	}
	scores := make([]int, d.Rows())
	vals := make([]scoring.Value, len(d.Columns))
	for i := range scores {
		for k, col := range d.Columns {
			x := col.Num[i]
			vals[k] = scoring.Value{ID: col.Name, V: x, Missing: math.IsNaN(x)}
		}
		if scores[i], err = c.PointsOf(vals); err != nil {
			return nil, err
		}
	}
	a := &candor.FairnessAudit{Scorecard: sc.ID, Version: sc.Version, Rows: d.Rows()}
	for _, y := range d.Outcome {
		a.Bad += int(y)
	}
	for _, b := range sc.Benefits {
		cut := candor.CutoffAudit{Benefit: b.Name, Grade: b.MinGrade, Cutoff: sc.Min}
		for _, gr := range sc.Grades {
			if gr.Grade == b.MinGrade {
				cut.Cutoff = gr.Min
			}
		}
		approved := 0
		for _, x := range scores {
			if x >= cut.Cutoff {
				approved++
			}
		}
		cut.ApprovalRate = float64(approved) / float64(len(scores))
		cut.Attributes = fit.Audit(g, scores, d.Outcome, cut.Cutoff)
		a.Cutoffs = append(a.Cutoffs, cut)
	}
	return a, nil
}

// smallGroups refuses groups of fewer than candor.MinAuditGroup rows,
// naming each.
func smallGroups(g *fit.Groups) error {
	var probs []string
	for a, name := range g.Names {
		n := map[string]int{}
		for _, l := range g.Labels[a] {
			n[l]++
		}
		for l, k := range n {
			if k < candor.MinAuditGroup {
				probs = append(probs, fmt.Sprintf("%s %q has %d rows", name, candor.Clip(l, 40), k))
			}
		}
	}
	slices.Sort(probs)
	if len(probs) > 0 {
		return candor.Errorf(candor.EINVALID, "protected attributes: groups of fewer than %d rows would all but tell about their members; merge them into larger bands: %v", candor.MinAuditGroup, probs)
	}
	return nil
}

// AuditSummary returns the summary audit act n recorded, as stored
// (scoring.Registry.AuditSummary): public, like the act.
func (s *Service) AuditSummary(ctx context.Context, n uint64) ([]byte, error) {
	return s.registry.AuditSummary(ctx, n)
}
