package scoring

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// char is a compiled characteristic. Its events are matched as those of
// rules are: bit is the match bit of the events it counts (the types and
// the condition); for a share, den is the bit of every event of the types
// (the denominator), otherwise -1.
type char struct {
	*candor.Characteristic
	window time.Duration
	bit    int
	den    int
	best   int // the points of its best bin
	// slot is the index of a sum or max in candor.Match.Values (-1 for
	// the other aggregates), and units how many of the field's Value.Int
	// make one (1, or AmountScale for an amount: dividing rounds once,
	// so an amount of 683.42 is the double nearest 683.42).
	slot  int
	units float64
}

// valueNeed is what an event must carry to count in a sum or max: the
// field, and for an amount, the characteristic's currency.
type valueNeed struct {
	field, currencyField, currency string
}

func (n *valueNeed) met(fields []candor.Field) bool {
	has, cur := false, n.currencyField == ""
	for i := range fields {
		switch f := &fields[i]; f.Name {
		case n.field:
			has = true
		case n.currencyField:
			cur = cur || f.Value.Str == n.currency
		}
	}
	return has && cur
}

// matchValues returns what a match with rules carries for c's sums and
// maxima: the field each aggregates, for those whose bit is in rules,
// 0 for the others; nil when c has none.
func (c *Compiled) matchValues(fields []candor.Field, rules uint64) []int64 {
	if c.slots == 0 {
		return nil
	}
	vals := make([]int64, c.slots)
	for k := range c.chars {
		if ch := &c.chars[k]; ch.slot >= 0 && rules&(1<<ch.bit) != 0 {
			vals[ch.slot] = fieldInt(fields, ch.Field)
		}
	}
	return vals
}

func fieldInt(fields []candor.Field, name string) int64 {
	for i := range fields {
		if fields[i].Name == name {
			return fields[i].Value.Int
		}
	}
	return 0
}

// value is what hit h adds to sum or max ch.
func (h *hit) value(ch *char) int64 {
	if h.vals != nil {
		return h.vals[ch.slot]
	}
	return fieldInt(h.fields, ch.Field)
}

// month is the month of months_since_last, as in candor.ParseRetention.
const month = 30 * 24 * time.Hour

// compileChars compiles a scorecard of characteristics, sc, already
// validated: each characteristic becomes one or two match bits, kept as
// rules so that matching and materialisation work as for rule scorecards.
func (c *Compiled) compileChars(sc *candor.Scorecard, cat *candor.Catalogue, p *parser) {
	c.chars = make([]char, len(sc.Characteristics))
	for i := range sc.Characteristics {
		ch := &sc.Characteristics[i]
		w := ch.EffectiveWindow(cat)
		cc := char{Characteristic: ch, window: w, den: -1, best: math.MinInt, slot: -1, units: 1}
		var need *valueNeed
		if typ, curField, ok := ch.ValueField(cat); ok {
			cc.slot = c.slots
			c.slots++
			need = &valueNeed{field: ch.Field, currencyField: curField, currency: ch.Currency}
			if typ == candor.FieldAmount {
				cc.units = candor.AmountScale
			}
		}
		for _, b := range ch.Bins {
			cc.best = max(cc.best, b.Points)
		}
		var types []*candor.EventType
		for _, name := range ch.EventTypes {
			if t := cat.Type(name); t != nil {
				types = append(types, t)
			}
		}
		add := func(cond string) int {
			ri := len(c.rules)
			c.rules = append(c.rules, rule{Rule: &candor.Rule{ID: ch.ID, EventTypes: ch.EventTypes, Condition: cond}, window: w})
			c.bitChar = append(c.bitChar, i)
			for _, t := range types {
				tr := c.byType[t.Name]
				if tr == nil {
					tr = &typeRules{t: t}
					c.byType[t.Name] = tr
				}
				tr.rules = append(tr.rules, ri)
			}
			return ri
		}
		if ch.Aggregate == candor.AggregateShare {
			cc.den = add("")
		}
		cc.bit = add(ch.Condition)
		c.rules[cc.bit].need = need
		c.chars[i] = cc
		if ch.Condition == "" || len(types) < len(ch.EventTypes) {
			continue
		}
		cond, err := CompileCondition(ch.Condition, types)
		var ce *ConditionError
		switch {
		case errors.As(err, &ce):
			for _, is := range ce.Issues {
				if p.conds == nil {
					p.add(0, i, truncate(ch.ID), "condition", "%d:%d: %s", is.Line, is.Column, is.Message)
					continue
				}
				line, col := p.conditionAt(i, is.Line, is.Column)
				p.addPos(line, col, i, truncate(ch.ID), "condition", "%s", is.Message)
			}
		case err != nil:
			p.add(p.lineOf(i, "condition"), i, truncate(ch.ID), "condition", "%v", err)
		}
		c.rules[cc.bit].cond = cond
	}
}

