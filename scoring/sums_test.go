package scoring_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
)

// lateRent is a rent.late event of the test subject with its days late and
// an amount (in currency units, 0: no amount field) in a currency.
func lateRent(id candor.EventID, when string, daysLate, amount int64, currency string) *candor.Event {
	e := late(id, when, daysLate)
	if amount > 0 {
		e.Fields = append(e.Fields,
			candor.Field{Name: "amount", Value: candor.Value{Type: candor.FieldAmount, Int: amount * candor.AmountScale}},
			candor.Field{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: currency}})
	}
	return e
}

// The sums fixture: base 1000; days_late_total (sum of days_late, 12m):
// <1 → +20, 1..60 → -20, ≥60 → -80; largest_arrears (max of amount in
// EUR, 24m): none → +10, <500 → 0, ≥500 → -50. Values and points are
// worked out by hand.
func TestSumAndMaxScore(t *testing.T) {
	c := MustLoad(t, "sums.yaml", MustRead(t, "sums.yaml"))
	at := day("2026-06-01")
	tests := []struct {
		name     string
		events   []*candor.Event
		sum, max float64
		noMax    bool
		points   int
		grade    string
	}{
		{"no record", nil, 0, 0, true, 1000 + 20 + 10, "A"},
		{"two late", []*candor.Event{lateRent(1, "2026-03-10", 45, 300, "EUR"), lateRent(2, "2026-04-10", 20, 700, "EUR")},
			65, 700, false, 1000 - 80 - 50, "C"},
		// Fifteen months ago: out of the sum's 12 months, in the max's 24.
		{"old and new", []*candor.Event{lateRent(1, "2025-03-01", 10, 900, "EUR"), lateRent(2, "2026-03-10", 45, 300, "EUR")},
			45, 900, false, 1000 - 20 - 50, "B"},
		// Dollars do not count in a maximum of euros; their days late do.
		{"other currency", []*candor.Event{lateRent(1, "2026-03-10", 30, 2000, "USD")}, 30, 0, true, 1000 - 20 + 10, "B"},
		// An event without the amount counts in the sum, not the max.
		{"no amount", []*candor.Event{lateRent(1, "2026-03-10", 30, 0, "")}, 30, 0, true, 1000 - 20 + 10, "B"},
		{"max of three", []*candor.Event{lateRent(1, "2026-01-10", 5, 120, "EUR"), lateRent(2, "2026-02-10", 5, 480, "EUR"),
			lateRent(3, "2026-03-10", 5, 250, "EUR")}, 15, 480, false, 1000 - 20 + 0, "B"},
		{"disputed", []*candor.Event{withState(lateRent(1, "2026-03-10", 90, 900, "EUR"), candor.StateDisputed)}, 0, 0, true, 1030, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := c.Values(subject, tt.events, at)
			if err != nil {
				t.Fatal(err)
			}
			want := []scoring.Value{{ID: "days_late_total", V: tt.sum}, {ID: "largest_arrears", V: tt.max, Missing: tt.noMax}}
			if !reflect.DeepEqual(vals, want) {
				t.Errorf("values %+v, want %+v", vals, want)
			}
			s := MustScore(t, c, tt.events, at)
			if s.Points != tt.points || s.Grade != tt.grade {
				t.Errorf("score %d %s, want %d %s", s.Points, s.Grade, tt.points, tt.grade)
			}
			// Stored matches carry the values, and give the same score.
			ms := c.Matches(tt.events)
			for _, m := range ms {
				if len(m.Values) != 2 {
					t.Fatalf("match %+v: want one value per sum and max", m)
				}
			}
			fm := c.ScoreFromMatches(subject, ms, at)
			if fm.Points != s.Points || !slices.Equal(fm.Reasons, s.Reasons) || len(fm.Hints) != len(s.Hints) {
				t.Errorf("from matches %d %v, from events %d %v", fm.Points, fm.Reasons, s.Points, s.Reasons)
			}
			if p, _ := c.PointsFromMatches(ms, at); p != s.Points {
				t.Errorf("points from matches %d, want %d", p, s.Points)
			}
		})
	}
}

