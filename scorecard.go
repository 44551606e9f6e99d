package candor

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scorecard is a published policy that turns one subject's facts into points
// and a grade for one purpose (charter points 2 and 4). It is plain data: the
// scoring package compiles it, checking its conditions against the
// catalogue, and evaluates it.
//
// The score of a subject at an instant is
//
//	Points = clamp(round(Base + Σ rule totals), Min, Max)
//
// where each rule's total is the sum of its points for the events it
// counts, decayed by age and bounded by the rule's cap. Grades are the band
// Points falls in; benefits follow from the grade.
type Scorecard struct {
	ID            string // lower-case words joined by '-', e.g. rental-deposit
	Title         string
	Description   string
	Purpose       Purpose
	SubjectKind   SubjectKind
	Version       int       // from 1
	EffectiveFrom time.Time // midnight UTC of the day the version applies from
	Base          int       // points of a subject no rule applies to
	Min, Max      int       // the range Points is clamped to
	Rules         []Rule
	// Characteristics replace Rules in a fitted scorecard (Characteristic).
	Characteristics []Characteristic
	Grades          []GradeBand // highest first; the last starts at Min
	Benefits        []Benefit
}

// Rule gives points for a subject's events of some types.
type Rule struct {
	ID          string // lower-case word, unique in the scorecard
	Description string // plain language: what the rule rewards or penalises, and why
	EventTypes  []string
	// Condition is an optional CEL expression over the event's fields that
	// must be true for the event to count. Empty means every event of the
	// types counts.
	Condition string
	Points    float64 // per counted event, before decay; non-zero
	// Window is how far back events count: an event counts while its age
	// at the scoring instant is less than Window. Zero means the longest
	// retention of the rule's types.
	Window   time.Duration
	Decay    Decay
	HalfLife time.Duration // DecayHalfLife only
	Counting Counting
	AtMost   int // CountAtMost only: how many events count
	// Cap bounds the rule's total to [-Cap, Cap]. Zero means no cap.
	Cap        float64
	ReasonCode string // short upper-case code, unique in the scorecard
	ReasonText string // a short human text for explanations
	// Action, if set, says what a person can do about the facts the rule
	// counts, in a sentence, instead of its event types' actions
	// (EventType.Action).
	Action string
	Group  string // factor group, e.g. payment_history; optional
}

// Decay is how a counted event's points shrink with its age.
type Decay uint8

const (
	DecayNone     Decay = iota + 1 // full points for the whole window
	DecayLinear                    // from full points at age 0 to none at the end of the window
	DecayHalfLife                  // halved every HalfLife
	numDecays
)

var decayNames = [numDecays]string{DecayNone: "none", DecayLinear: "linear", DecayHalfLife: "half_life"}

func (d Decay) String() string {
	if d == 0 || d >= numDecays {
		return "unknown"
	}
	return decayNames[d]
}

// Weight is the share of its points an event of the given age keeps, for a
// rule with the given window and half-life: in [0, 1].
func (d Decay) Weight(age, window, halfLife time.Duration) float64 {
	switch d {
	case DecayLinear:
		return 1 - float64(age)/float64(window)
	case DecayHalfLife:
		return math.Exp2(-float64(age) / float64(halfLife))
	}
	return 1
}

// Counting says which of a rule's matching events count.
type Counting uint8

const (
	CountEvery  Counting = iota + 1 // every matching event in the window
	CountFirst                      // only the earliest matching event in the window
	CountAtMost                     // only the AtMost most recent matching events in the window
	numCountings
)

var countingNames = [numCountings]string{CountEvery: "every", CountFirst: "first", CountAtMost: "at_most"}

func (c Counting) String() string {
	if c == 0 || c >= numCountings {
		return "unknown"
	}
	return countingNames[c]
}

// ParseDecay parses "none", "linear" or "half_life DURATION" (a duration as
// for ParseRetention, e.g. "half_life 12m").
func ParseDecay(s string) (Decay, time.Duration, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(s), " ")
	arg = strings.TrimSpace(arg)
	switch {
	case (name == "none" || name == "linear") && !hasArg:
		if name == "none" {
			return DecayNone, 0, nil
		}
		return DecayLinear, 0, nil
	case name == "half_life" && hasArg:
		d, err := ParseRetention(arg)
		if err != nil {
			return 0, 0, fmt.Errorf("half_life: %w", err)
		}
		return DecayHalfLife, d, nil
	}
	return 0, 0, fmt.Errorf("decay %q: want none, linear or half_life and a period, like half_life 12m", s)
}

