package scoring_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

var subject = candor.SubjectID{1}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// late is a rent.late event of the test subject.
func late(id candor.EventID, when string, daysLate int64) *candor.Event {
	return &candor.Event{ID: id, Subject: subject, Type: "rent.late", OccurredAt: day(when), State: candor.StateActive,
		Fields: []candor.Field{{Name: "days_late", Value: candor.Value{Type: candor.FieldInt, Int: daysLate}}}}
}

func paid(id candor.EventID, when string) *candor.Event {
	return &candor.Event{ID: id, Subject: subject, Type: "rent.paid", OccurredAt: day(when), State: candor.StateActive}
}

// MustScore scores and checks what every score must satisfy: Points is the
// clamped, rounded Total; Total is Base plus the contributions; each
// contribution of a rule is the sum of its events (a characteristic's is
// its bin's points: its events give none alone); Points agrees with
// Compiled.Points.
func MustScore(tb testing.TB, c *scoring.Compiled, events []*candor.Event, at time.Time) candor.Score {
	tb.Helper()
	s, err := c.Score(subject, events, at)
	if err != nil {
		tb.Fatal(err)
	}
	sc := c.Scorecard()
	sum := float64(sc.Base)
	for _, ct := range s.Contributions {
		part := 0.0
		for _, e := range ct.Events {
			part += e.Points
		}
		if len(sc.Characteristics) == 0 && math.Abs(part-ct.Points) > 1e-9 {
			tb.Errorf("rule %s: events add up to %g, contribution says %g", ct.Rule, part, ct.Points)
		}
		sum += ct.Points
	}
	if math.Abs(sum-s.Total) > 1e-9 {
		tb.Errorf("Base + contributions = %g, Total = %g", sum, s.Total)
	}
	if want := int(min(max(math.Round(s.Total), float64(sc.Min)), float64(sc.Max))); s.Points != want {
		tb.Errorf("Points = %d, want %d from Total %g", s.Points, want, s.Total)
	}
	p, g, err := c.Points(subject, events, at)
	if err != nil || p != s.Points || g != s.Grade {
		tb.Errorf("Points() = %d %s %v, Score() = %d %s", p, g, err, s.Points, s.Grade)
	}
	return s
}

func TestScoreCountsOnlyActiveEvents(t *testing.T) {
	c := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	at := day("2026-06-01")
	tests := []struct {
		name  string
		event *candor.Event
		want  int
	}{
		{"active", late(1, "2026-03-01", 30), 940},
		{"disputed", withState(late(1, "2026-03-01", 30), candor.StateDisputed), 1000},
		{"corrected", withState(late(1, "2026-03-01", 30), candor.StateCorrected), 1000},
		{"removed", withState(late(1, "2026-03-01", 30), candor.StateRemoved), 1000},
		{"after the instant", late(1, "2026-06-02", 30), 1000},
		{"condition false", late(1, "2026-03-01", 29), 1000},
		{"another type", &candor.Event{ID: 1, Subject: subject, Type: "tax.return_late", OccurredAt: day("2026-03-01"), State: candor.StateActive}, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustScore(t, c, []*candor.Event{tt.event}, at)
			if s.Points != tt.want {
				t.Errorf("points %d, want %d", s.Points, tt.want)
			}
		})
	}
}

func withState(e *candor.Event, s candor.EventState) *candor.Event {
	e.State = s
	return e
}

// An event past its type's retention is expired and never counts, even for
// a rule whose window is the whole retention.
func TestScoreExpiredNeverCounts(t *testing.T) {
	c := MustLoad(t, "long.yaml", replace(t, MustRead(t, "base.yaml"), "window: 12m\n    reason_code: RENT_LATE", "window: 3y\n    reason_code: RENT_LATE"))
	e := late(1, "2023-03-01", 30)
	rentLate := catalogueType(t, "rent.late")
	for _, at := range []time.Time{e.ExpiresAt(rentLate).Add(-time.Second), e.ExpiresAt(rentLate)} {
		s := MustScore(t, c, []*candor.Event{e}, at)
		expired := e.EffectiveState(rentLate, at) == candor.StateExpired
		if counted := s.Points != 1000; counted == expired {
			t.Errorf("at %s: state %s, points %d", at, e.EffectiveState(rentLate, at), s.Points)
		}
	}
}

// With a controllable instant and no new event, the grade goes back up when
// a late payment leaves the rule's window.
func TestScoreGradeChangesAsLatePaymentAgesOut(t *testing.T) {
	c := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	events := []*candor.Event{late(1, "2026-02-10", 45)}
	window := 360 * 24 * time.Hour // 12m
	before := MustScore(t, c, events, day("2026-02-10").Add(window-time.Second))
	after := MustScore(t, c, events, day("2026-02-10").Add(window))
	if before.Grade != "B" || before.Points != 940 {
		t.Errorf("inside the window: %d %s, want 940 B", before.Points, before.Grade)
	}
	if after.Grade != "A" || after.Points != 1000 || len(after.Contributions) != 0 {
		t.Errorf("after the window: %d %s %v, want 1000 A and no contributions", after.Points, after.Grade, after.Contributions)
	}
	if !slices.Equal(after.Benefits, []string{"deposit_waived"}) || before.Benefits != nil {
		t.Errorf("benefits %v before, %v after", before.Benefits, after.Benefits)
	}
}

