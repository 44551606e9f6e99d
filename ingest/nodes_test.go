package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/vault"
)

var src = &candor.Source{ID: "bank1", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid"}}

// twoNodes returns two pipelines, as two nodes, on one fresh PostgreSQL
// database, with their key filters in use, and their vault. onCommit, if
// given, sees every group commit of each node.
func twoNodes(t *testing.T, onCommit ...func(node int, cs CommitStats)) ([]*Pipeline, *vault.Vault) {
	t.Helper()
	url := pgtest.Database(t)
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*Pipeline, 2)
	for i := range nodes {
		st, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Catalogue: catalogue.Default(), Vault: v, Store: st, Logger: slog.New(slog.DiscardHandler)}
		for _, f := range onCommit {
			opts.OnCommit = func(cs CommitStats) { f(i, cs) }
		}
		nodes[i] = New(opts)
		t.Cleanup(func() { nodes[i].Close(); st.Close() })
		<-nodes[i].scanDone
		if !nodes[i].indexFilter.ready.Load() {
			t.Fatal("the key filters are not in use: the test would show nothing")
		}
	}
	return nodes, v
}

// yesterday is when every event of these tests occurred: the same for
// the whole run, so that an event posted again is the same event (it was
// read afresh for each, and an event posted again a second later was
// refused as "stored before with different content").
var yesterday = time.Now().UTC().AddDate(0, 0, -1).Format(time.RFC3339)

// event is a paid instalment of person's, posted with ID id.
func event(id, person string) candor.EventInput {
	raw := func(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawString, Text: s} }
	return candor.EventInput{ID: id, Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: person},
		Type: "credit.instalment_paid", OccurredAt: yesterday,
		Fields: []candor.RawField{{Name: "account", Value: raw("A1")}, {Name: "amount", Value: raw("10.00")}, {Name: "currency", Value: raw("EUR")}}}
}

