package scoring_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

func loadString(name, yaml string) (*scoring.Compiled, error) {
	return scoring.Load(name, []byte(yaml), catalogue.Default())
}

// The characteristics fixture: base 1000; late_rent (count of 30+ days
// late, 12m): <1 → +20, 1..2 → -60, ≥3 → -200; since_late (24m): none
// → +10, <6 months → -30, else 0; late_share (12m): none → 0, <0.1 → +15,
// else -25.
func TestCharacteristicScore(t *testing.T) {
	c := MustLoad(t, "characteristics.yaml", MustRead(t, "characteristics.yaml"))
	at := day("2026-06-01")
	paidMonths := func(n int) []*candor.Event {
		var evs []*candor.Event
		for i := range n {
			evs = append(evs, paid(candor.EventID(100+i), day("2025-07-05").AddDate(0, i, 0).Format("2006-01-02")))
		}
		return evs
	}
	tests := []struct {
		name   string
		events []*candor.Event
		points int
		grade  string
	}{
		{"no record", nil, 1000 + 20 + 10 + 0, "A"},
		{"eleven paid", paidMonths(11), 1000 + 20 + 10 + 15, "A"},
		// One 45 days late in March: count 1, 2 months since, share 1/12.
		{"one late among twelve", append(paidMonths(11), late(1, "2026-03-10", 45)), 1000 - 60 - 30 + 15, "B"},
		// A 5-day late counts in the share and months since, not the count.
		{"short late", []*candor.Event{paid(2, "2026-01-05"), late(1, "2026-03-10", 5)}, 1000 + 20 - 30 - 25, "B"},
		{"three late", []*candor.Event{late(1, "2026-01-10", 40), late(2, "2026-02-10", 40), late(3, "2026-03-10", 40)}, 1000 - 200 - 30 - 25, "C"},
		// Fourteen months ago: out of the 12m windows, within 24m.
		{"old late", []*candor.Event{late(1, "2025-04-01", 60)}, 1000 + 20 + 0 + 0, "A"},
		{"disputed late", []*candor.Event{withState(late(1, "2026-03-10", 45), candor.StateDisputed)}, 1030, "A"},
		{"late after the instant", []*candor.Event{late(1, "2026-07-10", 45)}, 1030, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MustScore(t, c, tt.events, at)
			if s.Points != tt.points || s.Grade != tt.grade {
				t.Errorf("score %d %s, want %d %s", s.Points, s.Grade, tt.points, tt.grade)
			}
			if len(s.Contributions) != 3 {
				t.Errorf("%d contributions, want one per characteristic", len(s.Contributions))
			}
			// Stored matches give the same score, explained alike.
			ms := c.Matches(tt.events)
			fm := c.ScoreFromMatches(subject, ms, at)
			if fm.Points != s.Points || fm.Grade != s.Grade || !slices.Equal(fm.Reasons, s.Reasons) || len(fm.Hints) != len(s.Hints) {
				t.Errorf("from matches %d %s %v, from events %d %s %v", fm.Points, fm.Grade, fm.Reasons, s.Points, s.Grade, s.Reasons)
			}
			v := c.VerdictFromMatches(subject, ms, at)
			if v.Points != s.Points || !slices.Equal(v.Reasons, s.Reasons) || !slices.Equal(v.Benefits, s.Benefits) {
				t.Errorf("verdict %d %v, score %d %v", v.Points, v.Reasons, s.Points, s.Reasons)
			}
		})
	}
}

func TestCharacteristicExplanation(t *testing.T) {
	c := MustLoad(t, "characteristics.yaml", MustRead(t, "characteristics.yaml"))
	evs := []*candor.Event{paid(5, "2026-01-05"), late(1, "2026-03-10", 45)}
	s := MustScore(t, c, evs, day("2026-06-01"))
	// count 1 (-60, best +20: costs 80), 2 months since (-30, best +10:
	// costs 40), share 1/2 (-25, best +15: costs 40).
	if s.Points != 1000-60-30-25 || s.Grade != "C" {
		t.Fatalf("score %d %s", s.Points, s.Grade)
	}
	var codes []string
	for _, r := range s.Reasons {
		codes = append(codes, r.Code)
	}
	if want := []string{"LATE_RENT", "RECENT_LATE", "LATE_SHARE"}; !slices.Equal(codes, want) {
		t.Errorf("reasons %v, want %v", codes, want)
	}
	if s.Reasons[0].Points != -80 {
		t.Errorf("LATE_RENT costs %g against its best bin, want -80", s.Reasons[0].Points)
	}
	// No late rent would give 885+80 = 965: grade B, the first better bin
	// that changes the grade.
	h := s.Hints[0]
	if h.Rule != "late_rent" || h.Points != 965 || h.Grade != "B" || !slices.Equal(h.Events, []candor.EventID{1}) ||
		!strings.Contains(h.Text, "were below 1 instead of 1, your grade would be B instead of C") || !strings.Contains(h.Text, " in the last ") || strings.Contains(h.Text, " over ") {
		t.Errorf("hint %+v", h)
	}
	for _, ct := range s.Contributions {
		if ct.Rule == "late_share" && len(ct.Events) != 2 {
			t.Errorf("late_share counted %d events, want both rent events", len(ct.Events))
		}
	}
}

