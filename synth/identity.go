package synth

import (
	"strconv"

	candor "github.com/candor-project/candor"
)

// Profile is a subject's behaviour profile: how reliably it pays and files.
// Profiles exist so that scorecards see a spread of subjects, from the
// spotless to the chronically late; they are drawn per subject from the seed
// and never change.
type Profile uint8

const (
	Reliable   Profile = iota + 1 // person: pays on time, a rare slip
	Occasional                    // person: occasional late payments, now and then a bad spell
	Struggling                    // person: chronically late, long spells of arrears, most defaults
	Compliant                     // organisation: files on time, passes inspections
	Lax                           // organisation: late filings, some failed inspections
	Delinquent                    // organisation: late or missing filings, arrears, serious breaches
)

var profileNames = [...]string{
	Reliable: "reliable", Occasional: "occasional", Struggling: "struggling",
	Compliant: "compliant", Lax: "lax", Delinquent: "delinquent",
}

func (p Profile) String() string {
	if p == 0 || int(p) >= len(profileNames) {
		return "unknown"
	}
	return profileNames[p]
}

// Identity is who the i-th person or organisation of a population is.
type Identity struct {
	Kind         candor.SubjectKind
	Index        int
	NationalID   string // persons only: two letters and seven digits
	TaxNumber    string // ten digits, the last a mod-11 check digit; persons and organisations never share one
	CompanyRegNo string // organisations only: C and eight digits
	Profile      Profile
	// BirthYear is a person's year of birth. Candor records no age (there
	// is no category for it): it is here for an auditor's protected
	// attributes in a fairness audit, which are never stored.
	BirthYear int
}

// Identifiers returns the subject's identifiers, normalised; the national ID
// or company registration number comes first.
func (id Identity) Identifiers() []candor.Identifier {
	if id.Kind == candor.Person {
		return []candor.Identifier{{Scheme: candor.NationalID, Value: id.NationalID}, {Scheme: candor.TaxNumber, Value: id.TaxNumber}}
	}
	return []candor.Identifier{{Scheme: candor.CompanyRegNo, Value: id.CompanyRegNo}, {Scheme: candor.TaxNumber, Value: id.TaxNumber}}
}

// Person returns the identity of the i-th person (from 0) of the population
// with this seed. It panics if i is negative or not below MaxPersons.
func Person(seed uint64, i int) Identity {
	var p person
	p.load(seed, i)
	return Identity{Kind: candor.Person, Index: i, NationalID: string(p.nationalID()), TaxNumber: string(p.taxNumber()), Profile: p.profile, BirthYear: p.birthYear}
}

// Org returns the identity of the i-th organisation (from 0) of the
// population with this seed. It panics if i is negative or not below MaxOrgs.
func Org(seed uint64, i int) Identity {
	var o org
	o.load(seed, i)
	o.ensureIDs()
	return Identity{Kind: candor.Organisation, Index: i, CompanyRegNo: string(o.reg[:]), TaxNumber: string(o.tax[:]), Profile: o.profile}
}

// Identifier spaces. Each identifier is a keyed permutation (a Feistel
// network, cycle-walked into the space) of the subject's index, so
// identifiers are unique by construction, look random, and depend on the
// seed. Tax numbers of persons count up from the bottom of their space and
// those of organisations down from the top, so they never meet.
const (
	nationalSpace = 26 * 26 * 10_000_000 // two letters and seven digits
	taxSpace      = 1_000_000_000        // nine digits and a check digit
	companySpace  = 100_000_000          // C and eight digits

	// MaxOrgs bounds Config.Orgs.
	MaxOrgs = 10_000_000
	// MaxPersons bounds Config.Persons.
	MaxPersons = taxSpace - MaxOrgs
)

// permute maps x < n to a distinct value below n: a four-round Feistel
// network on 2*half bits, applied until the result falls below n.
func permute(x, n uint64, half uint, key uint64) uint64 {
	mask := uint64(1)<<half - 1
	for {
		l, r := x>>half, x&mask
		for round := uint64(1); round <= 4; round++ {
			l, r = r, l^(mix(key^(round*golden)^r)&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}

func nationalID(dst *[9]byte, seed uint64, i int) {
	x := permute(uint64(i), nationalSpace, 17, mix(seed^domNational))
	letters := x / 10_000_000
	dst[0] = byte('A' + letters/26)
	dst[1] = byte('A' + letters%26)
	putDigits(dst[2:9], x%10_000_000)
}

// taxNumber writes the tax number at position x of the tax space (before
// the permutation).
func taxNumber(dst *[10]byte, seed uint64, x uint64) {
	putDigits(dst[:9], permute(x, taxSpace, 15, mix(seed^domTax)))
	dst[9] = candor.TaxNumberCheckDigit(string(dst[:9]))
}

func companyRegNo(dst *[9]byte, seed uint64, i int) {
	dst[0] = 'C'
	putDigits(dst[1:9], permute(uint64(i), companySpace, 14, mix(seed^domCompany)))
}

// putDigits writes v as len(dst) decimal digits, zero-padded.
func putDigits(dst []byte, v uint64) {
	for k := len(dst) - 1; k >= 0; k-- {
		dst[k] = byte('0' + v%10)
		v /= 10
	}
}

// appendIndex appends a subject's index as used in event IDs and references:
// at least seven digits, zero-padded, so IDs do not depend on the size of
// the population.
func appendIndex(b []byte, i int) []byte {
	for p := 1_000_000; p > 1 && i < p; p /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(i), 10)
}
