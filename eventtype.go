package candor

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldType is the type of one field of an event type. The set is closed.
type FieldType uint8

const (
	FieldInt      FieldType = iota + 1 // a whole number
	FieldAmount                        // a decimal amount, at most four decimals; needs a currency field beside it
	FieldCurrency                      // an ISO 4217 alphabetic code
	FieldDate                          // a calendar date, YYYY-MM-DD
	FieldEnum                          // one of a fixed list of words
	FieldBool                          // true or false
	// FieldText is wording only a court order carries (the court, the legal
	// basis, the appeal route): printable, bounded, never read by a score,
	// shown only to the subject and the court register.
	FieldText
	// FieldReference is an account, case, permit or similar number. It is
	// pseudonymised on ingest: a keyed hash, for matching, and at most its
	// last four digits, for the subject to recognise it. Never scorable.
	FieldReference
	numFieldTypes
)

var fieldTypeNames = [numFieldTypes]string{
	FieldInt: "int", FieldAmount: "amount", FieldCurrency: "currency", FieldDate: "date",
	FieldEnum: "enum", FieldBool: "bool", FieldText: "text", FieldReference: "reference",
}

// Scorable reports whether a scorecard condition may read fields of type t:
// numbers, amounts, currencies, dates, enums and booleans. Text and
// references never are, so that no free text a source writes can decide a
// score (charter point 1).
func (t FieldType) Scorable() bool {
	switch t {
	case FieldInt, FieldAmount, FieldCurrency, FieldDate, FieldEnum, FieldBool:
		return true
	}
	return false
}

// textual reports whether values of type t are text with a maximum length.
func (t FieldType) textual() bool { return t == FieldText || t == FieldReference }

func (t FieldType) String() string {
	if t == 0 || t >= numFieldTypes {
		return "unknown"
	}
	return fieldTypeNames[t]
}

// ParseFieldType returns the field type named s.
func ParseFieldType(s string) (FieldType, bool) {
	for t := FieldType(1); t < numFieldTypes; t++ {
		if fieldTypeNames[t] == s {
			return t, true
		}
	}
	return 0, false
}

// AmountScale is the number of amount units in one currency unit: amounts are
// held as integers of ten-thousandths.
const AmountScale = 10000

// MaxFields bounds the number of fields of one event type.
const MaxFields = 64

// MaxStringLen bounds every text and reference field, whatever its declared
// maximum.
const MaxStringLen = 256

// FieldSpec declares one field of an event type.
type FieldSpec struct {
	Name        string
	Type        FieldType
	Required    bool
	Description string
	Min, Max    *int64   // FieldInt: bounds; FieldAmount: bounds in ten-thousandths
	MaxLen      int      // FieldText, FieldReference: maximum length in characters
	Values      []string // FieldEnum: the allowed words
}

// EventType is a catalogue entry: one kind of fact a source may post.
type EventType struct {
	Name        string
	Category    Category
	SubjectKind SubjectKind
	Description string
	// Title is what a person calls such a fact, in lower case ("late
	// rent payment"), and Action what they can do about one, in a
	// sentence: the portal's explanations are written from them.
	Title, Action string
	Retention     time.Duration
	// LiftsOrder marks a court_order type that ends an earlier restriction
	// rather than imposing one.
	LiftsOrder bool
	Fields     []FieldSpec
}

