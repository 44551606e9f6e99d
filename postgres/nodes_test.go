package postgres_test

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
)

// openNodes opens n stores on one fresh schema at once, as n nodes
// starting together would: the migrations run once.
func openNodes(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	url := pgtest.Schema(t, pgtest.Database(t), "nodes")
	nodes := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i], errs[i] = postgres.Open(context.Background(), url, postgres.Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { nodes[i].Close() })
	}
	return nodes
}

func event(sub candor.SubjectID, at time.Time) *candor.EventRecord {
	e := &candor.EventRecord{Subject: sub, OccurredAt: at, State: candor.StateActive, Sealed: []byte("sealed")}
	rand.Read(e.Dedupe[:])
	rand.Read(e.Digest[:])
	return e
}

// waitChange waits until version() differs from was, or fails the test.
func waitChange(t *testing.T, what string, was uint64, version func() uint64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if version() != was {
			return
		}
	}
	t.Fatalf("%s: the other node's version did not change", what)
}

// TestNodesSeeEachOthersWrites: a write through one node changes the
// subject's versions on another (LISTEN/NOTIFY), so caches resting on them
// are invalidated across nodes.
func TestNodesSeeEachOthersWrites(t *testing.T) {
	nodes := openNodes(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	sub := candor.NewSubjectID()

	was := b.SubjectVersion(sub)
	if _, err := a.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{event(sub, time.Now())}}); err != nil {
		t.Fatal(err)
	}
	waitChange(t, "an event committed on another node", was, func() uint64 { return b.SubjectVersion(sub) })

	was = b.RecordsVersion(candor.RecordConsent, sub)
	if err := a.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: sub, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	waitChange(t, "a consent granted on another node", was, func() uint64 { return b.RecordsVersion(candor.RecordConsent, sub) })

	was = b.RecordsVersion(candor.RecordConsent, sub)
	if err := a.DeleteRecord(ctx, candor.RecordConsent, "c1"); err != nil {
		t.Fatal(err)
	}
	waitChange(t, "a consent revoked on another node", was, func() uint64 { return b.RecordsVersion(candor.RecordConsent, sub) })
}

// TestNodesStoreAKeyOnce: two nodes committing the same dedupe key at once
// store it once; the other commit fails whole with ECONFLICT.
func TestNodesStoreAKeyOnce(t *testing.T) {
	nodes := openNodes(t, 2)
	ctx := context.Background()
	sub := candor.NewSubjectID()
	for round := range 10 {
		first := event(sub, time.Now())
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, n := range nodes {
			e := *first
			other := event(sub, time.Now()) // rolled back with the batch if it loses
			wg.Go(func() { _, errs[i] = n.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{&e, other}}) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch candor.ErrorCode(err) {
			case "":
				ok++
			case candor.ECONFLICT:
			default:
				t.Fatalf("round %d: %v, want ECONFLICT for the loser", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d commits of one dedupe key succeeded (%v), want 1", round, ok, errs)
		}
	}
	n := 0
	for _, err := range nodes[1].Events(ctx, sub, candor.EventFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 20 {
		t.Fatalf("%d events stored, want 20: the winners' two each, none of the losers'", n)
	}
}

// TestNodesShareALease: one node holds a lease at a time, across nodes.
func TestNodesShareALease(t *testing.T) {
	nodes := openNodes(t, 3)
	ctx := context.Background()
	held := 0
	for i, n := range nodes {
		_, ok, err := n.AcquireLease(ctx, "appender", string(rune('a'+i)), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			held++
		}
	}
	if held != 1 {
		t.Fatalf("%d nodes hold the lease, want 1", held)
	}
}