// charValue is a characteristic's value for a subject and the bin it
// falls in (-1: none, the characteristic's Other points).
type charValue struct {
	v      float64
	ok     bool // false: missing
	bin    int
	points int
}

// charEval returns Base plus the points of the subject's bin in each
// characteristic, filling vals, and events, if not nil, with the hits
// behind each characteristic (for a share, all events of its types).
func (c *Compiled) charEval(hits []hit, at time.Time, vals *[candor.MaxCharacteristics]charValue, events [][]int) float64 {
	var n, d [candor.MaxCharacteristics]int32
	var acc [candor.MaxCharacteristics]int64 // sum or max of the field's Value.Int
	var last [candor.MaxCharacteristics]time.Time
	for i := range hits {
		h := &hits[i]
		if h.state != candor.StateActive || h.at.After(at) {
			continue
		}
		age := at.Sub(h.at)
		if age >= h.tr.t.Retention {
			continue
		}
		for _, ri := range h.tr.rules {
			if h.rules&(1<<ri) == 0 {
				continue
			}
			k := c.bitChar[ri]
			ch := &c.chars[k]
			if age >= ch.window {
				continue
			}
			if ri == ch.den {
				d[k]++
			} else {
				if ch.slot >= 0 {
					v := h.value(ch)
					switch {
					case ch.Aggregate == candor.AggregateSum:
						acc[k] += v
					case n[k] == 0 || v > acc[k]:
						acc[k] = v
					}
				}
				n[k]++
				last[k] = h.at // hits are in order of occurrence
			}
			if events != nil && (ri == ch.den || ch.den < 0) {
				events[k] = append(events[k], i)
			}
		}
	}
	total := float64(c.card.Base)
	for k := range c.chars {
		ch := &c.chars[k]
		cv := charValue{ok: true, bin: -1, points: ch.Other}
		switch ch.Aggregate {
		case candor.AggregateCount:
			cv.v = float64(n[k])
		case candor.AggregateMonthsSinceLast:
			cv.ok = n[k] > 0
			if cv.ok {
				cv.v = float64(at.Sub(last[k]) / month)
			}
		case candor.AggregateShare:
			cv.ok = d[k] > 0
			if cv.ok {
				cv.v = float64(n[k]) / float64(d[k])
			}
		case candor.AggregateSum:
			cv.v = float64(acc[k]) / ch.units
		case candor.AggregateMax:
			cv.ok = n[k] > 0
			cv.v = float64(acc[k]) / ch.units
		}
		for b := range ch.Bins {
			if ch.Bins[b].Contains(cv.v, cv.ok) {
				cv.bin, cv.points = b, ch.Bins[b].Points
				break
			}
		}
		vals[k] = cv
		total += float64(cv.points)
	}
	return total
}

// charCosts returns the characteristics whose bin gives fewer points than
// their best bin, costliest first (ties in order), at most MaxReasons.
func (c *Compiled) charCosts(vals *[candor.MaxCharacteristics]charValue) []int {
	var out []int
	for k := range c.chars {
		if vals[k].points < c.chars[k].best {
			out = append(out, k)
		}
	}
	cost := func(k int) int { return c.chars[k].best - vals[k].points }
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Compare(cost(b), cost(a)) })
	if len(out) > MaxReasons {
		out = out[:MaxReasons]
	}
	return out
}

func (c *Compiled) charReason(k int, vals *[candor.MaxCharacteristics]charValue) candor.Reason {
	ch := &c.chars[k]
	return candor.Reason{Code: ch.ReasonCode, Text: ch.ReasonText, Rule: ch.ID, Points: float64(vals[k].points - ch.best)}
}

func (c *Compiled) charVerdict(s *candor.Score, hits []hit) {
	var vals [candor.MaxCharacteristics]charValue
	s.Total = c.charEval(hits, s.At, &vals, nil)
	s.Points = c.clamp(s.Total)
	s.Grade = c.card.Grade(s.Points)
	s.Benefits = c.card.BenefitsAt(s.Grade)
	for _, k := range c.charCosts(&vals) {
		s.Reasons = append(s.Reasons, c.charReason(k, &vals))
	}
}

