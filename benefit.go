package candor

import "strings"

// BenefitSpec is one entry of the closed benefit catalogue: something a good
// grade may unlock for one purpose. The list is defined in code, like the
// categories, and closed: a scorecard may name only these, so that a grade
// can only ever open a door, and a decline is the absence of a benefit,
// never a restriction (charter point 9). There are none for court
// enforcement: restrictions come from courts, not from scores.
type BenefitSpec struct {
	Name        string
	Purpose     Purpose
	Description string
}

var benefitCatalogue = [...]BenefitSpec{
	{"pre_approval", PurposeCredit, "credit is pre-approved up to the lender's standard limit"},
	{"rate_discount", PurposeCredit, "a lower interest rate than the lender's standard one"},
	{"deposit_waived", PurposeRental, "the landlord may let without a security deposit"},
	{"deposit_reduced", PurposeRental, "a security deposit below the landlord's usual one"},
	{"simplified_filing", PurposeTaxCompliance, "a simplified return or fewer supporting documents"},
	{"payment_plan", PurposeTaxCompliance, "tax owed may be paid in instalments without a guarantee"},
	{"reduced_inspection_frequency", PurposeBusinessCompliance, "routine inspections come less often"},
	{"public_badge", PurposeBusinessCompliance, "the organisation may display its compliance grade"},
	{"fast_track_renewal", PurposeLicensing, "a licence or permit is renewed without a full review"},
}

// Benefits returns the benefit catalogue's entries for purpose p, in
// catalogue order.
func Benefits(p Purpose) []BenefitSpec {
	var out []BenefitSpec
	for _, b := range benefitCatalogue {
		if b.Purpose == p {
			out = append(out, b)
		}
	}
	return out
}

// LookupBenefit returns the benefit named name for purpose p.
func LookupBenefit(p Purpose, name string) (BenefitSpec, bool) {
	for _, b := range benefitCatalogue {
		if b.Purpose == p && b.Name == name {
			return b, true
		}
	}
	return BenefitSpec{}, false
}

func benefitList(p Purpose) string {
	var names []string
	for _, b := range Benefits(p) {
		names = append(names, b.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// gradeLadder is the fixed ladder every scorecard's grades come from, best
// first.
var gradeLadder = [...]string{"AAA", "AA", "A", "B", "C", "D", "E"}

// GradeLadder returns the fixed ladder of grades, best first. A scorecard's
// bands use grades from it, in its order; it may leave some out.
func GradeLadder() []string { return gradeLadder[:] }

// ladderRank returns g's position on the ladder, or -1.
func ladderRank(g string) int {
	for i, l := range gradeLadder {
		if l == g {
			return i
		}
	}
	return -1
}
