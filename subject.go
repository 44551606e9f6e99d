package candor

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// SubjectKind says whether a subject is a person or an organisation.
type SubjectKind uint8

const (
	Person SubjectKind = iota + 1
	Organisation
)

var subjectKindNames = [...]string{Person: "person", Organisation: "organisation"}

func (k SubjectKind) String() string {
	if k == 0 || int(k) >= len(subjectKindNames) {
		return "unknown"
	}
	return subjectKindNames[k]
}

// Noun returns the kind with its article: "a person", "an organisation".
func (k SubjectKind) Noun() string {
	switch k {
	case Person:
		return "a person"
	case Organisation:
		return "an organisation"
	}
	return "an unknown kind of subject"
}

// ParseSubjectKind returns the kind named s.
func ParseSubjectKind(s string) (SubjectKind, bool) {
	for k, name := range subjectKindNames {
		if name != "" && name == s {
			return SubjectKind(k), true
		}
	}
	return 0, false
}

// SubjectID is a subject's pseudonymous identifier: 128 random bits that say
// nothing about the subject.
type SubjectID [16]byte

// NewSubjectID returns a fresh random SubjectID.
func NewSubjectID() SubjectID {
	var id SubjectID
	rand.Read(id[:]) // never fails (crypto/rand contract)
	return id
}

func (id SubjectID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero ID, which no subject has.
func (id SubjectID) IsZero() bool { return id == SubjectID{} }

// MarshalText writes the ID as String does, so that JSON holds it as 32 hex
// digits.
func (id SubjectID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalJSON reads the ID from 32 hex digits, or from the array of 16
// numbers records written before MarshalText existed hold.
func (id *SubjectID) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var legacy []int
		if err := json.Unmarshal(data, &legacy); err != nil || len(legacy) != len(id) {
			return Errorf(EINVALID, "subject id must be 32 hex digits")
		}
		for i, b := range legacy {
			if b < 0 || b > 255 {
				return Errorf(EINVALID, "subject id must be 32 hex digits")
			}
			id[i] = byte(b)
		}
		return nil
	}
	if len(s) != 32 {
		return Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	return nil
}

// ParseSubjectID parses the 32-hex-digit form produced by String.
func ParseSubjectID(s string) (SubjectID, error) {
	var id SubjectID
	if len(s) != 32 {
		return id, Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if id.IsZero() {
		return id, Errorf(EINVALID, "subject id must not be zero")
	}
	return id, nil
}

// Scheme is a kind of external identifier. External identifiers are never
// stored in plaintext outside the subject's encrypted record; they are found
// through a keyed blind index.
type Scheme uint8

const (
	NationalID   Scheme = iota + 1 // persons: two letters and seven digits, e.g. AB1234567
	TaxNumber                      // persons and organisations: ten digits, the last a mod-11 check digit
	CompanyRegNo                   // organisations: "C" and eight digits, e.g. C01234567
)

var schemeNames = [...]string{NationalID: "national_id", TaxNumber: "tax_number", CompanyRegNo: "company_reg_no"}

func (s Scheme) String() string {
	if s == 0 || int(s) >= len(schemeNames) {
		return "unknown"
	}
	return schemeNames[s]
}

// ParseScheme returns the scheme named s.
func ParseScheme(s string) (Scheme, bool) {
	for k, name := range schemeNames {
		if name != "" && name == s {
			return Scheme(k), true
		}
	}
	return 0, false
}

// AppliesTo reports whether identifiers of scheme s may name subjects of kind k.
func (s Scheme) AppliesTo(k SubjectKind) bool {
	switch s {
	case NationalID:
		return k == Person
	case TaxNumber:
		return k == Person || k == Organisation
	case CompanyRegNo:
		return k == Organisation
	}
	return false
}

// Identifier is an external identifier in normalised form.
type Identifier struct {
	Scheme Scheme
	Value  string
}

func (id Identifier) String() string { return id.Scheme.String() + ":" + id.Value }

// NormaliseIdentifier returns the canonical form of value under scheme s
// (upper case; spaces, hyphens, dots and slashes removed) and checks its
// format. The error message names the expected format.
func NormaliseIdentifier(s Scheme, value string) (Identifier, error) {
	v := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/', '\t':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, value)
	ok := false
	switch s {
	case NationalID:
		ok = len(v) == 9 && letters(v[:2]) && digits(v[2:])
	case TaxNumber:
		ok = len(v) == 10 && digits(v) && TaxNumberCheckDigit(v[:9]) == v[9]
	case CompanyRegNo:
		ok = len(v) == 9 && v[0] == 'C' && digits(v[1:])
	default:
		return Identifier{}, Errorf(EINVALID, "unknown identifier scheme")
	}
	if !ok {
		return Identifier{}, Errorf(EINVALID, "not a valid %s (%s)", s, schemeFormats[s])
	}
	return Identifier{Scheme: s, Value: v}, nil
}

var schemeFormats = [...]string{
	NationalID:   "two letters and seven digits",
	TaxNumber:    "ten digits ending in a mod-11 check digit",
	CompanyRegNo: "C and eight digits",
}

// TaxNumberCheckDigit returns the check digit for the nine digits of a tax
// number: weights 10..2, sum mod 11, where a remainder of 10 maps to '0'.
func TaxNumberCheckDigit(nine string) byte {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	return byte('0' + (sum%11)%10)
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// Subject is a person or organisation Candor holds facts about, as read back
// with its identifiers decrypted.
type Subject struct {
	ID          SubjectID
	Kind        SubjectKind
	Identifiers []Identifier
	CreatedAt   time.Time
}
