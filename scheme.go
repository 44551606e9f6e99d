package candor

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Scheme is a kind of external identifier, named by its code. External
// identifiers are never stored in plaintext outside the subject's
// encrypted record; they are found through a keyed blind index. The code
// goes into blind indexes, digests and sealed identifiers, so a scheme's
// code never changes and is never reused. What each scheme accepts is
// data (schemes.json, read into SchemeDefs); the check-digit algorithms it
// may name are code (CheckAlgorithm).
type Scheme uint8

// The schemes other code names directly. Every scheme, these included, is
// defined in schemes.json.
const (
	NationalID   Scheme = 1 // persons: two letters and seven digits, e.g. AB1234567
	TaxNumber    Scheme = 2 // persons and organisations: ten digits, the last a mod-11 check digit
	CompanyRegNo Scheme = 3 // organisations: "C" and eight digits, e.g. C01234567
)

// MaxIdentifierLen is the longest identifier value, as submitted, that any
// scheme reads.
const MaxIdentifierLen = 64

// CheckAlgorithm names a check-digit algorithm a scheme may use: a closed
// set, each implemented and tested here.
type CheckAlgorithm string

const (
	CheckNone        CheckAlgorithm = ""
	CheckTaxMod11    CheckAlgorithm = "tax-mod11"       // Candor's demo tax number: weights 10..2, sum mod 11 mod 10
	CheckSNILS       CheckAlgorithm = "snils"           // Russian SNILS: weights 9..1, sum mod 101, two check digits
	CheckINN         CheckAlgorithm = "inn"             // Russian INN: one (10 digits) or two (12) weighted mod 11 check digits
	CheckOGRN        CheckAlgorithm = "ogrn"            // Russian OGRN (13 digits, mod 11) and OGRNIP (15, mod 13)
	CheckISO7064_112 CheckAlgorithm = "iso7064-mod11-2" // ISO 7064 MOD 11-2: Chinese resident ID
	CheckGB32100     CheckAlgorithm = "gb32100"         // GB 32100-2015: Chinese unified social credit code, mod 31
)

var checkAlgorithms = map[CheckAlgorithm]func(string) bool{
	CheckTaxMod11:    func(v string) bool { return TaxNumberCheckDigit(v[:9]) == v[9] },
	CheckSNILS:       snilsValid,
	CheckINN:         innValid,
	CheckOGRN:        ogrnValid,
	CheckISO7064_112: iso7064Mod112Valid,
	CheckGB32100:     gb32100Valid,
}

// SchemeDef is one identifier scheme: how its identifiers are written,
// normalised and checked, and what they may name.
type SchemeDef struct {
	Code     Scheme
	Name     string // as sources write it: "national_id"
	Title    string // in words, for people: "National ID"
	Subjects []SubjectKind
	Format   string // the expected format in words, with an example, for errors
	// Strip are the characters normalisation removes; Upper folds ASCII
	// letters to upper case.
	Strip string
	Upper bool
	// Pattern is what a normalised identifier must match.
	Pattern *regexp.Regexp
	// Check is the check-digit algorithm, CheckNone for a scheme without.
	Check CheckAlgorithm
	// BirthDateAt, when positive, is where eight digits YYYYMMDD that
	// must be a real date start (from 1, so that 0 means none).
	BirthDateAt int
	// Valid and Invalid are examples as submitted: Valid must be accepted
	// and Invalid refused (checked when the schemes are loaded).
	Valid, Invalid []string
}

