package scoring_test

import (
	"os"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// MustRead returns the contents of a testdata file.
func MustRead(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// MustLoad loads a scorecard that must be valid.
func MustLoad(tb testing.TB, name, yaml string) *scoring.Compiled {
	tb.Helper()
	c, err := scoring.Load(name, []byte(yaml), catalogue.Default())
	if err != nil {
		tb.Fatalf("Load(%s): %v", name, err)
	}
	return c
}

// replace returns s with old replaced by new, failing if old is not in s.
func replace(tb testing.TB, s, old, new string) string {
	tb.Helper()
	if !strings.Contains(s, old) {
		tb.Fatalf("fixture does not contain %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

// problems returns every problem message of a Load error.
func problems(tb testing.TB, err error) string {
	tb.Helper()
	if err == nil {
		tb.Fatal("Load accepted the scorecard")
	}
	if candor.ErrorCode(err) != candor.EINVALID {
		tb.Fatalf("error code %q, want %q: %v", candor.ErrorCode(err), candor.EINVALID, err)
	}
	var ms []string
	for _, p := range candor.ErrorDetails(err) {
		ms = append(ms, p.Reason)
	}
	return strings.Join(ms, "\n")
}

func TestBaseFixtureLoads(t *testing.T) {
	MustLoad(t, "base.yaml", MustRead(t, "base.yaml"))
}

// Each case breaks the valid base fixture in one way; the scorecard must be
// refused with a message naming the file, line, rule and the problem.
func TestLoadRefuses(t *testing.T) {
	base := MustRead(t, "base.yaml")
	tests := []struct {
		name     string
		old, new string
		want     []string // substrings of the problems
	}{
		// Purpose binding (charter point 2).
		{"tax data for rental", "types: [rent.late]", "types: [tax.return_late]",
			[]string{"base.yaml:21: rule rent_late: types: tax.return_late is tax data, which may not be used for rental (its category serves only tax_compliance, business_compliance; charter point 2)"}},
		{"identity data", "types: [rent.paid]", "types: [identity.resident_registered]",
			[]string{"rule rent_paid: types: identity.resident_registered is identity data", "serves only no scoring purpose"}},
		{"licence data for rental", "types: [rent.paid]", "types: [rent.paid, permit.work_permit_expired]",
			[]string{"permit.work_permit_expired is licence_permit data, which may not be used for rental"}},
		// Only catalogue types and fields.
		{"unknown type", "types: [rent.late]", "types: [rent.very_late]",
			[]string{"base.yaml:21: rule rent_late: types: unknown event type \"rent.very_late\""}},
		{"unknown field", "days_late >= 30", "days_overdue >= 30",
			[]string{"base.yaml:22:16: rule rent_late: condition: undeclared reference to 'days_overdue'"}},
		{"field of wrong type", "days_late >= 30", "days_late >= \"30\"",
			[]string{"base.yaml:22:26:", "condition: found no matching overload for '_>=_' applied to '(int, string)'"}},
		{"amount compared with an int", "days_late >= 30", "amount > 100",
			[]string{"condition: found no matching overload for '_>_' applied to '(double, int)'"}},
		{"not boolean", "days_late >= 30", "days_late + 1",
			[]string{"base.yaml:22:16:", "condition: must be true or false, but is int"}},
		{"syntax error", "days_late >= 30", "days_late >=",
			[]string{"base.yaml:22:28:", "rule rent_late: condition: Syntax error"}},
		{"enum typo", "types: [rent.late]\n    condition: days_late >= 30", "types: [utility.bill_overdue]\n    condition: service == \"electrcity\"",
			[]string{"base.yaml:22:27: rule rent_late: condition: service is one of electricity, gas, water, heating, telecom; \"electrcity\" is not among them"}},
		{"host function", "days_late >= 30", "days_late >= size(env(\"HOME\"))",
			[]string{"undeclared reference to 'env'"}},
		{"macro", "days_late >= 30", "'[1, 2].exists(x, x == days_late)'",
			[]string{"condition:", "exists"}},
		{"bad date literal", "types: [rent.late]\n    condition: days_late >= 30", "types: [court.restriction_imposed]\n    condition: expires_on > date(\"2026-13-01\")",
			[]string{"court.restriction_imposed is court_order data", "\"2026-13-01\" is not a date"}},
		// Window and retention (charter point 7); subject kind.
		{"window past retention", "window: 12m\n    reason_code: RENT_LATE", "window: 4y\n    reason_code: RENT_LATE",
			[]string{"base.yaml:24: rule rent_late: window: 4y reaches past the 3y retention of the rule's event types"}},
		{"organisation type", "types: [rent.paid]", "types: [court.company_judgment_entered]",
			[]string{"rule rent_paid: types: court.company_judgment_entered is about an organisation, but the scorecard scores a person"}},
		// Grade bands.
		{"bands out of order", "{grade: B, min: 900}", "{grade: B, min: 1100}",
			[]string{"grades: band 2 (B): bands go from the highest grade down, so min 1100 must be below 1000 (A)"}},
		{"bands do not cover min", "{grade: C, min: 0}", "{grade: C, min: 100}",
			[]string{"grades: the lowest band (C) must start at min (0), not 100"}},
		{"band above max", "{grade: A, min: 1000}", "{grade: A, min: 1400}",
			[]string{"grades: band 1 (A): min 1400 is outside min..max (0..1300)"}},
		{"benefit of unknown grade", "min_grade: A}", "min_grade: AAA}",
			[]string{"benefits: benefit 1 (deposit_waived): min_grade \"AAA\" is not one of the grades"}},
		// No sanctions from scores (charter point 9).
		{"grade off the ladder", "{grade: C, min: 0}", "{grade: BANNED, min: 0}",
			[]string{"grades: band 3: grade \"BANNED\" is not on the fixed ladder AAA, AA, A, B, C, D, E", "charter point 9"}},
		{"grades against the ladder", "{grade: A, min: 1000}\n  - {grade: B, min: 900}", "{grade: B, min: 1000}\n  - {grade: A, min: 900}",
			[]string{"grades: band 2: grade A must come below B"}},
		{"benefit outside the catalogue", "{name: deposit_waived,", "{name: travel_allowed,",
			[]string{"benefits: benefit 1: \"travel_allowed\" is not in the benefit catalogue for rental (deposit_waived, deposit_reduced)", "never a restriction (charter point 9)"}},
		{"benefit of another purpose", "{name: deposit_waived,", "{name: rate_discount,",
			[]string{"\"rate_discount\" is not in the benefit catalogue for rental"}},
		{"court enforcement by score", "purpose: rental", "purpose: court_enforcement",
			[]string{"purpose: court_enforcement is served by the court register, never by a score", "charter point 9"}},
		// No free text in facts (charter point 1).
		{"condition on an account", "types: [rent.late]\n    condition: days_late >= 30", "types: [credit.instalment_late]\n    condition: account.contains(\"MOSQUE\")",
			[]string{"base.yaml:22:16: rule rent_late: condition: account is a reference field: conditions may read only enums, numbers, amounts, currencies, dates and booleans", "charter point 1"}},
		{"condition on a case reference", "types: [rent.late]\n    condition: days_late >= 30", "types: [court.money_judgment_entered]\n    condition: case_ref.matches(\"(?i)relig|ethnic|union\")",
			[]string{"condition: case_ref is a reference field", "charter point 1"}},
		{"reference hidden in an expression", "types: [rent.late]\n    condition: days_late >= 30", "types: [credit.instalment_late]\n    condition: days_late > 1 && size(account) > 4",
			[]string{"condition: account is a reference field"}},
		// Points, caps, range.
		{"zero points", "points: -60", "points: 0", []string{"base.yaml:23: rule rent_late: points: must be a non-zero number"}},
		{"points beyond range", "points: -60", "points: -5000", []string{"points: -5000 is more than the whole range (1300)"}},
		{"cap below points", "points: -60", "points: -60\n    cap: 30", []string{"cap: 30 is below the points of one event (60)"}},
		{"negative cap", "points: -60", "points: -60\n    cap: -30", []string{"cap: must be a positive number"}},
		{"base outside range", "base: 1000", "base: 1400", []string{"base.yaml:9: base: must be within min..max (0..1300)"}},
		{"min above max", "min: 0", "min: 1300", []string{"max: must be above min (1300)"}},
		{"at_most zero", "counting: at_most 12", "counting: at_most 0", []string{"counting: counting \"at_most 0\": at_most needs a whole number from 1 to 1000"}},
		{"half-life without period", "window: 12m\n    reason_code: RENT_LATE", "window: 12m\n    decay: half_life\n    reason_code: RENT_LATE", []string{"rule rent_late: decay: decay \"half_life\""}},
		// Strict decoding.
		{"unknown key", "points: -60", "points: -60\n    weight: 2", []string{"base.yaml:24: rule rent_late: unknown key \"weight\""}},
		{"unknown top-level key", "base: 1000", "base: 1000\nbonus: 5", []string{"base.yaml:10: unknown key \"bonus\""}},
		{"key twice", "points: -60", "points: -60\n    points: -50", []string{"rule rent_late: key \"points\" given twice (first at line 23)"}},
		{"duplicate rule", "id: rent_paid", "id: rent_late", []string{"rule rent_late: id: rule rent_late is already defined"}},
		{"duplicate reason code", "reason_code: RENT_PAID", "reason_code: RENT_LATE", []string{"reason_code: RENT_LATE is already the reason code of rule rent_late"}},
		{"unknown purpose", "purpose: rental", "purpose: loyalty", []string{"base.yaml:5: purpose: unknown purpose \"loyalty\""}},
		{"no description", "description: Rent paid late.", "description: \"\"", []string{"rule rent_late: description: required"}},
		{"yaml syntax", "points: -60", "points: [-60", []string{"base.yaml:"}},
		{"alias", "title: Test rental\ndescription: A scorecard for tests.", "title: &t Test rental\ndescription: *t", []string{"base.yaml:4: aliases (*t) are not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := replace(t, base, tt.old, tt.new)
			_, err := scoring.Load("base.yaml", []byte(src), catalogue.Default())
			got := problems(t, err)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
		})
	}
}