// Field returns the spec of the field named name, or nil.
func (t *EventType) Field(name string) *FieldSpec {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// The fields every court-imposed restriction must carry (charter point 9):
// the restriction itself is an enum, so that the catalogue closes the list
// of what a court may be recorded as ordering. A lifting event must carry
// the order's reference.
var (
	orderFields = map[string]FieldType{
		"order_ref": FieldText, "court": FieldText, "legal_basis": FieldText,
		"restriction": FieldEnum, "expires_on": FieldDate, "appeal_route": FieldText,
	}
	liftFields = map[string]FieldType{"order_ref": FieldText}
)

// forbiddenFieldWords are substrings no field name or enum value may
// contain: a second line of defence behind the closed category list (an
// enum is a closed list, but not of religions or parties).
var forbiddenFieldWords = []string{
	"religio", "ethnic", "race", "political", "party", "loyal", "union", "health",
	"diagnos", "biometric", "face", "fingerprint", "sexual", "location", "gps",
	"cell_tower", "wifi", "friend", "contact", "relative", "family", "child",
	"message", "browsing", "attend", "protest", "gathering",
}

// Validate checks an event type on its own: its name, category, subject kind,
// retention against the category maximum, and each field. It returns every
// problem found, one string each, naming the field where there is one.
func (t *EventType) Validate() []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	if !validTypeName(t.Name) {
		add("name %q must be lower-case words joined by '.' and '_', like credit.instalment_late", t.Name)
	}
	pol := t.Category.Policy()
	if t.Category == 0 || t.Category >= numCategories {
		add("unknown category")
	}
	if t.SubjectKind != Person && t.SubjectKind != Organisation {
		add("subject kind must be person or organisation")
	}
	switch {
	case t.Retention <= 0:
		add("retention must be positive")
	case pol.MaxRetention > 0 && t.Retention > pol.MaxRetention:
		add("retention %s exceeds the %s category maximum of %s", FormatRetention(t.Retention), pol.Name, FormatRetention(pol.MaxRetention))
	}
	if len(t.Fields) > MaxFields {
		add("at most %d fields, not %d", MaxFields, len(t.Fields))
	}
	seen := map[string]bool{}
	var amount, currency int
	for i := range t.Fields {
		f := &t.Fields[i]
		for _, p := range f.validate() {
			add("field %q: %s", f.Name, p)
		}
		if seen[f.Name] {
			add("field %q: declared twice", f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case FieldAmount:
			amount++
		case FieldCurrency:
			currency++
		case FieldText:
			if t.Category != CategoryCourtOrder {
				add("field %q: text fields are only for court orders (court, legal basis, appeal route); record other facts as enum, reference, number, amount, date or bool, so that no free text reaches a score (charter point 1)", f.Name)
			}
		}
	}
	if amount > 0 && currency != 1 {
		add("an amount needs exactly one currency field beside it")
	}
	if t.LiftsOrder && t.Category != CategoryCourtOrder {
		add("lifts_order is only for court_order types")
	}
	if t.Category == CategoryCourtOrder {
		want := orderFields
		if t.LiftsOrder {
			want = liftFields
		}
		for _, name := range sortedKeys(want) {
			f := t.Field(name)
			if f == nil || f.Type != want[name] || !f.Required {
				add("court_order types must have a required %s field %q (charter point 9)", want[name], name)
			}
		}
	}
	return ps
}

func (f *FieldSpec) validate() []string {
	var ps []string
	if !validFieldName(f.Name) {
		ps = append(ps, "name must be lower-case letters, digits and '_', starting with a letter")
	}
	for _, w := range forbiddenFieldWords {
		if strings.Contains(f.Name, w) {
			ps = append(ps, fmt.Sprintf("name contains %q, which the charter does not allow to be recorded", w))
		}
	}
	if f.Type == 0 || f.Type >= numFieldTypes {
		ps = append(ps, "unknown type")
	}
	if (f.Min != nil || f.Max != nil) && f.Type != FieldInt && f.Type != FieldAmount {
		ps = append(ps, "min and max apply only to int and amount fields")
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		ps = append(ps, "min is above max")
	}
	switch {
	case f.Type.textual() && (f.MaxLen < 1 || f.MaxLen > MaxStringLen):
		ps = append(ps, fmt.Sprintf("text and reference fields need a max_length from 1 to %d", MaxStringLen))
	case !f.Type.textual() && f.MaxLen != 0:
		ps = append(ps, "max_length applies only to text and reference fields")
	}
	switch {
	case f.Type == FieldEnum && len(f.Values) == 0:
		ps = append(ps, "enum fields need values")
	case f.Type != FieldEnum && len(f.Values) != 0:
		ps = append(ps, "values apply only to enum fields")
	}
	seen := map[string]bool{}
	for _, v := range f.Values {
		if !validFieldName(v) || seen[v] {
			ps = append(ps, fmt.Sprintf("enum value %q must be a distinct lower-case word", v))
		}
		seen[v] = true
		for _, w := range forbiddenFieldWords {
			if strings.Contains(v, w) {
				ps = append(ps, fmt.Sprintf("enum value %q contains %q, which the charter does not allow to be recorded", v, w))
			}
		}
	}
	return ps
}

func validTypeName(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(s) > 64 {
		return false
	}
	for _, p := range parts {
		if !validFieldName(p) {
			return false
		}
	}
	return true
}

func validFieldName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// FormatRetention writes d in whole years, months (30 days) or days.
func FormatRetention(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d%year == 0:
		return fmt.Sprintf("%dy", d/year)
	case d%(30*day) == 0:
		return fmt.Sprintf("%dm", d/(30*day))
	default:
		return fmt.Sprintf("%dd", d/day)
	}
}