// ParseCounting parses "every", "first" or "at_most N".
func ParseCounting(s string) (Counting, int, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(s), " ")
	switch {
	case name == "every" && !hasArg:
		return CountEvery, 0, nil
	case name == "first" && !hasArg:
		return CountFirst, 0, nil
	case name == "at_most" && hasArg:
		n, err := strconv.Atoi(strings.TrimSpace(arg))
		if err != nil || n < 1 || n > MaxAtMost {
			return 0, 0, fmt.Errorf("counting %q: at_most needs a whole number from 1 to %d", s, MaxAtMost)
		}
		return CountAtMost, n, nil
	}
	return 0, 0, fmt.Errorf("counting %q: want every, first or at_most and a number, like at_most 3", s)
}

// GradeBand is one grade: Points at or above Min and below the next higher
// band's Min.
type GradeBand struct {
	Grade       string
	Min         int
	Description string
}

// Benefit is a named outcome a subject's grade unlocks, such as
// deposit_waived, at MinGrade and every higher grade. Its name comes from
// the benefit catalogue for the scorecard's purpose (LookupBenefit).
type Benefit struct {
	Name        string
	Description string
	MinGrade    string
}

// Limits of a scorecard.
const (
	MaxRules     = 64 // rules per scorecard
	MaxRuleTypes = 16 // event types per rule
	MaxAtMost    = 1000
	MaxGrades    = 16
	MaxPoints    = 100_000 // bound on |Base|, |Min|, |Max| and the range
)

