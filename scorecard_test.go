package candor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

func validScorecard() *candor.Scorecard {
	return &candor.Scorecard{ID: "test-card", Title: "Test", Purpose: candor.PurposeCredit, SubjectKind: candor.Person,
		Version: 1, EffectiveFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Base: 600, Min: 300, Max: 900,
		Grades: []candor.GradeBand{{Grade: "A", Min: 700}, {Grade: "B", Min: 300}},
		Rules: []candor.Rule{{ID: "late", Description: "Late instalments.", EventTypes: []string{"credit.instalment_late"},
			Points: -50, Window: 2 * 365 * 24 * time.Hour, Decay: candor.DecayLinear, Counting: candor.CountEvery,
			ReasonCode: "LATE", ReasonText: "Instalment paid late"}}}
}

// Charter points 2 and 7 hold in the domain, whatever loads the scorecard.
func TestScorecardValidate(t *testing.T) {
	cat := catalogue.Default()
	tests := []struct {
		name   string
		change func(*candor.Scorecard)
		want   string // "" for valid
	}{
		{"valid", func(*candor.Scorecard) {}, ""},
		{"every purpose refuses what its categories do not serve", func(s *candor.Scorecard) { s.Purpose = candor.PurposeLicensing },
			"credit.instalment_late is credit data, which may not be used for licensing"},
		{"window past retention", func(s *candor.Scorecard) { s.Rules[0].Window = 7 * 365 * 24 * time.Hour },
			"7y reaches past the 6y retention"},
		{"other kind of subject", func(s *candor.Scorecard) { s.SubjectKind = candor.Organisation },
			"credit.instalment_late is about a person, but the scorecard scores an organisation"},
		{"bands leave a gap", func(s *candor.Scorecard) { s.Grades[1].Min = 400 }, "the lowest band (B) must start at min (300)"},
		{"cap below one event", func(s *candor.Scorecard) { s.Rules[0].Cap = 10 }, "cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validScorecard()
			tt.change(s)
			ps := s.Validate(cat)
			var got []string
			for _, p := range ps {
				got = append(got, p.Field+": "+p.Reason)
			}
			all := strings.Join(got, "\n")
			switch {
			case tt.want == "" && len(ps) > 0:
				t.Errorf("refused: %s", all)
			case tt.want != "" && !strings.Contains(all, tt.want):
				t.Errorf("problems %q do not contain %q", all, tt.want)
			}
		})
	}
}

func TestScorecardGradesAndBenefits(t *testing.T) {
	s := validScorecard()
	s.Grades = []candor.GradeBand{{Grade: "A", Min: 800}, {Grade: "B", Min: 600}, {Grade: "C", Min: 300}}
	s.Benefits = []candor.Benefit{{Name: "waived", MinGrade: "B"}}
	for _, tt := range []struct {
		points   int
		grade    string
		benefits int
	}{{900, "A", 1}, {800, "A", 1}, {799, "B", 1}, {600, "B", 1}, {599, "C", 0}, {300, "C", 0}} {
		if g := s.Grade(tt.points); g != tt.grade || len(s.BenefitsAt(g)) != tt.benefits {
			t.Errorf("Grade(%d) = %s with %v, want %s with %d benefits", tt.points, g, s.BenefitsAt(g), tt.grade, tt.benefits)
		}
	}
}

func TestParseDecayAndCounting(t *testing.T) {
	if d, hl, err := candor.ParseDecay("half_life 12m"); err != nil || d != candor.DecayHalfLife || hl != 360*24*time.Hour {
		t.Errorf("half_life 12m: %v %v %v", d, hl, err)
	}
	if c, n, err := candor.ParseCounting("at_most 3"); err != nil || c != candor.CountAtMost || n != 3 {
		t.Errorf("at_most 3: %v %v %v", c, n, err)
	}
	for _, s := range []string{"", "half_life", "linear 3m", "exp"} {
		if _, _, err := candor.ParseDecay(s); err == nil {
			t.Errorf("ParseDecay(%q) accepted", s)
		}
	}
	for _, s := range []string{"", "at_most", "at_most -1", "first 2", "all"} {
		if _, _, err := candor.ParseCounting(s); err == nil {
			t.Errorf("ParseCounting(%q) accepted", s)
		}
	}
}
