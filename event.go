package candor

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventState is where a fact stands. Only active facts count in a score.
type EventState uint8

const (
	StateActive    EventState = iota + 1
	StateDisputed             // under review after the subject disputed it; excluded meanwhile
	StateCorrected            // replaced by a correction event from its source
	StateRemoved              // removed: unverified after a dispute, or withdrawn by its source
	StateExpired              // past its type's retention; computed at read time, never stored
	numStates
)

var stateNames = [numStates]string{
	StateActive: "active", StateDisputed: "disputed", StateCorrected: "corrected",
	StateRemoved: "removed", StateExpired: "expired",
}

func (s EventState) String() string {
	if s == 0 || s >= numStates {
		return "unknown"
	}
	return stateNames[s]
}

// MaxFutureSkew is how far in the future an event's occurred_at may be.
const MaxFutureSkew = 5 * time.Minute

// MaxSourceEventIDLen bounds a source's idempotency key.
const MaxSourceEventIDLen = 128

// Value is the typed value of one event field.
type Value struct {
	Type FieldType
	// Int holds FieldInt values, FieldAmount values in ten-thousandths,
	// FieldDate values as days since 1970-01-01 and FieldBool as 0 or 1.
	Int int64
	// Str holds FieldCurrency, FieldEnum and FieldText values, and
	// FieldReference values: as sent until the ingest pipeline pseudonymises
	// them, then as Reference makes them.
	Str string
}

// ReferenceHashLen is the length, in hex digits, of the keyed hash that
// begins a pseudonymised reference.
const ReferenceHashLen = 32

// Reference returns the stored form of the reference raw, whose keyed hash
// is sum: the hash in hex, for matching the same reference in later facts,
// followed by the digits raw ends with, at most four, for the subject to
// recognise it ("account …4821"). Nothing else of raw is kept, so whatever
// a source writes in a reference field is not stored readable.
func Reference(sum [ReferenceHashLen / 2]byte, raw string) Value {
	return Value{Type: FieldReference, Str: hex.EncodeToString(sum[:]) + referenceSuffix(raw)}
}

// referenceSuffix returns the ASCII digits s ends with, at most four.
func referenceSuffix(s string) string {
	i := len(s)
	for i > 0 && len(s)-i < 4 && '0' <= s[i-1] && s[i-1] <= '9' {
		i--
	}
	return s[i:]
}

// ReferenceHash returns the keyed hash of a pseudonymised reference, or ""
// if v is not one.
func (v Value) ReferenceHash() string {
	if v.Type != FieldReference || len(v.Str) < ReferenceHashLen {
		return ""
	}
	return v.Str[:ReferenceHashLen]
}

// Field is one named, typed field of an event.
type Field struct {
	Name  string
	Value Value
}

// String writes v as it is written in requests: amounts with their decimals,
// dates as YYYY-MM-DD, references as their kept digits after "…".
func (v Value) String() string {
	switch v.Type {
	case FieldInt:
		return strconv.FormatInt(v.Int, 10)
	case FieldAmount:
		return FormatAmount(v.Int)
	case FieldDate:
		return DateFromDays(v.Int).Format(time.DateOnly)
	case FieldBool:
		return strconv.FormatBool(v.Int != 0)
	case FieldReference:
		if v.ReferenceHash() != "" {
			return "…" + v.Str[ReferenceHashLen:]
		}
		return "…" + referenceSuffix(v.Str)
	}
	return v.Str
}

// JSON returns v as a value for encoding/json: numbers for ints, booleans for
// bools, strings for everything else (amounts keep their exact decimals).
func (v Value) JSON() any {
	switch v.Type {
	case FieldInt:
		return v.Int
	case FieldBool:
		return v.Int != 0
	}
	return v.String()
}

// FormatAmount writes ten-thousandths as a decimal with at least two decimals.
func FormatAmount(units int64) string {
	sign := ""
	u := uint64(units)
	if units < 0 {
		sign, u = "-", uint64(-units)
	}
	frac := fmt.Sprintf("%04d", u%AmountScale)
	frac = strings.TrimRight(frac[2:], "0")
	return fmt.Sprintf("%s%d.%02d%s", sign, u/AmountScale, (u%AmountScale)/100, frac)
}

// ParseAmount parses a decimal with at most four decimals into ten-thousandths.
func ParseAmount(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 14 || !digits(whole) || dot && (frac == "" || len(frac) > 4 || !digits(frac)) {
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if dot {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 4-len(frac)), 10, 64)
	}
	v := w*AmountScale + f
	if neg {
		v = -v
	}
	return v, true
}

