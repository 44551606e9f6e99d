package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"go.yaml.in/yaml/v3"
)

// subject posts a late instalment for the person with national ID nid
// days ago and returns a token of that person.
func (h *harness) subject(t *testing.T, nid string, daysLate int) string {
	t.Helper()
	when := time.Now().UTC().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	body := event("e-"+nid, nid, when, fmt.Sprintf(`{"days_late":%d,"amount":"300","currency":"EUR"}`, daysLate))
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value="+nid, h.operator, "", nil).body["id"].(string)
	return h.key(t, candor.RoleSubject, id)
}

func TestDecisionFlow(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	bob := h.subject(t, "CD7654321", 3)

	grant := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental","days":10}`))
	code, _ := grant.body["code"].(string)
	if grant.status != 201 || code == "" || grant.body["active"] != true {
		t.Fatalf("grant: %d %s", grant.status, grant.raw)
	}
	if r := h.do(t, "GET", "/v1/consents/"+code, h.landlord, "", nil); r.status != 200 || r.body["purpose"] != "rental" || strings.Contains(r.raw, "subject") {
		t.Errorf("the landlord checks the consent: %d %s", r.status, r.raw)
	}
	ask := func(token, code, purpose string) response {
		return h.do(t, "POST", "/v1/decisions", token, "application/json",
			[]byte(fmt.Sprintf(`{"consent":%q,"purpose":%q,"benefit":"deposit_waived"}`, code, purpose)))
	}
	d := ask(h.landlord, code, "rental")
	if d.status != 200 || d.body["outcome"] == nil || d.body["scorecard_id"] != "rental-deposit" || d.body["how_to_contest"] == "" {
		t.Fatalf("decision: %d %s", d.status, d.raw)
	}
	for _, leak := range []string{"points", "events", "AB1234567", "contributions"} {
		if strings.Contains(d.raw, leak) {
			t.Errorf("the relying party's answer holds %q: %s", leak, d.raw)
		}
	}
	id := d.body["decision_id"].(string)
	// The disclosure is recorded, with its purpose, before it is served.
	subject := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	if acc := h.do(t, "GET", "/v1/subjects/"+subject+"/access", h.operator, "", nil); !strings.Contains(acc.raw, "decision for rental by landlord1") {
		t.Errorf("the decision is not in the subject's access records: %d %s", acc.status, acc.raw)
	}

	// Refusals carry their reason code.
	for _, tc := range []struct {
		code, purpose, want string
	}{
		{"NOT-A-REAL-CODE", "rental", "no_consent"},
		{code, "credit", "purpose_not_registered"},
	} {
		r := ask(h.landlord, tc.code, tc.purpose)
		if r.status != 403 || !strings.Contains(r.raw, `"reason":"`+tc.want+`"`) {
			t.Errorf("%s for %s: %d %s, want 403 %s", tc.code, tc.purpose, r.status, r.raw, tc.want)
		}
	}

	// The subject sees the decision; the other subject sees nothing of it.
	mine := h.do(t, "GET", "/v1/me/decisions", alice, "", nil)
	if ds, _ := mine.body["decisions"].([]any); mine.status != 200 || len(ds) != 1 || !strings.Contains(mine.raw, id) {
		t.Fatalf("alice's decisions: %d %s", mine.status, mine.raw)
	}
	if acc := h.do(t, "GET", "/v1/subjects/"+subject+"/access", h.operator, "", nil); !strings.Contains(acc.raw, "the subject's own read") {
		t.Errorf("alice's reading of her decisions is not in her access records: %s", acc.raw)
	}
	if r := h.do(t, "GET", "/v1/me/decisions", bob, "", nil); strings.Contains(r.raw, id) || r.status != 200 {
		t.Errorf("bob sees alice's decision: %s", r.raw)
	}
	if r := h.do(t, "POST", "/v1/me/decisions/"+id+"/review", bob, "application/json", []byte(`{"statement":"x"}`)); r.status != 404 {
		t.Errorf("bob asks to review alice's decision: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "DELETE", "/v1/me/consents/"+code, bob, "", nil); r.status != 404 {
		t.Errorf("bob revokes alice's consent: %d %s", r.status, r.raw)
	}

	// Review.
	if r := h.do(t, "POST", "/v1/me/decisions/"+id+"/review", alice, "application/json", []byte(`{"statement":"The late payment was the bank's error."}`)); r.status != 201 {
		t.Fatalf("review: %d %s", r.status, r.raw)
	}
	list := h.do(t, "GET", "/v1/reviews", h.reviewer, "", nil)
	if rs, _ := list.body["reviews"].([]any); list.status != 200 || len(rs) != 1 {
		t.Fatalf("reviews: %d %s", list.status, list.raw)
	}
	// The queue shows alice's statement: she sees that a reviewer read it.
	seen := h.do(t, "GET", "/v1/me/access", alice, "", nil).body["access"].([]any)
	if last := seen[len(seen)-1].(map[string]any); last["role"] != "reviewer" || last["purpose"] != "human_review" || last["action"] != "GET /v1/reviews" {
		t.Errorf("reading the review queue is not recorded for alice: %v", last)
	}
	if r := h.do(t, "GET", "/v1/reviews/"+id, h.reviewer, "", nil); r.status != 200 || !strings.Contains(r.raw, `"contributions":[{`) {
		t.Errorf("examine: %d %s", r.status, r.raw)
	}
	flip := map[string]string{"approve": "decline", "decline": "approve", "refer": "approve"}[d.body["outcome"].(string)]
	closed := h.do(t, "POST", "/v1/reviews/"+id+"/close", h.reviewer, "application/json", []byte(`{"outcome":"`+flip+`","rationale":"The bank confirmed its error."}`))
	if closed.status != 200 || !strings.Contains(closed.raw, `"state":"overturned"`) || !strings.Contains(closed.raw, `"reviewer":"rita"`) {
		t.Fatalf("close: %d %s", closed.status, closed.raw)
	}
	if r := h.do(t, "GET", "/v1/me/decisions", alice, "", nil); !strings.Contains(r.raw, `"state":"overturned"`) {
		t.Errorf("alice does not see the review's result: %s", r.raw)
	}

	// Revocation is effective at once.
	if r := h.do(t, "DELETE", "/v1/me/consents/"+code, alice, "", nil); r.status != 200 || r.body["active"] != false {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if r := ask(h.landlord, code, "rental"); r.status != 403 || !strings.Contains(r.raw, "consent_revoked") {
		t.Errorf("a decision on a revoked consent: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/me/decisions", alice, "", nil); !strings.Contains(r.raw, `"reason":"consent_revoked"`) {
		t.Errorf("the refused request is not shown to alice: %s", r.raw)
	}

	// Bad bodies: clear 4xx, nothing recorded.
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"consent":`, 400},
		{`{"consent":"x","purpose":"rental","benefit":"deposit_waived","extra":1}`, 400},
		{`{"consent":"x","purpose":"astrology","benefit":"deposit_waived"}`, 400},
		{`{"purpose":"rental"}`, 422},
		{`{"consent":"` + strings.Repeat("x", 20000) + `"}`, 413},
	} {
		if r := h.do(t, "POST", "/v1/decisions", h.landlord, "application/json", []byte(tc.body)); r.status != tc.status {
			t.Errorf("body %.40s: %d %s, want %d", tc.body, r.status, r.raw, tc.status)
		}
	}
}

// TestRoles checks every documented endpoint against every role: the one
// it is for gets past authorisation, every other is refused (403), and
// anonymous or revoked callers are not let in (401), except on the public
// endpoints.
func TestRoles(t *testing.T) {
	h := mustHarness(t)
	subject := h.subject(t, "AB1234567", 3)
	tokens := map[string]string{"source": h.bank, "relying_party": h.landlord, "subject": subject, "reviewer": h.reviewer,
		"operator": h.operator, "policy_admin": h.policy, "analyst": h.analyst, "anonymous": "", "revoked": h.revoked}
	roleOf := map[string]string{
		"POST /v1/events":         "source",
		"GET /v1/subjects:lookup": "operator", "GET /v1/subjects/{id}": "operator", "GET /v1/subjects/{id}/events": "operator",
		"GET /v1/subjects/{id}/scores": "operator", "GET /v1/subjects/{id}/scores/{scorecard}": "operator",
		"POST /v1/decisions": "relying_party", "GET /v1/decisions/{id}": "relying_party", "GET /.well-known/candor-decision-keys": "public",
		"GET /v1/consents/{code}": "relying_party", "GET /v1/court-orders": "relying_party",
		"GET /v1/me/consents": "subject", "POST /v1/me/consents": "subject", "DELETE /v1/me/consents/{code}": "subject",
		"GET /v1/me/decisions": "subject", "POST /v1/me/decisions/{id}/review": "subject",
		"GET /v1/me/erasure": "subject", "POST /v1/me/erasure": "subject",
		"GET /v1/me/opt-outs": "subject", "POST /v1/me/opt-outs/{scorecard}": "subject", "DELETE /v1/me/opt-outs/{scorecard}": "subject",
		"GET /v1/me/events": "subject", "GET /v1/me/access": "subject", "GET /v1/me/access/{n}/proof": "subject",
		"POST /v1/me/disputes": "subject", "GET /v1/me/disputes": "subject",
		"GET /v1/sources/me/events": "source", "GET /v1/sources/me/disputes": "source", "POST /v1/sources/me/disputes/{id}": "source", "POST /v1/identity/links": "source", "GET /v1/me/links": "subject", "POST /v1/me/links/{link}/dispute": "subject", "GET /v1/notices": "relying_party",
		"GET /v1/me/scores": "subject", "GET /v1/reviews": "reviewer", "GET /v1/reviews/{id}": "reviewer", "POST /v1/reviews/{id}/close": "reviewer",
		"GET /v1/catalogue": "public", "GET /v1/admin-acts": "public", "GET /v1/admin-acts/{n}/audit": "public", "GET /v1/scorecards": "public", "GET /v1/scorecards/{id}/versions/{v}": "public",
		"GET /v1/openapi.yaml": "public", "GET /v1/public/organisations/{company_reg_no}": "public", "GET /v1/public/organisations": "public", "GET /healthz": "public", "GET /readyz": "public", "GET /metrics": "public",
		// the transparency log (audit_test.go)
		"GET /v1/subjects/{id}/access": "operator", "GET /v1/subjects/{id}/access/{n}/proof": "operator",
		"GET /v1/log/consistency": "public", "GET /log/checkpoint": "public", "GET /.well-known/candor-log-key": "public",
		"GET /v1/me/events/proofs": "subject", "GET /v1/me/events/{id}/proof": "subject",
		// credentials (credentials_test.go)
		"GET /v1/statements": "public", "GET /.well-known/jwt-vc-issuer": "public", "GET /v1/credentials/status-list": "public",
		"GET /v1/me/credentials": "subject", "POST /v1/me/credentials": "subject", "GET /v1/me/credentials/offer": "subject",
		"DELETE /v1/me/credentials/{id}": "subject",
		// administration (admin_test.go)
		"GET /v1/admin/sources": "operator", "PUT /v1/admin/sources/{id}": "operator", "GET /v1/admin/relying-parties": "operator",
		"PUT /v1/admin/relying-parties/{id}": "operator", "GET /v1/admin/keys": "operator", "POST /v1/admin/keys": "operator",
		"DELETE /v1/admin/keys/{id}": "operator", "POST /v1/admin/backup": "operator",
		"POST /v1/admin/key-rotation": "operator", "GET /v1/admin/key-rotation": "operator",
		// policy administration (policy_test.go)
		"GET /v1/policy/scorecards": "policy_admin", "POST /v1/policy/scorecards": "policy_admin",
		"POST /v1/policy/scorecards/{id}/versions/{v}/approval": "policy_admin",
		"POST /v1/policy/scorecards/{id}/versions/{v}/audits":   "policy_admin",
		"POST /v1/policy/keys":                                  "policy_admin|operator", "POST /v1/policy/keys/{id}/approval": "policy_admin",
		"DELETE /v1/policy/keys/{id}": "policy_admin",
		// statistics (stats_test.go)
		"GET /v1/stats/tables/{table}": "analyst", "GET /v1/stats/budget": "analyst",
		"GET /v1/stats/releases": "public", "GET /v1/stats/releases/{month}": "public", "POST /v1/stats/releases/{month}": "operator",
	}
	doc := h.do(t, "GET", "/v1/openapi.yaml", "", "", nil)
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal([]byte(doc.raw), &spec); err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{id}", strings.Repeat("ab", 16), "{scorecard}", "rental-deposit", "{v}", "1", "{code}", "AAA-AAA-AAA-AAA",
		"{company_reg_no}", "12345678", "{n}", "1")
	for path, methods := range spec.Paths {
		for method := range methods {
			endpoint := strings.ToUpper(method) + " " + path
			want, ok := roleOf[endpoint]
			if !ok {
				t.Errorf("%s is documented but this test does not say who may call it", endpoint)
				continue
			}
			for who, token := range tokens {
				r := h.do(t, strings.ToUpper(method), fill.Replace(path), token, "application/json", []byte("{}"))
				switch {
				case want == "public":
					if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
						t.Errorf("%s as %s: %d, but it is public", endpoint, who, r.status)
					}
				case who == "anonymous" || who == "revoked":
					if r.status != http.StatusUnauthorized {
						t.Errorf("%s as %s: %d, want 401", endpoint, who, r.status)
					}
				case slices.Contains(strings.Split(want, "|"), who):
					if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
						t.Errorf("%s as %s: %d %s, but it is for %s", endpoint, who, r.status, r.raw, want)
					}
				default:
					if r.status != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403 (it is for %s)", endpoint, who, r.status, want)
					}
				}
			}
		}
	}
}

// TestDecisionsFailClosed checks that a decision whose access record
// cannot be stored is neither answered nor stored: the two are one
// commit.
func TestDecisionsFailClosed(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	code := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`)).body["code"].(string)
	id, err := candor.ParseSubjectID(h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	h.access.Close()
	r := h.do(t, "POST", "/v1/decisions", h.landlord, "application/json", []byte(`{"consent":"`+code+`","purpose":"rental","benefit":"deposit_waived"}`))
	if r.status != http.StatusServiceUnavailable || strings.Contains(r.raw, "outcome") {
		t.Errorf("a decision with the access log down: %d %s; want 503 and no decision", r.status, r.raw)
	}
	for rec, err := range h.store.Records(context.Background(), candor.RecordDecision, id) {
		t.Errorf("a decision was stored though its disclosure could not be recorded: %+v %v", rec, err)
	}
}
