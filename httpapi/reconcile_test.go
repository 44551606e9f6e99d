package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestSourceReconciles: a source asks which of its event IDs are stored;
// another source's IDs are another space; a fact erased at its subject's
// request is said to be erased, not stored; bad asks are refused naming
// the problem.
func TestSourceReconciles(t *testing.T) {
	h := mustHarness(t)
	when := time.Now().UTC().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	body := event("p,1", "AB1234567", when, okFields) + "\n" + event("p2", "CD7654321", when, okFields)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	ask := func(token, query string) response {
		return h.do(t, "GET", "/v1/sources/me/events?"+query, token, "", nil)
	}
	want := func(r response, expect string) {
		t.Helper()
		var got []string
		for _, e := range r.body["events"].([]any) {
			e := e.(map[string]any)
			got = append(got, e["id"].(string)+"="+map[bool]string{true: "stored", false: "absent"}[e["stored"].(bool)]+map[bool]string{true: ",erased", false: ""}[e["erased"].(bool)])
		}
		if r.status != 200 || strings.Join(got, " ") != expect {
			t.Errorf("%d %v, want %s", r.status, got, expect)
		}
	}
	want(ask(h.bank, "id="+url.QueryEscape("p,1")+"&ids=p2,p3"), "p,1=stored p2=stored p3=absent")
	want(ask(h.court, "ids=p2"), "p2=absent")

	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=CD7654321", h.operator, "", nil).body["id"].(string)
	if r := h.do(t, "POST", "/v1/me/erasure", h.key(t, candor.RoleSubject, id), "application/json", []byte(`{"confirm":true}`)); r.status != 200 {
		t.Fatalf("erasure: %d %s", r.status, r.raw)
	}
	want(ask(h.bank, "ids=p2"), "p2=absent,erased")

	if r := ask(h.bank, ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("no IDs: %d %s, want 422", r.status, r.raw)
	}
	if r := ask(h.bank, "id="+strings.Repeat("x", 200)); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.raw, "longer than 128 bytes") {
		t.Errorf("an over-long ID: %d %s, want 422 naming it", r.status, r.raw)
	}
	if r := ask(h.bank, "ids="+strings.Repeat("a,", 1000)+"a"); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("1,001 IDs: %d, want 413", r.status)
	}
}
