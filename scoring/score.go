package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/candor-project/candor"
)

// MaxReasons is how many reason codes a score gives.
const MaxReasons = 4

// Points returns the points and grade of the subject whose events these are
// at instant at, without the explanation Score gives; it allocates nothing
// when events are in order of occurrence. The result is that of Score.
func (c *Compiled) Points(subject candor.SubjectID, events []*candor.Event, at time.Time) (int, string, error) {
	events, err := c.own(subject, events)
	if err != nil {
		return 0, "", err
	}
	var sums [candor.MaxRules]float64
	p := c.clamp(c.eval(events, at, noSkip, &sums, nil))
	return p, c.card.Grade(p), nil
}

// Score returns the subject's score at instant at, explained. events are the
// subject's events as the store holds them, in any order; an event counts
// only if it occurred at or before at and its effective state at at is
// active (disputed, corrected, removed and expired events never count). The
// result depends on nothing else: not the clock, not other subjects. An
// event about another subject is an EINVALID error (charter point 3).
func (c *Compiled) Score(subject candor.SubjectID, events []*candor.Event, at time.Time) (candor.Score, error) {
	events, err := c.own(subject, events)
	if err != nil {
		return candor.Score{}, err
	}
	sc := c.card
	s := candor.Score{Scorecard: sc.ID, Version: sc.Version, Subject: subject, At: at}
	var sums [candor.MaxRules]float64
	rec := &recorder{counted: make([][]counted, len(c.rules))}
	s.Total = c.eval(events, at, noSkip, &sums, rec)
	s.Points = c.clamp(s.Total)
	s.Grade = sc.Grade(s.Points)
	s.Benefits = sc.BenefitsAt(s.Grade)

	var negative []int
	for i, evs := range rec.counted {
		if len(evs) == 0 {
			continue
		}
		slices.Reverse(evs) // recorded newest first
		ct := candor.Contribution{Rule: c.rules[i].ID, Group: c.rules[i].Group, Points: sums[i]}
		for _, e := range evs {
			ct.Events = append(ct.Events, e.CountedEvent)
		}
		s.Contributions = append(s.Contributions, ct)
		if sums[i] < 0 {
			negative = append(negative, i)
		}
	}
	slices.SortStableFunc(negative, func(a, b int) int { return cmp.Compare(sums[a], sums[b]) })
	if len(negative) > MaxReasons {
		negative = negative[:MaxReasons]
	}
	for _, i := range negative {
		r := c.rules[i]
		s.Reasons = append(s.Reasons, candor.Reason{Code: r.ReasonCode, Text: r.ReasonText, Rule: r.ID, Points: sums[i]})
	}
	for _, i := range negative {
		s.Hints = append(s.Hints, c.hints(events, at, s, i, rec.counted[i])...)
	}
	return s, nil
}

// own checks that every event is the subject's and returns them in order of
// occurrence, sorting a copy if they are not.
func (c *Compiled) own(subject candor.SubjectID, events []*candor.Event) ([]*candor.Event, error) {
	sorted := true
	for i, e := range events {
		if e.Subject != subject {
			return nil, candor.Errorf(candor.EINVALID, "event %d is about another subject: a score uses only the subject's own facts", e.ID)
		}
		if i > 0 && e.OccurredAt.Before(events[i-1].OccurredAt) {
			sorted = false
		}
	}
	if sorted {
		return events, nil
	}
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b *candor.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return events, nil
}

func (c *Compiled) clamp(total float64) int {
	return int(min(max(math.Round(total), float64(c.card.Min)), float64(c.card.Max)))
}

// skip leaves a rule (index, or -1) or one event out of an evaluation: the
// counterfactuals.
type skip struct {
	rule  int
	event *candor.Event
}

var noSkip = skip{rule: -1}

type counted struct {
	candor.CountedEvent
	event *candor.Event
}

// recorder collects, per rule, the events counted, newest first.
type recorder struct {
	counted [][]counted
}

func (rec *recorder) add(rule int, e *candor.Event, pts float64) {
	rec.counted[rule] = append(rec.counted[rule], counted{
		CountedEvent: candor.CountedEvent{ID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt, Points: pts}, event: e})
}