// Each case breaks the characteristics fixture in one way; the scorecard
// must be refused naming the characteristic and the problem.
func TestCharacteristicLoadRefuses(t *testing.T) {
	base := MustRead(t, "characteristics.yaml")
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"tax data for rental", "types: [rent.late]\n    condition", "types: [tax.return_late]\n    condition",
			[]string{"characteristic late_rent: types: tax.return_late is tax data, which may not be used for rental", "charter point 2"}},
		{"organisation facts", "types: [rent.late]\n    aggregate", "types: [company.accounts_late]\n    aggregate",
			[]string{"characteristic since_late: types:", "but the scorecard scores a person"}},
		{"window past retention", "window: 24m", "window: 4y",
			[]string{"characteristic since_late: window:", "expired facts never count (charter point 7)"}},
		{"mean", "aggregate: count", "aggregate: mean",
			[]string{"characteristic late_rent: aggregate: aggregate \"mean\": want count, months_since_last, share, sum or max"}},
		{"categories", "{below: 1, points: 20}", "{values: [A11, A12], points: 20}",
			[]string{"late_rent: bins: bin 1: values A11, A12 are categories, but count is a number"}},
		{"overlap", "{from: 1, below: 3, points: -60}", "{from: 0, below: 3, points: -60}",
			[]string{"late_rent: bins: bin 2 overlaps bin 1"}},
		{"missing count", "{below: 1, points: 20}", "{missing: true, points: 20}",
			[]string{"late_rent: bins: bin 1: a count is never missing"}},
		{"share without condition", "    condition: days_late >= 1\n", "",
			[]string{"late_share: condition: share needs a condition"}},
		{"no points", "{from: 6, points: 0}", "{from: 6}", []string{"since_late: bins: points: required"}},
		{"points beyond range", "points: -200", "points: -2000", []string{"late_rent: bins: bin 3: points -2000 are more than the whole range"}},
		{"unknown key", "other: 0", "others: 0", []string{"unknown key \"others\""}},
		{"undefined", "    types: [rent.late]\n    aggregate", "    undefined: column a4 has no definition\n    aggregate",
			[]string{"characteristic since_late: undefined: column a4 has no definition: a characteristic must be an aggregate of the subject's own facts"}},
		{"rules too", "characteristics:", "rules: []\ncharacteristics:", []string{"a scorecard has rules or characteristics, not both"}},
		{"bad condition", "condition: days_late >= 30", "condition: days_overdue >= 30", []string{"characteristic late_rent: condition:", "days_overdue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadString("characteristics.yaml", replace(t, base, tt.old, tt.new))
			got := problems(t, err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems:\n%s\nwant one containing %q", got, w)
				}
			}
		})
	}
}

// A disputed fact a characteristic counts could raise the score (without
// it, a value may fall in a better bin), so a decline is referred.
func TestCharacteristicCouldRaise(t *testing.T) {
	c := MustLoad(t, "characteristics.yaml", MustRead(t, "characteristics.yaml"))
	ms := c.Matches([]*candor.Event{late(1, "2026-03-10", 45)})
	if len(ms) != 1 || !c.CouldRaise(ms[0]) {
		t.Errorf("matches %+v: a counted late payment must be able to raise the score", ms)
	}
	r := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	ms = r.Matches([]*candor.Event{late(1, "2026-03-10", 45), paid(2, "2026-03-01")})
	if len(ms) != 2 || r.CouldRaise(ms[0]) || !r.CouldRaise(ms[1]) {
		t.Errorf("rule matches %+v: only the payment (positive points) could raise the score", ms)
	}
}

// A characteristic's condition may not read a reference (an account
// number): only scorable fields, as for rules.
func TestCharacteristicRefusesReferenceField(t *testing.T) {
	src := MustRead(t, "credit-characteristics.yaml")
	_, err := loadString("credit-characteristics.yaml", replace(t, src, "condition: days_late >= 30", `condition: account == "ACC-1"`))
	if got := problems(t, err); !strings.Contains(got, "characteristic late_instalments: condition: account is a reference field: conditions may read only") {
		t.Errorf("problems:\n%s", got)
	}
}
