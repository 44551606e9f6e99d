package scoring_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// BannedScorecard returns the shipped rental-deposit scorecard as version 2
// turned into an instrument of sanction (issue 11, part 3): a grade BANNED
// and "benefits" that are restrictions by another name.
func BannedScorecard(tb testing.TB) []byte {
	tb.Helper()
	shipped, err := os.ReadFile("scorecards/rental-deposit.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	s := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	s = replace(tb, s, `  - {grade: D, min: 0, description: "serious recent payment problems, a default or a judgment"}`,
		`  - {grade: D, min: 500, description: "serious recent payment problems"}
  - {grade: BANNED, min: 0, description: deny travel and blacklist from public services}`)
	s = replace(tb, s, `  - name: deposit_waived
    min_grade: A
    description: The landlord may let without a security deposit.`,
		`  - {name: deposit_waived, min_grade: A, description: The landlord may let without a security deposit.}
  - {name: travel_allowed, min_grade: D, description: May travel.}
  - {name: ban, min_grade: AAA}
  - {name: blacklist, min_grade: AAA}`)
	return []byte(s)
}

// The scorecard is refused by Load (which simulate and the console use)
// and by Registry.Propose, each problem naming charter point 9.
func TestSanctionsAreRefused(t *testing.T) {
	src := BannedScorecard(t)
	want := []string{
		`grade "BANNED" is not on the fixed ladder`,
		`"travel_allowed" is not in the benefit catalogue for rental`,
		`"ban" is not in the benefit catalogue for rental`,
		`"blacklist" is not in the benefit catalogue for rental`,
	}
	check := func(t *testing.T, err error) {
		got := problems(t, err)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("problems lack %q:\n%s", w, got)
			}
		}
		if n := strings.Count(got, "(charter point 9)"); n != len(want) {
			t.Errorf("%d problems name charter point 9, want %d:\n%s", n, len(want), got)
		}
	}
	t.Run("load", func(t *testing.T) {
		_, err := scoring.Load("banned.yaml", src, catalogue.Default())
		check(t, err)
	})
	t.Run("propose", func(t *testing.T) {
		now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		reg := scoring.NewRegistry(&memMeta{m: map[string][]byte{}}, catalogue.Default())
		_, alice := candor.NewAPIKey(candor.RolePolicyAdmin, "alice", now)
		_, err := reg.Propose(context.Background(), "banned.yaml", src, alice, now)
		check(t, err)
		if vs, err := reg.Versions(context.Background()); err != nil || len(vs) != 0 {
			t.Errorf("a refused proposal was stored: %+v %v", vs, err)
		}
	})
}

// Every shipped scorecard keeps to the ladder and the benefit catalogue.
func TestShippedScorecardsKeepTheCharter(t *testing.T) {
	ladder := candor.GradeLadder()
	shipped, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range shipped {
		sc := c.Scorecard()
		t.Run(sc.ID, func(t *testing.T) {
			last := -1
			for _, b := range sc.Grades {
				i := slices.Index(ladder, b.Grade)
				if i <= last {
					t.Errorf("grade %s is off the ladder or out of its order", b.Grade)
				}
				last = i
			}
			for _, b := range sc.Benefits {
				if _, ok := candor.LookupBenefit(sc.Purpose, b.Name); !ok {
					t.Errorf("benefit %s is not in the catalogue for %s", b.Name, sc.Purpose)
				}
			}
		})
	}
}
