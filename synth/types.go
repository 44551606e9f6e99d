package synth

import (
	"fmt"
	"strings"

	candor "github.com/candor-project/candor"
)

// typeID is an event type synth generates.
type typeID uint8

const (
	tResident typeID = iota
	tTaxFiled
	tTaxLate
	tTaxArrears
	tTaxSettled
	tOrgTaxFiled
	tOrgTaxLate
	tOrgTaxArrears
	tOrgTaxSettled
	tLoanOpened
	tInstPaid
	tInstLate
	tLoanRepaid
	tDefault
	tBillPaid
	tBillOverdue
	tRentPaid
	tRentLate
	tJudgment
	tJudgmentSatisfied
	tOrgJudgment
	tOrgJudgmentSatisfied
	tRestriction
	tRestrictionLifted
	tOrgRestriction
	tOrgRestrictionLifted
	tPermitIssued
	tPermitExpired
	tLicenceIssued
	tLicenceRevoked
	tRegistered
	tDissolved
	tAccountsFiled
	tAccountsLate
	tInspPassed
	tInspFailed
	tWageArrears
	tWageSettled
	numTypes
)

type fieldDecl struct {
	name string
	typ  candor.FieldType
}

var (
	fInt  = func(n string) fieldDecl { return fieldDecl{n, candor.FieldInt} }
	fAmt  = func(n string) fieldDecl { return fieldDecl{n, candor.FieldAmount} }
	fCur  = fieldDecl{"currency", candor.FieldCurrency}
	fDate = func(n string) fieldDecl { return fieldDecl{n, candor.FieldDate} }
	fEnum = func(n string) fieldDecl { return fieldDecl{n, candor.FieldEnum} }
	fRef  = func(n string) fieldDecl { return fieldDecl{n, candor.FieldReference} }
	fText = func(n string) fieldDecl { return fieldDecl{n, candor.FieldText} }
)

