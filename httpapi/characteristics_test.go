package httpapi_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// A scorecard of characteristics, active as consumer-credit version 2, is
// published with its characteristics and bins, and scores a subject from
// the matches stored on ingest, explained with its reasons and hints.
func TestCharacteristicScorecardServed(t *testing.T) {
	cat := catalogue.Default()
	v1, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../scoring/testdata/credit-characteristics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := scoring.Load("credit-characteristics.yaml", src, cat)
	if err != nil {
		t.Fatal(err)
	}
	var active []*scoring.Compiled
	for _, c := range v1 {
		if c.Scorecard().ID != "consumer-credit" {
			active = append(active, c)
		}
	}
	h := mustHarnessWith(t, append(active, v2), append(v1, v2))
	card := h.do(t, "GET", "/v1/scorecards/consumer-credit/versions/2", "", "", nil)
	if card.status != 200 || !strings.Contains(card.raw, `"characteristics":[{"id":"late_instalments"`) ||
		!strings.Contains(card.raw, `"aggregate":"months_since_last"`) || !strings.Contains(card.raw, `{"from":1,"below":2,"points":-10}`) ||
		!strings.Contains(card.raw, `{"missing":true,"points":25}`) {
		t.Fatalf("consumer-credit v2: %d %s", card.status, truncate(card.raw))
	}

	when := time.Now().UTC().Add(-60 * 24 * time.Hour).Format(time.RFC3339)
	body := event("s1", "AB1234567", when, `{"days_late":95,"amount":"300","currency":"EUR"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	s := h.do(t, "GET", "/v1/subjects/"+id+"/scores/consumer-credit", h.operator, "", nil)
	if s.status != 200 || s.body["version"] != 2.0 {
		t.Fatalf("score: %d %s", s.status, truncate(s.raw))
	}
	// One late instalment two months ago: late_instalments 1 (-10, best
	// +40), months since 2 (-40, best +25), share 1/1 (-60, best +30).
	for _, want := range []string{`"points":540`, `"code":"LATE_SHARE"`, `"code":"RECENT_LATE"`, `"code":"LATE_INSTALMENTS"`, `"hints":[{`} {
		if !strings.Contains(s.raw, want) {
			t.Errorf("score lacks %s: %s", want, truncate(s.raw))
		}
	}
}

// A version with a sum and a max (credit-sums.yaml, active as
// consumer-credit version 3) is published with their fields, and scores
// from the matches stored on ingest, which carry the values: worked out by
// hand below.
func TestSumScorecardServed(t *testing.T) {
	cat := catalogue.Default()
	v1, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../scoring/testdata/credit-sums.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v3, err := scoring.Load("credit-sums.yaml", src, cat)
	if err != nil {
		t.Fatal(err)
	}
	var active []*scoring.Compiled
	for _, c := range v1 {
		if c.Scorecard().ID != "consumer-credit" {
			active = append(active, c)
		}
	}
	h := mustHarnessWith(t, append(active, v3), append(v1, v3))
	card := h.do(t, "GET", "/v1/scorecards/consumer-credit/versions/3", "", "", nil)
	if card.status != 200 || !strings.Contains(card.raw, `"aggregate":"sum","field":"days_late"`) ||
		!strings.Contains(card.raw, `"aggregate":"max","field":"amount","currency":"EUR"`) {
		t.Fatalf("consumer-credit v3: %d %s", card.status, truncate(card.raw))
	}
	when := time.Now().UTC().Add(-60 * 24 * time.Hour)
	body := event("s1", "AB1234567", when.Format(time.RFC3339), `{"days_late":95,"amount":"300","currency":"EUR"}`) + "\n" +
		event("s2", "AB1234567", when.Add(time.Hour).Format(time.RFC3339), `{"days_late":10,"amount":"700.5","currency":"USD"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	s := h.do(t, "GET", "/v1/subjects/"+id+"/scores/consumer-credit", h.operator, "", nil)
	if s.status != 200 || s.body["version"] != 3.0 {
		t.Fatalf("score: %d %s", s.status, truncate(s.raw))
	}
	// Two late instalments two months ago: late_instalments 1 (-10),
	// months since 2 (-40), share 2/2 (-60), days late 95+10 = 105 (-40),
	// the largest in euros 300 (0: the 700.50 is in dollars).
	for _, want := range []string{`"points":500`, `"code":"DAYS_LATE"`, `"rule":"days_late_total","points":-40`, `"rule":"largest_late","points":0`} {
		if !strings.Contains(s.raw, want) {
			t.Errorf("score lacks %s: %s", want, truncate(s.raw))
		}
	}
}
