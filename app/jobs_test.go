package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
)

// TestJobsUnderLease: of two job runners sharing a store, as two nodes
// would, one runs the jobs; when it dies without releasing the lease, the
// other takes them over once the lease has expired. On PostgreSQL when
// CANDOR_TEST_POSTGRES is set (two connection pools, as two processes
// have), on Pebble's in-process leases otherwise.
func TestJobsUnderLease(t *testing.T) {
	var stores [2]candor.Leaser
	if db := pgtest.DatabaseIfSet(t); db != "" {
		for i := range stores {
			st, err := postgres.Open(context.Background(), db, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			stores[i] = st
		}
	} else {
		st, err := pebble.Open(t.TempDir(), pebble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[0], stores[1] = st, st
	}
	const ttl = 600 * time.Millisecond
	var (
		runners [2]*jobs
		runs    [2]atomic.Int64
	)
	for i := range runners {
		runners[i] = newJobs(slog.New(slog.DiscardHandler))
		runners[i].underLease(stores[i], "test/jobs", ttl)
		runners[i].every("count", 10*time.Millisecond, func(context.Context) (int, error) { runs[i].Add(1); return 0, nil })
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out waiting until %s (runs %d and %d)", what, runs[0].Load(), runs[1].Load())
	}
	waitFor("one runner has run", func() bool { return runs[0].Load()+runs[1].Load() > 5 })
	holder := 0
	if runs[1].Load() > 0 {
		holder = 1
	}
	other := 1 - holder
	if runs[other].Load() != 0 {
		t.Fatalf("both runners ran the jobs: %d and %d runs", runs[0].Load(), runs[1].Load())
	}

	// The holder dies: its goroutines stop, the lease is not released.
	runners[holder].cancel()
	runners[holder].leaseCancel()
	runners[holder].wg.Wait()
	runners[holder].leaseWG.Wait()
	died := time.Now()
	waitFor("the other runner took over", func() bool { return runs[other].Load() > 0 })
	if waited := time.Since(died); waited < ttl/3 {
		t.Errorf("the other runner took over %s after the holder died, before its lease of %s could expire", waited, ttl)
	}
	runners[other].stop()
	runners[other].release()
}

// TestEveryAfter: every runs its work at once; everyAfter only when the
// first interval is up, then each interval.
func TestEveryAfter(t *testing.T) {
	j := newJobs(slog.New(slog.DiscardHandler))
	defer j.stop()
	var now, later atomic.Int32
	count := func(c *atomic.Int32) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { c.Add(1); return 0, nil }
	}
	const interval = 300 * time.Millisecond
	j.every("now", interval, count(&now))
	j.everyAfter("later", interval, count(&later))
	time.Sleep(interval / 3)
	if now.Load() != 1 || later.Load() != 0 {
		t.Fatalf("a third of the interval in: every ran %d times, everyAfter %d; want 1 and 0", now.Load(), later.Load())
	}
	for deadline := time.Now().Add(5 * time.Second); later.Load() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("everyAfter ran %d times in 5 s at %s", later.Load(), interval)
		}
	}
}