// typeDefs is every type synth writes, with every field it may write. Generate
// checks it against the catalogue it is given before writing anything.
var typeDefs = [numTypes]struct {
	name   string
	kind   candor.SubjectKind
	fields []fieldDecl
}{
	tResident:             {"identity.resident_registered", candor.Person, []fieldDecl{fInt("birth_year"), fEnum("region")}},
	tTaxFiled:             {"tax.return_filed", candor.Person, []fieldDecl{fInt("tax_year")}},
	tTaxLate:              {"tax.return_late", candor.Person, []fieldDecl{fInt("tax_year"), fInt("days_late")}},
	tTaxArrears:           {"tax.arrears_opened", candor.Person, []fieldDecl{fRef("reference"), fAmt("amount"), fCur}},
	tTaxSettled:           {"tax.arrears_settled", candor.Person, []fieldDecl{fRef("reference")}},
	tOrgTaxFiled:          {"tax.company_return_filed", candor.Organisation, []fieldDecl{fInt("tax_year")}},
	tOrgTaxLate:           {"tax.company_return_late", candor.Organisation, []fieldDecl{fInt("tax_year"), fInt("days_late")}},
	tOrgTaxArrears:        {"tax.company_arrears_opened", candor.Organisation, []fieldDecl{fRef("reference"), fAmt("amount"), fCur}},
	tOrgTaxSettled:        {"tax.company_arrears_settled", candor.Organisation, []fieldDecl{fRef("reference")}},
	tLoanOpened:           {"credit.loan_opened", candor.Person, []fieldDecl{fRef("account"), fEnum("product"), fAmt("principal"), fCur, fInt("term_months")}},
	tInstPaid:             {"credit.instalment_paid", candor.Person, []fieldDecl{fRef("account"), fAmt("amount"), fCur}},
	tInstLate:             {"credit.instalment_late", candor.Person, []fieldDecl{fRef("account"), fInt("days_late"), fAmt("amount"), fCur}},
	tLoanRepaid:           {"credit.loan_repaid", candor.Person, []fieldDecl{fRef("account")}},
	tDefault:              {"credit.default", candor.Person, []fieldDecl{fRef("account"), fAmt("amount"), fCur}},
	tBillPaid:             {"utility.bill_paid", candor.Person, []fieldDecl{fEnum("service"), fAmt("amount"), fCur}},
	tBillOverdue:          {"utility.bill_overdue", candor.Person, []fieldDecl{fEnum("service"), fInt("days_overdue"), fAmt("amount"), fCur}},
	tRentPaid:             {"rent.paid", candor.Person, []fieldDecl{fAmt("amount"), fCur}},
	tRentLate:             {"rent.late", candor.Person, []fieldDecl{fInt("days_late"), fAmt("amount"), fCur}},
	tJudgment:             {"court.money_judgment_entered", candor.Person, []fieldDecl{fRef("case_ref"), fAmt("amount"), fCur}},
	tJudgmentSatisfied:    {"court.money_judgment_satisfied", candor.Person, []fieldDecl{fRef("case_ref")}},
	tOrgJudgment:          {"court.company_judgment_entered", candor.Organisation, []fieldDecl{fRef("case_ref"), fAmt("amount"), fCur}},
	tOrgJudgmentSatisfied: {"court.company_judgment_satisfied", candor.Organisation, []fieldDecl{fRef("case_ref")}},
	tRestriction:          {"court.restriction_imposed", candor.Person, orderFields},
	tRestrictionLifted:    {"court.restriction_lifted", candor.Person, []fieldDecl{fText("order_ref"), fEnum("reason")}},
	tOrgRestriction:       {"court.company_restriction_imposed", candor.Organisation, orderFields},
	tOrgRestrictionLifted: {"court.company_restriction_lifted", candor.Organisation, []fieldDecl{fText("order_ref"), fEnum("reason")}},
	tPermitIssued:         {"permit.work_permit_issued", candor.Person, []fieldDecl{fRef("permit_no"), fDate("valid_until")}},
	tPermitExpired:        {"permit.work_permit_expired", candor.Person, []fieldDecl{fRef("permit_no")}},
	tLicenceIssued:        {"licence.business_licence_issued", candor.Organisation, []fieldDecl{fRef("licence_no"), fEnum("activity"), fDate("valid_until")}},
	tLicenceRevoked:       {"licence.business_licence_revoked", candor.Organisation, []fieldDecl{fRef("licence_no"), fEnum("grounds")}},
	tRegistered:           {"company.registered", candor.Organisation, []fieldDecl{fEnum("legal_form"), fEnum("sector")}},
	tDissolved:            {"company.dissolved", candor.Organisation, []fieldDecl{fEnum("reason")}},
	tAccountsFiled:        {"company.accounts_filed", candor.Organisation, []fieldDecl{fInt("fiscal_year")}},
	tAccountsLate:         {"company.accounts_late", candor.Organisation, []fieldDecl{fInt("fiscal_year"), fInt("days_late")}},
	tInspPassed:           {"inspection.passed", candor.Organisation, []fieldDecl{fEnum("inspection_type"), fRef("inspection_ref")}},
	tInspFailed:           {"inspection.failed", candor.Organisation, []fieldDecl{fEnum("inspection_type"), fEnum("severity"), fRef("inspection_ref")}},
	tWageArrears:          {"labour.wage_arrears_reported", candor.Organisation, []fieldDecl{fRef("case_ref"), fInt("workers"), fAmt("amount"), fCur}},
	tWageSettled:          {"labour.wage_arrears_settled", candor.Organisation, []fieldDecl{fRef("case_ref")}},
}

var orderFields = []fieldDecl{fText("order_ref"), fText("court"), fText("legal_basis"), fEnum("restriction"), fDate("expires_on"), fText("appeal_route")}

// checkCatalogue reports, in one error, every way cat differs from what synth
// writes: a missing type, another subject kind, a missing or retyped field,
// a required field synth does not write. Values (enum words, bounds) are
// checked by the tests, not here.
func checkCatalogue(cat *candor.Catalogue) error {
	var ps []string
	for i := range typeDefs {
		d := &typeDefs[i]
		t := cat.Type(d.name)
		if t == nil {
			ps = append(ps, d.name+": not in the catalogue")
			continue
		}
		if t.SubjectKind != d.kind {
			ps = append(ps, fmt.Sprintf("%s: about a %s, synth writes it for a %s", d.name, t.SubjectKind, d.kind))
		}
		for _, f := range d.fields {
			spec := t.Field(f.name)
			switch {
			case spec == nil:
				ps = append(ps, fmt.Sprintf("%s: no field %q", d.name, f.name))
			case spec.Type != f.typ:
				ps = append(ps, fmt.Sprintf("%s: field %q is %s, synth writes %s", d.name, f.name, spec.Type, f.typ))
			}
		}
		for _, spec := range t.Fields {
			if !spec.Required {
				continue
			}
			found := false
			for _, f := range d.fields {
				found = found || f.name == spec.Name
			}
			if !found {
				ps = append(ps, fmt.Sprintf("%s: required field %q is not one synth writes", d.name, spec.Name))
			}
		}
	}
	if len(ps) > 0 {
		return fmt.Errorf("synth: the catalogue does not fit the synthetic population: %s", strings.Join(ps, "; "))
	}
	return nil
}
