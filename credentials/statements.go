package credentials

import (
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// Statement is a statement of the catalogue (catalogue.Statements) with
// what computes it.
type Statement struct {
	catalogue.Statement
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
	cards   []*scoring.Compiled // the active versions
	// statements are those made under cards.
	statements []*Statement
	events     []*candor.Event
	isCourt    func(source string) bool // candor.Courts
	now        time.Time
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

// evaluators compute each statement of the catalogue, by name.
var evaluators = map[string]Statement{
	"work_permit_valid": {
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
	"tax_obligations_current": {
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
	"no_standing_court_restriction": {
		eval: func(f *facts) (any, bool) {
			none := len(candor.ActiveCourtOrders(f.cat, f.events, f.now, f.isCourt)) == 0
			return true, none
		},
	},
	"rental_grade_at_least":     {eval: func(f *facts) (any, bool) { return f.grade(candor.PurposeRental) }},
	"business_compliance_grade": {eval: func(f *facts) (any, bool) { return f.grade(candor.PurposeBusinessCompliance) }},
	"registered_and_active": {
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

// Statements returns the catalogue's statements with their evaluators,
// each grade statement's reads filled from the active scorecard it comes
// from. It panics if a statement of the catalogue has no evaluator or an
// evaluator no statement, which the package's tests rule out.
func Statements(cards []*scoring.Compiled) []*Statement {
	var out []*Statement
	for _, cs := range catalogue.Statements() {
		ev, ok := evaluators[cs.Name]
		if !ok {
			panic("credentials: no evaluator for statement " + cs.Name)
		}
		st := &Statement{Statement: cs, eval: ev.eval, still: ev.still}
		if cs.Graded {
			for _, card := range cards {
				if sc := card.Scorecard(); sc.Purpose == cs.Purpose && st.Applies(sc.SubjectKind) {
					for _, r := range sc.Rules {
						for _, et := range r.EventTypes {
							if !slices.Contains(st.Reads, et) {
								st.Reads = append(st.Reads, et)
							}
						}
					}
					st.still = gradeStill(cards, cs.Purpose, sc.SubjectKind)
				}
			}
		}
		out = append(out, st)
	}
	if len(out) != len(evaluators) {
		panic("credentials: an evaluator for a statement not in the catalogue")
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
