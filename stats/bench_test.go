package stats_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/vault"
)

// benchStore returns a Pebble store of persons persons (the
// CANDOR_BENCH_STATS_PERSONS environment variable, 20,000 if unset),
// each with an instalment paid in each of the last three months, a late
// one for a third of them and a paid utility bill for a quarter, with
// the active scorecards' matches; kept in CANDOR_BENCH_STATS_DIR if set,
// so that a second run reuses it.
func benchStore(b *testing.B) (*pebble.Store, *vault.Vault, []stats.Card, int) {
	persons := 20000
	if s := os.Getenv("CANDOR_BENCH_STATS_PERSONS"); s != "" {
		persons, _ = strconv.Atoi(s)
	}
	dir := os.Getenv("CANDOR_BENCH_STATS_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	ctx := context.Background()
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		b.Fatal(err)
	}
	cards := make([]stats.Card, len(shipped))
	for i, c := range shipped {
		cards[i] = c
	}
	keys, err := pebble.OpenKeyring(dir+".keyring", pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { keys.Close() })
	v, _ := vault.New(bytes.Repeat([]byte{3}, vault.KeySize), keys)
	st, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	marker := fmt.Sprintf("bench/stats/%d", persons)
	if _, err := st.GetMeta(ctx, marker); err == nil {
		return st, v, cards, persons
	}
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank,
		AllowedTypes: []string{"credit.instalment_late", "credit.instalment_paid", "utility.bill_paid"}}
	if err := st.PutSource(ctx, bank); err != nil {
		b.Fatal(err)
	}
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Matcher: scoring.NewMatcher(shipped)})
	defer p.Close()
	str := func(n, s string) candor.RawField {
		return candor.RawField{Name: n, Value: candor.RawValue{Kind: candor.RawString, Text: s}}
	}
	this := candor.MonthOf(time.Now())
	var in []candor.EventInput
	flush := func() {
		if _, err := p.Ingest(ctx, bank, in, nil); err != nil {
			b.Fatal(err)
		}
		in = in[:0]
	}
	start := time.Now()
	for i := range persons {
		ref := candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: fmt.Sprintf("B%c%07d", 'A'+i/10000000, i%10000000)}
		for m := 1; m <= 3; m++ {
			when := this.AddDate(0, -m, 3+i%20).Format(time.RFC3339)
			in = append(in, candor.EventInput{ID: fmt.Sprintf("p%d-%d", i, m), Subject: ref, Type: "credit.instalment_paid", OccurredAt: when,
				Fields: []candor.RawField{str("account", "ACC1"), str("amount", "10.00"), str("currency", "EUR")}})
		}
		when := this.AddDate(0, -1, 5).Format(time.RFC3339)
		if i%3 == 0 {
			in = append(in, candor.EventInput{ID: fmt.Sprintf("l%d", i), Subject: ref, Type: "credit.instalment_late", OccurredAt: when,
				Fields: []candor.RawField{{Name: "days_late", Value: candor.RawValue{Kind: candor.RawNumber, Text: "30"}}, str("amount", "10.00"), str("currency", "EUR")}})
		}
		if i%4 == 0 {
			in = append(in, candor.EventInput{ID: fmt.Sprintf("b%d", i), Subject: ref, Type: "utility.bill_paid", OccurredAt: when,
				Fields: []candor.RawField{str("service", "water"), str("amount", "30.00"), str("currency", "EUR")}})
		}
		if len(in) >= 4000 {
			flush()
		}
	}
	flush()
	if err := st.PutMeta(ctx, marker, []byte("1")); err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d persons in %s", persons, time.Since(start).Round(time.Second))
	return st, v, cards, persons
}

// BenchmarkRelease times a monthly release (every table of the list, in
// one pass, with the grades under every shipped scorecard) against a raw
// scan of the same store (every subject's key opened and events
// decrypted, nothing counted), both with GOMAXPROCS workers, and prints
// raw/release: the target is 0.5 or more.
func BenchmarkRelease(b *testing.B) {
	st, v, cards, persons := benchStore(b)
	defer st.Close()
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	defer population.RelaxGC()()
	var raw, rel time.Duration
	b.Run("raw-scan", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			var n atomic.Int64
			if _, _, err := population.Each(ctx, st, v, workers, func(_ *candor.SubjectRecord, _ *vault.SubjectKey, evs []*candor.Event) error {
				n.Add(int64(len(evs)))
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		raw = time.Since(start) / time.Duration(b.N)
	})
	b.Run("release", func(b *testing.B) {
		// A fresh store of releases each run: a month is released once.
		svc := stats.New(stats.Options{Store: st, Vault: v, Catalogue: catalogue.Default(), Workers: workers,
			Scorecards: func() []stats.Card { return cards }})
		month := candor.MonthOf(time.Now()).AddDate(0, -1, 0)
		start := time.Now()
		for b.Loop() {
			for {
				_, err := svc.Publish(ctx, month)
				month = month.AddDate(0, -1, 0)
				if candor.ErrorCode(err) == candor.ECONFLICT {
					continue // released by an earlier run on this store
				}
				if err != nil {
					b.Fatal(err)
				}
				break
			}
		}
		rel = time.Since(start) / time.Duration(b.N)
	})
	if raw > 0 && rel > 0 {
		b.Logf("%d persons: raw scan %s, release %s, raw/release %.2f (target ≥ 0.5)", persons, raw.Round(time.Millisecond), rel.Round(time.Millisecond), float64(raw)/float64(rel))
	}
}

// TestAccuracy prints the median relative error of released counts at
// ε = 1 for cells of 1,000 and 100,000 subjects, under the contribution
// bounds the tables use (1 for grades, 4 for a month's release table,
// 24 at most), from 20,001 draws of the noise each, and checks it
// against the exact median of |noise|/n.
func TestAccuracy(t *testing.T) {
	s := seeded(42)
	for _, bound := range []uint64{1, 4, stats.MaxCells} {
		errs := make([]float64, 20001)
		for i := range errs {
			z, err := s.Laplace(bound*candor.MicroEpsilon, candor.MicroEpsilon)
			if err != nil {
				t.Fatal(err)
			}
			errs[i] = math.Abs(float64(z))
		}
		slices.Sort(errs)
		med := errs[len(errs)/2]
		// The exact median of |X| for scale b: the least k with
		// P(|X| ≤ k) ≥ 1/2, P(|X| ≥ k) = 2q^k/(1+q).
		b := float64(bound)
		q := math.Exp(-1 / b)
		k := 0.0
		for 2*math.Pow(q, k+1)/(1+q) > 0.5 {
			k++
		}
		if med < k-1 || med > k+1 {
			t.Errorf("bound %d: median |noise| %g, exact %g", bound, med, k)
		}
		t.Logf("ε = 1, bound %2d: median |noise| %3g → median relative error %.4f %% for a cell of 1,000, %.6f %% for 100,000",
			bound, med, 100*med/1000, 100*med/100000)
	}
}