func TestScoreDecay(t *testing.T) {
	base := MustRead(t, "base.yaml")
	e := late(1, "2026-01-01", 30)
	at := day("2026-01-01").Add(180 * 24 * time.Hour) // half the 12m window
	tests := []struct {
		decay string
		want  float64
	}{
		{"none", -60},
		{"linear", -30},
		{"half_life 90d", -15}, // two half-lives
	}
	for _, tt := range tests {
		t.Run(tt.decay, func(t *testing.T) {
			c := MustLoad(t, "decay.yaml", replace(t, base, "window: 12m\n    reason_code: RENT_LATE", "window: 12m\n    decay: "+tt.decay+"\n    reason_code: RENT_LATE"))
			s := MustScore(t, c, []*candor.Event{e}, at)
			if len(s.Contributions) != 1 || math.Abs(s.Contributions[0].Points-tt.want) > 1e-9 {
				t.Fatalf("contributions %+v, want one of %g", s.Contributions, tt.want)
			}
		})
	}
}

func TestScoreCountingAndCap(t *testing.T) {
	base := MustRead(t, "base.yaml")
	events := []*candor.Event{late(1, "2026-01-10", 30), late(2, "2026-02-10", 30), late(3, "2026-03-10", 30)}
	at := day("2026-06-01")
	tests := []struct {
		name    string
		setting string
		ids     []candor.EventID
		total   float64
	}{
		{"every", "counting: every", []candor.EventID{1, 2, 3}, -180},
		{"first", "counting: first", []candor.EventID{1}, -60},
		{"at most 2 (the most recent)", "counting: at_most 2", []candor.EventID{2, 3}, -120},
		{"cap", "cap: 150", []candor.EventID{1, 2, 3}, -150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustLoad(t, "counting.yaml", replace(t, base, "window: 12m\n    reason_code: RENT_LATE", "window: 12m\n    "+tt.setting+"\n    reason_code: RENT_LATE"))
			s := MustScore(t, c, events, at)
			if len(s.Contributions) != 1 {
				t.Fatalf("contributions %+v", s.Contributions)
			}
			ct := s.Contributions[0]
			var ids []candor.EventID
			for _, e := range ct.Events {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, tt.ids) || math.Abs(ct.Points-tt.total) > 1e-9 {
				t.Errorf("counted %v for %g, want %v for %g", ids, ct.Points, tt.ids, tt.total)
			}
		})
	}
}

func TestScoreOrderOfInputDoesNotMatter(t *testing.T) {
	c := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	events := []*candor.Event{paid(1, "2026-01-01"), late(2, "2026-02-10", 30), paid(3, "2026-03-01"), late(4, "2026-04-10", 31)}
	at := day("2026-06-01")
	want := MustScore(t, c, events, at)
	shuffled := []*candor.Event{events[3], events[0], events[2], events[1]}
	got := MustScore(t, c, shuffled, at)
	if got.Total != want.Total || got.Grade != want.Grade || len(got.Contributions) != len(want.Contributions) {
		t.Errorf("shuffled: %v %s, in order: %v %s", got.Total, got.Grade, want.Total, want.Grade)
	}
}

// Charter point 3: a score uses the subject's own facts only.
func TestScoreRefusesOtherSubjectsEvents(t *testing.T) {
	c := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	other := late(2, "2026-02-10", 30)
	other.Subject = candor.SubjectID{2}
	_, err := c.Score(subject, []*candor.Event{late(1, "2026-01-10", 30), other}, day("2026-06-01"))
	if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(candor.ErrorMessage(err), "another subject") {
		t.Errorf("err = %v", err)
	}
	if _, _, err := c.Points(subject, []*candor.Event{other}, day("2026-06-01")); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("Points: err = %v", err)
	}
}

