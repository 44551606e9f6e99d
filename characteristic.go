package candor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Characteristic is an aggregate of a subject's own facts over a window,
// cut into bins with points: what a fitted scorecard is made of. A
// scorecard has rules or characteristics, never both; its score is then
//
//	Points = clamp(Base + Σ the points of the subject's bin in each characteristic, Min, Max)
//
// The facts counted are the subject's active events of EventTypes for
// which Condition (a CEL expression over their fields, as for a rule)
// holds, whose age at the scoring instant is below Window. The same
// charter guards apply as to rules: the types' categories serve the
// scorecard's purpose, they are about its kind of subject, the window
// does not reach past their retention, and the condition reads only
// scorable fields.
type Characteristic struct {
	ID          string // lower-case word, unique in the scorecard
	Description string
	EventTypes  []string
	Condition   string // optional, except for AggregateShare
	Aggregate   Aggregate
	// Field is the numeric field (int or amount) that AggregateSum and
	// AggregateMax aggregate; each of EventTypes declares it, with one
	// type. An event that does not carry it (an optional field left out)
	// is not counted. Only for sum and max.
	Field string
	// Currency, for a sum or max of an amount field, is the currency whose
	// amounts it aggregates (amounts in different currencies do not add
	// up): an event in another currency is not counted. Required for an
	// amount field, refused otherwise.
	Currency   string
	Window     time.Duration // zero: the shortest retention of the types
	Bins       []Bin
	Other      int // points of a value in no bin
	ReasonCode string
	ReasonText string
	// Action, if set, says what a person can do about what the
	// characteristic counts, instead of its event types' actions.
	Action string
	// Undefined, when not empty, says why the characteristic is not an
	// aggregate of catalogue facts (a fitted column nobody defined).
	// Validate refuses such a characteristic, quoting it.
	Undefined string
}

// Aggregate is how a characteristic's counted events become a number.
type Aggregate uint8

const (
	// AggregateCount is the number of events counted; never missing.
	AggregateCount Aggregate = iota + 1
	// AggregateMonthsSinceLast is the whole months (of 30 days) since the
	// latest event counted; missing when there is none.
	AggregateMonthsSinceLast
	// AggregateShare is the share, from 0 to 1, of the events of the types
	// in the window for which the condition holds; missing when there are
	// none.
	AggregateShare
	// AggregateSum is the sum of Field over the events counted (an amount
	// in currency units); 0 when there are none, never missing.
	AggregateSum
	// AggregateMax is the largest value of Field among the events counted;
	// missing when there are none.
	AggregateMax
	numAggregates
)

var aggregateNames = [numAggregates]string{AggregateCount: "count", AggregateMonthsSinceLast: "months_since_last", AggregateShare: "share",
	AggregateSum: "sum", AggregateMax: "max"}

// Valued reports whether a aggregates the values of a field (sum, max)
// rather than counting events.
func (a Aggregate) Valued() bool { return a == AggregateSum || a == AggregateMax }

func (a Aggregate) String() string {
	if a == 0 || a >= numAggregates {
		return "unknown"
	}
	return aggregateNames[a]
}

