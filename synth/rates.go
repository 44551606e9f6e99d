package synth

// The synthetic population's behaviour, in one table. Per-profile arrays are
// indexed [reliable, occasional, struggling] for persons and [compliant,
// lax, delinquent] for organisations. Probabilities are per subject unless
// the comment says per month, per year or per loan. Changing a number here
// changes the output for every seed: the event IDs stay, their content and
// presence do not.
var rates = struct {
	// Persons.
	profiles [3]int // weights of the three person profiles

	newcomer    float64 // share registered as residents around the anchor date (the rest long before)
	renter      float64 // share who rent, paying monthly to a landlord reporting to the rent registry
	utilityPays float64 // share who hold a city-utility account (one bill payer per household)
	utilMonthly float64 // share of those billed monthly; the rest are billed every two months
	loanSlots   [3]int  // weights of holding 0, 1 or 2 loan "slots" (a slot holds one loan after another)
	taxFiler    float64 // share who must file a yearly income-tax return

	// Spells of financial stress: late payments cluster in them, across rent,
	// bills and instalments at once. A spell starts in a month with this
	// probability and lasts 1..spellMax months.
	stressStart [3]float64 // per month
	spellMax    [3]int

	rentLate, rentLateInSpell [3]float64 // per month: rent paid late
	billLate, billLateInSpell [3]float64 // per bill: paid after the due date
	instLate, instLateInSpell [3]float64 // per instalment: 30 days late (60, 90 when consecutive)
	defaultPerYear            [3]float64 // per loan and year of its term: the loan will default (after 30/60/90)
	earlyRepay                [5]float64 // per loan, by product: repaid in full before its term

	taxLate     [3]float64 // per year: return filed after the deadline
	taxArrears  [3]float64 // per year: tax falls into arrears
	taxSettled  [3]float64 // per arrears: settled (within about a year)
	judgment    [3]float64 // per year: a money judgment is entered
	satisfied   [3]float64 // per judgment: paid in full
	restriction float64    // per unpaid judgment: the court also restricts the debtor
	lifted      float64    // per restriction: lifted before it expires

	// Outcomes, which Candor never records: a relying party's own (Default12).
	default12, default12InSpell [3]float64 // per person and year: defaults on a credit in the 12 months, without and with a spell of stress in them

	permitNewcomer float64 // share of newcomers who hold work permits
	permitResident float64 // share of long-standing residents who do
	permitRenewed  float64 // per permit: renewed at expiry (else it expires and the chain ends)

	// Organisations.
	orgProfiles   [3]int
	orgNew        float64    // share registered around the anchor date (the rest 3 to 8 years before it)
	dissolve      [3]float64 // per year: the organisation is dissolved (no events after)
	accountsLate  [3]float64 // per year: annual accounts filed late
	orgTaxLate    [3]float64 // per year: company tax return filed late
	orgArrears    [3]float64 // per year: company tax falls into arrears
	orgSettled    [3]float64 // per arrears: settled
	inspections   [3]int     // weights of 0, 1 or 2 inspections in a year
	inspFail      [3]float64 // per inspection: breaches found
	severity      [3][3]int  // per profile: weights of minor, major, critical breaches
	wageArrears   [3]float64 // per year: the labour inspectorate finds unpaid wages
	wageSettled   [3]float64 // per case: wages paid
	orgJudgment   [3]float64 // per year
	orgSatisfied  [3]float64 // per judgment
	orgRestrict   float64    // per unpaid judgment
	orgLifted     float64    // per restriction
	licenceRevoke [3]float64 // per licence: revoked during its validity (the chain ends)
	otherLicensed float64    // share of service and other organisations that need a licence
}{
	profiles: [3]int{70, 22, 8},

	newcomer:    0.07,
	renter:      0.40,
	utilityPays: 0.40,
	utilMonthly: 0.15,
	loanSlots:   [3]int{56, 31, 13},
	taxFiler:    0.92,

	stressStart: [3]float64{0.003, 0.02, 0.10},
	spellMax:    [3]int{2, 3, 4},

	rentLate:        [3]float64{0.003, 0.02, 0.06},
	rentLateInSpell: [3]float64{0.50, 0.60, 0.70},
	billLate:        [3]float64{0.005, 0.03, 0.08},
	billLateInSpell: [3]float64{0.50, 0.60, 0.75},
	instLate:        [3]float64{0.001, 0.008, 0.03},
	instLateInSpell: [3]float64{0.30, 0.45, 0.60},
	defaultPerYear:  [3]float64{0.001, 0.01, 0.06},
	earlyRepay:      [5]float64{productMortgage: 0.30, productConsumer: 0.20, productCard: 0, productAuto: 0.25, productStudent: 0.10},

	taxLate:     [3]float64{0.02, 0.08, 0.25},
	taxArrears:  [3]float64{0.003, 0.02, 0.10},
	taxSettled:  [3]float64{0.95, 0.85, 0.60},
	judgment:    [3]float64{0.0005, 0.004, 0.02},
	satisfied:   [3]float64{0.70, 0.55, 0.35},
	restriction: 0.25,
	lifted:      0.35,

	default12:        [3]float64{0.01, 0.06, 0.22},
	default12InSpell: [3]float64{0.12, 0.30, 0.50},

	permitNewcomer: 0.50,
	permitResident: 0.015,
	permitRenewed:  0.85,

	orgProfiles:   [3]int{65, 25, 10},
	orgNew:        0.20,
	dissolve:      [3]float64{0.005, 0.015, 0.05},
	accountsLate:  [3]float64{0.03, 0.15, 0.40},
	orgTaxLate:    [3]float64{0.02, 0.10, 0.30},
	orgArrears:    [3]float64{0.005, 0.03, 0.12},
	orgSettled:    [3]float64{0.95, 0.80, 0.55},
	inspections:   [3]int{30, 45, 25},
	inspFail:      [3]float64{0.06, 0.22, 0.45},
	severity:      [3][3]int{{75, 21, 4}, {65, 28, 7}, {50, 35, 15}},
	wageArrears:   [3]float64{0.002, 0.02, 0.08},
	wageSettled:   [3]float64{0.90, 0.75, 0.50},
	orgJudgment:   [3]float64{0.002, 0.01, 0.05},
	orgSatisfied:  [3]float64{0.80, 0.60, 0.35},
	orgRestrict:   0.15,
	orgLifted:     0.30,
	licenceRevoke: [3]float64{0.005, 0.03, 0.15},
	otherLicensed: 0.25,
}