// ParseRetention parses "7y", "18m" (months of 30 days) or "90d".
func ParseRetention(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("retention %q: want a number and y, m or d, like 6y", s)
	}
	n := 0
	for _, c := range s[:len(s)-1] {
		if c < '0' || c > '9' || n > 100000 {
			return 0, fmt.Errorf("retention %q: want a number and y, m or d, like 6y", s)
		}
		n = n*10 + int(c-'0')
	}
	const day = 24 * time.Hour
	var unit time.Duration
	switch s[len(s)-1] {
	case 'y':
		unit = year
	case 'm':
		unit = 30 * day
	case 'd':
		unit = day
	default:
		return 0, fmt.Errorf("retention %q: want a number and y, m or d, like 6y", s)
	}
	if time.Duration(n) > math.MaxInt64/unit {
		// A longer period would overflow time.Duration and wrap to a short
		// or negative one.
		return 0, fmt.Errorf("retention %q: too long", s)
	}
	return time.Duration(n) * unit, nil
}

// Catalogue is a validated, immutable set of event types.
type Catalogue struct {
	types  map[string]*EventType
	sorted []*EventType
}

// CatalogueError lists every problem found in a catalogue, each naming the
// entry it concerns.
type CatalogueError struct {
	Problems []string
}

func (e *CatalogueError) Error() string {
	return "invalid catalogue: " + strings.Join(e.Problems, "; ")
}

// NewCatalogue validates types as a whole and returns the catalogue. On any
// problem it returns a *CatalogueError naming every entry at fault; entry
// names are given as "entry N (name)", counting from 1.
func NewCatalogue(types []EventType) (*Catalogue, error) {
	c := &Catalogue{types: make(map[string]*EventType, len(types))}
	var ps []string
	for i := range types {
		t := &types[i]
		where := fmt.Sprintf("entry %d (%s)", i+1, t.Name)
		for _, p := range t.Validate() {
			ps = append(ps, where+": "+p)
		}
		if LinkOpOf(t.Name) != 0 {
			ps = append(ps, where+": "+t.Name+" is built in (a link fact), not a catalogue entry")
			continue
		}
		if _, dup := c.types[t.Name]; dup {
			ps = append(ps, where+": duplicate name "+t.Name)
			continue
		}
		c.types[t.Name] = t
		c.sorted = append(c.sorted, t)
	}
	if len(types) == 0 {
		ps = append(ps, "no event types")
	}
	if len(ps) > 0 {
		return nil, &CatalogueError{Problems: ps}
	}
	sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Name < c.sorted[j].Name })
	return c, nil
}

// Type returns the event type named name, or nil. The built-in link fact
// types (LinkType) are every catalogue's, though Types does not list them.
func (c *Catalogue) Type(name string) *EventType {
	if t := c.types[name]; t != nil {
		return t
	}
	return LinkType(name)
}

// Types returns every event type the catalogue defines, sorted by name
// (without the built-in LinkTypes). The slice must not be modified.
func (c *Catalogue) Types() []*EventType { return c.sorted }

// truncate shortens s for quoting in an error message.
func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 61
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
