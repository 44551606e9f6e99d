package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestErasure: the preview says what goes and what stays and why, a bare
// POST erases nothing, a confirmed one erases a person with only
// consent-based facts whole, and the person's key stops working.
func TestErasure(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 45)
	bob := h.subject(t, "CD7654321", 3)
	when := time.Now().UTC().Add(-10 * 24 * time.Hour).Format(time.RFC3339)
	order := fmt.Sprintf(`{"id":"o1","subject":{"kind":"person","scheme":"national_id","value":"CD7654321"},"type":"court.restriction_imposed","occurred_at":%q,"fields":{"order_ref":"ORD-1","court":"District Court","legal_basis":"Insolvency Act s.11","restriction":"company_director","expires_on":"2030-01-01","appeal_route":"Court of Appeal"}}`, when)
	if r := h.do(t, "POST", "/v1/events", h.court, "application/x-ndjson", []byte(order)); r.status != 200 {
		t.Fatalf("court order: %d %s", r.status, r.raw)
	}

	plan := h.do(t, "GET", "/v1/me/erasure", bob, "", nil)
	if plan.status != 200 || plan.body["whole"] != false || !strings.Contains(plan.raw, `"reason":"kept under a legal obligation: restrictions a court ordered`) ||
		!strings.Contains(plan.raw, `"erase":[{"category":"credit"`) {
		t.Fatalf("bob's plan: %d %s", plan.status, plan.raw)
	}
	if r := h.do(t, "POST", "/v1/me/erasure", bob, "application/json", []byte(`{"confirm":true}`)); r.status != 200 || r.body["done"] != true {
		t.Fatalf("bob's erasure: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/me/erasure", bob, "", nil); r.status != 200 || strings.Contains(r.raw, `"category":"credit"`) {
		t.Fatalf("bob after a partial erasure: %d %s, want the court order alone", r.status, r.raw)
	}

	for _, body := range []string{``, `{}`, `{"confirm":false}`, `{"confirm":"yes"}`} {
		if r := h.do(t, "POST", "/v1/me/erasure", alice, "application/json", []byte(body)); r.status == 200 {
			t.Fatalf("POST %q erased: %s", body, r.raw)
		}
	}
	if r := h.do(t, "GET", "/v1/me/erasure", alice, "", nil); r.status != 200 || r.body["whole"] != true {
		t.Fatalf("alice's plan: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", "/v1/me/erasure", alice, "application/json", []byte(`{"confirm":true}`)); r.status != 200 || r.body["whole"] != true || r.body["done"] != true {
		t.Fatalf("alice's erasure: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil); r.status != 404 {
		t.Errorf("an operator still finds alice: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/me/erasure", alice, "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("alice's key after her erasure: %d %s, want 401 (revoked)", r.status, r.raw)
	}
}

// TestOptOutAPI: opting out refuses decisions for the purpose with
// opted_out; opting back in lifts it; statutory scorecards cannot be
// opted out of.
func TestOptOutAPI(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 3)
	grant := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`))
	code, _ := grant.body["code"].(string)
	ask := func() response {
		return h.do(t, "POST", "/v1/decisions", h.landlord, "application/json",
			[]byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, code)))
	}
	if r := h.do(t, "GET", "/v1/me/opt-outs", alice, "", nil); r.status != 200 || !strings.Contains(r.raw, `"optable":["consumer-credit","rental-deposit"]`) || !strings.Contains(r.raw, `"opt_outs":[]`) {
		t.Fatalf("opt-outs: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", "/v1/me/opt-outs/rental-deposit", alice, "", nil); r.status != 201 || r.body["purpose"] != "rental" {
		t.Fatalf("opt out: %d %s", r.status, r.raw)
	}
	if r := ask(); r.status != 403 || !strings.Contains(r.raw, `"reason":"opted_out"`) {
		t.Fatalf("a decision while opted out: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "DELETE", "/v1/me/opt-outs/rental-deposit", alice, "", nil); r.status != 200 {
		t.Fatalf("opt in: %d %s", r.status, r.raw)
	}
	if r := ask(); r.status != 200 {
		t.Fatalf("a decision after opting in: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", "/v1/me/opt-outs/business-compliance", alice, "", nil); r.status != 422 {
		t.Errorf("opting out of a statutory scorecard: %d %s, want 422", r.status, r.raw)
	}
}

// TestErasureStaysErased: a fact of an erased person, posted again by its
// source (same ID, same content), is refused with 410 erased, whole
// request and all, and counted for the source to see; a new fact is
// taken. The same holds for a fact a partial erasure removed.
func TestErasureStaysErased(t *testing.T) {
	h := mustHarness(t)
	when := time.Now().UTC().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	fact := event("late-1", "AB1234567", when, okFields)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(fact)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	alice := h.key(t, candor.RoleSubject, id)
	if r := h.do(t, "POST", "/v1/me/erasure", alice, "application/json", []byte(`{"confirm":true}`)); r.status != 200 || r.body["whole"] != true {
		t.Fatalf("erasure: %d %s", r.status, r.raw)
	}

	// Bob: a court order stays, his credit fact goes.
	bob := h.subject(t, "CD7654321", 3)
	order := fmt.Sprintf(`{"id":"o1","subject":{"kind":"person","scheme":"national_id","value":"CD7654321"},"type":"court.restriction_imposed","occurred_at":%q,"fields":{"order_ref":"ORD-1","court":"District Court","legal_basis":"Insolvency Act s.11","restriction":"company_director","expires_on":"2030-01-01","appeal_route":"Court of Appeal"}}`, when)
	if r := h.do(t, "POST", "/v1/events", h.court, "application/x-ndjson", []byte(order)); r.status != 200 {
		t.Fatalf("court order: %d %s", r.status, r.raw)
	}
	// His credit fact, whichever way the two facts are ordered (they
	// occurred within a second of each other).
	var bobFact map[string]any
	for _, e := range h.do(t, "GET", "/v1/me/events", bob, "", nil).body["events"].([]any) {
		if e := e.(map[string]any); e["type"] == "credit.instalment_late" {
			bobFact = e
		}
	}
	if r := h.do(t, "POST", "/v1/me/erasure", bob, "application/json", []byte(`{"confirm":true}`)); r.status != 200 || r.body["whole"] != false {
		t.Fatalf("bob's erasure: %d %s", r.status, r.raw)
	}
	bobRepost := event(bobFact["source_event_id"].(string), "CD7654321", bobFact["occurred_at"].(string), `{"days_late":3,"amount":"300","currency":"EUR"}`)

	newFact := event("late-2", "EF1122334", when, okFields)
	for _, tc := range []struct {
		name, body string
		index      int
	}{
		{"the same fact again", fact, 0},
		{"among new facts", newFact + "\n" + fact, 1},
		{"a fact a partial erasure removed", bobRepost, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(tc.body))
			if r.status != http.StatusGone || r.body["code"] != candor.EERASED || !strings.Contains(r.raw, fmt.Sprintf(`"index":%d,"field":"id"`, tc.index)) {
				t.Fatalf("%d %s; want 410 %s naming event %d", r.status, truncate(r.raw), candor.EERASED, tc.index)
			}
		})
	}
	for _, nid := range []string{"AB1234567", "EF1122334"} {
		if r := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value="+nid, h.operator, "", nil); r.status != 404 {
			t.Errorf("%s exists after refused posts: %d %s", nid, r.status, r.raw)
		}
	}
	if r := h.do(t, "GET", "/v1/me/events", bob, "", nil); strings.Contains(r.raw, "credit.") {
		t.Errorf("bob's erased fact is back: %s", r.raw)
	}
	// Not the person, only the facts: a new fact about them is taken.
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(event("late-3", "AB1234567", when, okFields))); r.status != 200 {
		t.Errorf("a new fact: %d %s", r.status, r.raw)
	}
	m := h.do(t, "GET", "/metrics", "", "", nil)
	if !strings.Contains(m.raw, `candor_ingest_erased_reposts_total{source="bank7"} 3`) {
		t.Errorf("the re-posts are not counted for bank7:\n%s", grepLines(m.raw, "erased"))
	}

	// What is kept names no one: a key per fact, about no subject.
	n := 0
	for r, err := range h.store.AllRecords(context.Background(), candor.RecordErased) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if _, until, err := candor.ParseErasedRecord(r); err != nil || r.Subject != (candor.SubjectID{}) || !until.After(time.Now()) {
			t.Errorf("kept of an erased fact: %+v (until %v, %v)", r, until, err)
		}
		for _, s := range []string{"late-1", "bank7", "AB1234567", id} {
			if strings.Contains(r.ID, s) || bytes.Contains(r.Data, []byte(s)) {
				t.Errorf("kept of an erased fact holds %q: %+v", s, r)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d erased facts kept, want 2", n)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