// Loan products: what a loan slot holds, one loan after another. A slot's
// timeline is cut into periods of period months from a per-slot phase; each
// period holds at most one loan, opened at a random month and running its
// term (in months, a multiple of step) inside the period, so any month's
// loan can be found without replaying the slot's history.
const (
	productMortgage = iota
	productConsumer
	productCard
	productAuto
	productStudent
)

var products = [5]struct {
	name             string
	weight           int  // share of slots
	termMin, termMax int  // in steps
	step             int  // months
	period           int  // months; more than termMax*step
	priMin, priMax   int  // principal (cards: credit limit), in hundreds of euros
	aprMin, aprMax   int  // interest, in basis points a year
	revolving        bool // cards: no term, a varying monthly payment
}{
	productMortgage: {name: "mortgage", weight: 15, termMin: 20, termMax: 30, step: 12, period: 372, priMin: 800, priMax: 4500, aprMin: 250, aprMax: 500},
	productConsumer: {name: "consumer", weight: 30, termMin: 2, termMax: 10, step: 6, period: 72, priMin: 10, priMax: 250, aprMin: 600, aprMax: 1400},
	productCard:     {name: "card", weight: 25, termMin: 24, termMax: 60, step: 1, period: 72, priMin: 5, priMax: 80, aprMin: 1500, aprMax: 2400, revolving: true},
	productAuto:     {name: "auto", weight: 20, termMin: 6, termMax: 12, step: 6, period: 84, priMin: 80, priMax: 450, aprMin: 400, aprMax: 900},
	productStudent:  {name: "student", weight: 10, termMin: 5, termMax: 10, step: 12, period: 132, priMin: 50, priMax: 400, aprMin: 200, aprMax: 500},
}

// anchor is the synthetic world's fixed reference month (January 2025):
// newcomers arrive and new organisations register in the three years either
// side of it, and everyone else was registered before. It is a constant, not
// derived from Until, so that a subject's history does not depend on the
// window it is generated for.
const anchorYear = 2025

const anchorMonth = anchorYear * 12