// Normalise returns the canonical form of value under d (the characters
// of Strip removed, ASCII letters folded to upper case when Upper) and
// checks it: EINVALID naming the scheme, the problem and the expected
// format.
func (d *SchemeDef) Normalise(value string) (Identifier, error) {
	bad := func(problem string) (Identifier, error) {
		return Identifier{}, Errorf(EINVALID, "not a valid %s: %s; want %s", d.Name, problem, d.Format)
	}
	if value == "" {
		return bad("empty")
	}
	if len(value) > MaxIdentifierLen {
		return bad(fmt.Sprintf("longer than %d bytes", MaxIdentifierLen))
	}
	v := strings.Map(func(r rune) rune {
		if strings.ContainsRune(d.Strip, r) {
			return -1
		}
		if d.Upper && 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, value)
	if !d.Pattern.MatchString(v) {
		return bad("wrong length or characters")
	}
	if d.BirthDateAt > 0 {
		at := d.BirthDateAt - 1
		if at+8 > len(v) || !digits(v[at:at+8]) {
			return bad("no birth date")
		}
		if t, err := time.Parse("20060102", v[at:at+8]); err != nil || t.Year() < 1800 {
			return bad(fmt.Sprintf("%s is not a birth date", v[at:at+8]))
		}
	}
	if check := checkAlgorithms[d.Check]; check != nil && !check(v) {
		return bad("the check digit does not match")
	}
	return Identifier{Scheme: d.Code, Value: v}, nil
}

// AppliesTo reports whether identifiers of d may name subjects of kind k.
func (d *SchemeDef) AppliesTo(k SubjectKind) bool { return slices.Contains(d.Subjects, k) }

//go:embed schemes.json
var shippedSchemes []byte

// SchemeSet is a validated set of identifier schemes.
type SchemeSet struct {
	byCode [256]*SchemeDef
	list   []*SchemeDef
}

var defaultSchemes = sync.OnceValue(func() *SchemeSet {
	s, err := ParseSchemes(shippedSchemes)
	if err != nil {
		panic("candor: schemes.json is invalid: " + err.Error())
	}
	return s
})

// Schemes returns the shipped identifier schemes (schemes.json), parsed
// once. It panics only if that file is invalid, which the tests rule out.
func Schemes() *SchemeSet { return defaultSchemes() }

// All returns the schemes in code order.
func (s *SchemeSet) All() []*SchemeDef { return s.list }

// Def returns the scheme with code c, or nil.
func (s *SchemeSet) Def(c Scheme) *SchemeDef { return s.byCode[c] }

// Lookup returns the scheme named name, or nil.
func (s *SchemeSet) Lookup(name string) *SchemeDef {
	for _, d := range s.list {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Names returns the schemes' names in code order.
func (s *SchemeSet) Names() []string {
	names := make([]string, len(s.list))
	for i, d := range s.list {
		names[i] = d.Name
	}
	return names
}

type schemeJSON struct {
	Code        int      `json:"code"`
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Subjects    []string `json:"subjects"`
	Format      string   `json:"format"`
	Strip       string   `json:"strip"`
	Upper       bool     `json:"upper"`
	Pattern     string   `json:"pattern"`
	Check       string   `json:"check"`
	BirthDateAt int      `json:"birth_date_at"`
	Valid       []string `json:"valid"`
	Invalid     []string `json:"invalid"`
}

// ParseSchemes reads a schemes file (the format of schemes.json) strictly
// and checks every scheme: a unique code from 1 to 255 and a unique
// lower-case name, at least one subject kind, a format, a pattern anchored
// at both ends, a known check algorithm, and examples that pass and fail
// as declared. The error names every problem.
func ParseSchemes(data []byte) (*SchemeSet, error) {
	var file struct {
		About   string       `json:"about"`
		Schemes []schemeJSON `json:"schemes"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, Errorf(EINVALID, "schemes: %v", err)
	}
	set := &SchemeSet{}
	var problems []string
	for i, j := range file.Schemes {
		d, ps := j.def()
		for _, p := range ps {
			problems = append(problems, fmt.Sprintf("scheme %d (%s): %s", i+1, j.Name, p))
		}
		if d == nil {
			continue
		}
		if set.byCode[d.Code] != nil || set.Lookup(d.Name) != nil {
			problems = append(problems, fmt.Sprintf("scheme %d (%s): code %d or name given twice", i+1, j.Name, j.Code))
			continue
		}
		set.byCode[d.Code] = d
		set.list = append(set.list, d)
	}
	if len(problems) > 0 {
		return nil, Errorf(EINVALID, "schemes: %s", strings.Join(problems, "; "))
	}
	slices.SortFunc(set.list, func(a, b *SchemeDef) int { return int(a.Code) - int(b.Code) })
	return set, nil
}

var schemeNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// def builds the SchemeDef j describes, or returns what is wrong with it.
func (j *schemeJSON) def() (*SchemeDef, []string) {
	var ps []string
	if j.Code < 1 || j.Code > 255 {
		ps = append(ps, "code must be 1 to 255")
	}
	if !schemeNamePattern.MatchString(j.Name) {
		ps = append(ps, "name must be lower-case letters, digits and _")
	}
	if j.Title == "" || j.Format == "" {
		ps = append(ps, "title and format are required")
	}
	d := &SchemeDef{Code: Scheme(j.Code), Name: j.Name, Title: j.Title, Format: j.Format, Strip: j.Strip, Upper: j.Upper, Check: CheckAlgorithm(j.Check), BirthDateAt: j.BirthDateAt, Valid: j.Valid, Invalid: j.Invalid}
	for _, s := range j.Subjects {
		k, ok := ParseSubjectKind(s)
		if !ok || slices.Contains(d.Subjects, k) {
			ps = append(ps, fmt.Sprintf("subject %q: want person or organisation, once", s))
		}
		d.Subjects = append(d.Subjects, k)
	}
	if len(d.Subjects) == 0 {
		ps = append(ps, "subjects: at least one kind")
	}
	if d.Check != CheckNone && checkAlgorithms[d.Check] == nil {
		ps = append(ps, fmt.Sprintf("unknown check algorithm %q", j.Check))
	}
	re, err := regexp.Compile(j.Pattern)
	if err != nil || !strings.HasPrefix(j.Pattern, "^") || !strings.HasSuffix(j.Pattern, "$") {
		ps = append(ps, "pattern must be a regular expression anchored with ^ and $")
	}
	d.Pattern = re
	if len(ps) > 0 {
		return nil, ps
	}
	for _, v := range d.Valid {
		if _, err := d.Normalise(v); err != nil {
			ps = append(ps, fmt.Sprintf("valid example %q is refused: %s", v, ErrorMessage(err)))
		}
	}
	for _, v := range d.Invalid {
		if _, err := d.Normalise(v); err == nil {
			ps = append(ps, fmt.Sprintf("invalid example %q is accepted", v))
		}
	}
	if len(d.Valid) == 0 || len(d.Invalid) == 0 {
		ps = append(ps, "at least one valid and one invalid example")
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return d, nil
}

func (s Scheme) String() string {
	if d := Schemes().Def(s); d != nil {
		return d.Name
	}
	return "unknown"
}

// ParseScheme returns the scheme named s.
func ParseScheme(s string) (Scheme, bool) {
	if d := Schemes().Lookup(s); d != nil {
		return d.Code, true
	}
	return 0, false
}

// Title returns the scheme's name in words, or "unknown identifier".
func (s Scheme) Title() string {
	if d := Schemes().Def(s); d != nil {
		return d.Title
	}
	return "unknown identifier"
}

// AppliesTo reports whether identifiers of scheme s may name subjects of kind k.
func (s Scheme) AppliesTo(k SubjectKind) bool {
	d := Schemes().Def(s)
	return d != nil && d.AppliesTo(k)
}

// Identifier is an external identifier in normalised form.
type Identifier struct {
	Scheme Scheme
	Value  string
}

func (id Identifier) String() string { return id.Scheme.String() + ":" + id.Value }

// NormaliseIdentifier returns the canonical form of value under scheme s
// and checks it (SchemeDef.Normalise): EINVALID naming the scheme, the
// problem and the expected format, or naming an unknown scheme.
func NormaliseIdentifier(s Scheme, value string) (Identifier, error) {
	d := Schemes().Def(s)
	if d == nil {
		return Identifier{}, Errorf(EINVALID, "unknown identifier scheme")
	}
	return d.Normalise(value)
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

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
