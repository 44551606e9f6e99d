package scoring_test

import (
	"slices"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
)

// Values are the numbers the characteristics fixture's bins are looked up
// with (see TestCharacteristicScore), worked out by hand.
func TestValues(t *testing.T) {
	c := MustLoad(t, "characteristics.yaml", MustRead(t, "characteristics.yaml"))
	at := day("2026-06-01")
	var eleven []*candor.Event
	for i := range 11 {
		eleven = append(eleven, paid(candor.EventID(100+i), day("2025-07-05").AddDate(0, i, 0).Format("2006-01-02")))
	}
	missing := scoring.Value{Missing: true}
	tests := []struct {
		name   string
		events []*candor.Event
		want   []scoring.Value // late_rent, since_late, late_share
	}{
		{"no record", nil, []scoring.Value{{V: 0}, missing, missing}},
		{"eleven paid", eleven, []scoring.Value{{V: 0}, missing, {V: 0}}},
		{"one late among twelve", append(slices.Clone(eleven), late(1, "2026-03-10", 45)), []scoring.Value{{V: 1}, {V: 2}, {V: 1.0 / 12}}},
		{"short late", []*candor.Event{paid(2, "2026-01-05"), late(1, "2026-03-10", 5)}, []scoring.Value{{V: 0}, {V: 2}, {V: 0.5}}},
		{"old late", []*candor.Event{late(1, "2025-04-01", 60)}, []scoring.Value{{V: 0}, {V: 14}, missing}},
		{"disputed late", []*candor.Event{withState(late(1, "2026-03-10", 45), candor.StateDisputed)}, []scoring.Value{{V: 0}, missing, missing}},
	}
	ids := []string{"late_rent", "since_late", "late_share"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Values(subject, tt.events, at)
			if err != nil {
				t.Fatal(err)
			}
			for k := range tt.want {
				tt.want[k].ID = ids[k]
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("= %v, want %v", got, tt.want)
			}
		})
	}
}

// A rule scorecard's values are its rules' points (base.yaml: rent_late
// -60 each 30+ days late in 12 months; rent_paid +2 each, at most 12), and
// PointsOf adds them to the base and clamps, giving back the score.
func TestRuleValues(t *testing.T) {
	r := MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
	at := day("2026-06-01")
	evs := []*candor.Event{paid(3, "2026-01-05"), paid(4, "2026-02-05"), late(1, "2026-03-10", 45), late(2, "2026-04-10", 10)}
	got, err := r.Values(subject, evs, at)
	want := []scoring.Value{{ID: "rent_late", V: -60}, {ID: "rent_paid", V: 4}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("values %v, %v; want %v", got, err, want)
	}
	p, err := r.PointsOf(got)
	if s := MustScore(t, r, evs, at); err != nil || p != 944 || p != s.Points {
		t.Errorf("PointsOf %d (%v), score %d; want 944", p, err, s.Points)
	}
	if p, err := r.PointsOf([]scoring.Value{{ID: "rent_late", V: -2000}, {ID: "rent_paid"}}); err != nil || p != 0 {
		t.Errorf("PointsOf below the range: %d, %v; want 0 (clamped)", p, err)
	}
	for name, vals := range map[string][]scoring.Value{
		"missing":   {{ID: "rent_late", Missing: true}, {ID: "rent_paid"}},
		"order":     {{ID: "rent_paid"}, {ID: "rent_late"}},
		"one short": {{ID: "rent_late"}},
	} {
		if _, err := r.PointsOf(vals); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValuesRefuses(t *testing.T) {
	c := MustLoad(t, "characteristics.yaml", MustRead(t, "characteristics.yaml"))
	other := late(1, "2026-03-10", 45)
	other.Subject = candor.SubjectID{9}
	if _, err := c.Values(subject, []*candor.Event{other}, day("2026-06-01")); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("another subject's event: %v", err)
	}
}