// A match records the field values its characteristics aggregate, and
// only those: days late for the sum, the amount (in ten-thousandths) for
// the max when in euros, 0 where the event does not count.
func TestMatchValues(t *testing.T) {
	c := MustLoad(t, "sums.yaml", MustRead(t, "sums.yaml"))
	ms := c.Matches([]*candor.Event{lateRent(1, "2026-03-10", 45, 300, "EUR"), lateRent(2, "2026-04-10", 20, 700, "USD")})
	if len(ms) != 2 || !slices.Equal(ms[0].Values, []int64{45, 300 * candor.AmountScale}) || !slices.Equal(ms[1].Values, []int64{20, 0}) {
		t.Fatalf("matches %+v", ms)
	}
	// A match whose values are not one per sum and max is not this
	// version's and does not count.
	ms[0].Values = ms[0].Values[:1]
	if p, _ := c.PointsFromMatches(ms[:1], day("2026-06-01")); p != 1030 {
		t.Errorf("a match with one value gave %d points, want 1030 (not counted)", p)
	}
	// A rule scorecard's matches carry no values.
	r := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	for _, m := range r.Matches([]*candor.Event{late(1, "2026-03-10", 45)}) {
		if m.Values != nil {
			t.Errorf("rule match %+v carries values", m)
		}
	}
}

// The explanation of a sum names the field's total, and the bin that would
// change the grade; the events behind it are the ones summed.
func TestSumExplanation(t *testing.T) {
	c := MustLoad(t, "sums.yaml", MustRead(t, "sums.yaml"))
	evs := []*candor.Event{lateRent(1, "2026-03-10", 45, 300, "EUR"), lateRent(2, "2026-04-10", 20, 700, "EUR")}
	s := MustScore(t, c, evs, day("2026-06-01"))
	// days_late_total 65 costs 100 against its best bin, largest_arrears 60.
	if len(s.Reasons) != 2 || s.Reasons[0].Code != "DAYS_LATE" || s.Reasons[0].Points != -100 || s.Reasons[1].Points != -60 {
		t.Fatalf("reasons %+v", s.Reasons)
	}
	// 870 + 60 (days late from 1 to 60) = 930: grade B.
	h := s.Hints[0]
	if h.Rule != "days_late_total" || h.Points != 930 || h.Grade != "B" || !slices.Equal(h.Events, []candor.EventID{1, 2}) ||
		!strings.Contains(h.Text, "the total days late in the last 12 months) were from 1 to below 60 instead of 65") {
		t.Errorf("hint %+v", h)
	}
	h = s.Hints[1]
	if h.Rule != "largest_arrears" || !strings.Contains(h.Text, "the largest amount in EUR in the last 24 months) were") {
		t.Errorf("hint %+v", h)
	}
}

// Each case breaks the sums fixture in one way; the scorecard must be
// refused naming the characteristic and the problem.
func TestSumAndMaxLoadRefuses(t *testing.T) {
	base := MustRead(t, "sums.yaml")
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"no field", "    field: days_late\n", "", []string{"days_late_total: field: sum needs the numeric field it aggregates"}},
		{"field of a count", "aggregate: sum", "aggregate: count", []string{"days_late_total: field: only a sum or max aggregates a field; count counts events"}},
		{"not a number", "field: days_late", "field: currency", []string{"days_late_total: field: currency of rent.late is a currency field: a sum aggregates an int or amount field"}},
		{"no such field", "types: [rent.late]\n    aggregate: sum", "types: [rent.paid, rent.late]\n    aggregate: sum",
			[]string{"days_late_total: field: rent.paid has no field days_late"}},
		{"amount without currency", "    currency: EUR\n", "", []string{"largest_arrears: currency: amount is an amount: give the currency"}},
		{"bad currency", "currency: EUR", "currency: EURO", []string{"largest_arrears: currency:", `not "EURO"`}},
		{"currency of an int", "field: days_late", "field: days_late\n    currency: EUR", []string{"days_late_total: currency: days_late is not an amount"}},
		{"missing sum", "{below: 1, points: 20}", "{missing: true, points: 20}", []string{"days_late_total: bins: bin 1: a sum is never missing"}},
		{"tax data for rental", "types: [rent.late]\n    aggregate: max", "types: [tax.company_arrears_opened]\n    aggregate: max",
			[]string{"largest_arrears: types: tax.company_arrears_opened is tax data, which may not be used for rental"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadString("sums.yaml", replace(t, base, tt.old, tt.new))
			got := problems(t, err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems:\n%s\nwant one containing %q", got, w)
				}
			}
		})
	}
}
