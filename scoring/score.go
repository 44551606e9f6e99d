package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// MaxReasons is how many reason codes a score gives.
const MaxReasons = 4

// Points returns the points and grade of the subject whose events these are
// at instant at, without the explanation Score gives; it allocates nothing
// when events are in order of occurrence (beyond 64 of them, it borrows a
// pooled buffer). The result is that of Score.
func (c *Compiled) Points(subject candor.SubjectID, events []*candor.Event, at time.Time) (int, string, error) {
	events, err := c.own(subject, events)
	if err != nil {
		return 0, "", err
	}
	var buf [64]hit
	hs := buf[:0]
	if len(events) > len(buf) { // (a long history: a pooled buffer rather than a new one each time)
		p := getHits(len(events))
		defer hitBufs.Put(p)
		hs = *p
	}
	p := c.points(c.eventHits(events, hs), at)
	return p, c.card.Grade(p), nil
}

// PointsFromMatches is Points from the subject's stored matches with this
// scorecard version, in order of occurrence, instead of its events: what
// the store materialised on ingest. Matches of other scorecards are
// ignored. The result is that of Points over the events matched.
func (c *Compiled) PointsFromMatches(ms []candor.Match, at time.Time) (int, string) {
	var buf [64]hit
	hs := buf[:0]
	if len(ms) > len(buf) {
		p := getHits(len(ms))
		defer hitBufs.Put(p)
		hs = *p
	}
	p := c.points(c.matchHits(ms, hs), at)
	return p, c.card.Grade(p)
}

func (c *Compiled) points(hits []hit, at time.Time) int {
	if c.chars != nil {
		var vals [candor.MaxCharacteristics]charValue
		return c.clamp(c.charEval(hits, at, &vals, nil))
	}
	var sums [candor.MaxRules]float64
	return c.clamp(c.eval(hits, at, noSkip, &sums, nil))
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
	return c.score(subject, c.eventHits(events, nil), at), nil
}

// ScoreFromMatches is Score from the subject's stored matches with this
// scorecard version, in order of occurrence: the same score and explanation
// without opening the events.
func (c *Compiled) ScoreFromMatches(subject candor.SubjectID, ms []candor.Match, at time.Time) candor.Score {
	return c.score(subject, c.matchHits(ms, nil), at)
}

// VerdictFromMatches is ScoreFromMatches without the explanation: the
// same total, points, grade, benefits and reasons, and no contributions
// or hints. It is what a decision needs, at a fraction of the cost.
func (c *Compiled) VerdictFromMatches(subject candor.SubjectID, ms []candor.Match, at time.Time) candor.Score {
	sc := c.card
	s := candor.Score{Scorecard: sc.ID, Version: sc.Version, Subject: subject, At: at}
	var buf [64]hit
	hs := buf[:0]
	if len(ms) > len(buf) { // (a long history: a pooled buffer rather than a new one each time)
		p := getHits(len(ms))
		defer hitBufs.Put(p)
		hs = *p
	}
	if c.chars != nil {
		c.charVerdict(&s, c.matchHits(ms, hs))
		return s
	}
	var sums [candor.MaxRules]float64
	s.Total = c.eval(c.matchHits(ms, hs), at, noSkip, &sums, nil)
	s.Points = c.clamp(s.Total)
	s.Grade = sc.Grade(s.Points)
	s.Benefits = sc.BenefitsAt(s.Grade)
	for _, i := range c.mostNegative(&sums) {
		s.Reasons = append(s.Reasons, c.reason(i, sums[i]))
	}
	return s
}

// hitBufs keeps buffers of hits for histories longer than a stack
// buffer holds.
var hitBufs = sync.Pool{New: func() any { return new([]hit) }}

// getHits returns an empty pooled buffer with room for n hits; put it
// back in hitBufs once no hit in it is used.
func getHits(n int) *[]hit {
	p := hitBufs.Get().(*[]hit)
	if cap(*p) < n {
		*p = make([]hit, 0, n)
	}
	*p = (*p)[:0]
	return p
}

