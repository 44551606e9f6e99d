package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/retention"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

var ctx = context.Background()

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestPurge stores late instalments (6-year retention) and rent payments
// (3 years) of several persons in 2020 and moves the clock: what is past
// its retention stops counting at once and the purge removes it, with its
// matches; the rest is untouched; the log still accounts for everything.
func TestPurge(t *testing.T) {
	dir := t.TempDir()
	st, err := pebble.Open(filepath.Join(dir, "data"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lg, err := tlog.Open(filepath.Join(dir, "log"), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	v, _ := vault.New(bytes.Repeat([]byte{9}, vault.KeySize), memstore.NewKeyring())
	cat := catalogue.Default()
	cards, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}

	// Ingested in 2021: rent of March 2020, late instalments of June 2020.
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Matcher: scoring.NewMatcher(cards),
		Now: func() time.Time { return day("2021-01-01") }})
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"rent.paid", "credit.instalment_late"}}
	var body []string
	for i := range 5 {
		nid := fmt.Sprintf("AB%07d", i)
		body = append(body,
			fmt.Sprintf(`{"id":"r%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"rent.paid","occurred_at":"2020-03-01T00:00:00Z","fields":{"amount":"700","currency":"EUR"}}`, i, nid),
			fmt.Sprintf(`{"id":"l%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2020-06-01T00:00:00Z","fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}`, i, nid))
	}
	inputs, problems, err := ingest.Decode([]byte(strings.Join(body, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ingest(ctx, src, inputs, problems); err != nil {
		t.Fatal(err)
	}
	p.Close()

	// counts returns, at instant at, the events stored, the stored ones
	// that still count (not expired), and the matches stored.
	counts := func(at time.Time) (stored, counting, matches int) {
		t.Helper()
		for se, err := range st.Population(ctx, candor.Part{}) {
			if err != nil {
				t.Fatal(err)
			}
			key, err := v.SubjectKey(ctx, se.Subject.ID)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := key.OpenEvents(se.Events)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				stored++
				if e.EffectiveState(cat.Type(e.Type), at) == candor.StateActive {
					counting++
				}
			}
			for _, c := range cards {
				for _, err := range st.Matches(ctx, se.Subject.ID, c.Key()) {
					if err != nil {
						t.Fatal(err)
					}
					matches++
				}
			}
		}
		return stored, counting, matches
	}
	verify := func() {
		t.Helper()
		if _, err := audit.NewAppender(st, lg, nil, 0).Recover(ctx); err != nil {
			t.Fatal(err)
		}
		var keys []candor.ScorecardKey
		for _, c := range cards {
			keys = append(keys, c.Key())
		}
		r, err := audit.Verify(ctx, audit.VerifyConfig{Store: st, Vault: v, Log: lg, Cards: keys})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			t.Fatalf("audit verify: %q", r.Problems)
		}
	}
	stored, counting, matchesBefore := counts(day("2022-01-01"))
	if stored != 10 || counting != 10 || matchesBefore == 0 {
		t.Fatalf("before: %d stored, %d counting, %d matches; want 10, 10 and some", stored, counting, matchesBefore)
	}
	verify()

	// 2023-03-02: the rent payments are past their 3 years (+ leap day).
	clock := day("2023-03-02")
	purger := retention.New(st, v, cat, func() time.Time { return clock })
	if stored, counting, _ := counts(clock); stored != 10 || counting != 5 {
		t.Fatalf("past the rent's retention, before the purge: %d stored, %d counting; want 10 and 5 (read time)", stored, counting)
	}
	var calls int
	pr, err := purger.Run(ctx, func(retention.Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if pr.Purged != 5 || pr.Subjects != 5 || pr.Events != 10 || calls != pr.Parts {
		t.Fatalf("purge: %+v with %d progress calls; want 5 purged of 10 events of 5 subjects", pr, calls)
	}
	stored, counting, matchesAfter := counts(clock)
	if stored != 5 || counting != 5 || matchesAfter >= matchesBefore {
		t.Fatalf("after the purge: %d stored, %d counting, %d matches (had %d); want 5, 5 and fewer", stored, counting, matchesAfter, matchesBefore)
	}
	verify()

	// A second pass at the same instant removes nothing more.
	if pr, err := purger.Run(ctx, nil); err != nil || pr.Purged != 0 {
		t.Fatalf("second pass: %+v, %v; want nothing purged", pr, err)
	}

	// 2026-06-02: the late instalments are past their 6 years.
	clock = day("2026-06-02")
	if pr, err := purger.Run(ctx, nil); err != nil || pr.Purged != 5 {
		t.Fatalf("last pass: %+v, %v; want 5 purged", pr, err)
	}
	if stored, _, matches := counts(clock); stored != 0 || matches != 0 {
		t.Fatalf("at the end: %d events and %d matches stored, want none", stored, matches)
	}
	verify()
}

// TestPurgeForgetsErasedFacts: what is kept of an erased fact goes once
// the fact's retention has ended, and not before.
func TestPurgeForgetsErasedFacts(t *testing.T) {
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, _ := vault.New(bytes.Repeat([]byte{9}, vault.KeySize), memstore.NewKeyring())
	now := day("2027-01-01")
	for _, tc := range []struct {
		id    string
		until time.Time
	}{{"ended", now.Add(-time.Second)}, {"ends now", now}, {"runs on", now.Add(time.Second)}} {
		if err := st.PutRecord(ctx, candor.ErasedRecord(v.DedupeKey("bank7", tc.id), tc.until)); err != nil {
			t.Fatal(err)
		}
	}
	pr, err := retention.New(st, v, catalogue.Default(), func() time.Time { return now }).Run(ctx, nil)
	if err != nil || pr.Forgotten != 2 {
		t.Fatalf("Run: forgot %d, %v; want 2", pr.Forgotten, err)
	}
	var left []string
	for r, err := range st.AllRecords(ctx, candor.RecordErased) {
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, r.ID)
	}
	if k := v.DedupeKey("bank7", "runs on"); len(left) != 1 || left[0] != candor.ErasedRecord(k, now).ID {
		t.Errorf("left: %v; want the one whose retention runs on", left)
	}
}
