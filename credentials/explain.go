package credentials

import (
	"fmt"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

// labels say each statement in plain words; %v is its value.
var labels = map[string]string{
	"work_permit_valid":             "Holds a valid work permit, valid until %v.",
	"tax_obligations_current":       "Taxes are paid: no tax assessment unpaid for more than 60 days.",
	"no_standing_court_restriction": "No court-ordered restriction stands.",
	"rental_grade_at_least":         "Rental grade is at least %v (published rental scorecard).",
	"business_compliance_grade":     "Business-compliance grade is at least %v (published scorecard).",
	"registered_and_active":         "Registered in the business register and not dissolved.",
}

// Explain puts r in plain words.
func Explain(r *Result) *candor.CredentialExplanation {
	e := &candor.CredentialExplanation{Kind: "status credential", Issuer: r.Issuer,
		Valid:    fmt.Sprintf("issued %s, valid until %s", r.IssuedAt.Format(time.RFC1123), r.Expires.Format(time.RFC1123)),
		IssuedAt: r.IssuedAt, Expires: r.Expires, Withheld: r.Withheld}
	if r.Type == TypeBadge {
		e.Kind = "compliance badge"
	}
	switch {
	case r.HasStatus:
		e.Status = fmt.Sprintf("%s (status list of %s)", r.Status, r.StatusAsOf.Format(time.RFC1123))
		e.StatusWord, e.StatusAsOf = r.Status.String(), r.StatusAsOf
	default:
		e.Status = "none: a short-lived credential, valid for minutes, is not listed"
	}
	var shown []string
	for _, c := range r.Claims {
		if c.Name == ClaimDocument {
			if d, ok := c.Value.(map[string]any); ok {
				e.Document = fmt.Sprintf("%v %v", d["type"], d["number"])
			}
			continue
		}
		shown = append(shown, c.Name)
		e.Shown = append(e.Shown, candor.ExplainedStatement{Name: c.Name, Label: labels[c.Name], Value: c.Value})
		if l, ok := labels[c.Name]; ok {
			if c.Value == true {
				e.Says = append(e.Says, l)
			} else {
				e.Says = append(e.Says, fmt.Sprintf(l, c.Value))
			}
		} else {
			e.Says = append(e.Says, fmt.Sprintf("%s: %v (not a statement Candor defines)", c.Name, c.Value))
		}
	}
	if e.Document == "" {
		e.NotReceived = append(e.NotReceived, "No identity document number: nothing ties this credential to the person in front of you.")
	}
	if r.Withheld > 0 {
		e.NotReceived = append(e.NotReceived, fmt.Sprintf("%d more statement(s) in this credential, which the holder chose not to show; you cannot tell what they say.", r.Withheld))
	}
	for _, st := range catalogue.Statements() {
		if !slices.Contains(shown, st.Name) && r.Withheld == 0 {
			e.NotReceived = append(e.NotReceived, fmt.Sprintf("Nothing about %q: it is not in this credential.", st.Name))
			e.Absent = append(e.Absent, st.Name)
		}
	}
	e.NotReceived = append(e.NotReceived, "No name, address, photo, facts, amounts, points or scores: a credential never carries them.")
	return e
}