// mostNegative returns the rules whose totals are negative, most negative
// first (ties in rule order), at most MaxReasons.
func (c *Compiled) mostNegative(sums *[candor.MaxRules]float64) []int {
	var negative []int
	for i := range c.rules {
		if sums[i] < 0 {
			negative = append(negative, i)
		}
	}
	slices.SortStableFunc(negative, func(a, b int) int { return cmp.Compare(sums[a], sums[b]) })
	if len(negative) > MaxReasons {
		negative = negative[:MaxReasons]
	}
	return negative
}

func (c *Compiled) reason(i int, points float64) candor.Reason {
	r := &c.rules[i]
	return candor.Reason{Code: r.ReasonCode, Text: r.ReasonText, Rule: r.ID, Points: points}
}

func (c *Compiled) score(subject candor.SubjectID, hits []hit, at time.Time) candor.Score {
	sc := c.card
	s := candor.Score{Scorecard: sc.ID, Version: sc.Version, Subject: subject, At: at}
	if c.chars != nil {
		c.charScore(&s, hits)
		s.Next = c.next(hits, at, s.Grade)
		return s
	}
	var sums [candor.MaxRules]float64
	rec := &recorder{counted: make([][]counted, len(c.rules))}
	s.Total = c.eval(hits, at, noSkip, &sums, rec)
	s.Points = c.clamp(s.Total)
	s.Grade = sc.Grade(s.Points)
	s.Benefits = sc.BenefitsAt(s.Grade)

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
	}
	// (A rule's total is negative only if it counted an event.)
	negative := c.mostNegative(&sums)
	for _, i := range negative {
		s.Reasons = append(s.Reasons, c.reason(i, sums[i]))
	}
	for _, i := range negative {
		s.Hints = append(s.Hints, c.hints(hits, at, s, i, rec.counted[i])...)
	}
	s.Next = c.next(hits, at, s.Grade)
	return s
}

// Key returns the key the scorecard version's matches are stored under.
func (c *Compiled) Key() candor.ScorecardKey { return c.key }

// Match returns the rules an event of type typ with these fields matches,
// bit i for rule i: the rules that use the type and whose condition, if
// any, holds. Whether a matched rule counts depends on the instant and the
// event's state, which evaluation checks.
func (c *Compiled) Match(typ string, fields []candor.Field) uint64 {
	tr := c.byType[typ]
	if tr == nil {
		return 0
	}
	return c.match(tr, fields)
}

func (c *Compiled) match(tr *typeRules, fields []candor.Field) uint64 {
	var rules uint64
	for _, ri := range tr.rules {
		r := &c.rules[ri]
		if (r.cond == nil || r.cond.Match(fields)) && (r.need == nil || r.need.met(fields)) {
			rules |= 1 << ri
		}
	}
	return rules
}

// Matches returns the matches of the subject's events with this scorecard
// version, one for each event that matches a rule: what the store keeps
// so that scores can be read without opening the events.
func (c *Compiled) Matches(events []*candor.Event) []candor.Match {
	var ms []candor.Match
	for _, e := range events {
		tr := c.byType[e.Type]
		if tr == nil {
			continue
		}
		if rules := c.match(tr, e.Fields); rules != 0 {
			ms = append(ms, candor.Match{Scorecard: c.key, Event: e.ID, Type: e.Type, TypeNo: tr.no, OccurredAt: e.OccurredAt, State: e.State, Rules: rules,
				Values: c.matchValues(e.Fields, rules)})
		}
	}
	return ms
}

// hit is an event or a stored match as evaluation sees it: an event that
// matches at least one rule. A sum or max reads its value from vals (a
// match's) or else from fields (an event's).
type hit struct {
	at     time.Time
	tr     *typeRules
	rules  uint64
	id     candor.EventID
	state  candor.EventState
	vals   []int64
	fields []candor.Field
}