// DateFromDays returns midnight UTC of the day n days after 1970-01-01.
func DateFromDays(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// RawKind says how a raw value was written.
type RawKind uint8

const (
	RawString RawKind = iota + 1 // a JSON string
	RawNumber                    // a JSON number, as written
	RawBool                      // a JSON true or false
	RawNull                      // a JSON null
	RawOther                     // a JSON object or array: never a valid field value
	RawText                      // untyped text (a CSV cell): parsed by the field's type
)

// RawValue is a field value as submitted, before it is checked against the
// catalogue.
type RawValue struct {
	Kind RawKind
	Text string // the string's contents, or the number or literal as written
}

// RawField is one submitted field.
type RawField struct {
	Name  string
	Value RawValue
}

// SubjectRef names a subject by an external identifier, as a source submits it.
type SubjectRef struct {
	Kind   string
	Scheme string
	Value  string
}

// EventInput is an event as a source submitted it, before validation.
type EventInput struct {
	ID         string
	Subject    SubjectRef
	Type       string
	OccurredAt string // RFC 3339
	Fields     []RawField
	// Source is a CloudEvent's source attribute ("" for other formats):
	// ingestion refuses an event whose source does not name the posting
	// source (NamesSource).
	Source string
	// Unreadable is set by a decoder that could not read the event (a
	// malformed NDJSON line): its problems are the decoder's, and what
	// was read of it is not validated.
	Unreadable bool
}

// ValidEvent is an event input that passed validation against the catalogue.
type ValidEvent struct {
	SourceEventID string
	Kind          SubjectKind
	Identifier    Identifier
	Type          *EventType
	OccurredAt    time.Time
	Fields        []Field // in the order the type declares them; absent optional fields omitted
	// Link and Other are set for a link fact (LinkOpOf): the step it
	// makes and the other identifier it names.
	Link  LinkOp
	Other Identifier
}

// CheckSourceEventID returns why id cannot be a source's event ID, or ""
// if it can: it is required, at most MaxSourceEventIDLen bytes, printable.
func CheckSourceEventID(id string) string {
	switch {
	case id == "":
		return "required"
	case len(id) > MaxSourceEventIDLen:
		return fmt.Sprintf("longer than %d bytes", MaxSourceEventIDLen)
	case !printable(id):
		return "must be printable text"
	}
	return ""
}

// Validate checks in against the catalogue at instant now. It appends a
// Problem for everything wrong with it (index is the event's position in its
// request) and returns the validated event when there was none.
func (c *Catalogue) Validate(in *EventInput, index int, now time.Time, problems []Problem) (ValidEvent, []Problem) {
	var ev ValidEvent
	start := len(problems)
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{Index: index, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if reason := CheckSourceEventID(in.ID); reason != "" {
		add("id", "%s", reason)
	}
	ev.SourceEventID = in.ID

	kind, kindOK := ParseSubjectKind(in.Subject.Kind)
	if !kindOK {
		add("subject.kind", "must be person or organisation, not %q", truncate(in.Subject.Kind))
	}
	ev.Kind = kind
	scheme, schemeOK := ParseScheme(in.Subject.Scheme)
	switch {
	case in.Subject.Scheme == "":
		add("subject.scheme", "required")
	case !schemeOK:
		add("subject.scheme", "unknown identifier scheme %q", truncate(in.Subject.Scheme))
	case kindOK && !scheme.AppliesTo(kind):
		add("subject.scheme", "%s does not identify %s", scheme, kind.Noun())
	case in.Subject.Value == "":
		add("subject.value", "required")
	default:
		id, err := NormaliseIdentifier(scheme, in.Subject.Value)
		if err != nil {
			add("subject.value", "%s", ErrorMessage(err))
		}
		ev.Identifier = id
	}

	t := c.Type(in.Type)
	switch {
	case in.Type == "":
		add("type", "required")
	case t == nil:
		add("type", "unknown event type %q", truncate(in.Type))
	case kindOK && t.SubjectKind != 0 && t.SubjectKind != kind:
		add("subject.kind", "%s is about %s, not %s", t.Name, t.SubjectKind.Noun(), kind.Noun())
	}
	ev.Type = t

	occurred, err := time.Parse(time.RFC3339Nano, in.OccurredAt)
	switch {
	case in.OccurredAt == "":
		add("occurred_at", "required")
	case err != nil:
		add("occurred_at", "must be an RFC 3339 timestamp like 2026-03-14T00:00:00Z")
	case occurred.After(now.Add(MaxFutureSkew)):
		add("occurred_at", "more than %s in the future", MaxFutureSkew)
	case t != nil && occurred.Before(now.Add(-t.Retention)):
		add("occurred_at", "older than the %s retention of %s", FormatRetention(t.Retention), t.Name)
	}
	ev.OccurredAt = occurred.UTC()

	if t != nil {
		ev.Fields, problems = t.parseFields(in.Fields, index, problems)
	}
	if t != nil && t.SubjectKind == 0 && len(problems) == start {
		validateLink(&ev, kind, kindOK, add)
	}
	if t != nil && t.Category == CategoryCourtOrder && len(problems) == start {
		for _, p := range t.CheckOrder(ev.OccurredAt, ev.Fields) {
			p.Index = index
			problems = append(problems, p)
		}
	}
	if len(problems) > start {
		return ValidEvent{}, problems
	}
	return ev, problems
}

// parseFields checks raw against the type's field specs.
func (t *EventType) parseFields(raw []RawField, index int, problems []Problem) ([]Field, []Problem) {
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{Index: index, Field: "fields." + field, Reason: fmt.Sprintf(format, args...)})
	}
	var found [MaxFields]int32 // position in raw+1 for each declared field; -1 for an explicit null
	if len(t.Fields) > len(found) {
		panic("candor: event type with more than MaxFields fields") // EventType.Validate refuses them
	}
	for i := range raw {
		r := &raw[i]
		j := -1
		for k := range t.Fields {
			if t.Fields[k].Name == r.Name {
				j = k
				break
			}
		}
		switch {
		case j < 0:
			add(truncate(r.Name), "unknown field for %s", t.Name)
		case found[j] != 0:
			add(r.Name, "given twice")
		case r.Value.Kind == RawNull:
			found[j] = -1 // explicit null: treated as absent
		default:
			found[j] = int32(i + 1)
		}
	}
	fields := make([]Field, 0, len(t.Fields))
	for k := range t.Fields {
		spec := &t.Fields[k]
		if found[k] <= 0 {
			if spec.Required {
				add(spec.Name, "required")
			}
			continue
		}
		v, reason := spec.parse(raw[found[k]-1].Value)
		if reason != "" {
			add(spec.Name, "%s", reason)
			continue
		}
		fields = append(fields, Field{Name: spec.Name, Value: v})
	}
	return fields, problems
}

