package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// TestErasePage: the page lists what would go and what would stay; the
// form needs the box ticked and the CSRF token; a whole erasure removes
// the person, ends every session of theirs and says so on a public page.
func TestErasePage(t *testing.T) {
	h := mustHarness(t)
	b, other := h.browser(t), h.browser(t)
	b.signIn("AB1234567")
	other.signIn("AB1234567")
	// A second portal on the same store, as another node would run: its
	// session, in its memory, ends with the erasure asked for on the first.
	second := httptest.NewServer(h.portal(t, h.demo))
	t.Cleanup(second.Close)
	elsewhere := h.browser(t)
	elsewhere.base = second.URL
	elsewhere.signIn("AB1234567")
	if p := elsewhere.get("/me/grades"); p.status != 200 {
		t.Fatalf("signed in on the second portal: %d", p.status)
	}
	p := b.get("/me/erasure")
	for _, want := range []string{"What would be erased", "2 facts: Credit", "Nothing: your data would be erased whole.", "Erase all my data", `name="confirm" value="yes" required`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("erasure page lacks %q", want)
		}
	}
	csrf := b.csrf("/me/erasure")
	if p := b.post("/me/erasure", url.Values{"csrf": {csrf}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Tick the box") {
		t.Fatalf("without the box ticked: %d", p.status)
	}
	if p := b.post("/me/erasure", url.Values{"confirm": {"yes"}}); p.status != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d", p.status)
	}
	if _, err := h.store.Subject(context.Background(), h.ids["AB1234567"]); err != nil {
		t.Fatalf("erased before confirming: %v", err)
	}
	if p := b.post("/me/erasure", url.Values{"csrf": {csrf}, "confirm": {"yes"}}); p.status != http.StatusSeeOther || p.location != "/erased" {
		t.Fatalf("erase: %d %q", p.status, p.location)
	}
	if _, err := h.store.Subject(context.Background(), h.ids["AB1234567"]); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("after erasure the subject: %v, want ENOTFOUND", err)
	}
	if p := b.get("/erased"); p.status != 200 || !strings.Contains(p.body, "Your data is erased") || strings.Contains(p.body, "Sign out") {
		t.Errorf("erased page: %d", p.status)
	}
	for name, br := range map[string]*browser{"the erasing browser": b, "another browser": other, "a browser on another node": elsewhere} {
		if p := br.get("/me/grades"); p.status != http.StatusSeeOther || p.location != "/signin" {
			t.Errorf("%s after erasure: %d %q, want a redirect to sign in", name, p.status, p.location)
		}
	}
}

// TestOptOutToggle: the grades page offers an opt-out of each scorecard
// resting on consent and, once used, opting back in.
func TestOptOutToggle(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("CD7654321")
	if p := b.get("/me/grades"); strings.Count(p.body, `action="/me/opt-outs"`) != 2 || !strings.Contains(p.body, "Opt out of") {
		t.Fatalf("grades page without two opt-out forms:\n%s", p.body)
	}
	csrf := b.csrf("/me/grades")
	if p := b.post("/me/opt-outs", url.Values{"csrf": {csrf}, "scorecard": {"rental-deposit"}, "action": {"out"}}); p.status != http.StatusSeeOther {
		t.Fatalf("opt out: %d %s", p.status, p.body)
	}
	if p := b.get("/me/grades"); !strings.Contains(p.body, "You opted out of this scorecard.") || !strings.Contains(p.body, "You opted out of Rental deposit") {
		t.Fatalf("grades page after opting out:\n%s", p.body)
	}
	outs, err := h.decisions.OptOuts(context.Background(), h.ids["CD7654321"])
	if err != nil || len(outs) != 1 {
		t.Fatalf("opt-outs stored: %v, %v", outs, err)
	}
	if p := b.post("/me/opt-outs", url.Values{"csrf": {csrf}, "scorecard": {"rental-deposit"}, "action": {"in"}}); p.status != http.StatusSeeOther {
		t.Fatalf("opt in: %d", p.status)
	}
	if p := b.post("/me/opt-outs", url.Values{"csrf": {csrf}, "scorecard": {"business-compliance"}, "action": {"out"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("opting out of a statutory scorecard: %d", p.status)
	}
}
