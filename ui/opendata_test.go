package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOpenData: before any release the page says so; after last month's
// release it shows the month, each table with its noise, a chart per
// table and the rates over time, to anyone, signed in or not.
func TestOpenData(t *testing.T) {
	h := mustHarness(t)
	h.population(t, "PA", 30, 3)
	b := h.browser(t)
	if p := b.get("/open-data"); p.status != http.StatusOK || !strings.Contains(p.body, "Nothing is published yet") {
		t.Fatalf("before a release: %d\n%s", p.status, p.body)
	}
	last := time.Now().UTC().AddDate(0, -1, 0)
	if _, err := h.stats.Publish(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	p := b.get("/open-data")
	for _, want := range []string{last.Format("January 2006"), "Persons who fell into arrears", "Subjects by grade: consumer-credit",
		"noise within ±", `class="bar-fill"`, "Arrears and dispute rates by month", "<polyline", "privacy budget ε 1"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the open-data page has no %q", want)
		}
	}
	if strings.Count(p.body, "<svg") < 7 {
		t.Errorf("%d charts, want one per table and the trend", strings.Count(p.body, "<svg"))
	}
}
