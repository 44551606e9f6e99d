package stats_test

import (
	"context"
	"sync"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/stats"
)

// TestLedgerOnEveryStore: on Pebble, PostgreSQL (with CANDOR_TEST_POSTGRES)
// and the in-memory store, the ledger's entries are kept (a ledger over
// the store opened again sees them), each with one write commitment
// recorded for the log, and two ledgers sharing the store (two nodes)
// never spend past the limit between them.
func TestLedgerOnEveryStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mem := memstore.New()
	stores := map[string]func(t *testing.T) candor.Store{
		"memory": func(*testing.T) candor.Store { return mem.Reopen() },
		"pebble": func(t *testing.T) candor.Store {
			st, err := pebble.Open(dir, pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
	if url := pgtest.DatabaseIfSet(t); url != "" {
		stores["postgres"] = func(t *testing.T) candor.Store {
			st, err := postgres.Open(ctx, url, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}
	limit := candor.PrivacyBudget{Epsilon: candor.MicroEpsilon, Delta: 10}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			a, b := stats.NewLedger(st, nil), stats.NewLedger(st, nil)
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() {
					l := []*stats.Ledger{a, b}[i%2]
					if _, err := l.Spend(ctx, "analyst/k1", "q", candor.MicroEpsilon/4, 1, limit); err != nil && candor.ErrorCode(err) != candor.EFORBIDDEN {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			st.Close()
			st = open(t)
			defer st.Close()
			got, err := stats.NewLedger(st, nil).Spent(ctx, "analyst/k1", limit)
			if err != nil || got.SpentEpsilon != candor.MicroEpsilon || got.SpentDelta != 4 || got.Spends != 4 || got.LeftEpsilon() != 0 {
				t.Errorf("after reopening: %+v, %v; want 4 spends of ε 0.25 and δ 1", got, err)
			}
			commitments := 0
			for e, err := range st.AuditEntries(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				commitments += len(e.Write)
			}
			if commitments != 4 {
				t.Errorf("%d write commitments recorded, want one per spend (4)", commitments)
			}
		})
	}
}
