package ui_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// A person's pages explain in words: what each fact is, what they can do,
// when each fact stops counting and when the grade next changes — never
// identifiers of types and rules, and never a grade's wording that names
// facts the person does not have.
func TestExplanationsInWords(t *testing.T) {
	h := mustHarness(t)
	// Twelve late instalments: rental grade D, with no default and no
	// judgment.
	nid := h.population(t, "EF", 1, 95, 95, 95, 95, 40, 40, 40, 40, 40, 40, 40, 40)[0]
	var err error
	if h.ids[nid], _, err = h.cfg.Profiles.Lookup(context.Background(), candor.Identifier{Scheme: candor.NationalID, Value: nid}); err != nil {
		t.Fatal(err)
	}
	b := h.browser(t)
	b.signIn(nid)
	p := b.get("/me/grades")
	if p.status != 200 {
		t.Fatalf("grades: %d", p.status)
	}
	body := text(p.body)
	if !strings.Contains(body, "Grade D") && !strings.Contains(p.body, `aria-label="Grade D"`) {
		t.Fatalf("the person is not at rental grade D:\n%s", body)
	}
	for _, want := range []string{"What you can do: Pay any instalment still overdue", "Your late loan instalment of ", " stops counting on ",
		"If nothing new happens, your grade rises to C on ", "Lowered by loan instalment"} {
		if !strings.Contains(body, want) {
			t.Errorf("the grades page lacks %q:\n%s", want, body)
		}
	}
	for _, jargon := range []string{"credit.instalment_late", "instalments_late", "rule ", "Without all", "a default or a judgment", "days_late"} {
		if strings.Contains(body, jargon) {
			t.Errorf("the grades page says %q:\n%s", jargon, body)
		}
	}
	if p := b.get("/me/data"); strings.Contains(text(p.body), "days_late") || strings.Contains(text(p.body), "credit.instalment_late") {
		t.Errorf("my data shows identifiers:\n%s", text(p.body))
	}

	// A declined decision is not titled with the benefit as if granted.
	code := h.grantConsent(t, nid)
	d, err := h.decide(code)
	if err != nil || d.Outcome != candor.OutcomeDecline {
		t.Fatalf("decision %+v, %v: want a decline at grade D", d, err)
	}
	body = text(b.get("/me/decisions").body)
	if strings.Contains(body, "Landlord One: Deposit waived") || !strings.Contains(body, "declined Landlord One was told you do not qualify") {
		t.Errorf("the declined decision:\n%s", body)
	}
}

var tags = regexp.MustCompile(`<[^>]*>|\s+`)

// text is an HTML page's text, its tags and runs of white space each one
// space.
func text(html string) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(html, " ")), " ")
}

// The grades page draws each grade's history as an SVG, without script:
// one point per month and today, a step line through them, and the same
// figures as a table; the late instalments 40 days ago show as a change.
func TestGradeHistoryChart(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	p := b.get("/me/grades")
	if n := strings.Count(p.body, `<svg class="chart history"`); n != 2 {
		t.Fatalf("%d history charts, want one per scorecard (2):\n%s", n, p.body)
	}
	if strings.Contains(p.body, "<script") {
		t.Error("the grades page has a script")
	}
	i := strings.Index(p.body, `id="hist-rental-deposit-t"`)
	if i < 0 {
		t.Fatal("no rental-deposit history")
	}
	chart := p.body[i:]
	chart = chart[:strings.Index(chart, "</svg>")]
	if n := strings.Count(chart, "<circle"); n != 25 {
		t.Errorf("%d points, want 25 (24 months and today)", n)
	}
	if !strings.Contains(chart, `<path d="M50 `) || !strings.Contains(chart, "today: grade ") {
		t.Errorf("the chart:\n%s", chart)
	}
	table := text(p.body[i:])
	if !strings.Contains(table, "(changed)") {
		t.Errorf("the history table shows no change of grade after the late instalments:\n%.2000s", table)
	}
}
