package candor

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Category is a kind of fact Candor may record. The list is closed: there is
// deliberately no category for political opinion or "loyalty", religion or
// belief, ethnic origin, trade-union membership, health, biometrics, sex life,
// location traces, social graph, communications or internet activity, or
// attendance of events. Adding one is a code change, reviewed like one.
type Category uint8

const (
	CategoryIdentity Category = iota + 1
	CategoryTax
	CategoryCredit
	CategoryUtilityAndRent
	CategoryCourtJudgment
	CategoryCourtOrder
	CategoryLicencePermit
	CategoryCorporateFiling
	CategoryRegulatoryInspection
	CategoryLabourCompliance
	numCategories
)

// Purpose is what a score or decision is for. Scorecards declare one purpose
// and may use only categories that serve it.
type Purpose uint8

const (
	PurposeCredit Purpose = iota + 1
	PurposeRental
	PurposeTaxCompliance
	PurposeBusinessCompliance
	PurposeLicensing
	PurposeCourtEnforcement
	numPurposes
)

var purposeNames = [...]string{
	PurposeCredit:             "credit",
	PurposeRental:             "rental",
	PurposeTaxCompliance:      "tax_compliance",
	PurposeBusinessCompliance: "business_compliance",
	PurposeLicensing:          "licensing",
	PurposeCourtEnforcement:   "court_enforcement",
}

func (p Purpose) String() string {
	if p == 0 || p >= numPurposes {
		return "unknown"
	}
	return purposeNames[p]
}

// ParsePurpose returns the purpose named s.
func ParsePurpose(s string) (Purpose, bool) {
	for p := Purpose(1); p < numPurposes; p++ {
		if purposeNames[p] == s {
			return p, true
		}
	}
	return 0, false
}

// ParsePurposes parses purpose names given as field (a flag or a JSON
// field, for the error). Errors: EINVALID naming field, the first name
// that is no purpose, and the purposes there are.
func ParsePurposes(field string, names []string) ([]Purpose, error) {
	out := make([]Purpose, len(names))
	for i, n := range names {
		p, ok := ParsePurpose(n)
		if !ok {
			valid := make([]string, 0, numPurposes-1)
			for _, p := range Purposes() {
				valid = append(valid, p.String())
			}
			return nil, Errorf(EINVALID, "%s: %q is not a purpose; the purposes are %s", field, Clip(n, 40), strings.Join(valid, ", "))
		}
		out[i] = p
	}
	return out, nil
}

// Purposes returns every purpose in declaration order.
func Purposes() []Purpose {
	ps := make([]Purpose, 0, numPurposes-1)
	for p := Purpose(1); p < numPurposes; p++ {
		ps = append(ps, p)
	}
	return ps
}

// CategoryPolicy is the one place that says what a category is for, which
// purposes it may serve and how long its facts may be kept.
type CategoryPolicy struct {
	Name         string
	Statement    string // what facts of this category are and why they may be recorded
	Serves       []Purpose
	MaxRetention time.Duration
	// CourtOnly categories may be posted only by sources of kind court.
	CourtOnly bool
	// LegalObligation categories are kept under a legal duty and survive an
	// erasure request for their retention period.
	LegalObligation bool
}

const year = 365 * 24 * time.Hour

