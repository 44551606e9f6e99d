package pebble_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	cpebble "github.com/cockroachdb/pebble/v2"
)

const (
	benchBatch  = 1000 // events per commit
	benchSealed = 200  // bytes of sealed payload per event
	benchPool   = 16   // template batches per committer
	// The baseline writes key/values the size of the store's event
	// records: the event key, and the value (version, state, dedupe key,
	// digest, sealed payload).
	benchKeyLen = 1 + 16 + 8 + 8
	benchValLen = 1 + 1 + 16 + 32 + benchSealed
)

// BenchmarkCommit measures the store committing 1,000-event batches (each
// event of a random subject, with a 200-byte sealed payload and, written by
// the store, its dedupe entry), synced per commit, against a baseline in
// the same run: a default-options Pebble writing as many random key/values
// of the size of an event record, synced per 1,000. One op is one batch.
// Both sides end with a flush of their memtables, which is timed, and run
// with the same number of goroutines committing.
//
//	go test ./pebble/ -run '^$' -bench BenchmarkCommit -benchtime 1500x
func BenchmarkCommit(b *testing.B) {
	for _, committers := range []int{1, 2} {
		b.Run(fmt.Sprintf("committers=%d", committers), func(b *testing.B) {
			benchmarkCommit(b, committers)
		})
	}
}

func benchmarkCommit(b *testing.B, committers int) {
	b.StopTimer()
	n := b.N
	baseline := runBaseline(b, n, committers)

	s := MustOpen(b, b.TempDir())
	// Template batches, per committer; each commit perturbs its template's
	// subjects and dedupe keys with the batch number, so that no two events
	// share them.
	templates := make([][][]*candor.EventRecord, committers)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range templates {
		templates[c] = make([][]*candor.EventRecord, benchPool)
		for i := range benchPool {
			evs := make([]*candor.EventRecord, benchBatch)
			for j := range evs {
				e := &candor.EventRecord{
					OccurredAt: start.Add(time.Duration(i*benchBatch+j) * time.Second),
					State:      candor.StateActive,
					Sealed:     make([]byte, benchSealed),
				}
				rand.Read(e.Subject[:])
				rand.Read(e.Dedupe[:])
				rand.Read(e.Digest[:])
				rand.Read(e.Sealed)
				evs[j] = e
			}
			templates[c][i] = evs
		}
	}
	ctx := context.Background()
	b.StartTimer()
	t0 := time.Now()
	parallel(b, n, committers, func(c, i int) error {
		evs := templates[c][i%benchPool]
		for _, e := range evs {
			scramble(e.Subject[:8], i)
			scramble(e.Dedupe[:8], i)
		}
		_, err := s.Commit(ctx, &candor.WriteBatch{Events: evs})
		return err
	})
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	b.Logf("store    (N=%d): %s", n, lsmSummary(s.Metrics()))
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}

	events := float64(n * benchBatch)
	rate, baseRate := events/elapsed.Seconds(), events/baseline.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(baseRate, "baseline-events/s")
	b.ReportMetric(rate/baseRate, "ratio")
}

// runBaseline writes n batches of random key/values into a default-options
// Pebble and returns how long it took.
func runBaseline(b *testing.B, n, committers int) time.Duration {
	db, err := cpebble.Open(b.TempDir(), &cpebble.Options{Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	type kv struct{ k, v []byte }
	templates := make([][][]kv, committers)
	for c := range templates {
		templates[c] = make([][]kv, benchPool)
		for i := range benchPool {
			kvs := make([]kv, benchBatch)
			for j := range kvs {
				kvs[j] = kv{make([]byte, benchKeyLen), make([]byte, benchValLen)}
				rand.Read(kvs[j].k)
				rand.Read(kvs[j].v)
			}
			templates[c][i] = kvs
		}
	}
	t0 := time.Now()
	parallel(b, n, committers, func(c, i int) error {
		batch := db.NewBatch()
		defer batch.Close()
		for _, x := range templates[c][i%benchPool] {
			scramble(x.k[:8], i)
			if err := batch.Set(x.k, x.v, nil); err != nil {
				return err
			}
		}
		return batch.Commit(cpebble.Sync)
	})
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(t0)
	b.Logf("baseline (N=%d): %s", n, lsmSummary(db.Metrics()))
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// parallel calls fn(c, i) for every i in [0, n) from committers goroutines
// (c is the goroutine's number) and fails b on the first error.
func parallel(b *testing.B, n, committers int, fn func(c, i int) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make([]error, committers)
	)
	for c := range committers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(c, i); err != nil {
					errs[c] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

func lsmSummary(m *cpebble.Metrics) string {
	total := m.Total()
	return fmt.Sprintf("flushes %d, compactions %d, read amp %d, tables %d, write amp %.2f, disk %d MiB",
		m.Flush.Count, m.Compact.Count, m.ReadAmp(), total.TablesCount, total.WriteAmp(), m.DiskSpaceUsage()>>20)
}

// scramble XORs b, the first 8 bytes of a template's key, with a hash of
// the batch number i, so that every batch writes keys spread over the whole
// key space, distinct from its template's other uses (XOR with one value is
// a bijection) and from other batches' (with overwhelming probability).
func scramble(b []byte, i int) {
	// splitmix64's finaliser.
	z := uint64(i)*0x9e3779b97f4a7c15 + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	binary.BigEndian.PutUint64(b, binary.BigEndian.Uint64(b)^z)
}
