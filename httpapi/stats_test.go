package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// TestStats: an analyst's query answers a noisy table and spends from the
// key's budget (ε 0.5 in the harness), which the budget endpoint shows
// and which refuses a query it cannot pay for with 403 saying so; bad
// parameters are refused with 422 naming them; an operator publishes last
// month's release once, and anyone reads it.
func TestStats(t *testing.T) {
	h := mustHarness(t)
	h.subject(t, "AB1234567", 95)
	h.subject(t, "CD7654321", 3)
	month := time.Now().UTC().AddDate(0, 0, -20).Format("2006-01")
	r := h.do(t, "GET", "/v1/stats/tables/arrears?from="+month+"&to="+month+"&epsilon=0.3", h.analyst, "", nil)
	if r.status != 200 || r.body["mechanism"] != "discrete_laplace" || r.body["epsilon"] != 0.3 || len(r.body["cells"].([]any)) != 2 {
		t.Fatalf("arrears: %d %s", r.status, r.raw)
	}
	b := h.do(t, "GET", "/v1/stats/budget", h.analyst, "", nil)
	if eps, _ := b.body["epsilon"].(map[string]any); b.status != 200 || eps["spent"] != 0.3 || eps["left"] != 0.2 || eps["limit"] != 0.5 {
		t.Errorf("budget: %d %s", b.status, b.raw)
	}
	r = h.do(t, "GET", "/v1/stats/tables/grades?scorecard=consumer-credit&epsilon=0.3", h.analyst, "", nil)
	if r.status != 403 || !strings.Contains(r.raw, "privacy budget spent") || !strings.Contains(r.raw, "0.2 left of 0.5") {
		t.Errorf("over budget: %d %s", r.status, r.raw)
	}
	for path, says := range map[string]string{
		"/v1/stats/tables/grades":                  "scorecard: name",
		"/v1/stats/tables/arrears?epsilon=5":       "epsilon 5: from 0.01 to 1",
		"/v1/stats/tables/arrears?region=north":    "not a parameter of arrears",
		"/v1/stats/tables/arrears?from=2026-5":     "a month, YYYY-MM",
		"/v1/stats/tables/grades?scorecard=nobody": "no active scorecard",
	} {
		if r := h.do(t, "GET", path, h.analyst, "", nil); r.status != 422 || !strings.Contains(r.raw, says) {
			t.Errorf("%s: %d %s, want 422 saying %q", path, r.status, r.raw, says)
		}
	}
	if r := h.do(t, "GET", "/v1/stats/tables/incomes", h.analyst, "", nil); r.status != 404 {
		t.Errorf("a table not on the list: %d %s", r.status, r.raw)
	}
	last := time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	if r := h.do(t, "POST", "/v1/stats/releases/"+last, h.operator, "", nil); r.status != 201 || len(r.body["tables"].([]any)) < 6 {
		t.Fatalf("publish %s: %d %s", last, r.status, r.raw)
	}
	if r := h.do(t, "POST", "/v1/stats/releases/"+last, h.operator, "", nil); r.status != 409 {
		t.Errorf("publish %s again: %d %s", last, r.status, r.raw)
	}
	this := time.Now().UTC().Format("2006-01")
	if r := h.do(t, "POST", "/v1/stats/releases/"+this, h.operator, "", nil); r.status != 422 {
		t.Errorf("publish this month: %d %s", r.status, r.raw)
	}
	list := h.do(t, "GET", "/v1/stats/releases", "", "", nil)
	if rels, _ := list.body["releases"].([]any); list.status != 200 || len(rels) != 1 {
		t.Errorf("releases: %d %s", list.status, list.raw)
	}
	if r := h.do(t, "GET", "/v1/stats/releases/"+last, "", "", nil); r.status != 200 || !strings.Contains(r.raw, `"table":"grades"`) {
		t.Errorf("release %s: %d %s", last, r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/stats/releases/1999-01", "", "", nil); r.status != 404 {
		t.Errorf("a release never published: %d", r.status)
	}
}
