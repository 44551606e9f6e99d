package decisions_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// countingStore counts the scans of matches, to tell a cached read from
// a store read.
type countingStore struct {
	candor.Store
	scans int
}

func (s *countingStore) Matches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) iter.Seq2[*candor.MatchRecord, error] {
	s.scans++
	return s.Store.Matches(ctx, id, card)
}

// TestCacheCoherence takes decisions with the same consent before and
// after each kind of change to what they rest on, so that each is taken
// from the service's caches if they are not kept coherent: a new late
// payment, a dispute of it, an opt-out and an opt-in and a revocation
// through another Service over the same store, and an erasure.
func TestCacheCoherence(t *testing.T) {
	e := mustEnv(t)
	id := e.post(t, "AB1234567", 0, 0, 0)
	c, err := e.svc.Grant(ctx, id, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	landlord := e.rp(t, "landlord1")
	counting := &countingStore{Store: e.Store}
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	e.svc = decisions.New(counting, e.Vault, catalogue.Default(), scoring.NewPublished(cards, cards), func() time.Time { return e.Now })
	decide := func() *candor.Decision {
		t.Helper()
		d, err := e.svc.Decide(ctx, landlord, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := decide()
	again := decide()
	if before.Outcome != candor.OutcomeApprove || again.Outcome != before.Outcome || again.KnownThrough != before.KnownThrough {
		t.Fatalf("decisions on a clean record: %+v then %+v; want approve twice", before, again)
	}
	if counting.scans != 1 {
		t.Fatalf("two decisions with nothing changed in between read the matches %d times, want once (else this test tests no cache)", counting.scans)
	}

	e.Now = e.Now.Add(time.Hour) // (post names events by the time)
	e.post(t, "AB1234567", 90)
	late := decide()
	if late.Outcome != candor.OutcomeDecline || late.KnownThrough <= before.KnownThrough {
		t.Fatalf("a decision after a new late payment: %s, known through event %d (before: %d); want decline, knowing the new event",
			late.Outcome, late.KnownThrough, before.KnownThrough)
	}

	ev, ms, err := e.Store.Event(ctx, candor.EventRef{Subject: id, OccurredAt: e.Now.AddDate(0, -1, 0), ID: late.KnownThrough})
	if err != nil {
		t.Fatal(err)
	}
	seen := candor.Seen{State: ev.State, Matches: len(ms)}
	if _, err := e.Store.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: ev.Ref(), Seen: seen, State: candor.StateDisputed}}}); err != nil {
		t.Fatal(err)
	}
	if disputed := decide(); disputed.Outcome != candor.OutcomeApprove {
		t.Fatalf("a decision while the late payment is disputed: %s; want approve (a disputed fact does not count)", disputed.Outcome)
	}

	other := decisions.New(e.Store, e.Vault, catalogue.Default(), scoring.NewPublished(cards, cards), func() time.Time { return e.Now })
	if _, err := other.OptOut(ctx, id, "rental-deposit"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Decide(ctx, landlord, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalOptedOut {
		t.Fatalf("a decision after the subject opted out elsewhere: %v; want opted_out", err)
	}
	if err := other.OptIn(ctx, id, "rental-deposit"); err != nil {
		t.Fatal(err)
	}
	decide()

	if _, err := other.Revoke(ctx, id, c.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Decide(ctx, landlord, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalConsentRevoked {
		t.Fatalf("a decision after the consent was revoked elsewhere: %v; want consent_revoked", err)
	}

	c, err = e.svc.Grant(ctx, id, "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	decide()
	events := 0
	for _, err := range e.Store.Events(ctx, id, candor.EventFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		events++
	}
	if _, err := e.Store.Commit(ctx, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: id, Events: events}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Decide(ctx, landlord, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalNoConsent {
		t.Fatalf("a decision about an erased subject: %v; want no_consent", err)
	}
}

// TestRelyingPartyCache checks that a relying party decoded once is read
// afresh after an update, by this service or another over the same
// store, and that a caller's change to what it was given does not reach
// the next caller.
func TestRelyingPartyCache(t *testing.T) {
	e := mustEnv(t)
	ctx := context.Background()
	rp := e.rp(t, "landlord1")
	got, err := e.svc.RelyingParty(ctx, rp.ID)
	if err != nil || got.Name != rp.Name {
		t.Fatalf("RelyingParty: %+v, %v", got, err)
	}
	got.Name = "changed by a caller"
	if again, _ := e.svc.RelyingParty(ctx, rp.ID); again.Name != rp.Name {
		t.Fatalf("a caller's change reached the cache: %q", again.Name)
	}
	other := decisions.New(e.Store, e.Vault, catalogue.Default(), nil, nil)
	renamed := *rp
	renamed.Name = "Renamed Ltd"
	if err := other.PutRelyingParty(ctx, &renamed); err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.RelyingParty(ctx, rp.ID); err != nil || again.Name != "Renamed Ltd" {
		t.Fatalf("after an update by another service: %+v, %v", again, err)
	}
	// While nothing changes, the store is not read: only the caller's copy
	// is allocated.
	if n := testing.AllocsPerRun(100, func() { e.svc.RelyingParty(ctx, rp.ID) }); n > 1 {
		t.Errorf("RelyingParty, nothing changed: %v allocations, want 1", n)
	}
}

// BenchmarkRelyingParty reads a relying party as authentication does for
// every relying party's request: the store's record, decoded once.
func BenchmarkRelyingParty(b *testing.B) {
	e := &env{Env: testenv.NewInMemory(b)}
	svc := decisions.New(e.Store, e.Vault, e.Cat, nil, nil)
	if err := svc.PutRelyingParty(ctx, &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.RelyingParty(ctx, "landlord1"); err != nil {
			b.Fatal(err)
		}
	}
}
