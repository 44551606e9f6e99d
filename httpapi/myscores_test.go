package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// A person reads their own scores at any instant: now, with the late
// instalment lowering them, and before it happened, without it; each
// read is in their access log as their own, and another person's token
// reads only its own.
func TestMyScores(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 95)
	bob := h.subject(t, "CD7654321", 3)
	now := h.do(t, "GET", "/v1/me/scores", alice, "", nil)
	if now.status != 200 {
		t.Fatalf("now: %d %s", now.status, now.raw)
	}
	before := h.do(t, "GET", "/v1/me/scores?at="+time.Now().UTC().AddDate(0, -2, 0).Format(time.DateOnly), alice, "", nil)
	if before.status != 200 {
		t.Fatalf("two months ago: %d %s", before.status, before.raw)
	}
	points := func(r response, card string) float64 {
		for _, s := range r.body["scores"].([]any) {
			if m := s.(map[string]any); m["scorecard"] == card {
				return m["points"].(float64)
			}
		}
		t.Fatalf("no %s score in %s", card, r.raw)
		return 0
	}
	if p, q := points(now, "rental-deposit"), points(before, "rental-deposit"); p >= q {
		t.Errorf("rental points now %v, before the late instalment %v: want fewer now", p, q)
	}
	if strings.Contains(now.raw, "contributions") {
		t.Errorf("the list carries contributions: %s", now.raw)
	}
	if bobs := h.do(t, "GET", "/v1/me/scores", bob, "", nil); bobs.body["subject"] == now.body["subject"] {
		t.Errorf("bob reads alice's scores: %s", bobs.raw)
	}
	if r := h.do(t, "GET", "/v1/me/scores?at=yesterday", alice, "", nil); r.status != 422 || !strings.Contains(r.raw, "at:") {
		t.Errorf("a bad instant: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "GET", "/v1/me/scores", h.operator, "", nil); r.status != 403 {
		t.Errorf("an operator's key: %d", r.status)
	}
	var own int
	for _, a := range h.do(t, "GET", "/v1/me/access", alice, "", nil).body["access"].([]any) {
		if m := a.(map[string]any); strings.HasPrefix(m["action"].(string), "GET /v1/me/scores") {
			if m["role"] != "subject" || m["purpose"] != "the subject's own read" {
				t.Errorf("the read is recorded as %v", m)
			}
			own++
		}
	}
	if own != 2 {
		t.Errorf("%d reads of /v1/me/scores recorded, want the 2 served", own)
	}
}
