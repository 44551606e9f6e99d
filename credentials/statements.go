package credentials

import (
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
)

// Statement is one entry of the closed catalogue of statements a
// credential may carry: a predicate computed at issuance from the
// holder's own active facts, bound to one purpose like a scorecard. A
// statement never carries raw facts, points, amounts or other people: its
// value is true, a date or a grade. Adding one is a code change, reviewed
// like one.
type Statement struct {
	Name       string               `json:"name"`
	Subjects   []candor.SubjectKind `json:"-"`
	Purpose    candor.Purpose       `json:"purpose"`
	Definition string               `json:"definition"`
	// Value says what the disclosed value is, in words.
	Value string `json:"value"`
	// Reads are the event types the statement is computed from (for a
	// grade, those of the scorecard it comes from).
	Reads []string `json:"reads"`

	eval func(f *facts) (any, bool)
	// still reports whether a value issued is still true given the value
	// now (nil: they must be equal).
	still func(issued, now any) bool
}

// Applies reports whether the statement can be made about kind.
func (st *Statement) Applies(kind candor.SubjectKind) bool { return slices.Contains(st.Subjects, kind) }

// facts are one subject's facts at an instant, for evaluating statements.
type facts struct {
	subject candor.SubjectID
	kind    candor.SubjectKind
	cat     *candor.Catalogue
	cards   []*scoring.Compiled
	events  []*candor.Event
	now     time.Time
}

// active returns the subject's active facts of the given types that
// occurred by now, in time order.
func (f *facts) active(types ...string) []*candor.Event {
	var out []*candor.Event
	for _, e := range f.events {
		t := f.cat.Type(e.Type)
		if t != nil && slices.Contains(types, e.Type) && !e.OccurredAt.After(f.now) && e.EffectiveState(t, f.now) == candor.StateActive {
			out = append(out, e)
		}
	}
	return out
}

func (f *facts) card(p candor.Purpose) *scoring.Compiled {
	for _, c := range f.cards {
		if sc := c.Scorecard(); sc.Purpose == p && sc.SubjectKind == f.kind {
			return c
		}
	}
	return nil
}

// TaxGrace is how long a tax assessment may stay unpaid before
// tax_obligations_current stops being true.
const TaxGrace = 60 * 24 * time.Hour

var both = []candor.SubjectKind{candor.Person, candor.Organisation}

// catalogue is the closed list of statements, in the order they are shown.
var catalogue = []*Statement{
	{Name: "work_permit_valid", Subjects: []candor.SubjectKind{candor.Person}, Purpose: candor.PurposeLicensing,
		Definition: "The person holds a work permit that has not expired: one was issued, is valid today, and no expiry of it was reported.",
		Value:      "the date the permit is valid until",
		Reads:      []string{"permit.work_permit_issued", "permit.work_permit_expired"},
		eval: func(f *facts) (any, bool) {
			today := f.now.UTC().Format(time.DateOnly)
			best := ""
			expired := map[string]bool{}
			es := f.active("permit.work_permit_issued", "permit.work_permit_expired")
			for i := len(es) - 1; i >= 0; i-- { // latest first: an expiry voids the issues before it
				e := es[i]
				no := e.Field("permit_no").Str
				if e.Type == "permit.work_permit_expired" {
					expired[no] = true
					continue
				}
				if until := e.Field("valid_until").String(); !expired[no] && until >= today && until > best {
					best = until
				}
			}
			return best, best != ""
		},
		still: func(issued, now any) bool { a, _ := issued.(string); b, _ := now.(string); return b >= a },
	},
	{Name: "tax_obligations_current", Subjects: both, Purpose: candor.PurposeTaxCompliance,
		Definition: "No tax assessment has stayed unpaid for more than 60 days: every arrears the tax office opened more than 60 days ago was settled.",
		Value:      "true",
		Reads:      []string{"tax.arrears_opened", "tax.arrears_settled", "tax.company_arrears_opened", "tax.company_arrears_settled"},
		eval: func(f *facts) (any, bool) {
			open := map[string]time.Time{}
			for _, e := range f.active("tax.arrears_opened", "tax.arrears_settled", "tax.company_arrears_opened", "tax.company_arrears_settled") {
				ref := e.Field("reference").Str
				if e.Type == "tax.arrears_opened" || e.Type == "tax.company_arrears_opened" {
					open[ref] = e.OccurredAt
				} else {
					delete(open, ref)
				}
			}
			for _, at := range open {
				if f.now.Sub(at) > TaxGrace {
					return false, false
				}
			}
			return true, true
		},
	},
	{Name: "no_standing_court_restriction", Subjects: both, Purpose: candor.PurposeCourtEnforcement,
		Definition: "No court-ordered restriction stands today: every one a court ordered has expired or was lifted.",
		Value:      "true",
		Reads:      []string{"court.restriction_imposed", "court.restriction_lifted", "court.company_restriction_imposed", "court.company_restriction_lifted"},
		eval: func(f *facts) (any, bool) {
			none := len(candor.ActiveCourtOrders(f.cat, f.events, f.now)) == 0
			return true, none
		},
	},
	{Name: "rental_grade_at_least", Subjects: []candor.SubjectKind{candor.Person}, Purpose: candor.PurposeRental,
		Definition: "The person's grade under the published rental scorecard is at least the grade shown.",
		Value:      "a grade of the rental scorecard",
		eval:       func(f *facts) (any, bool) { return f.grade(candor.PurposeRental) },
	},
	{Name: "business_compliance_grade", Subjects: []candor.SubjectKind{candor.Organisation}, Purpose: candor.PurposeBusinessCompliance,
		Definition: "The organisation's grade under the published business-compliance scorecard is at least the grade shown.",
		Value:      "a grade of the business-compliance scorecard",
		eval:       func(f *facts) (any, bool) { return f.grade(candor.PurposeBusinessCompliance) },
	},
	{Name: "registered_and_active", Subjects: []candor.SubjectKind{candor.Organisation}, Purpose: candor.PurposeBusinessCompliance,
		Definition: "The organisation is in the business register and has not been dissolved.",
		Value:      "true",
		Reads:      []string{"company.registered", "company.dissolved"},
		eval: func(f *facts) (any, bool) {
			registered := false
			for _, e := range f.active("company.registered", "company.dissolved") {
				registered = e.Type == "company.registered"
			}
			return true, registered
		},
	},
}

