package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

// TestErasedFactsStayRefused: the idempotency keys of erased facts, kept
// in the store, are refused by a pipeline opened later (after a restart)
// and by Check; one whose retention ended is taken again.
func TestErasedFactsStayRefused(t *testing.T) {
	e := mustEnv(t)
	ctx := context.Background()
	kept := e.vault.DedupeKey("bank7", "gone-1")
	ended := e.vault.DedupeKey("bank7", "gone-2")
	for _, r := range []*candor.Record{candor.ErasedRecord(kept, testNow.Add(time.Hour)), candor.ErasedRecord(ended, testNow)} {
		if err := e.store.PutRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	e.close(t)
	e.open(t)
	for _, tc := range []struct {
		name, body string
		code       string
	}{
		{"an erased fact", late("gone-1", "AB1234567", 30), candor.EERASED},
		{"its retention ended", late("gone-2", "AB1234567", 30), ""},
		{"another source's fact of that ID", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body == "" { // the key is of bank7's ID: court1's is another fact
				src := *e.src
				src.ID = "court1"
				inputs, problems, _ := decode(late("gone-1", "CD7654321", 30))
				if _, err := e.p.Ingest(ctx, &src, inputs, problems); err != nil {
					t.Fatal(err)
				}
				return
			}
			inputs, problems, _ := decode(tc.body)
			if err := e.p.Check(e.src, inputs, problems); candor.ErrorCode(err) != tc.code {
				t.Errorf("Check: %v, want %q", err, tc.code)
			}
			_, err := e.post(t, tc.body)
			if candor.ErrorCode(err) != tc.code {
				t.Fatalf("Ingest: %v, want %q", err, tc.code)
			}
			if tc.code != "" && (len(candor.ErrorDetails(err)) != 1 || candor.ErrorDetails(err)[0].Field != "id") {
				t.Errorf("problems: %v", candor.ErrorDetails(err))
			}
		})
	}
	// Erased from now on, as soon as the erasure's records are stored (on
	// this node or another sharing the store), without a restart, until
	// its retention ends: then taken again, without a restart either.
	if _, err := e.store.Commit(ctx, &candor.WriteBatch{Records: []*candor.Record{
		candor.ErasedRecord(e.vault.DedupeKey("bank7", "gone-3"), testNow.Add(time.Hour)),
		candor.ErasedRecord(e.vault.DedupeKey("bank7", "gone-4"), testNow)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.post(t, late("gone-3", "AB1234567", 30)); candor.ErrorCode(err) != candor.EERASED {
		t.Fatalf("after the erasure: %v", err)
	}
	if _, err := e.post(t, late("gone-4", "AB1234567", 30)); err != nil {
		t.Fatalf("a fact whose retention ended when it was erased: %v", err)
	}
}

func decode(body string) ([]candor.EventInput, []candor.Problem, error) {
	return ingest.Decode([]byte(body), ingest.FormatNDJSON, ingest.MaxEvents)
}

// BenchmarkCheckErased measures what refusing erased facts costs the
// validation of a request of 1,000 new events: Check on a pipeline that
// keeps 100,000 erased facts' keys against, in the same loop, one that
// keeps none (the baseline); it reports both and their ratio.
func BenchmarkCheckErased(b *testing.B) {
	var lines []string
	for i := range 1000 {
		lines = append(lines, late(fmt.Sprintf("new-%d", i), fmt.Sprintf("AB%07d", i), 30))
	}
	inputs, problems, err := decode(strings.Join(lines, "\n"))
	if err != nil {
		b.Fatal(err)
	}
	none, kept := mustEnv(b), mustEnv(b)
	erased := &candor.WriteBatch{}
	for i := range 100_000 {
		erased.Records = append(erased.Records, candor.ErasedRecord(kept.vault.DedupeKey("bank7", fmt.Sprintf("gone-%d", i)), testNow.Add(time.Hour)))
	}
	if _, err := kept.store.Commit(context.Background(), erased); err != nil {
		b.Fatal(err)
	}
	// The first request reads them: once, when the erasures' version moves.
	if err := kept.p.Check(kept.src, inputs, problems); err != nil {
		b.Fatal(err)
	}
	var base, with time.Duration
	b.ResetTimer()
	order := []*env{none, kept}
	for b.Loop() {
		slices.Reverse(order) // alternate which runs first
		for _, e := range order {
			start := time.Now()
			if err := e.p.Check(e.src, inputs, problems); err != nil {
				b.Fatal(err)
			}
			if e == none {
				base += time.Since(start)
			} else {
				with += time.Since(start)
			}
		}
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N*len(inputs)), "ns/event-baseline")
	b.ReportMetric(float64(with.Nanoseconds())/float64(b.N*len(inputs)), "ns/event-100k-erased")
	b.ReportMetric(float64(with)/float64(base), "ratio")
}