// charScore explains a characteristic score: a contribution per
// characteristic (its bin's points, and the events behind its value, which
// carry no points of their own), the costliest characteristics as reasons,
// and for each the bin that would change the grade.
func (c *Compiled) charScore(s *candor.Score, hits []hit) {
	var vals [candor.MaxCharacteristics]charValue
	events := make([][]int, len(c.chars))
	s.Total = c.charEval(hits, s.At, &vals, events)
	s.Points = c.clamp(s.Total)
	s.Grade = c.card.Grade(s.Points)
	s.Benefits = c.card.BenefitsAt(s.Grade)
	ids := make([][]candor.EventID, len(c.chars))
	for k := range c.chars {
		ct := candor.Contribution{Rule: c.chars[k].ID, Points: float64(vals[k].points)}
		for _, i := range events[k] {
			h := &hits[i]
			ct.Events = append(ct.Events, candor.CountedEvent{ID: h.id, Type: h.tr.t.Name, OccurredAt: h.at})
			ids[k] = append(ids[k], h.id)
		}
		s.Contributions = append(s.Contributions, ct)
	}
	costly := c.charCosts(&vals)
	for _, k := range costly {
		s.Reasons = append(s.Reasons, c.charReason(k, &vals))
	}
	for _, k := range costly {
		if h, ok := c.charHint(s, k, &vals, ids[k]); ok {
			s.Hints = append(s.Hints, h)
		}
	}
}

// charHint tries characteristic k's better bins, fewest points first, and
// returns the first that changes the grade, or else the best if it changes
// the points materially.
func (c *Compiled) charHint(s *candor.Score, k int, vals *[candor.MaxCharacteristics]charValue, ids []candor.EventID) (candor.Hint, bool) {
	ch := &c.chars[k]
	cur := vals[k]
	var better []int
	for b := range ch.Bins {
		if ch.Bins[b].Points > cur.points {
			better = append(better, b)
		}
	}
	slices.SortStableFunc(better, func(a, b int) int { return cmp.Compare(ch.Bins[a].Points, ch.Bins[b].Points) })
	pick, p, g := -1, 0, ""
	for _, b := range better {
		pick = b
		p = c.clamp(s.Total - float64(cur.points) + float64(ch.Bins[b].Points))
		if g = c.card.Grade(p); g != s.Grade {
			break
		}
	}
	if pick < 0 || g == s.Grade && abs(p-s.Points) < c.material {
		return candor.Hint{}, false
	}
	now := "none in the window"
	if cur.ok {
		now = strconv.FormatFloat(cur.v, 'g', 4, 64)
	}
	what := fmt.Sprintf("%s (%s in the last %s)", ch.ReasonText, aggregateWords(ch.Characteristic), periodWords(ch.window))
	text := fmt.Sprintf("If %s were %s instead of %s, your score would be %d instead of %d (grade %s either way)",
		what, ch.Bins[pick].String(), now, p, s.Points, g)
	if g != s.Grade {
		text = fmt.Sprintf("If %s were %s instead of %s, your grade would be %s instead of %s (%d points instead of %d)",
			what, ch.Bins[pick].String(), now, g, s.Grade, p, s.Points)
	}
	return candor.Hint{Rule: ch.ID, Events: ids, Points: p, Grade: g, Text: text}, true
}

// aggregateWords says what a characteristic's aggregate measures, for a
// person.
func aggregateWords(ch *candor.Characteristic) string {
	field := strings.ReplaceAll(ch.Field, "_", " ")
	if ch.Currency != "" {
		field += " in " + ch.Currency
	}
	switch ch.Aggregate {
	case candor.AggregateCount:
		return "how many"
	case candor.AggregateMonthsSinceLast:
		return "months since the last one"
	case candor.AggregateShare:
		return "the share"
	case candor.AggregateSum:
		return "the total " + field
	case candor.AggregateMax:
		return "the largest " + field
	}
	return ch.Aggregate.String()
}

// periodWords writes a window as a person reads it: "2 years", "18 months",
// "90 days".
func periodWords(d time.Duration) string {
	const day = 24 * time.Hour
	n, unit := int64(d/day), "day"
	switch {
	case d%(365*day) == 0:
		n, unit = int64(d/(365*day)), "year"
	case d%(30*day) == 0:
		n, unit = int64(d/(30*day)), "month"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// CouldRaise reports whether the event behind m could add points: for a
// rule scorecard, whether a rule it meets gives positive points; for a
// scorecard of characteristics, whether it counts in any characteristic
// (taking a fact away can move a value into a better bin either way).
func (c *Compiled) CouldRaise(m candor.Match) bool {
	if c.chars != nil {
		return m.Rules != 0
	}
	for i, r := range c.card.Rules {
		if m.Rules&(1<<i) != 0 && r.Points > 0 {
			return true
		}
	}
	return false
}
