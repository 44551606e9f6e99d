package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestDisputeFlow: a subject disputes a fact through the API, the source
// finds it in its queue without learning whose it is and withdraws it, and
// the relying party that decided about the subject gets a notice.
func TestDisputeFlow(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	bob := h.subject(t, "CD7654321", 3)

	grant := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`))
	dec := h.do(t, "POST", "/v1/decisions", h.landlord, "application/json",
		[]byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, grant.body["code"])))
	if dec.status != 200 {
		t.Fatalf("decision: %d %s", dec.status, dec.raw)
	}

	facts := h.do(t, "GET", "/v1/me/events", alice, "", nil)
	evs, _ := facts.body["events"].([]any)
	if facts.status != 200 || len(evs) != 1 {
		t.Fatalf("alice's facts: %d %s", facts.status, facts.raw)
	}
	id := evs[0].(map[string]any)["id"].(float64)

	dispute := func(token string, body string) response {
		return h.do(t, "POST", "/v1/me/disputes", token, "application/json", []byte(body))
	}
	for _, tc := range []struct {
		token, body string
		want        int
	}{
		{alice, `{"event":0,"statement":"x"}`, 422},
		{alice, fmt.Sprintf(`{"event":%v,"statement":""}`, id), 422},
		{alice, fmt.Sprintf(`{"event":%v,"statement":"x","extra":1}`, id), 400},
		{bob, fmt.Sprintf(`{"event":%v,"statement":"not mine"}`, id), 404}, // another subject's fact
	} {
		if r := dispute(tc.token, tc.body); r.status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.body, r.status, r.raw, tc.want)
		}
	}
	opened := dispute(alice, fmt.Sprintf(`{"event":%v,"statement":"I was never 95 days late."}`, id))
	if opened.status != 201 || opened.body["status"] != "open" {
		t.Fatalf("open: %d %s", opened.status, opened.raw)
	}
	if r := h.do(t, "GET", "/v1/me/events", alice, "", nil); !strings.Contains(r.raw, `"state":"disputed"`) {
		t.Errorf("the fact is not shown disputed: %s", r.raw)
	}
	if r := h.do(t, "GET", "/v1/me/disputes", bob, "", nil); r.status != 200 || strings.Contains(r.raw, opened.body["id"].(string)) {
		t.Errorf("bob sees alice's dispute: %s", r.raw)
	}

	queue := h.do(t, "GET", "/v1/sources/me/disputes", h.bank, "", nil)
	ds, _ := queue.body["disputes"].([]any)
	if queue.status != 200 || len(ds) != 1 || !strings.Contains(queue.raw, `"source_event_id":"e-AB1234567"`) || !strings.Contains(queue.raw, "never 95 days") {
		t.Fatalf("the bank's queue: %d %s", queue.status, queue.raw)
	}
	subject := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	if strings.Contains(queue.raw, subject) || strings.Contains(queue.raw, "national_id") {
		t.Errorf("the source learns whose fact it is: %s", queue.raw)
	}
	if r := h.do(t, "GET", "/v1/sources/me/disputes", h.court, "", nil); !strings.Contains(r.raw, `"disputes":[]`) {
		t.Errorf("the court sees the bank's disputes: %s", r.raw)
	}
	if acc := h.do(t, "GET", "/v1/me/access", alice, "", nil); !strings.Contains(acc.raw, "disputes to answer by bank7") {
		t.Errorf("the bank's reading of the dispute is not in alice's access records: %s", acc.raw)
	}

	path := "/v1/sources/me/disputes/" + opened.body["id"].(string)
	if r := h.do(t, "POST", path, h.court, "application/json", []byte(`{"answer":"verify"}`)); r.status != 404 {
		t.Errorf("the court answers the bank's dispute: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", path, h.bank, "application/json", []byte(`{"answer":"perhaps"}`)); r.status != 422 {
		t.Errorf("an unknown answer: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", path, h.bank, "application/json", []byte(`{"answer":"withdraw","note":"Posted to the wrong person."}`)); r.status != 200 || r.body["status"] != "withdrawn" {
		t.Fatalf("withdraw: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "POST", path, h.bank, "application/json", []byte(`{"answer":"verify"}`)); r.status != 409 {
		t.Errorf("answering twice: %d %s", r.status, r.raw)
	}
	mine := h.do(t, "GET", "/v1/me/disputes", alice, "", nil)
	if !strings.Contains(mine.raw, `"status":"withdrawn"`) || !strings.Contains(mine.raw, "Posted to the wrong person.") {
		t.Errorf("alice does not see the step: %s", mine.raw)
	}
	notices := h.do(t, "GET", "/v1/notices", h.landlord, "", nil)
	if ns, _ := notices.body["notices"].([]any); notices.status != 200 || len(ns) != 1 || !strings.Contains(notices.raw, dec.body["decision_id"].(string)) || strings.Contains(notices.raw, "days_late") || strings.Contains(notices.raw, "instalment") {
		t.Errorf("the landlord's notices: %d %s", notices.status, notices.raw)
	}
}
