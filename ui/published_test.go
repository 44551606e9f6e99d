package ui_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestScorecardPagesFollowTheServedSet: the public scorecard pages show
// the version served active when they are asked for; a Set after start
// changes them without a new portal, and the replaced version stays
// published.
func TestScorecardPagesFollowTheServedSet(t *testing.T) {
	h := mustHarness(t)
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		return string(body)
	}
	if page := get("/scorecards/rental-deposit"); !strings.Contains(page, "Scorecard rental-deposit · version 1,") {
		t.Fatal("the rental-deposit page does not show version 1")
	}
	v2 := testenv.NextVersion(t, h.cfg.Catalogue, "rental-deposit")
	h.served.Set([]*scoring.Compiled{h.shipped[0], h.shipped[1], v2}, append(h.shipped, v2))
	if page := get("/scorecards/rental-deposit"); !strings.Contains(page, "Scorecard rental-deposit · version 2,") ||
		!strings.Contains(page, `<a href="/scorecards/rental-deposit/versions/1">version 1</a>`) {
		t.Error("after Set, the rental-deposit page does not show version 2 with version 1 among the others")
	}
	if page := get("/scorecards/rental-deposit/versions/1"); !strings.Contains(page, "Scorecard rental-deposit · version 1,") {
		t.Error("after Set, version 1's page is gone")
	}
}