// parse checks one raw value against the spec and returns the typed value or
// the reason it is refused.
func (f *FieldSpec) parse(r RawValue) (Value, string) {
	v := Value{Type: f.Type}
	s := r.Text
	switch f.Type {
	case FieldInt:
		if r.Kind != RawNumber && r.Kind != RawText {
			return v, "must be a whole number"
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return v, "must be a whole number"
		}
		if reason := f.checkBounds(n, strconv.FormatInt); reason != "" {
			return v, reason
		}
		v.Int = n
	case FieldAmount:
		if r.Kind != RawString && r.Kind != RawNumber && r.Kind != RawText {
			return v, `must be a decimal amount like "120.50"`
		}
		n, ok := ParseAmount(s)
		if !ok {
			return v, `must be a decimal amount with at most four decimals, like "120.50"`
		}
		if reason := f.checkBounds(n, func(n int64, _ int) string { return FormatAmount(n) }); reason != "" {
			return v, reason
		}
		v.Int = n
	case FieldCurrency:
		if (r.Kind != RawString && r.Kind != RawText) || !IsCurrency(s) {
			return v, "must be an ISO 4217 currency code like EUR"
		}
		v.Str = s
	case FieldDate:
		d, err := time.Parse(time.DateOnly, s)
		if (r.Kind != RawString && r.Kind != RawText) || err != nil {
			return v, "must be a date like 2026-03-14"
		}
		v.Int = d.Unix() / 86400
	case FieldEnum:
		if r.Kind != RawString && r.Kind != RawText {
			return v, "must be one of " + strings.Join(f.Values, ", ")
		}
		for _, allowed := range f.Values {
			if s == allowed {
				v.Str = allowed // share the catalogue's string
				return v, ""
			}
		}
		return v, "must be one of " + strings.Join(f.Values, ", ")
	case FieldBool:
		switch {
		case (r.Kind == RawBool || r.Kind == RawText) && s == "true":
			v.Int = 1
		case (r.Kind == RawBool || r.Kind == RawText) && s == "false":
		default:
			return v, "must be true or false"
		}
	case FieldText, FieldReference:
		if r.Kind != RawString && r.Kind != RawText {
			return v, "must be a string"
		}
		if reason := f.checkText(s); reason != "" {
			return v, reason
		}
		v.Str = s
	}
	return v, ""
}

