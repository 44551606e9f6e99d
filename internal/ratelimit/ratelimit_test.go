package ratelimit_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/candor-project/candor/internal/ratelimit"
)

func TestPerAddress(t *testing.T) {
	l := ratelimit.New(2, 3)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	a := httptest.NewRequest("GET", "/", nil)
	a.RemoteAddr = "192.0.2.1:1234"
	b := httptest.NewRequest("GET", "/", nil)
	b.RemoteAddr = "192.0.2.2:1234"
	for i := range 3 {
		if !l.Allow(a, now) {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	if l.Allow(a, now) {
		t.Error("a fourth request at once was allowed")
	}
	if !l.Allow(b, now) {
		t.Error("another address was limited by the first one's requests")
	}
	a.RemoteAddr = "192.0.2.1:9999" // the same address from another port
	if l.Allow(a, now) {
		t.Error("another port of the same address escaped the limit")
	}
	if !l.Allow(a, now.Add(500*time.Millisecond)) {
		t.Error("no token after half a second at 2 a second")
	}
}
