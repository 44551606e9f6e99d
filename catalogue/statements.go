package catalogue

import (
	"slices"

	"github.com/candor-project/candor"
)

// Statement is one entry of the closed catalogue of statements a status
// credential may carry (credentials/ computes them): a predicate over the
// holder's own active facts, bound to one purpose like a scorecard. Its
// value is true, a date or a grade, never a raw fact, amount or point.
// Adding one is a code change, reviewed like one, with its evaluator in
// credentials/.
type Statement struct {
	Name       string
	Subjects   []candor.SubjectKind
	Purpose    candor.Purpose
	Definition string
	// Value says what the disclosed value is, in words.
	Value string
	// Reads are the event types the statement is computed from. A grade
	// statement reads what the active scorecard for its purpose reads,
	// and lists nothing here (Graded).
	Reads []string
	// Graded says the statement is a grade of the active scorecard for
	// Purpose and the holder's kind.
	Graded bool
}

var both = []candor.SubjectKind{candor.Person, candor.Organisation}

var statements = []Statement{
	{Name: "work_permit_valid", Subjects: []candor.SubjectKind{candor.Person}, Purpose: candor.PurposeLicensing,
		Definition: "The person holds a work permit that has not expired: one was issued, is valid today, and no expiry of it was reported.",
		Value:      "the date the permit is valid until",
		Reads:      []string{"permit.work_permit_issued", "permit.work_permit_expired"}},
	{Name: "tax_obligations_current", Subjects: both, Purpose: candor.PurposeTaxCompliance,
		Definition: "No tax assessment has stayed unpaid for more than 60 days: every arrears the tax office opened more than 60 days ago was settled.",
		Value:      "true",
		Reads:      []string{"tax.arrears_opened", "tax.arrears_settled", "tax.company_arrears_opened", "tax.company_arrears_settled"}},
	{Name: "no_standing_court_restriction", Subjects: both, Purpose: candor.PurposeCourtEnforcement,
		Definition: "No court-ordered restriction stands today: every one a court ordered has expired or was lifted.",
		Value:      "true",
		Reads:      []string{"court.restriction_imposed", "court.restriction_lifted", "court.company_restriction_imposed", "court.company_restriction_lifted"}},
	{Name: "rental_grade_at_least", Subjects: []candor.SubjectKind{candor.Person}, Purpose: candor.PurposeRental, Graded: true,
		Definition: "The person's grade under the published rental scorecard is at least the grade shown.",
		Value:      "a grade of the rental scorecard"},
	{Name: "business_compliance_grade", Subjects: []candor.SubjectKind{candor.Organisation}, Purpose: candor.PurposeBusinessCompliance, Graded: true,
		Definition: "The organisation's grade under the published business-compliance scorecard is at least the grade shown.",
		Value:      "a grade of the business-compliance scorecard"},
	{Name: "registered_and_active", Subjects: []candor.SubjectKind{candor.Organisation}, Purpose: candor.PurposeBusinessCompliance,
		Definition: "The organisation is in the business register and has not been dissolved.",
		Value:      "true",
		Reads:      []string{"company.registered", "company.dissolved"}},
}

// Statements returns the shipped catalogue of statements, in the order
// they are shown. The slice and its entries are the caller's.
func Statements() []Statement {
	out := slices.Clone(statements)
	for i := range out {
		out[i].Subjects = slices.Clone(out[i].Subjects)
		out[i].Reads = slices.Clone(out[i].Reads)
	}
	return out
}
