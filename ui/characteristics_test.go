package ui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/ui"
)

// The public page of a scorecard of characteristics shows each one: the
// facts it counts, how its value is worked out, and every bin's points.
// Its sums and maxima name the field, and the currency of an amount.
func TestScorecardPageShowsCharacteristics(t *testing.T) {
	h := mustHarness(t)
	src, err := os.ReadFile("../scoring/testdata/credit-sums.yaml")
	if err != nil {
		t.Fatal(err)
	}
	card, err := scoring.Load("credit-sums.yaml", src, h.cfg.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.cfg
	cfg.Scorecards = scoring.NewPublished(h.shipped, append(slices.Clone(h.shipped), card))
	p, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/scorecards/consumer-credit/versions/3")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"<h2>Characteristics</h2>", "Late instalments", "<code>credit.instalment_late</code>, when <code>days_late &gt;= 30</code>",
		"how many such facts of the last", "whole months since the latest such fact", "from 1 to below 2</td><td class=\"num\">-10",
		"none in the window</td><td class=\"num\">25", "4 or more</td><td class=\"num\">-90", "reason code LATE_SHARE",
		"the total days late of such facts of the last 24 months (none: 0)", "the largest amount in EUR among such facts of the last 24 months (none: no value)",
		"120 or more</td><td class=\"num\">-70"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<h2>Rules</h2>") {
		t.Error("a scorecard of characteristics shows a Rules heading")
	}
}
