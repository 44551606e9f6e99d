package scoring

import (
	"math"
	"time"

	"github.com/candor-project/candor"
)

// Value is a characteristic's value for a subject at an instant: the
// number its bins are looked up with, or Missing (months_since_last or max
// with no event counted, share with no event of its types). For a rule
// scorecard it is a rule's points at the instant (its contribution),
// never missing.
type Value struct {
	ID      string // the characteristic's or rule's ID
	V       float64
	Missing bool
}

// Values returns the value of each characteristic of a characteristic
// scorecard for subject at instant at, in the scorecard's order, computed
// as Score computes them; for a rule scorecard, each rule's points (its
// contribution to Score, 0 when it counts nothing), in the rules' order.
// Either way PointsOf gives back the score. Errors: EINVALID for an event
// about another subject.
func (c *Compiled) Values(subject candor.SubjectID, events []*candor.Event, at time.Time) ([]Value, error) {
	events, err := c.own(subject, events)
	if err != nil {
		return nil, err
	}
	if c.chars == nil {
		var sums [candor.MaxRules]float64
		c.eval(c.eventHits(events, nil), at, noSkip, &sums, nil)
		out := make([]Value, len(c.rules))
		for i := range c.rules {
			out[i] = Value{ID: c.rules[i].ID, V: sums[i]}
		}
		return out, nil
	}
	var vals [candor.MaxCharacteristics]charValue
	c.charEval(c.eventHits(events, nil), at, &vals, nil)
	out := make([]Value, len(c.chars))
	for k := range c.chars {
		out[k] = Value{ID: c.chars[k].ID, V: vals[k].v, Missing: !vals[k].ok}
	}
	return out, nil
}

// PointsOf returns the points c gives to vals, one value per
// characteristic in c's order (as Values returns them): Base plus the
// points of each value's bin (Other for a value in no bin), clamped to the
// range; for a rule scorecard, one value per rule, its points: Base plus
// their sum, clamped. Errors: EINVALID for values that are not c's
// characteristics or rules in order, or a rule's value missing.
func (c *Compiled) PointsOf(vals []Value) (int, error) {
	if c.chars == nil {
		return c.rulePointsOf(vals)
	}
	if len(vals) != len(c.chars) {
		return 0, candor.Errorf(candor.EINVALID, "%d values for the %d characteristics of %s", len(vals), len(c.chars), c.card.ID)
	}
	total := float64(c.card.Base)
	for k := range c.chars {
		ch := &c.chars[k]
		if vals[k].ID != ch.ID {
			return 0, candor.Errorf(candor.EINVALID, "value %d is of %q, not of characteristic %q", k+1, candor.Clip(vals[k].ID, 40), ch.ID)
		}
		p := ch.Other
		for b := range ch.Bins {
			if ch.Bins[b].Contains(vals[k].V, !vals[k].Missing) {
				p = ch.Bins[b].Points
				break
			}
		}
		total += float64(p)
	}
	return c.clamp(total), nil
}

func (c *Compiled) rulePointsOf(vals []Value) (int, error) {
	if len(vals) != len(c.rules) {
		return 0, candor.Errorf(candor.EINVALID, "%d values for the %d rules of %s", len(vals), len(c.rules), c.card.ID)
	}
	total := float64(c.card.Base)
	for i := range c.rules {
		switch {
		case vals[i].ID != c.rules[i].ID:
			return 0, candor.Errorf(candor.EINVALID, "value %d is of %q, not of rule %q", i+1, candor.Clip(vals[i].ID, 40), c.rules[i].ID)
		case vals[i].Missing || math.IsNaN(vals[i].V) || math.IsInf(vals[i].V, 0):
			return 0, candor.Errorf(candor.EINVALID, "rule %s: its points are missing: a rule's points are a number, 0 when it counts nothing", c.rules[i].ID)
		}
		total += vals[i].V
	}
	return c.clamp(total), nil
}
