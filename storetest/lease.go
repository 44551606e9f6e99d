package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// testLease checks the candor.Leaser capability: one holder at a time,
// renewal keeps the token, release and expiry let another take the lease
// with a higher token, and a holder that does not hold the lease cannot
// release it.
func testLease(t *testing.T, h *harness) {
	l := h.s.(candor.Leaser)
	acquire := func(name, holder string, ttl time.Duration, want bool) candor.Lease {
		t.Helper()
		got, held, err := l.AcquireLease(ctx, name, holder, ttl)
		if err != nil {
			t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
		}
		if held != want {
			t.Fatalf("AcquireLease(%s, %s): held %v, want %v (lease %+v)", name, holder, held, want, got)
		}
		if got.Name != name {
			t.Fatalf("AcquireLease(%s, %s) returned the lease named %q", name, holder, got.Name)
		}
		return got
	}
	first := acquire("appender", "node-a", time.Minute, true)
	if first.Holder != "node-a" || first.Expires.IsZero() {
		t.Fatalf("a new lease: %+v", first)
	}
	other := acquire("appender", "node-b", time.Minute, false)
	if other.Holder != "node-a" || other.Token != first.Token {
		t.Fatalf("a held lease as another holder sees it: %+v, want node-a's %+v", other, first)
	}
	acquire("purge", "node-b", time.Minute, true) // leases are independent
	renewed := acquire("appender", "node-a", 2*time.Minute, true)
	if renewed.Token != first.Token || !renewed.Expires.After(first.Expires) {
		t.Fatalf("renewed %+v after %+v: want the same token and a later expiry", renewed, first)
	}
	if err := l.ReleaseLease(ctx, "appender", "node-b"); err != nil {
		t.Fatalf("ReleaseLease by a holder that does not hold it: %v", err)
	}
	acquire("appender", "node-b", time.Minute, false)
	if err := l.ReleaseLease(ctx, "appender", "node-a"); err != nil {
		t.Fatalf("ReleaseLease: %v", err)
	}
	taken := acquire("appender", "node-b", 200*time.Millisecond, true)
	if taken.Holder != "node-b" || taken.Token <= first.Token {
		t.Fatalf("a released lease taken by another: %+v; want node-b with a token above %d", taken, first.Token)
	}
	// node-b dies: once its TTL has passed, node-a takes over.
	time.Sleep(400 * time.Millisecond)
	back := acquire("appender", "node-a", time.Minute, true)
	if back.Token <= taken.Token {
		t.Fatalf("an expired lease taken over: token %d, want above %d", back.Token, taken.Token)
	}
	for _, bad := range []struct {
		name, holder string
		ttl          time.Duration
	}{{"", "node-a", time.Minute}, {"appender", "", time.Minute}, {"appender", "node-a", 0}} {
		_, _, err := l.AcquireLease(ctx, bad.name, bad.holder, bad.ttl)
		wantCode(t, err, candor.EINVALID, "AcquireLease with a bad argument")
	}
}

// testLeaseFence checks candor.WriteBatch.Fence: a batch fenced with the
// lease its writer holds commits; one fenced with a lease that passed to
// another holder, expired, carries another token or was never taken is
// refused whole with candor.ErrFenced.
func testLeaseFence(t *testing.T, h *harness) {
	l := h.s.(candor.Leaser)
	sub := newSubject(candor.Person)
	MustCommit(t, h.s, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})
	acquire := func(name, holder string, ttl time.Duration) candor.Lease {
		t.Helper()
		got, held, err := l.AcquireLease(ctx, name, holder, ttl)
		if err != nil || !held {
			t.Fatalf("AcquireLease(%s, %s): %+v, %v, %v", name, holder, got, held, err)
		}
		return got
	}
	n := 0
	commit := func(fence candor.Lease) error {
		n++
		rec := &candor.Record{Kind: candor.RecordDecision, ID: fmt.Sprintf("fenced_%d", n), Subject: sub.ID, Data: []byte("x")}
		_, err := h.s.Commit(ctx, &candor.WriteBatch{Records: []*candor.Record{rec}, Fence: &fence})
		if _, rerr := h.s.Record(ctx, candor.RecordDecision, rec.ID); (err == nil) != (rerr == nil) {
			t.Fatalf("commit %d: %v, but the record reads %v", n, err, rerr)
		}
		return err
	}
	mine := acquire("links", "node-a", time.Minute)
	if err := commit(mine); err != nil {
		t.Fatalf("a batch fenced with the lease its writer holds: %v", err)
	}
	wrong := mine
	wrong.Token++
	if err := commit(wrong); !errors.Is(err, candor.ErrFenced) {
		t.Fatalf("another token: %v, want ErrFenced", err)
	}
	if err := l.ReleaseLease(ctx, "links", "node-a"); err != nil {
		t.Fatal(err)
	}
	acquire("links", "node-b", time.Minute)
	if err := commit(mine); !errors.Is(err, candor.ErrFenced) {
		t.Fatalf("a lease passed to another holder: %v, want ErrFenced", err)
	}
	short := acquire("links-2", "node-c", 150*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	if err := commit(short); !errors.Is(err, candor.ErrFenced) {
		t.Fatalf("an expired lease: %v, want ErrFenced", err)
	}
	if err := commit(candor.Lease{Name: "never-taken", Holder: "node-a", Token: 1, Expires: time.Now().Add(time.Hour)}); !errors.Is(err, candor.ErrFenced) {
		t.Fatalf("a lease never taken: %v, want ErrFenced", err)
	}
}