// checkText returns why s is not a valid value of the text or reference
// field f, or "".
func (f *FieldSpec) checkText(s string) string {
	switch {
	case utf8.RuneCountInString(s) > f.MaxLen:
		return fmt.Sprintf("longer than %d characters", f.MaxLen)
	case !printable(s):
		return "must be printable single-line text"
	case !hasWord(s):
		return "must not be blank: give at least one letter or digit"
	}
	return ""
}

// hasWord reports whether s holds a letter or a digit: blank, punctuation
// and invisible characters alone say nothing.
func hasWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// CheckOrder checks the fields of a court order of type t posted as having
// occurred at occurredAt, against charter point 9: every field a court
// order needs (Validate lists them) present with its declared type; text
// printable, within its length and not blank; the restriction one the
// catalogue lists; and the expiry after the day of the order and within
// t's retention, so that no order stands forever or outlives its record.
// For a lifting type only the order reference is needed. It returns a
// Problem (Index 0) for everything wrong; ingest refuses such an order and
// the court register never serves one already stored.
func (t *EventType) CheckOrder(occurredAt time.Time, fields []Field) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: "fields." + field, Reason: fmt.Sprintf(format, args...)})
	}
	want := orderFields
	if t.LiftsOrder {
		want = liftFields
	}
	get := func(name string) (Value, bool) {
		for _, f := range fields {
			if f.Name == name {
				return f.Value, true
			}
		}
		return Value{}, false
	}
	for _, name := range sortedKeys(want) {
		v, ok := get(name)
		spec := t.Field(name)
		switch {
		case spec == nil || spec.Type != want[name]:
			add(name, "the catalogue's %s has no %s field %s, which a court order needs (charter point 9)", t.Name, want[name], name)
		case !ok || v.Type != spec.Type:
			add(name, "required: a court order carries its %s (charter point 9)", strings.ReplaceAll(name, "_", " "))
		case spec.Type == FieldText:
			if reason := spec.checkText(v.Str); reason != "" {
				add(name, "%s", reason)
			}
		case spec.Type == FieldEnum:
			if !slices.Contains(spec.Values, v.Str) {
				add(name, "must be one of %s", strings.Join(spec.Values, ", "))
			}
		}
	}
	if t.LiftsOrder {
		return ps
	}
	if v, ok := get("expires_on"); ok && v.Type == FieldDate {
		ordered := floorDiv(occurredAt.Unix(), 86400)
		latest := floorDiv(occurredAt.Add(t.Retention).Unix(), 86400) - 1 // in force through its expiry day
		switch {
		case v.Int <= ordered:
			add("expires_on", "must be after the day the order was made (%s)", DateFromDays(ordered).Format(time.DateOnly))
		case v.Int > latest:
			add("expires_on", "must be on or before %s: an order cannot outlive the %s retention of %s (charter point 9: no open-ended orders)",
				DateFromDays(latest).Format(time.DateOnly), FormatRetention(t.Retention), t.Name)
		}
	}
	return ps
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (f *FieldSpec) checkBounds(n int64, format func(int64, int) string) string {
	if f.Min != nil && n < *f.Min {
		return "below the minimum of " + format(*f.Min, 10)
	}
	if f.Max != nil && n > *f.Max {
		return "above the maximum of " + format(*f.Max, 10)
	}
	return ""
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	_, at := ForbiddenRune(s, false)
	return at < 0
}

// EventID identifies a stored event within Candor: its commit-ordered
// sequence number, unique across the store.
type EventID uint64

// Event is a stored fact, decrypted.
type Event struct {
	ID            EventID
	Subject       SubjectID
	Source        string
	SourceEventID string
	Type          string
	OccurredAt    time.Time
	RecordedAt    time.Time
	State         EventState // as stored; see EffectiveState
	Fields        []Field
}

// Field returns the value of the field named name, or the zero Value if
// the event has none.
func (e *Event) Field(name string) Value {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return Value{}
}

// ExpiresAt is when the event drops off under type t's retention.
func (e *Event) ExpiresAt(t *EventType) time.Time { return e.OccurredAt.Add(t.Retention) }

// EffectiveState is the event's state at instant now: StateExpired once the
// type's retention has passed, whatever was stored.
func (e *Event) EffectiveState(t *EventType, now time.Time) EventState {
	if t != nil && !now.Before(e.ExpiresAt(t)) {
		return StateExpired
	}
	return e.State
}
