package candor_test

import (
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// Every shipped event type and every rule and characteristic of the
// shipped scorecards can be explained to a person in words: a title and
// an action.
func TestShippedExplanations(t *testing.T) {
	cat := catalogue.Default()
	if u := cat.Unexplained(); len(u) > 0 {
		t.Errorf("event types without a title or an action: %v", u)
	}
	cards, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		sc := c.Scorecard()
		for _, r := range sc.Rules {
			if sc.ActionOf(r.ID, cat) == "" || strings.Contains(sc.ActionOf(r.ID, cat), "_") {
				t.Errorf("%s rule %s: action %q", sc.ID, r.ID, sc.ActionOf(r.ID, cat))
			}
		}
	}
}

// A rule whose event types say nothing a person can do, and that says
// nothing itself, is refused; its own action is enough.
func TestRuleWithoutActionRefused(t *testing.T) {
	cat, err := catalogue.Load("c.yaml", []byte(`types:
  - {name: rent.late, category: utility_and_rent, subject: person, retention: 2y, description: Rent paid late., fields: [{name: days_late, type: int, required: true, min: 1, max: 365}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	sc := &candor.Scorecard{ID: "rent", Title: "Rent", Description: "d", Purpose: candor.PurposeRental, SubjectKind: candor.Person,
		Version: 1, Base: 100, Min: 0, Max: 200, Grades: []candor.GradeBand{{Grade: "A", Min: 100}, {Grade: "B", Min: 0}},
		Rules: []candor.Rule{{ID: "late", Description: "d", EventTypes: []string{"rent.late"}, Points: -10, Decay: candor.DecayNone,
			Counting: candor.CountEvery, ReasonCode: "LATE", ReasonText: "Rent paid late"}}}
	found := false
	for _, p := range sc.Validate(cat) {
		found = found || p.Field == "action"
	}
	if !found {
		t.Errorf("a rule with no action and types with none: %v", sc.Validate(cat))
	}
	sc.Rules[0].Action = "Pay the rent still owed."
	for _, p := range sc.Validate(cat) {
		if p.Field == "action" {
			t.Errorf("a rule with its own action: %v", p)
		}
	}
	if got := sc.ActionOf("late", cat); got != "Pay the rent still owed." {
		t.Errorf("ActionOf = %q", got)
	}
}
