package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A court order's wording reaches the subject (and the court register),
// never an operator; a reference reaches no one but as its last digits.
func TestCourtOrderTextIsTheSubjectsOnly(t *testing.T) {
	h := mustHarness(t)
	bob := h.subject(t, "CD7654321", 3)
	when := time.Now().UTC().Add(-10 * 24 * time.Hour)
	order := fmt.Sprintf(`{"id":"o1","subject":{"kind":"person","scheme":"national_id","value":"CD7654321"},"type":"court.restriction_imposed","occurred_at":%q,"fields":{"order_ref":"ORD-1","court":"District Court","legal_basis":"Insolvency Act s.11","restriction":"company_director","expires_on":%q,"appeal_route":"Court of Appeal"}}`,
		when.Format(time.RFC3339), when.AddDate(2, 0, 0).Format(time.DateOnly))
	if r := h.do(t, "POST", "/v1/events", h.court, "application/x-ndjson", []byte(order)); r.status != 200 {
		t.Fatalf("court order: %d %s", r.status, r.raw)
	}
	withAccount := event("acct", "CD7654321", when.Format(time.RFC3339), `{"account":"RELIGION: catholic 4821","days_late":45,"amount":"120.50","currency":"EUR"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(withAccount)); r.status != 200 {
		t.Fatalf("event with an account: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=CD7654321", h.operator, "", nil).body["id"].(string)
	for _, path := range []string{"/v1/subjects/" + id + "/events", "/v1/me/events"} {
		token := map[bool]string{true: h.operator, false: bob}[strings.HasPrefix(path, "/v1/subjects/")]
		if r := h.do(t, "GET", path, token, "", nil); r.status != 200 || !strings.Contains(r.raw, `"account":"…4821"`) || strings.Contains(r.raw, "catholic") {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
	fields := func(token, path string) map[string]any {
		t.Helper()
		r := h.do(t, "GET", path, token, "", nil)
		list, _ := r.body["events"].([]any)
		for _, e := range list {
			if e := e.(map[string]any); e["type"] == "court.restriction_imposed" {
				return e["fields"].(map[string]any)
			}
		}
		t.Fatalf("%s: no court order in %d %s", path, r.status, r.raw)
		return nil
	}
	for _, tc := range []struct {
		who, token, path string
		want             map[string]any
	}{
		{"subject", bob, "/v1/me/events", map[string]any{"legal_basis": "Insolvency Act s.11", "appeal_route": "Court of Appeal", "restriction": "company_director"}},
		{"operator", h.operator, "/v1/subjects/" + id + "/events", map[string]any{
			"legal_basis": "(withheld: shown only to the subject and the court register)", "court": "(withheld: shown only to the subject and the court register)",
			"restriction": "company_director"}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			got := fields(tc.token, tc.path)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

// GET /v1/catalogue publishes each field's kind, the closed benefit
// catalogue and the grade ladder, which every scorecard is checked against.
func TestCatalogueListsBenefitsAndLadder(t *testing.T) {
	h := mustHarness(t)
	r := h.do(t, "GET", "/v1/catalogue", "", "", nil)
	if r.status != 200 || !strings.Contains(r.raw, `{"name":"deposit_waived","purpose":"rental",`) ||
		!strings.Contains(r.raw, `"grades":["AAA","AA","A","B","C","D","E"]`) || strings.Contains(r.raw, `"purpose":"court_enforcement"`) ||
		!strings.Contains(r.raw, `{"name":"account","type":"reference",`) || !strings.Contains(r.raw, `{"name":"legal_basis","type":"text",`) {
		t.Fatalf("catalogue: %d %s", r.status, r.raw)
	}
}