// grade is the subject's grade under the active scorecard for p.
func (f *facts) grade(p candor.Purpose) (any, bool) {
	c := f.card(p)
	if c == nil {
		return "", false
	}
	var live []*candor.Event
	for _, e := range f.events {
		t := f.cat.Type(e.Type)
		if t != nil && !e.OccurredAt.After(f.now) && e.EffectiveState(t, f.now) == candor.StateActive {
			live = append(live, e)
		}
	}
	g := c.VerdictFromMatches(f.subject, c.Matches(live), f.now).Grade
	return g, g != ""
}

// gradeStill reports whether grade now is at least grade issued under the
// active scorecard for p.
func gradeStill(cards []*scoring.Compiled, p candor.Purpose, kind candor.SubjectKind) func(issued, now any) bool {
	return func(issued, now any) bool {
		for _, c := range cards {
			if sc := c.Scorecard(); sc.Purpose == p && sc.SubjectKind == kind {
				is, _ := issued.(string)
				ns, _ := now.(string)
				a, b := sc.GradeRank(is), sc.GradeRank(ns)
				return a >= 0 && b >= 0 && b <= a
			}
		}
		return false
	}
}

// Statements returns the closed catalogue of statements, with each
// grade statement's reads filled from the active scorecard it comes from.
func Statements(cards []*scoring.Compiled) []*Statement {
	out := make([]*Statement, len(catalogue))
	for i, st := range catalogue {
		c := *st
		if c.eval != nil && len(c.Reads) == 0 {
			for _, card := range cards {
				if sc := card.Scorecard(); sc.Purpose == c.Purpose && c.Applies(sc.SubjectKind) {
					for _, r := range sc.Rules {
						for _, et := range r.EventTypes {
							if !slices.Contains(c.Reads, et) {
								c.Reads = append(c.Reads, et)
							}
						}
					}
					c.still = gradeStill(cards, c.Purpose, sc.SubjectKind)
				}
			}
		}
		out[i] = &c
	}
	return out
}

// evaluate returns the value of every statement that applies to the
// subject of f and is true, by name.
func evaluate(sts []*Statement, f *facts) map[string]any {
	out := map[string]any{}
	for _, st := range sts {
		if st.Applies(f.kind) {
			if v, ok := st.eval(f); ok {
				out[st.Name] = v
			}
		}
	}
	return out
}

// stillTrue reports whether statement st, issued with value issued, is
// still true given the current values.
func stillTrue(st *Statement, issued any, current map[string]any) bool {
	now, ok := current[st.Name]
	if !ok {
		return false
	}
	if st.still != nil {
		return st.still(issued, now)
	}
	return issued == now
}
