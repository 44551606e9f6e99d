package scoring

import (
	"errors"
	"time"

	"github.com/candor-project/candor"
)

// Compiled is a scorecard ready to evaluate. It is immutable and safe for
// concurrent use.
type Compiled struct {
	card   *candor.Scorecard
	key    candor.ScorecardKey
	rules  []rule
	byType map[string]*typeRules
	byNo   []*typeRules // by candor.Match.TypeNo - 1; nil for a type not in the catalogue
	// chars and bitChar (the characteristic of each match bit) are set
	// for a scorecard of characteristics, whose rules are match bits.
	chars   []char
	bitChar []int
	// slots is the number of sum and max characteristics, whose field
	// values a match carries (candor.Match.Values).
	slots int
	// material is the smallest change in points a hint reports when the
	// grade does not change: 2% of the range.
	material int
}

type rule struct {
	*candor.Rule
	window time.Duration
	cond   *Condition // nil: every event of the types
	need   *valueNeed // for the bit of a sum or max: the field it needs
}

// typeRules is what evaluation needs to know about one event type.
type typeRules struct {
	t     *candor.EventType
	rules []int // indexes of the rules that use the type
	no    int   // candor.Match.TypeNo: its position in the scorecard's EventTypes, plus one
}

// Scorecard returns the scorecard compiled. It must not be modified.
func (c *Compiled) Scorecard() *candor.Scorecard { return c.card }

func compile(sc *candor.Scorecard, cat *candor.Catalogue, p *parser) (*Compiled, error) {
	ruleID := func(i int) string {
		if i >= 0 && i < len(sc.Rules) {
			return truncate(sc.Rules[i].ID)
		}
		if i >= 0 && i < len(sc.Characteristics) {
			return truncate(sc.Characteristics[i].ID)
		}
		return ""
	}
	for _, pr := range sc.Validate(cat) {
		p.add(p.lineOf(pr.Rule, pr.Field), pr.Rule, ruleID(pr.Rule), pr.Field, "%s", pr.Reason)
	}
	c := &Compiled{card: sc, key: candor.KeyOf(sc.ID, sc.Version), rules: make([]rule, len(sc.Rules)), byType: map[string]*typeRules{},
		material: max(1, (sc.Max-sc.Min)/50)}
	if len(sc.Characteristics) > 0 {
		c.compileChars(sc, cat, p)
	}
	for i := range sc.Rules {
		r := &sc.Rules[i]
		c.rules[i] = rule{Rule: r, window: r.EffectiveWindow(cat)}
		var types []*candor.EventType
		for _, name := range r.EventTypes {
			t := cat.Type(name)
			if t == nil {
				continue // Validate reported it
			}
			types = append(types, t)
			tr := c.byType[name]
			if tr == nil {
				tr = &typeRules{t: t}
				c.byType[name] = tr
			}
			tr.rules = append(tr.rules, i)
		}
		if r.Condition == "" || len(types) < len(r.EventTypes) {
			continue
		}
		cond, err := CompileCondition(r.Condition, types)
		var ce *ConditionError
		switch {
		case errors.As(err, &ce):
			for _, is := range ce.Issues {
				if p.conds == nil { // not from a file
					p.add(0, i, ruleID(i), "condition", "%d:%d: %s", is.Line, is.Column, is.Message)
					continue
				}
				line, col := p.conditionAt(i, is.Line, is.Column)
				p.addPos(line, col, i, ruleID(i), "condition", "%s", is.Message)
			}
		case err != nil:
			p.add(p.lineOf(i, "condition"), i, ruleID(i), "condition", "%v", err)
		}
		c.rules[i].cond = cond
	}
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	names := sc.EventTypes()
	if len(names) > candor.MaxTypeNo {
		return nil, errors.New("scoring: a scorecard version counts more event types than a match can number")
	}
	c.byNo = make([]*typeRules, len(names))
	for i, name := range names {
		if tr := c.byType[name]; tr != nil {
			tr.no, c.byNo[i] = i+1, tr
		}
	}
	return c, nil
}

// typeOf returns what evaluation needs of a stored match's event type,
// named or numbered (candor.Match.TypeNo), or nil if the version does not
// count it.
func (c *Compiled) typeOf(m *candor.Match) *typeRules {
	if m.TypeNo == 0 {
		return c.byType[m.Type]
	}
	if m.TypeNo <= len(c.byNo) {
		return c.byNo[m.TypeNo-1]
	}
	return nil
}

// Resolve gives each of ms that this version counts both its type's name
// and its number (candor.Match.TypeNo), whichever it was stored with, so
// that matches read from a store compare equal to those Matches returns.
func (c *Compiled) Resolve(ms []candor.Match) {
	for i := range ms {
		if tr := c.typeOf(&ms[i]); tr != nil && ms[i].Scorecard == c.key {
			ms[i].Type, ms[i].TypeNo = tr.t.Name, tr.no
		}
	}
}

// Matcher gives new events their matches with a set of scorecard versions,
// the active ones, to be stored with them (candor.Match). It is immutable
// and safe for concurrent use.
type Matcher struct {
	byKind map[candor.SubjectKind][]*Compiled
}

// NewMatcher returns a Matcher for cards.
func NewMatcher(cards []*Compiled) *Matcher {
	m := &Matcher{byKind: map[candor.SubjectKind][]*Compiled{}}
	for _, c := range cards {
		m.byKind[c.card.SubjectKind] = append(m.byKind[c.card.SubjectKind], c)
	}
	return m
}

// Match appends to dst a match of ev with each scorecard for its subject
// kind that has a rule ev matches. The event ID and state are the store's
// to set.
func (m *Matcher) Match(ev *candor.ValidEvent, dst []candor.Match) []candor.Match {
	for _, c := range m.byKind[ev.Kind] {
		tr := c.byType[ev.Type.Name]
		if tr == nil {
			continue
		}
		if rules := c.match(tr, ev.Fields); rules != 0 {
			dst = append(dst, candor.Match{Scorecard: c.key, Type: ev.Type.Name, TypeNo: tr.no, OccurredAt: ev.OccurredAt, Rules: rules,
				Values: c.matchValues(ev.Fields, rules)})
		}
	}
	return dst
}
