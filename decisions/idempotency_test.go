package decisions_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
)

func TestIdempotencyKey(t *testing.T) {
	e := mustEnv(t)
	sub := e.post(t, "AB1234567", 0, 0)
	c, err := e.svc.Grant(ctx, sub, "landlord2", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	rp := e.rp(t, "landlord2")
	req := candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived", IdempotencyKey: "order-42"}
	count := func() int {
		t.Helper()
		ds, err := e.svc.Decisions(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds)
	}

	// Eight at once with one key take one decision.
	var wg sync.WaitGroup
	ids := make([]string, 8)
	replays := make([]bool, 8)
	for i := range ids {
		wg.Go(func() {
			d, replayed, err := e.svc.DecideOnce(ctx, rp, req, nil)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], replays[i] = d.ID, replayed
		})
	}
	wg.Wait()
	first := 0
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("request %d got decision %s, request 0 %s", i, id, ids[0])
		}
		if !replays[i] {
			first++
		}
	}
	if first != 1 || count() != 1 {
		t.Fatalf("%d requests were not replays and %d decisions are stored; want 1 and 1", first, count())
	}

	// The same request typed otherwise is the same request.
	again := req
	again.Consent = strings.ToLower(strings.ReplaceAll(c.Code, "-", ""))
	if d, replayed, err := e.svc.DecideOnce(ctx, rp, again, nil); err != nil || !replayed || d.ID != ids[0] {
		t.Errorf("the same request, code typed otherwise: %v %v %v", d, replayed, err)
	}
	// Another request with the key is refused, and takes nothing.
	c2, _ := e.svc.Grant(ctx, sub, "landlord2", candor.PurposeRental, 0)
	other := req
	other.Consent = c2.Code
	if _, _, err := e.svc.DecideOnce(ctx, rp, other, nil); candor.ErrorCode(err) != candor.ECONFLICT || !strings.Contains(candor.ErrorMessage(err), "another request") {
		t.Errorf("another request with the key: %v, want ECONFLICT", err)
	}
	// The key is the relying party's own: another's is another key.
	c1, _ := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	mine := req
	mine.Consent = c1.Code
	if d, replayed, err := e.svc.DecideOnce(ctx, e.rp(t, "landlord1"), mine, nil); err != nil || replayed || d.ID == ids[0] {
		t.Errorf("landlord1 with landlord2's key: %v %v %v, want a decision of its own", d, replayed, err)
	}
	if count() != 2 {
		t.Fatalf("%d decisions, want 2", count())
	}
	for _, bad := range []string{"", strings.Repeat("k", decisions.MaxIdempotencyKey+1), "a\nb", "ключ"} {
		r := req
		r.IdempotencyKey = bad
		if bad == "" {
			if err := decisions.CheckIdempotencyKey(bad); candor.ErrorCode(err) != candor.EINVALID {
				t.Errorf("empty key: %v", err)
			}
			continue
		}
		if _, _, err := e.svc.DecideOnce(ctx, rp, r, nil); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("key %q: %v, want EINVALID", bad, err)
		}
	}

	// Within the retention the key is kept; after it, forgotten.
	e.Now = e.Now.Add(decisions.IdempotencyRetention - time.Second)
	if n, err := e.svc.PurgeIdempotencyKeys(ctx, e.Now); err != nil || n != 0 {
		t.Errorf("purge within the retention: %d %v", n, err)
	}
	if _, replayed, _ := e.svc.DecideOnce(ctx, rp, req, nil); !replayed {
		t.Error("the key is forgotten within its retention")
	}
	e.Now = e.Now.Add(time.Second)
	if n, err := e.svc.PurgeIdempotencyKeys(ctx, e.Now); err != nil || n != 2 {
		t.Errorf("purge after the retention: %d %v, want 2 keys", n, err)
	}
	d, replayed, err := e.svc.DecideOnce(ctx, rp, other, nil)
	if err != nil || replayed || d.ID == ids[0] {
		t.Fatalf("a forgotten key for another request: %v %v %v, want a new decision", d, replayed, err)
	}
	// A key whose decision is gone (erased) is forgotten too.
	if err := e.Store.DeleteRecord(ctx, candor.RecordDecision, d.ID); err != nil {
		t.Fatal(err)
	}
	if again, replayed, err := e.svc.DecideOnce(ctx, rp, other, nil); err != nil || replayed || again.ID == d.ID {
		t.Errorf("a key whose decision was erased: %v %v %v, want a new decision", again, replayed, err)
	}
}

func TestDecisionFor(t *testing.T) {
	e := mustEnv(t)
	sub := e.post(t, "AB1234567", 0)
	c, _ := e.svc.Grant(ctx, sub, "landlord1", candor.PurposeRental, 0)
	d, err := e.svc.Decide(ctx, e.rp(t, "landlord1"), candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := e.svc.DecisionFor(ctx, e.rp(t, "landlord1"), d.ID); err != nil || got.ID != d.ID || got.Outcome != d.Outcome {
		t.Errorf("its own decision: %v %v", got, err)
	}
	_, _, other := e.svc.DecisionFor(ctx, e.rp(t, "landlord2"), d.ID)
	_, _, none := e.svc.DecisionFor(ctx, e.rp(t, "landlord2"), "d_nosuchdecision")
	if candor.ErrorCode(other) != candor.ENOTFOUND || candor.ErrorCode(none) != candor.ENOTFOUND ||
		strings.ReplaceAll(candor.ErrorMessage(other), d.ID, "X") != strings.ReplaceAll(candor.ErrorMessage(none), "d_nosuchdecision", "X") {
		t.Errorf("another's decision: %v; none: %v; want the same ENOTFOUND", other, none)
	}
}
