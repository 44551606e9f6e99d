package candor

import "time"

// A fairness audit checks a scorecard version against protected attributes
// (sex, age band, national origin, ...) that an auditor supplies for a
// sample: approval rates per group at each benefit's cut-off, the
// adverse-impact ratio with the four-fifths rule and the equal-opportunity
// difference. The attributes are never stored; only the summary is, and
// the summary holds group-level counts and rates, never a row. An audit is
// bound to the exact version it audited by the SHA-256 of its source, and
// recorded as an administrative act (ActScorecardAudited) whose Audit
// field is the SHA-256 of the summary as stored. A version of a scorecard
// of characteristics whose purpose rests on consent (Purpose.RestsOnConsent)
// is approved only after an audit of that source.

// MinAuditGroup is the fewest rows a group of a recorded audit may have:
// a smaller group's rate would come close to telling about its members.
const MinAuditGroup = 10

// AuditGroup is one group's outcome at a cut-off.
type AuditGroup struct {
	Group        string  `json:"group"`
	N            int     `json:"n"`
	Approved     int     `json:"approved"`
	ApprovalRate float64 `json:"approval_rate"`
	// ImpactRatio is the approval rate over the highest group's.
	ImpactRatio float64 `json:"adverse_impact_ratio"`
	// FourFifths is false when the ratio is below 0.8 (the EEOC's rule of thumb).
	FourFifths bool `json:"four_fifths_met"`
	Good       int  `json:"good"`
	// TruePositiveRate is the approval rate among good outcomes.
	TruePositiveRate float64 `json:"true_positive_rate"`
}

// AttributeAudit is the audit of one protected attribute at one cut-off.
type AttributeAudit struct {
	Attribute string       `json:"attribute"`
	Groups    []AuditGroup `json:"groups"`
	// EqualOpportunityDifference is the largest minus the smallest true
	// positive rate over the groups with good outcomes.
	EqualOpportunityDifference float64 `json:"equal_opportunity_difference"`
	FourFifths                 bool    `json:"four_fifths_met"`
}

// CutoffAudit is the audit at the cut-off of one benefit: the lowest score
// of the grade that unlocks it.
type CutoffAudit struct {
	Benefit      string           `json:"benefit"`
	Grade        string           `json:"grade"`
	Cutoff       int              `json:"cutoff"`
	ApprovalRate float64          `json:"approval_rate"`
	Attributes   []AttributeAudit `json:"attributes"`
}

// FairnessAudit is the summary of the fairness audit of one scorecard
// version on one sample.
type FairnessAudit struct {
	Scorecard string `json:"scorecard"`
	Version   int    `json:"version"`
	// Source is the hex SHA-256 of the version's source file: the audit
	// holds for that text only.
	Source  string        `json:"source_sha256"`
	Rows    int           `json:"rows"`
	Bad     int           `json:"bad"`
	Cutoffs []CutoffAudit `json:"cutoffs"`
	// Set once recorded, from its act: not part of the stored summary.
	N  uint64    `json:"-"`
	By string    `json:"-"`
	At time.Time `json:"-"`
}

// FourFifths reports whether every attribute at every cut-off meets the
// four-fifths rule.
func (a *FairnessAudit) FourFifths() bool {
	for _, c := range a.Cutoffs {
		for _, at := range c.Attributes {
			if !at.FourFifths {
				return false
			}
		}
	}
	return true
}
