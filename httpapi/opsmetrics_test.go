package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// metric returns the value of the sample named, labels included, as
// /metrics shows it (0 if absent).
func (h *harness) metric(t *testing.T, sample string) float64 {
	t.Helper()
	m := h.do(t, "GET", "/metrics", "", "", nil)
	for _, line := range strings.Split(m.raw, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// TestOpsMetricsMove: decisions by outcome, refusals, disputes by state
// and the log's lag are on /metrics and move with what happens.
func TestOpsMetricsMove(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 3)
	decline, refused := `candor_decisions_total{outcome="decline"}`, `candor_decision_refusals_total{reason="no_consent"}`
	opened, verified, open := `candor_disputes_total{state="open"}`, `candor_disputes_total{state="verified"}`, "candor_disputes_open"
	for _, s := range []string{decline, `candor_decisions_total{outcome="approve"}`, `candor_decisions_total{outcome="refer"}`, opened, verified, open} {
		if !strings.Contains(h.do(t, "GET", "/metrics", "", "", nil).raw, s+" 0") {
			t.Errorf("%s is not exported at zero from the start", s)
		}
	}
	if v := h.metric(t, "candor_tlog_lag_commits"); v < 0 {
		t.Errorf("candor_tlog_lag_commits = %v", v)
	}

	code := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`)).body["code"].(string)
	body := []byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, code))
	hd := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "k1"}
	if r, _ := h.doWith(t, "POST", "/v1/decisions", h.landlord, hd, body); r.status != 200 || r.body["outcome"] != "decline" {
		t.Fatalf("decision: %d %s", r.status, r.raw)
	}
	h.doWith(t, "POST", "/v1/decisions", h.landlord, hd, body) // a replay takes no decision
	h.do(t, "POST", "/v1/decisions", h.landlord, "application/json", []byte(`{"consent":"AAA-AAA-AAA-AAA","purpose":"rental","benefit":"deposit_waived"}`))
	if a, r := h.metric(t, decline), h.metric(t, refused); a != 1 || r != 1 {
		t.Errorf("after one decline, a replay and a refusal: %s %v, %s %v; want 1 and 1", decline, a, refused, r)
	}

	evs := h.do(t, "GET", "/v1/me/events", alice, "", nil).body["events"].([]any)
	id := evs[0].(map[string]any)["id"].(float64)
	d := h.do(t, "POST", "/v1/me/disputes", alice, "application/json", []byte(fmt.Sprintf(`{"event":%v,"statement":"not late"}`, id)))
	if d.status != 201 {
		t.Fatalf("dispute: %d %s", d.status, d.raw)
	}
	if o, n := h.metric(t, opened), h.metric(t, open); o != 1 || n != 1 {
		t.Errorf("after a dispute opened: %s %v, %s %v; want 1 and 1", opened, o, open, n)
	}
	if r := h.do(t, "POST", "/v1/sources/me/disputes/"+d.body["id"].(string), h.bank, "application/json", []byte(`{"answer":"verify"}`)); r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r.raw)
	}
	if v, n := h.metric(t, verified), h.metric(t, open); v != 1 || n != 0 {
		t.Errorf("after it was verified: %s %v, %s %v; want 1 and 0", verified, v, open, n)
	}
}

// TestPortalRouteMetrics: the portal's requests are counted by route
// pattern, never by path.
func TestPortalRouteMetrics(t *testing.T) {
	h := mustHarness(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me/decisions/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /me/disputes", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusSeeOther) })
	portal := httptest.NewServer(h.metrics.Portal(mux))
	defer portal.Close()
	for _, p := range []string{"/me/decisions/d_secretdecision", "/me/decisions/d_other", "/no/such/page"} {
		resp, err := http.Get(portal.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Post(portal.URL+"/me/disputes", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for sample, want := range map[string]float64{
		`candor_portal_requests_total{route="GET /me/decisions/{id}",status="200"}`: 2,
		`candor_portal_requests_total{route="POST /me/disputes",status="303"}`:      1,
		`candor_portal_requests_total{route="other",status="404"}`:                  1,
	} {
		if got := h.metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if m := h.do(t, "GET", "/metrics", "", "", nil).raw; strings.Contains(m, "secretdecision") || strings.Contains(m, "/no/such") {
		t.Error("/metrics holds a path")
	}
}
