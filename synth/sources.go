package synth

import candor "github.com/candor-project/candor"

// sourceID is one of the demo sources.
type sourceID uint8

const (
	srcCivil sourceID = iota
	srcTax
	srcBankNorth
	srcBankSouth
	srcBankCoop
	srcUtility
	srcRent
	srcCourt
	srcLabour
	srcSafety
	srcRegister
	srcLicensing
	numSources
)

var sourceDefs = [numSources]struct {
	id, name string
	kind     candor.SourceKind
	types    []typeID
}{
	srcCivil: {"civil_registry", "Civil Registry", candor.SourceRegistry,
		[]typeID{tResident}},
	srcTax: {"tax_office", "Tax Office", candor.SourceTaxAuthority,
		[]typeID{tTaxFiled, tTaxLate, tTaxArrears, tTaxSettled, tOrgTaxFiled, tOrgTaxLate, tOrgTaxArrears, tOrgTaxSettled}},
	srcBankNorth: {"bank_north", "Northern Bank", candor.SourceBank, bankTypes},
	srcBankSouth: {"bank_south", "Southern Savings Bank", candor.SourceBank, bankTypes},
	srcBankCoop:  {"bank_coop", "Cooperative Bank", candor.SourceBank, bankTypes},
	srcUtility: {"city_utility", "City Utility Company", candor.SourceUtility,
		[]typeID{tBillPaid, tBillOverdue}},
	srcRent: {"rent_registry", "Housing and Rent Registry", candor.SourceLandlord,
		[]typeID{tRentPaid, tRentLate}},
	srcCourt: {"district_court", "District Court", candor.SourceCourt,
		[]typeID{tJudgment, tJudgmentSatisfied, tOrgJudgment, tOrgJudgmentSatisfied,
			tRestriction, tRestrictionLifted, tOrgRestriction, tOrgRestrictionLifted}},
	srcLabour: {"labour_inspectorate", "Labour Inspectorate", candor.SourceInspectorate,
		[]typeID{tWageArrears, tWageSettled, tInspPassed, tInspFailed}},
	srcSafety: {"safety_inspectorate", "Food and Safety Inspectorate", candor.SourceInspectorate,
		[]typeID{tInspPassed, tInspFailed}},
	srcRegister: {"business_register", "Business Register", candor.SourceRegistry,
		[]typeID{tRegistered, tDissolved, tAccountsFiled, tAccountsLate}},
	srcLicensing: {"licensing_office", "Licensing Office", candor.SourceLicensingAuthority,
		[]typeID{tPermitIssued, tPermitExpired, tLicenceIssued, tLicenceRevoked}},
}

var bankTypes = []typeID{tLoanOpened, tInstPaid, tInstLate, tLoanRepaid, tDefault}

// banks are the loan sources, with the weights of their market shares and
// the prefixes of their account numbers.
var banks = [3]struct {
	src    sourceID
	weight int
	prefix string
}{{srcBankNorth, 40, "NB"}, {srcBankSouth, 35, "SB"}, {srcBankCoop, 25, "CB"}}

// Sources returns the demo's sources: the registries, the tax office, three
// banks, a utility, the rent registry, a court, two inspectorates and the
// licensing office, each allowed exactly the event types synth has it post.
// Court-order types are allowed only to the court. The slice is fresh on
// every call; CreatedAt is left zero.
func Sources() []candor.Source {
	out := make([]candor.Source, numSources)
	for i, d := range sourceDefs {
		names := make([]string, len(d.types))
		for k, t := range d.types {
			names[k] = typeDefs[t].name
		}
		out[i] = candor.Source{ID: d.id, Name: d.name, Kind: d.kind, AllowedTypes: names}
	}
	return out
}