// ParseAggregate parses count, months_since_last, share, sum or max.
func ParseAggregate(s string) (Aggregate, error) {
	for a := AggregateCount; a < numAggregates; a++ {
		if aggregateNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("aggregate %q: want count, months_since_last, share, sum or max", truncate(s))
}

// Bin is a range of a characteristic's value, From ≤ v < Below (either
// bound may be absent), or, when Missing, the absence of a value.
type Bin struct {
	From, Below *float64
	Missing     bool
	// Values are categories: fitted from a categorical column, they can
	// never bin an aggregate, which is a number; Validate refuses them.
	Values []string
	Points int
}

// Contains reports whether v (ok false: missing) falls in b.
func (b *Bin) Contains(v float64, ok bool) bool {
	if b.Missing || !ok {
		return b.Missing && !ok
	}
	return (b.From == nil || v >= *b.From) && (b.Below == nil || v < *b.Below)
}

// String describes b for an explanation, e.g. "from 2 to below 5".
func (b Bin) String() string {
	f := func(p *float64) string { return strconv.FormatFloat(*p, 'g', -1, 64) }
	switch {
	case b.Missing:
		return "none in the window"
	case b.From != nil && b.Below != nil:
		return "from " + f(b.From) + " to below " + f(b.Below)
	case b.From != nil:
		return f(b.From) + " or more"
	case b.Below != nil:
		return "below " + f(b.Below)
	}
	return "any value"
}

// Limits of a characteristic scorecard.
const (
	MaxCharacteristics = 32 // characteristics per scorecard
	MaxBins            = 32 // bins per characteristic
)

// EffectiveWindow is c's window, or when it has none, the shortest
// retention of its types in cat.
func (c *Characteristic) EffectiveWindow(cat *Catalogue) time.Duration {
	r := Rule{EventTypes: c.EventTypes, Window: c.Window}
	return r.EffectiveWindow(cat)
}

func (s *Scorecard) validateCharacteristics(cat *Catalogue, rangeOK bool, add func(int, string, string, ...any)) {
	if len(s.Rules) > 0 {
		add(-1, "characteristics", "a scorecard has rules or characteristics, not both")
	}
	if len(s.Characteristics) > MaxCharacteristics {
		add(-1, "characteristics", "at most %d characteristics, not %d", MaxCharacteristics, len(s.Characteristics))
	}
	ids, codes := map[string]int{}, map[string]int{}
	for i := range s.Characteristics {
		c := &s.Characteristics[i]
		if j, dup := ids[c.ID]; dup && c.ID != "" {
			add(i, "id", "characteristic %s is already defined (characteristic %d)", c.ID, j+1)
		}
		ids[c.ID] = i
		if j, dup := codes[c.ReasonCode]; dup && c.ReasonCode != "" {
			add(i, "reason_code", "%s is already the reason code of characteristic %s", c.ReasonCode, s.Characteristics[j].ID)
		}
		codes[c.ReasonCode] = i
		if c.Undefined != "" {
			add(i, "undefined", "%s: a characteristic must be an aggregate of the subject's own facts from the catalogue (give types and aggregate; charter points 1-3)", c.Undefined)
			continue
		}
		s.validateCharacteristic(i, c, cat, rangeOK, add)
	}
}

func (s *Scorecard) validateCharacteristic(i int, c *Characteristic, cat *Catalogue, rangeOK bool, add func(int, string, string, ...any)) {
	// The guards of a rule (id, texts, types, purpose, kind, window) hold
	// unchanged: check c as the rule that counts its events.
	r := Rule{ID: c.ID, Description: c.Description, EventTypes: c.EventTypes, Window: c.Window, Points: 1,
		Decay: DecayNone, Counting: CountEvery, ReasonCode: c.ReasonCode, ReasonText: c.ReasonText, Action: c.Action}
	s.validateRule(i, &r, cat, false, add)
	switch {
	case c.Aggregate == 0 || c.Aggregate >= numAggregates:
		add(i, "aggregate", "must be count, months_since_last, share, sum or max")
	case c.Aggregate == AggregateShare && strings.TrimSpace(c.Condition) == "":
		add(i, "condition", "share needs a condition: the share of the events for which it holds")
	}
	c.validateField(i, cat, add)
	switch {
	case len(c.Bins) == 0:
		add(i, "bins", "at least one bin")
	case len(c.Bins) > MaxBins:
		add(i, "bins", "at most %d bins, not %d", MaxBins, len(c.Bins))
	}
	width := float64(s.Max - s.Min)
	points := func(field string, k, p int) {
		if rangeOK && math.Abs(float64(p)) > width {
			add(i, field, "bin %d: points %d are more than the whole range (%d)", k, p, s.Max-s.Min)
		}
	}
	missing := 0
	for k := range c.Bins {
		b := &c.Bins[k]
		points("bins", k+1, b.Points)
		switch {
		case len(b.Values) > 0:
			add(i, "bins", "bin %d: values %s are categories, but %s is a number: a categorical column cannot be a characteristic", k+1, truncate(strings.Join(b.Values, ", ")), c.Aggregate)
		case b.Missing && (b.From != nil || b.Below != nil):
			add(i, "bins", "bin %d: a missing bin has no from or below", k+1)
		case b.Missing:
			if missing++; missing == 2 {
				add(i, "bins", "bin %d: a second missing bin", k+1)
			}
			if c.Aggregate == AggregateCount || c.Aggregate == AggregateSum {
				add(i, "bins", "bin %d: a %s is never missing", k+1, c.Aggregate)
			}
		case b.From != nil && b.Below != nil && !(*b.From < *b.Below):
			add(i, "bins", "bin %d: from %g must be below %g", k+1, *b.From, *b.Below)
		default:
			for j := range k {
				if o := &c.Bins[j]; !o.Missing && len(o.Values) == 0 && overlap(b, o) {
					add(i, "bins", "bin %d overlaps bin %d: a value must fall in one bin", k+1, j+1)
				}
			}
		}
	}
	if rangeOK && math.Abs(float64(c.Other)) > width {
		add(i, "other", "points %d are more than the whole range (%d)", c.Other, s.Max-s.Min)
	}
}

func overlap(a, b *Bin) bool {
	lo := func(p *float64) float64 {
		if p == nil {
			return math.Inf(-1)
		}
		return *p
	}
	hi := func(p *float64) float64 {
		if p == nil {
			return math.Inf(1)
		}
		return *p
	}
	return lo(a.From) < hi(b.Below) && lo(b.From) < hi(a.Below)
}

// ValueField returns the type of the field c aggregates and, for an
// amount, the name of the currency field beside it in each of c's types
// (the same in all, or Validate refuses c); ok is false when c aggregates
// no field or its types do not all declare it as int or amount.
func (c *Characteristic) ValueField(cat *Catalogue) (typ FieldType, currencyField string, ok bool) {
	if !c.Aggregate.Valued() || c.Field == "" || len(c.EventTypes) == 0 {
		return 0, "", false
	}
	for k, name := range c.EventTypes {
		t := cat.Type(name)
		if t == nil {
			return 0, "", false
		}
		f := t.Field(c.Field)
		if f == nil || f.Type != FieldInt && f.Type != FieldAmount || k > 0 && f.Type != typ {
			return 0, "", false
		}
		typ = f.Type
		if typ == FieldAmount {
			cf := currencyOf(t)
			if cf == "" || k > 0 && cf != currencyField {
				return 0, "", false
			}
			currencyField = cf
		}
	}
	return typ, currencyField, true
}

// currencyOf returns the name of t's currency field, or "".
func currencyOf(t *EventType) string {
	for _, f := range t.Fields {
		if f.Type == FieldCurrency {
			return f.Name
		}
	}
	return ""
}

// validateField checks the field and currency of a sum or max: a number
// every type declares with one type, and for an amount, a currency.
func (c *Characteristic) validateField(i int, cat *Catalogue, add func(int, string, string, ...any)) {
	if !c.Aggregate.Valued() {
		if c.Field != "" {
			add(i, "field", "only a sum or max aggregates a field; %s counts events", c.Aggregate)
		}
		if c.Currency != "" {
			add(i, "currency", "only a sum or max of an amount has a currency")
		}
		return
	}
	if c.Field == "" {
		add(i, "field", "%s needs the numeric field it aggregates", c.Aggregate)
		return
	}
	var first *FieldSpec
	var firstType *EventType
	for _, name := range c.EventTypes {
		t := cat.Type(name)
		if t == nil {
			continue // validateRule names it
		}
		f := t.Field(c.Field)
		switch {
		case f == nil:
			add(i, "field", "%s has no field %s", name, truncate(c.Field))
		case f.Type != FieldInt && f.Type != FieldAmount:
			add(i, "field", "%s of %s is a %s field: a %s aggregates an int or amount field", truncate(c.Field), name, f.Type, c.Aggregate)
		case first != nil && f.Type != first.Type:
			add(i, "field", "%s is %s in %s but %s in another of its types", truncate(c.Field), f.Type, name, first.Type)
		case f.Type == FieldAmount && first != nil && currencyOf(t) != currencyOf(firstType):
			add(i, "field", "the currency of %s is a field of another name in %s than in its other types", truncate(c.Field), name)
		default:
			if first == nil {
				first, firstType = f, t
			}
		}
	}
	switch {
	case first == nil:
	case first.Type == FieldAmount && !IsCurrency(c.Currency):
		add(i, "currency", "%s is an amount: give the currency (ISO 4217, e.g. EUR) whose amounts the %s aggregates, not %q", truncate(c.Field), c.Aggregate, truncate(c.Currency))
	case first.Type != FieldAmount && c.Currency != "":
		add(i, "currency", "%s is not an amount: a currency is only for an amount", truncate(c.Field))
	}
}
