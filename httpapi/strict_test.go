package httpapi_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// Issue 11, part 1: one request of deeply nested JSON is refused with a
// 4xx, and the server lives on.
func TestDeepNestingIsRefused(t *testing.T) {
	h := mustHarness(t)
	deep := strings.Repeat("[", 3<<20)
	ts := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	for _, ct := range []string{"application/json", "application/x-ndjson", "application/cloudevents+json", "application/cloudevents-batch+json"} {
		t.Run(ct, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/events", h.bank, ct, []byte(deep))
			if r.status < 400 || r.status >= 500 || !strings.Contains(r.raw, "nested deeper than 32 levels") {
				t.Fatalf("got %d %s, want a 4xx naming the nesting", r.status, truncate(r.raw))
			}
		})
	}
	for _, path := range []string{"/v1/me/consents", "/v1/me/disputes"} {
		subject := h.key(t, candor.RoleSubject, strings.Repeat("0", 31)+"1")
		r := h.do(t, "POST", path, subject, "application/json", []byte(`{"statement":`+strings.Repeat("[", 10000)))
		if r.status != 400 || r.body["code"] != candor.EMALFORMED {
			t.Errorf("%s: got %d %s, want 400 malformed", path, r.status, truncate(r.raw))
		}
	}
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(event("after", "AB1234567", ts, okFields))); r.status != 200 {
		t.Fatalf("the server does not take a good event after the bad ones: %d %s", r.status, r.raw)
	}
}

// mappedBytes is the memory the runtime holds from the OS and has not
// given back: about the process's resident heap and stacks.
func mappedBytes() (mapped, live uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64(), s[2].Value.Uint64()
}

// Issue 11, part 1: after a burst of abusive bodies (four of 2 MB nested
// 1,000,000 deep, at once), the memory held returns near where it was.
func TestAbusiveBodiesLeaveNoMemoryBehind(t *testing.T) {
	h := mustHarness(t)
	body := []byte(strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000))
	settle := func() (uint64, uint64) {
		runtime.GC()
		runtime.GC() // pooled buffers go in the second
		return mappedBytes()
	}
	// Warm up: one good and one bad request, so that the baseline holds
	// the server's steady state.
	h.do(t, "POST", "/v1/events", h.bank, "application/json", body[:100])
	mapped0, live0 := settle()
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Go(func() { statuses[i] = h.do(t, "POST", "/v1/events", h.bank, "application/json", body).status })
	}
	wg.Wait()
	for _, s := range statuses {
		if s < 400 || s >= 500 {
			t.Fatalf("statuses %v, want 4xx", statuses)
		}
	}
	mapped1, live1 := settle()
	const slack = 32 << 20 // the bodies themselves were 8 MB
	t.Logf("mapped: %d → %d MiB; live heap: %d → %d MiB", mapped0>>20, mapped1>>20, live0>>20, live1>>20)
	if mapped1 > mapped0+slack {
		t.Errorf("the runtime holds %d MiB more than before the burst", (mapped1-mapped0)>>20)
	}
	if live1 > live0+slack/4 {
		t.Errorf("the live heap is %d MiB larger than before the burst", (live1-live0)>>20)
	}
}