func TestScoreReasonsAndHints(t *testing.T) {
	c := MustLoad(t, "reasons.yaml", MustRead(t, "reasons.yaml"))
	at := day("2026-06-01")
	events := []*candor.Event{
		late(1, "2026-01-10", 10), // rent_late_short: -20
		late(2, "2026-02-10", 45), // rent_late_long: -70
		{ID: 3, Subject: subject, Type: "utility.bill_overdue", OccurredAt: day("2026-03-01"), State: candor.StateActive,
			Fields: []candor.Field{{Name: "days_overdue", Value: candor.Value{Type: candor.FieldInt, Int: 40}}}}, // bills: -30
		{ID: 4, Subject: subject, Type: "credit.default", OccurredAt: day("2026-04-01"), State: candor.StateActive},               // default: -100
		{ID: 5, Subject: subject, Type: "court.money_judgment_entered", OccurredAt: day("2026-04-02"), State: candor.StateActive}, // judgment: -5
		paid(6, "2026-05-01"), // +2
	}
	s := MustScore(t, c, events, at)
	if s.Points != 1000-20-70-30-100-5+2 || s.Grade != "C" {
		t.Fatalf("score %d %s", s.Points, s.Grade)
	}
	var codes []string
	for _, r := range s.Reasons {
		codes = append(codes, r.Code)
	}
	if want := []string{"DEFAULT", "RENT_LATE_LONG", "BILLS", "RENT_LATE_SHORT"}; !slices.Equal(codes, want) {
		t.Errorf("reason codes %v, want %v (largest negative first, at most four)", codes, want)
	}
	// Without the default the score would be 877, still C but a material
	// change (2% of the range is 26 points); the judgment's 5 points are
	// too few to mention.
	hints := map[string]candor.Hint{}
	for _, h := range s.Hints {
		hints[h.Rule] = h
	}
	if h, ok := hints["default"]; !ok || h.Points != s.Points+100 || !slices.Equal(h.Events, []candor.EventID{4}) {
		t.Errorf("default hint %+v", h)
	} else if !strings.Contains(h.Text, "Without the loan in default of 1 Apr 2026 (A loan in default)") {
		t.Errorf("hint text %q", h.Text)
	}
	if _, ok := hints["judgment"]; ok {
		t.Errorf("a hint for a 5-point judgment: %+v", hints["judgment"])
	}
}

func catalogueType(tb testing.TB, name string) *candor.EventType {
	tb.Helper()
	t := catalogue.Default().Type(name)
	if t == nil {
		tb.Fatalf("no type %s", name)
	}
	return t
}

func TestScoreHintNamesTheGradeItWouldGive(t *testing.T) {
	c := MustLoad(t, "reasons.yaml", MustRead(t, "reasons.yaml"))
	events := []*candor.Event{
		{ID: 4, Subject: subject, Type: "credit.default", OccurredAt: day("2026-04-01"), State: candor.StateActive},
		late(7, "2026-02-10", 10), late(8, "2026-03-10", 10),
	}
	s := MustScore(t, c, events, day("2026-06-01"))
	if s.Grade != "C" || s.Points != 860 {
		t.Fatalf("score %d %s", s.Points, s.Grade)
	}
	var texts []string
	for _, h := range s.Hints {
		texts = append(texts, h.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"Without the loan in default of 1 Apr 2026 (A loan in default), your grade would be B instead of C (960 points instead of 860); it stops counting on 27 Mar 2027",
		"Without these 2 facts (Rent paid late), your grade would be B instead of C (900 points instead of 860); the last of them stops counting on 5 Mar 2027",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("hints do not contain %q:\n%s", want, all)
		}
	}
}

// Next is the first day the grade differs if nothing new arrives: the day
// before it scores the old grade, the day itself the new one, and a fact
// that occurred after the instant does not count towards it.
func TestScoreNextGradeChange(t *testing.T) {
	c := MustLoad(t, "reasons.yaml", MustRead(t, "reasons.yaml"))
	events := []*candor.Event{
		{ID: 4, Subject: subject, Type: "credit.default", OccurredAt: day("2026-04-01"), State: candor.StateActive},
		late(7, "2026-02-10", 10), late(8, "2026-03-10", 10),
	}
	at := day("2026-06-01")
	s := MustScore(t, c, events, at)
	if s.Next == nil {
		t.Fatalf("grade %s at %s: no next change within the horizon", s.Grade, at)
	}
	if !s.Next.At.After(at) || s.Next.Grade == s.Grade {
		t.Fatalf("next change %+v from grade %s", s.Next, s.Grade)
	}
	before := MustScore(t, c, events, s.Next.At.AddDate(0, 0, -1))
	on := MustScore(t, c, events, s.Next.At)
	if before.Grade != s.Grade || on.Grade != s.Next.Grade || on.Points != s.Next.Points {
		t.Errorf("next change %+v: the day before scores %s, the day %s (%d points)", s.Next, before.Grade, on.Grade, on.Points)
	}
	// A late payment after the instant is not "no new fact".
	later := append(slices.Clone(events), late(9, "2026-07-01", 10))
	if s2 := MustScore(t, c, later, at); s2.Next == nil || !s2.Next.At.Equal(s.Next.At) {
		t.Errorf("a fact after the instant moved the next change: %+v, want %+v", s2.Next, s.Next)
	}
	// Hints carry when their facts stop counting.
	for _, h := range s.Hints {
		if h.Until.IsZero() || !h.Until.After(at) {
			t.Errorf("hint %+v: stops counting at %s", h, h.Until)
		}
	}
}