// categoryPolicies is the purpose-binding table. One row per category; the
// Statement says why the row reads as it does.
var categoryPolicies = [numCategories]CategoryPolicy{
	CategoryIdentity: {Name: "identity",
		Statement:    "birth year and coarse residence region, to tell subjects apart; serves no scoring purpose",
		Serves:       nil,
		MaxRetention: 100 * year},
	CategoryTax: {Name: "tax",
		Statement:       "filing and payment of taxes: evidence of tax compliance and, for firms, of business conduct",
		Serves:          []Purpose{PurposeTaxCompliance, PurposeBusinessCompliance},
		MaxRetention:    7 * year,
		LegalObligation: true},
	CategoryCredit: {Name: "credit",
		Statement:    "loans and their repayment: the core of credit risk, and of whether rent will be paid",
		Serves:       []Purpose{PurposeCredit, PurposeRental},
		MaxRetention: 6 * year},
	CategoryUtilityAndRent: {Name: "utility_and_rent",
		Statement:    "regular bills and rent: a payment history for rental, and for credit files that are thin",
		Serves:       []Purpose{PurposeRental, PurposeCredit},
		MaxRetention: 3 * year},
	CategoryCourtJudgment: {Name: "court_judgment",
		Statement:    "money judgments: debts a court found owed, relevant wherever money is lent or owed",
		Serves:       []Purpose{PurposeCredit, PurposeRental, PurposeBusinessCompliance},
		MaxRetention: 6 * year},
	CategoryCourtOrder: {Name: "court_order",
		Statement:       "restrictions a court ordered, with reference, expiry and appeal route; only for enforcing them",
		Serves:          []Purpose{PurposeCourtEnforcement},
		MaxRetention:    10 * year,
		CourtOnly:       true,
		LegalObligation: true},
	CategoryLicencePermit: {Name: "licence_permit",
		Statement:    "permits and licences granted, expired or revoked: only for licensing decisions",
		Serves:       []Purpose{PurposeLicensing},
		MaxRetention: 10 * year},
	CategoryCorporateFiling: {Name: "corporate_filing",
		Statement:       "registration, accounts and dissolution of organisations: public business conduct",
		Serves:          []Purpose{PurposeBusinessCompliance, PurposeLicensing},
		MaxRetention:    10 * year,
		LegalObligation: true},
	CategoryRegulatoryInspection: {Name: "regulatory_inspection",
		Statement:    "inspection outcomes of organisations: business compliance and licensing",
		Serves:       []Purpose{PurposeBusinessCompliance, PurposeLicensing},
		MaxRetention: 5 * year},
	CategoryLabourCompliance: {Name: "labour_compliance",
		Statement:    "wage arrears and labour-law findings against employers: business compliance and licensing",
		Serves:       []Purpose{PurposeBusinessCompliance, PurposeLicensing},
		MaxRetention: 5 * year},
}

// Policy returns the category's row of the purpose-binding table.
func (c Category) Policy() CategoryPolicy {
	if c == 0 || c >= numCategories {
		return CategoryPolicy{Name: "unknown"}
	}
	p := categoryPolicies[c]
	p.Serves = slices.Clone(p.Serves) // the table is not the caller's to change
	return p
}

func (c Category) String() string { return c.Policy().Name }

// Serves reports whether facts of category c may be used for purpose p.
func (c Category) Serves(p Purpose) bool {
	return c != 0 && c < numCategories && slices.Contains(categoryPolicies[c].Serves, p)
}

// ParseCategory returns the category named s.
func ParseCategory(s string) (Category, bool) {
	for c := Category(1); c < numCategories; c++ {
		if categoryPolicies[c].Name == s {
			return c, true
		}
	}
	return 0, false
}

// Categories returns every category in declaration order.
func Categories() []Category {
	cs := make([]Category, 0, numCategories-1)
	for c := Category(1); c < numCategories; c++ {
		cs = append(cs, c)
	}
	return cs
}

// RestsOnConsent reports whether decisions for p rest on the subject's
// consent alone, so that the subject may opt out of its scorecards. It is
// read from the purpose-binding table: a purpose rests on consent when no
// category serving it is kept under a legal obligation (tax, court orders
// and corporate filings are; credit, rent, utility bills and money
// judgments are not). That makes credit and rental consent-based, and tax
// compliance, business compliance, licensing and court enforcement
// statutory.
func (p Purpose) RestsOnConsent() bool {
	if p == 0 || p >= numPurposes {
		return false
	}
	for c := Category(1); c < numCategories; c++ {
		if c.Serves(p) && categoryPolicies[c].LegalObligation {
			return false
		}
	}
	return true
}

// MarshalText writes the purpose's name.
func (p Purpose) MarshalText() ([]byte, error) {
	if p == 0 || p >= numPurposes {
		return nil, fmt.Errorf("unknown purpose %d", p)
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads a purpose's name.
func (p *Purpose) UnmarshalText(b []byte) error {
	v, ok := ParsePurpose(string(b))
	if !ok {
		return Errorf(EINVALID, "unknown purpose %q", b)
	}
	*p = v
	return nil
}