// eventHits appends the hits of events, in order of occurrence, to buf.
func (c *Compiled) eventHits(events []*candor.Event, buf []hit) []hit {
	for _, e := range events {
		tr := c.byType[e.Type]
		if tr == nil {
			continue
		}
		if rules := c.match(tr, e.Fields); rules != 0 {
			buf = append(buf, hit{at: e.OccurredAt, tr: tr, rules: rules, id: e.ID, state: e.State, fields: e.Fields})
		}
	}
	return buf
}

// matchHits appends the hits of stored matches to buf. A match whose type
// the scorecard does not use (the catalogue changed) or that names rules it
// does not have, or whose values are not one per sum and max, cannot come
// from this version and is left out.
func (c *Compiled) matchHits(ms []candor.Match, buf []hit) []hit {
	valid := uint64(1)<<len(c.rules) - 1
	if len(c.rules) == candor.MaxRules {
		valid = ^uint64(0)
	}
	for i := range ms {
		m := &ms[i]
		tr := c.typeOf(m)
		if m.Scorecard != c.key || tr == nil || m.Rules == 0 || m.Rules&^valid != 0 || len(m.Values) != c.slots {
			continue
		}
		buf = append(buf, hit{at: m.OccurredAt, tr: tr, rules: m.Rules, id: m.Event, state: m.State, vals: m.Values})
	}
	return buf
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

// skip leaves a rule (index, or -1) or one hit (index, or -1) out of an
// evaluation: the counterfactuals.
type skip struct {
	rule, hit int
}

var noSkip = skip{rule: -1, hit: -1}

type counted struct {
	candor.CountedEvent
	hit int
}

// recorder collects, per rule, the events counted, newest first.
type recorder struct {
	counted [][]counted
}

func (rec *recorder) add(rule int, hits []hit, i int, pts float64) {
	h := &hits[i]
	rec.counted[rule] = append(rec.counted[rule], counted{
		CountedEvent: candor.CountedEvent{ID: h.id, Type: h.tr.t.Name, OccurredAt: h.at, Points: pts}, hit: i})
}

// eval returns Base plus every rule's total, filling sums with the rule
// totals and rec, if not nil, with the events counted. hits are in order of
// occurrence; they are walked newest first, so that at_most N keeps the N
// most recent and first ends on the earliest.
func (c *Compiled) eval(hits []hit, at time.Time, sk skip, sums *[candor.MaxRules]float64, rec *recorder) float64 {
	var n [candor.MaxRules]int32
	var first [candor.MaxRules]int32 // 1 + the hit counted first
	var firstPts [candor.MaxRules]float64
	for i := len(hits) - 1; i >= 0; i-- {
		h := &hits[i]
		if i == sk.hit || h.state != candor.StateActive || h.at.After(at) {
			continue
		}
		age := at.Sub(h.at)
		if age >= h.tr.t.Retention { // the event's EffectiveState at at is StateExpired, without a second time sum
			continue
		}
		for _, ri := range h.tr.rules {
			r := &c.rules[ri]
			if h.rules&(1<<ri) == 0 || ri == sk.rule || age >= r.window || r.Counting == candor.CountAtMost && int(n[ri]) >= r.AtMost {
				continue
			}
			pts := r.Points * r.Decay.Weight(age, r.window, r.HalfLife)
			n[ri]++
			if r.Counting == candor.CountFirst {
				first[ri], firstPts[ri] = int32(i)+1, pts
				continue
			}
			sums[ri] += pts
			if rec != nil {
				rec.add(ri, hits, i, pts)
			}
		}
	}
	total := float64(c.card.Base)
	for ri := range c.rules {
		r := &c.rules[ri]
		if first[ri] != 0 {
			sums[ri] = firstPts[ri]
			if rec != nil {
				rec.add(ri, hits, int(first[ri])-1, firstPts[ri])
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
func (c *Compiled) hints(hits []hit, at time.Time, s candor.Score, i int, evs []counted) []candor.Hint {
	r := &c.rules[i]
	worst := slices.MinFunc(evs, func(a, b counted) int { return cmp.Compare(a.Points, b.Points) })
	var out []candor.Hint
	try := func(sk skip, h candor.Hint, what, stops string) {
		var sums [candor.MaxRules]float64
		p := c.clamp(c.eval(hits, at, sk, &sums, nil))
		g := c.card.Grade(p)
		if g == s.Grade && abs(p-s.Points) < c.material {
			return
		}
		text := fmt.Sprintf("Without %s (%s), your score would be %d instead of %d (grade %s either way)", what, r.ReasonText, p, s.Points, g)
		if g != s.Grade {
			text = fmt.Sprintf("Without %s (%s), your grade would be %s instead of %s (%d points instead of %d)", what, r.ReasonText, g, s.Grade, p, s.Points)
		}
		h.Until = h.Until.Add(r.window)
		h.Rule, h.Points, h.Grade, h.Text = r.ID, p, g, text+fmt.Sprintf("; %s on %s", stops, h.Until.Format(humanDate))
		out = append(out, h)
	}
	try(skip{rule: -1, hit: worst.hit}, candor.Hint{Events: []candor.EventID{worst.ID}, Type: worst.Type, OccurredAt: worst.OccurredAt, Until: worst.OccurredAt},
		fmt.Sprintf("the %s of %s", c.title(worst.Type), worst.OccurredAt.Format(humanDate)), "it stops counting")
	if len(evs) > 1 {
		ids := make([]candor.EventID, len(evs))
		last := evs[0].OccurredAt
		for k, e := range evs {
			ids[k] = e.ID
			if e.OccurredAt.After(last) {
				last = e.OccurredAt
			}
		}
		try(skip{rule: i, hit: -1}, candor.Hint{Events: ids, Until: last}, fmt.Sprintf("these %d facts", len(evs)), "the last of them stops counting")
	}
	return out
}

// humanDate is how explanations write a date: 14 Mar 2026.
const humanDate = "2 Jan 2006"

// title is what a person calls an event of type name: the catalogue's
// title, or its description if it has none.
func (c *Compiled) title(name string) string {
	if tr := c.byType[name]; tr != nil {
		if tr.t.Title != "" {
			return tr.t.Title
		}
		return strings.TrimSuffix(tr.t.Description, ".")
	}
	return name
}

// next returns the first day after at on which the grade of the hits (in
// order of occurrence) differs from grade, if no new hit arrives, looking
// ahead NextChangeHorizon; nil if none does. It looks in steps of
// nextStep days and then for the day within the step, so a change that
// undoes itself within one step (points fading across a band and back)
// is not seen.
func (c *Compiled) next(hits []hit, at time.Time, grade string) *candor.GradeChange {
	n := len(hits)
	for n > 0 && hits[n-1].at.After(at) {
		n-- // what happened after at is not "no new fact"
	}
	hits = hits[:n]
	days := int(candor.NextChangeHorizon / (24 * time.Hour))
	for lo := 0; lo < days; lo += nextStep {
		hi := min(lo+nextStep, days)
		if c.card.Grade(c.points(hits, at.AddDate(0, 0, hi))) == grade {
			continue
		}
		for hi-lo > 1 { // the grade is grade at lo and not at hi
			mid := (lo + hi) / 2
			if c.card.Grade(c.points(hits, at.AddDate(0, 0, mid))) == grade {
				lo = mid
			} else {
				hi = mid
			}
		}
		t := at.AddDate(0, 0, hi)
		p := c.points(hits, t)
		return &candor.GradeChange{At: t, Grade: c.card.Grade(p), Points: p}
	}
	return nil
}

// nextStep is the step, in days, in which next looks ahead.
const nextStep = 30

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