// EventTypes returns the names of the event types the version's rules and
// characteristics count, each once, in the order they first appear (rules
// first, then characteristics). Match.TypeNo is a position in it plus one.
func (s *Scorecard) EventTypes() []string {
	var out []string
	add := func(names []string) {
		for _, n := range names {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	for i := range s.Rules {
		add(s.Rules[i].EventTypes)
	}
	for i := range s.Characteristics {
		add(s.Characteristics[i].EventTypes)
	}
	return out
}

// Grade returns the grade of points: the first band (highest first) whose
// Min it reaches. Points below every band get the lowest grade.
func (s *Scorecard) Grade(points int) string {
	for _, b := range s.Grades {
		if points >= b.Min {
			return b.Grade
		}
	}
	if len(s.Grades) == 0 {
		return ""
	}
	return s.Grades[len(s.Grades)-1].Grade
}

// GradeRank returns the position of grade among the bands, 0 for the
// highest, or -1 if there is no such grade.
func (s *Scorecard) GradeRank(grade string) int {
	for i, b := range s.Grades {
		if b.Grade == grade {
			return i
		}
	}
	return -1
}

// BenefitsAt returns the names of the benefits grade unlocks, in the order
// the scorecard lists them.
func (s *Scorecard) BenefitsAt(grade string) []string {
	r := s.GradeRank(grade)
	var out []string
	for _, b := range s.Benefits {
		if m := s.GradeRank(b.MinGrade); r >= 0 && m >= 0 && r <= m {
			out = append(out, b.Name)
		}
	}
	return out
}

// ScorecardProblem is one thing wrong with a scorecard. Rule is the index of
// the rule (of the characteristic, in a scorecard of characteristics)
// concerned, or -1 for the scorecard as a whole; Field names the
// offending key as it is written in a scorecard file (e.g. "types",
// "window", "grades").
type ScorecardProblem struct {
	Rule   int
	Field  string
	Reason string
}

// Validate checks everything about s that does not need its conditions
// compiled, against cat: its identity, range and grade bands (grades from
// the fixed ladder, in its order), its benefits (from the benefit
// catalogue for its purpose; no scorecard serves court enforcement:
// charter point 9), and for each rule the charter's guards — the event types exist in cat,
// their category serves s's purpose (charter point 2), they are about s's
// kind of subject, and the window does not reach past their retention
// (charter point 7) — and that points, caps, decay and counting are sane.
// It returns every problem found.
func (s *Scorecard) Validate(cat *Catalogue) []ScorecardProblem {
	var ps []ScorecardProblem
	add := func(rule int, field, format string, args ...any) {
		ps = append(ps, ScorecardProblem{Rule: rule, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if !validScorecardID(s.ID) {
		add(-1, "id", "must be lower-case words joined by '-', like rental-deposit")
	}
	if strings.TrimSpace(s.Title) == "" {
		add(-1, "title", "required")
	}
	switch {
	case s.Purpose == 0 || s.Purpose >= numPurposes:
		add(-1, "purpose", "must be one of the purposes: %s", purposeList())
	case s.Purpose == PurposeCourtEnforcement:
		add(-1, "purpose", "court_enforcement is served by the court register, never by a score: courts decide sanctions (charter point 9)")
	}
	if s.SubjectKind != Person && s.SubjectKind != Organisation {
		add(-1, "subject_kind", "must be person or organisation")
	}
	if s.Version < 1 {
		add(-1, "version", "must be 1 or more")
	}
	if s.EffectiveFrom.IsZero() {
		add(-1, "effective_from", "required")
	}
	rangeOK := true
	for _, v := range []struct {
		name string
		n    int
	}{{"base", s.Base}, {"min", s.Min}, {"max", s.Max}} {
		if v.n < -MaxPoints || v.n > MaxPoints {
			add(-1, v.name, "must be from %d to %d", -MaxPoints, MaxPoints)
			rangeOK = false
		}
	}
	if rangeOK && s.Min >= s.Max {
		add(-1, "max", "must be above min (%d)", s.Min)
		rangeOK = false
	}
	if rangeOK && (s.Base < s.Min || s.Base > s.Max) {
		add(-1, "base", "must be within min..max (%d..%d)", s.Min, s.Max)
	}
	s.validateGrades(rangeOK, add)
	s.validateBenefits(add)
	if len(s.Characteristics) > 0 {
		s.validateCharacteristics(cat, rangeOK, add)
		return ps
	}
	if len(s.Rules) == 0 {
		add(-1, "rules", "at least one rule or characteristic")
	}
	if len(s.Rules) > MaxRules {
		add(-1, "rules", "at most %d rules, not %d", MaxRules, len(s.Rules))
	}
	ids, codes := map[string]int{}, map[string]int{}
	for i := range s.Rules {
		r := &s.Rules[i]
		if j, dup := ids[r.ID]; dup && r.ID != "" {
			add(i, "id", "rule %s is already defined (rule %d)", r.ID, j+1)
		}
		ids[r.ID] = i
		if j, dup := codes[r.ReasonCode]; dup && r.ReasonCode != "" {
			add(i, "reason_code", "%s is already the reason code of rule %s", r.ReasonCode, s.Rules[j].ID)
		}
		codes[r.ReasonCode] = i
		s.validateRule(i, r, cat, rangeOK, add)
	}
	return ps
}

func (s *Scorecard) validateGrades(rangeOK bool, add func(int, string, string, ...any)) {
	switch {
	case len(s.Grades) == 0:
		add(-1, "grades", "at least one grade band")
		return
	case len(s.Grades) > MaxGrades:
		add(-1, "grades", "at most %d grade bands", MaxGrades)
	}
	seen := map[string]bool{}
	for i, b := range s.Grades {
		if ladderRank(b.Grade) < 0 {
			add(-1, "grades", "band %d: grade %q is not on the fixed ladder %s: a grade rates, it never names a sanction (charter point 9)",
				i+1, truncate(b.Grade), strings.Join(gradeLadder[:], ", "))
		} else if i > 0 && ladderRank(s.Grades[i-1].Grade) >= ladderRank(b.Grade) && !seen[b.Grade] {
			add(-1, "grades", "band %d: grade %s must come below %s, in the ladder's order %s", i+1, b.Grade, s.Grades[i-1].Grade, strings.Join(gradeLadder[:], ", "))
		}
		if seen[b.Grade] {
			add(-1, "grades", "band %d: grade %s given twice", i+1, b.Grade)
		}
		seen[b.Grade] = true
		if i > 0 && b.Min >= s.Grades[i-1].Min {
			add(-1, "grades", "band %d (%s): bands go from the highest grade down, so min %d must be below %d (%s)",
				i+1, b.Grade, b.Min, s.Grades[i-1].Min, s.Grades[i-1].Grade)
		}
		if rangeOK && (b.Min < s.Min || b.Min > s.Max) {
			add(-1, "grades", "band %d (%s): min %d is outside min..max (%d..%d)", i+1, b.Grade, b.Min, s.Min, s.Max)
		}
	}
	if last := s.Grades[len(s.Grades)-1]; rangeOK && last.Min != s.Min {
		add(-1, "grades", "the lowest band (%s) must start at min (%d), not %d, so that every score has a grade", last.Grade, s.Min, last.Min)
	}
}

func (s *Scorecard) validateBenefits(add func(int, string, string, ...any)) {
	seen := map[string]bool{}
	purposeOK := s.Purpose != 0 && s.Purpose < numPurposes
	for i, b := range s.Benefits {
		if _, ok := LookupBenefit(s.Purpose, b.Name); !ok && purposeOK {
			add(-1, "benefits", "benefit %d: %q is not in the benefit catalogue for %s (%s): a grade may only unlock a listed benefit, and a decline is the absence of one, never a restriction (charter point 9)",
				i+1, truncate(b.Name), s.Purpose, benefitList(s.Purpose))
		}
		if seen[b.Name] {
			add(-1, "benefits", "benefit %d: %s given twice", i+1, b.Name)
		}
		seen[b.Name] = true
		if s.GradeRank(b.MinGrade) < 0 {
			add(-1, "benefits", "benefit %d (%s): min_grade %q is not one of the grades", i+1, b.Name, b.MinGrade)
		}
	}
}

func (s *Scorecard) validateRule(i int, r *Rule, cat *Catalogue, rangeOK bool, add func(int, string, string, ...any)) {
	if !validFieldName(r.ID) {
		add(i, "id", "must be a lower-case word like rent_late")
	}
	if strings.TrimSpace(r.Description) == "" {
		add(i, "description", "required: say in plain language what the rule counts and why")
	}
	if !validReasonCode(r.ReasonCode) {
		add(i, "reason_code", "must be upper-case letters, digits and '_', like RENT_LATE")
	}
	if strings.TrimSpace(r.ReasonText) == "" {
		add(i, "reason_text", "required: a short human text for explanations")
	}
	if actionOf(r.Action, r.EventTypes, cat) == "" && strings.TrimSpace(r.Action) == "" && len(r.EventTypes) > 0 {
		add(i, "action", "required: say what a person can do about the facts it counts (none of its event types says, in the catalogue)")
	}
	if r.Group != "" && !validFieldName(r.Group) {
		add(i, "group", "must be a lower-case word like payment_history")
	}
	var retention time.Duration // the shortest retention of the rule's types
	switch {
	case len(r.EventTypes) == 0:
		add(i, "types", "at least one event type")
	case len(r.EventTypes) > MaxRuleTypes:
		add(i, "types", "at most %d event types", MaxRuleTypes)
	}
	seen := map[string]bool{}
	for _, name := range r.EventTypes {
		if seen[name] {
			add(i, "types", "%s given twice", name)
			continue
		}
		seen[name] = true
		t := cat.Type(name)
		if t == nil {
			add(i, "types", "unknown event type %q: not in the catalogue", truncate(name))
			continue
		}
		if !t.Category.Serves(s.Purpose) {
			add(i, "types", "%s is %s data, which may not be used for %s (its category serves only %s; charter point 2)",
				t.Name, t.Category, s.Purpose, servesList(t.Category))
		}
		if t.SubjectKind != s.SubjectKind {
			add(i, "types", "%s is about %s, but the scorecard scores %s", t.Name, t.SubjectKind.Noun(), s.SubjectKind.Noun())
		}
		if retention == 0 || t.Retention < retention {
			retention = t.Retention
		}
	}
	switch {
	case r.Window < 0:
		add(i, "window", "must be positive")
	case retention > 0 && r.Window > retention:
		add(i, "window", "%s reaches past the %s retention of the rule's event types: expired facts never count (charter point 7)",
			FormatRetention(r.Window), FormatRetention(retention))
	}
	switch {
	case r.Points == 0 || math.IsNaN(r.Points) || math.IsInf(r.Points, 0):
		add(i, "points", "must be a non-zero number")
	case rangeOK && math.Abs(r.Points) > float64(s.Max-s.Min):
		add(i, "points", "%g is more than the whole range (%d)", r.Points, s.Max-s.Min)
	}
	switch {
	case r.Cap < 0 || math.IsNaN(r.Cap) || math.IsInf(r.Cap, 0):
		add(i, "cap", "must be a positive number")
	case r.Cap > 0 && r.Cap < math.Abs(r.Points):
		add(i, "cap", "%g is below the points of one event (%g): the rule could never give its points", r.Cap, math.Abs(r.Points))
	case rangeOK && r.Cap > float64(s.Max-s.Min):
		add(i, "cap", "%g is more than the whole range (%d)", r.Cap, s.Max-s.Min)
	}
	switch r.Decay {
	case DecayNone, DecayLinear:
	case DecayHalfLife:
		if r.HalfLife <= 0 {
			add(i, "decay", "half_life needs a positive period")
		}
	default:
		add(i, "decay", "must be none, linear or half_life")
	}
	if r.Decay != DecayHalfLife && r.HalfLife != 0 {
		add(i, "decay", "a half-life applies only to half_life decay")
	}
	switch r.Counting {
	case CountEvery, CountFirst:
		if r.AtMost != 0 {
			add(i, "counting", "a number applies only to at_most")
		}
	case CountAtMost:
		if r.AtMost < 1 || r.AtMost > MaxAtMost {
			add(i, "counting", "at_most needs a number from 1 to %d", MaxAtMost)
		}
	default:
		add(i, "counting", "must be every, first or at_most N")
	}
}

// EffectiveWindow is the rule's window, or when it has none, the shortest
// retention of its types in cat (which Validate ensures exist).
func (r *Rule) EffectiveWindow(cat *Catalogue) time.Duration {
	if r.Window > 0 {
		return r.Window
	}
	var w time.Duration
	for _, name := range r.EventTypes {
		if t := cat.Type(name); t != nil && (w == 0 || t.Retention < w) {
			w = t.Retention
		}
	}
	return w
}

func purposeList() string {
	names := make([]string, 0, numPurposes-1)
	for _, p := range Purposes() {
		names = append(names, p.String())
	}
	return strings.Join(names, ", ")
}

func servesList(c Category) string {
	serves := categoryPolicies[c].Serves
	if len(serves) == 0 {
		return "no scoring purpose"
	}
	names := make([]string, len(serves))
	for i, p := range serves {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

func validScorecardID(s string) bool {
	if len(s) > 64 {
		return false
	}
	parts := strings.Split(s, "-")
	for _, p := range parts {
		if !validFieldName(p) {
			return false
		}
	}
	return true
}

func validReasonCode(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Score is a subject's score under one scorecard version at one instant,
// with its explanation (charter point 4). It is a function of the subject's
// own active events at At and of nothing else (charter point 3).
type Score struct {
	Scorecard string
	Version   int
	Subject   SubjectID
	At        time.Time
	// Total is Base plus the sum of the contributions, before rounding and
	// clamping; Points = clamp(round(Total), Min, Max).
	Total    float64
	Points   int
	Grade    string
	Benefits []string
	// Contributions has one entry per rule that counted an event, in the
	// scorecard's rule order; in a scorecard of characteristics, one per
	// characteristic: its bin's points and the events behind its value,
	// which carry no points of their own.
	Contributions []Contribution
	// Reasons are the rules that lowered the score most: at most four, the
	// largest negative contribution first; or the characteristics that
	// cost most against their best bin.
	Reasons []Reason
	// Hints say what would change the score materially or change the
	// grade: computed by scoring again without some of the events behind
	// the Reasons.
	Hints []Hint
	// Next, if not nil, is the first day after At on which the grade
	// changes if no new fact arrives and none changes state, as counted
	// facts age, fade and stop counting; nil if it stays the same for
	// NextChangeHorizon. (Explained scores only.)
	Next *GradeChange
}

// NextChangeHorizon is how far ahead Score.Next looks.
const NextChangeHorizon = 2 * 365 * 24 * time.Hour

// GradeChange is when a grade changes, and to what.
type GradeChange struct {
	At     time.Time
	Grade  string
	Points int
}

// Contribution is what one rule added to a score.
type Contribution struct {
	Rule   string
	Group  string
	Points float64 // the sum of Events' points, after the rule's cap
	Events []CountedEvent
}

// CountedEvent is one event a rule counted and the points it gave, after
// decay and the rule's share of the cap.
type CountedEvent struct {
	ID         EventID
	Type       string
	OccurredAt time.Time
	Points     float64
}

// Reason is a reason code: a rule that lowered the score, by how much.
type Reason struct {
	Code   string
	Text   string
	Rule   string
	Points float64 // negative
}

// Hint is a counterfactual: the score the subject would have without some
// events, all of which Rule counted.
type Hint struct {
	Rule   string
	Events []EventID
	// Type and OccurredAt are the event's when Events is one (a rule's
	// hint); Until is when the last of Events stops counting under Rule
	// (zero in a characteristic's hint).
	Type       string
	OccurredAt time.Time
	Until      time.Time
	Points     int
	Grade      string
	Text       string
}