// eval returns Base plus every rule's total, filling sums with the rule
// totals and rec, if not nil, with the events counted. events are in order
// of occurrence; they are walked newest first, so that at_most N keeps the N
// most recent and first ends on the earliest.
func (c *Compiled) eval(events []*candor.Event, at time.Time, sk skip, sums *[candor.MaxRules]float64, rec *recorder) float64 {
	var n [candor.MaxRules]int32
	var first [candor.MaxRules]*candor.Event
	var firstPts [candor.MaxRules]float64
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e == sk.event || e.OccurredAt.After(at) {
			continue
		}
		tr := c.byType[e.Type]
		if tr == nil || e.State != candor.StateActive {
			continue
		}
		age := at.Sub(e.OccurredAt)
		if age >= tr.t.Retention { // e.EffectiveState(tr.t, at) == StateExpired, without a second time sum
			continue
		}
		for _, ri := range tr.rules {
			r := &c.rules[ri]
			if ri == sk.rule || age >= r.window || r.Counting == candor.CountAtMost && int(n[ri]) >= r.AtMost {
				continue
			}
			if r.cond != nil && !r.cond.Match(e.Fields) {
				continue
			}
			pts := r.Points * r.Decay.Weight(age, r.window, r.HalfLife)
			n[ri]++
			if r.Counting == candor.CountFirst {
				first[ri], firstPts[ri] = e, pts
				continue
			}
			sums[ri] += pts
			if rec != nil {
				rec.add(ri, e, pts)
			}
		}
	}
	total := float64(c.card.Base)
	for ri := range c.rules {
		r := &c.rules[ri]
		if first[ri] != nil {
			sums[ri] = firstPts[ri]
			if rec != nil {
				rec.add(ri, first[ri], firstPts[ri])
			}
		}
		if r.Cap > 0 && math.Abs(sums[ri]) > r.Cap {
			scale := r.Cap / math.Abs(sums[ri])
			sums[ri] *= scale
			if rec != nil {
				for k := range rec.counted[ri] {
					rec.counted[ri][k].Points *= scale
				}
			}
		}
		total += sums[ri]
	}
	return total
}

// hints scores again without the most negative event rule i counted, and
// without all of them, and reports either that changes the grade or the
// points materially.
func (c *Compiled) hints(events []*candor.Event, at time.Time, s candor.Score, i int, evs []counted) []candor.Hint {
	r := &c.rules[i]
	worst := slices.MinFunc(evs, func(a, b counted) int { return cmp.Compare(a.Points, b.Points) })
	var out []candor.Hint
	try := func(sk skip, ids []candor.EventID, what, counts string, until time.Time) {
		var sums [candor.MaxRules]float64
		p := c.clamp(c.eval(events, at, sk, &sums, nil))
		g := c.card.Grade(p)
		if g == s.Grade && abs(p-s.Points) < c.material {
			return
		}
		text := fmt.Sprintf("Without %s (%s), your score would be %d instead of %d (grade %s either way)", what, r.ReasonText, p, s.Points, g)
		if g != s.Grade {
			text = fmt.Sprintf("Without %s (%s), your grade would be %s instead of %s (%d points instead of %d)", what, r.ReasonText, g, s.Grade, p, s.Points)
		}
		text += fmt.Sprintf("; %s until %s", counts, until.Add(r.window).Format(time.DateOnly))
		out = append(out, candor.Hint{Rule: r.ID, Events: ids, Points: p, Grade: g, Text: text})
	}
	try(skip{rule: -1, event: worst.event}, []candor.EventID{worst.ID},
		fmt.Sprintf("the %s of %s", worst.Type, worst.OccurredAt.Format(time.DateOnly)), "it counts", worst.OccurredAt)
	if len(evs) > 1 {
		ids := make([]candor.EventID, len(evs))
		last := evs[0].OccurredAt
		for k, e := range evs {
			ids[k] = e.ID
			if e.OccurredAt.After(last) {
				last = e.OccurredAt
			}
		}
		try(skip{rule: i}, ids, fmt.Sprintf("all %d events of rule %s", len(evs), r.ID), "the last of them counts", last)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
