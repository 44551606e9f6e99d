package scoring

import (
	"time"

	"github.com/candor-project/candor"
)

// Value is a characteristic's value for a subject at an instant: the
// number its bins are looked up with, or Missing (months_since_last with
// no event counted, share with no event of its types).
type Value struct {
	ID      string // the characteristic's ID
	V       float64
	Missing bool
}

// Values returns the value of each characteristic of a characteristic
// scorecard for subject at instant at, in the scorecard's order, computed
// as Score computes them. Errors: EINVALID for a rule scorecard (it has
// no characteristics) or an event about another subject.
func (c *Compiled) Values(subject candor.SubjectID, events []*candor.Event, at time.Time) ([]Value, error) {
	if c.chars == nil {
		return nil, candor.Errorf(candor.EINVALID, "scorecard %s is a rule scorecard: only a scorecard of characteristics has values to compute", c.card.ID)
	}
	events, err := c.own(subject, events)
	if err != nil {
		return nil, err
	}
	var vals [candor.MaxCharacteristics]charValue
	c.charEval(c.eventHits(events, nil), at, &vals, nil)
	out := make([]Value, len(c.chars))
	for k := range c.chars {
		out[k] = Value{ID: c.chars[k].ID, V: vals[k].v, Missing: !vals[k].ok}
	}
	return out, nil
}

// PointsOf returns the points c, a characteristic scorecard, gives to
// vals, one value per characteristic in c's order (as Values returns
// them): Base plus the points of each value's bin (Other for a value in
// no bin), clamped to the range. Errors: EINVALID for a rule scorecard or
// values that are not c's characteristics in order.
func (c *Compiled) PointsOf(vals []Value) (int, error) {
	if c.chars == nil {
		return 0, candor.Errorf(candor.EINVALID, "scorecard %s is a rule scorecard: it scores facts, not characteristics' values", c.card.ID)
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