// TestNodesRaceForOneSubject runs two pipelines, as two nodes, on one
// PostgreSQL database. Each node's key filters say, rightly for itself,
// that a subject and an event it never saw are not stored; another node
// stores them meanwhile. The commit that loses the race is refused by the
// store (ECONFLICT) and retried with its lookups sent to the store: no
// request fails, no subject is created twice, no event is stored twice,
// and the node goes on ingesting (a conflict does not poison it).
func TestNodesRaceForOneSubject(t *testing.T) {
	nodes, v := twoNodes(t)
	ctx := context.Background()

	// One after the other: node 1 does not know node 0 created the subject.
	if _, err := nodes[0].Ingest(ctx, src, []candor.EventInput{event("e1", "AB1000001")}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := nodes[1].Ingest(ctx, src, []candor.EventInput{event("e2", "AB1000001"), event("e1", "AB1000001")}, nil)
	if err != nil || res.Accepted != 1 || res.Duplicates != 1 {
		t.Fatalf("node 1 posting a known subject and a stored event: %+v, %v; want 1 accepted, 1 duplicate", res, err)
	}

	// At once, on both nodes, for new subjects and the same events.
	for round := range 20 {
		var wg sync.WaitGroup
		results := make([]candor.IngestResult, 2)
		errs := make([]error, 2)
		for i, n := range nodes {
			ins := []candor.EventInput{event(fmt.Sprintf("r%d", round), fmt.Sprintf("CD%07d", round)),
				event(fmt.Sprintf("r%d-node%d", round, i), fmt.Sprintf("CD%07d", round))}
			wg.Go(func() { results[i], errs[i] = n.Ingest(ctx, src, ins, nil) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, node %d: %v", round, i, err)
			}
		}
		if a, d := results[0].Accepted+results[1].Accepted, results[0].Duplicates+results[1].Duplicates; a != 3 || d != 1 {
			t.Fatalf("round %d: %+v: want the shared event stored once and each node's own", round, results)
		}
	}
	st := nodes[0].store
	for round := range 20 {
		id, err := st.SubjectByIndex(ctx, v.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: fmt.Sprintf("CD%07d", round)}))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range st.Events(ctx, id, candor.EventFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 3 {
			t.Errorf("subject of round %d has %d events, want 3", round, n)
		}
	}
}

// TestNodesLearnTheyShareTheStore: a node's index filter knows only the
// subjects it stored, so its first post about a subject another node
// created is refused (ECONFLICT) and retried. From then on the node asks
// the store about every subject it has not cached, before its writer
// runs: posts about the other node's subjects commit at the first try.
func TestNodesLearnTheyShareTheStore(t *testing.T) {
	var mu sync.Mutex
	conflicts := [2]int{}
	nodes, _ := twoNodes(t, func(node int, cs CommitStats) {
		if candor.ErrorCode(cs.Err) == candor.ECONFLICT {
			mu.Lock()
			conflicts[node]++
			mu.Unlock()
		}
	})
	ctx := context.Background()
	var ins []candor.EventInput
	for i := range 10 {
		ins = append(ins, event(fmt.Sprintf("a%d", i), fmt.Sprintf("EF%07d", i)))
	}
	if _, err := nodes[0].Ingest(ctx, src, ins, nil); err != nil {
		t.Fatal(err)
	}
	if nodes[1].shared.Load() {
		t.Fatal("node 1 thinks the store shared before any conflict")
	}
	for i := range 10 {
		res, err := nodes[1].Ingest(ctx, src, []candor.EventInput{event(fmt.Sprintf("b%d", i), fmt.Sprintf("EF%07d", i))}, nil)
		if err != nil || res.Accepted != 1 {
			t.Fatalf("node 1's post %d: %+v %v", i, res, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conflicts != [2]int{0, 1} || !nodes[1].shared.Load() {
		t.Errorf("conflicts by node: %v, shared %v; want node 1's first post alone refused, and node 1 to know", conflicts, nodes[1].shared.Load())
	}
}

// TestNodesSeeEachOthersErasures: a person erased through one node is
// erased for the other too, with no call between them: the other node's
// cache no longer resolves the person's identifier to the erased subject
// (a new post makes a new subject) and it refuses the erased fact, posted
// again, with EERASED.
func TestNodesSeeEachOthersErasures(t *testing.T) {
	nodes, v := twoNodes(t)
	ctx := context.Background()
	if _, err := nodes[0].Ingest(ctx, src, []candor.EventInput{event("x1", "AB2000001")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].Ingest(ctx, src, []candor.EventInput{event("x2", "AB2000001")}, nil); err != nil {
		t.Fatal(err) // node 1 now holds the subject in its cache
	}
	bi := v.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: "AB2000001"})
	erased, err := nodes[0].store.SubjectByIndex(ctx, bi)
	if err != nil {
		t.Fatal(err)
	}
	other := nodes[1].store.(candor.Versioned)
	before := other.RecordsVersion(candor.RecordErased, candor.SubjectID{})
	st := nodes[0].store.(candor.Store)
	plan, err := erasure.New(erasure.Config{Store: st, Vault: v, Catalogue: catalogue.Default()}).Erase(ctx, erased)
	if err != nil || !plan.Whole {
		t.Fatalf("erasure: %+v, %v; want the person erased whole", plan, err)
	}
	for deadline := time.Now().Add(5 * time.Second); other.RecordsVersion(candor.RecordErased, candor.SubjectID{}) == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("node 1's store never saw the erasure's notification")
		}
	}
	if _, err := nodes[1].Ingest(ctx, src, []candor.EventInput{event("x1", "AB2000001")}, nil); candor.ErrorCode(err) != candor.EERASED {
		t.Errorf("node 1 taking the erased fact again: %v, want EERASED", err)
	}
	if _, err := nodes[1].Ingest(ctx, src, []candor.EventInput{event("x3", "AB2000001")}, nil); err != nil {
		t.Fatal(err)
	}
	now, err := nodes[1].store.SubjectByIndex(ctx, bi)
	if err != nil || now == erased {
		t.Fatalf("after the erasure, node 1 stored a new fact under %v (%v); want a new subject, not the erased %v", now, err, erased)
	}
}