// Issue 11, part 2: a key given twice is refused in every event shape and
// in control bodies; nothing is stored or decided for either value.
func TestDuplicateKeysAreRefused(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	bob := h.subject(t, "CD7654321", 3)
	consent := func(token string) string {
		r := h.do(t, "POST", "/v1/me/consents", token, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`))
		if r.status != 201 {
			t.Fatalf("consent: %d %s", r.status, r.raw)
		}
		return r.body["code"].(string)
	}
	aliceCode, bobCode := consent(alice), consent(bob)
	ts := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	ev := event("d1", "EF1111111", ts, okFields)
	cloud := fmt.Sprintf(`{"specversion":"1.0","id":"d2","source":"urn:bank7","type":"credit.instalment_late","time":%q,"data":{"subject":{"kind":"person","scheme":"national_id","value":"EF1111111"},"fields":%s}}`, ts, okFields)
	twice := func(body, old, new string) []byte {
		if !strings.Contains(body, old) {
			t.Fatalf("%q not in %s", old, body)
		}
		return []byte(strings.Replace(body, old, new, 1))
	}
	other := `{"kind":"person","scheme":"national_id","value":"GH2222222"},"subject":`
	tests := []struct {
		name, path, token, ct string
		body                  []byte
		status                int
	}{
		{"event subject.value", "/v1/events", h.bank, "application/json", twice(ev, `"value":`, `"value":"GH2222222","value":`), 400},
		{"ndjson event id", "/v1/events", h.bank, "application/x-ndjson", twice(ev, `"id":`, `"id":"d9","id":`), 422},
		{"cloudevent data.subject", "/v1/events", h.bank, "application/cloudevents+json", twice(cloud, `"subject":`, `"subject":`+other), 400},
		{"cloudevent id", "/v1/events", h.bank, "application/cloudevents+json", twice(cloud, `"id":`, `"id":"d9","id":`), 400},
		{"cloudevent type", "/v1/events", h.bank, "application/cloudevents+json", twice(cloud, `"type":`, `"type":"credit.instalment_paid","type":`), 400},
		{"cloudevent batch", "/v1/events", h.bank, "application/cloudevents-batch+json", append(append([]byte("["), twice(cloud, `"fields":`, `"fields":{},"fields":`)...), ']'), 400},
		{"decision consent", "/v1/decisions", h.landlord, "application/json",
			[]byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived","consent":%q}`, aliceCode, bobCode)), 400},
		{"decision consent in another case", "/v1/decisions", h.landlord, "application/json",
			[]byte(fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived","Consent":%q}`, aliceCode, bobCode)), 400},
		{"consent purpose", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"credit","purpose":"rental"}`), 400},
		{"erasure confirm", "/v1/me/erasure", bob, "application/json", []byte(`{"confirm":false,"confirm":true}`), 400},
		{"dispute statement", "/v1/me/disputes", alice, "application/json", []byte(`{"event":1,"statement":"a","statement":"b"}`), 400},
		{"review close", "/v1/reviews/x/close", h.reviewer, "application/json", []byte(`{"outcome":"approve","rationale":"a","outcome":"decline"}`), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, "POST", tt.path, tt.token, tt.ct, tt.body)
			if r.status != tt.status || !strings.Contains(r.raw, "given twice") && !strings.Contains(r.raw, "unknown key") {
				t.Fatalf("got %d %s, want %d naming the repeated key", r.status, truncate(r.raw), tt.status)
			}
		})
	}
	for _, nid := range []string{"EF1111111", "GH2222222"} {
		if r := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value="+nid, h.operator, "", nil); r.status != 404 {
			t.Errorf("%s was stored: %d", nid, r.status)
		}
	}
	for _, who := range []string{alice, bob} {
		if r := h.do(t, "GET", "/v1/me/decisions", who, "", nil); strings.Contains(r.raw, "deposit_waived") {
			t.Errorf("a decision was taken: %s", r.raw)
		}
	}
	if r := h.do(t, "GET", "/v1/me/erasure", bob, "", nil); r.status != 200 {
		t.Errorf("bob was erased: %d %s", r.status, r.raw)
	}
}

// Issue 11, part 6: free text refuses NUL, control characters, ANSI
// escapes and bidirectional overrides, whichever way it is written; tab and
// newline are fine in a statement.
func TestStatementsRefuseControlCharacters(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	facts := h.do(t, "GET", "/v1/me/events", alice, "", nil)
	id := facts.body["events"].([]any)[0].(map[string]any)["id"].(float64)
	for _, statement := range []string{`a\u0000b`, `\u202egnorw`, `\u001b[31mred`, "\u009b31m", "x\u2067y", `a\rb`, "a\u007fb"} {
		t.Run(statement, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/me/disputes", alice, "application/json", []byte(fmt.Sprintf(`{"event":%v,"statement":"%s"}`, id, statement)))
			if r.status != 400 || !strings.Contains(r.raw, "U+00") && !strings.Contains(r.raw, "U+20") {
				t.Fatalf("got %d %s, want 400 naming the character", r.status, r.raw)
			}
		})
	}
	if r := h.do(t, "GET", "/v1/me/events", alice, "", nil); !strings.Contains(r.raw, `"state":"active"`) {
		t.Fatalf("the fact was set aside by a refused dispute: %s", r.raw)
	}
	r := h.do(t, "POST", "/v1/me/disputes", alice, "application/json", []byte(fmt.Sprintf(`{"event":%v,"statement":"Line one.\n\tLine two, r\u00e9sum\u00e9."}`, id)))
	if r.status != 201 || r.body["statement"] != "Line one.\n\tLine two, résumé." {
		t.Fatalf("a multi-line statement: %d %s", r.status, r.raw)
	}
}
