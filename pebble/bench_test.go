package pebble_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/candor-project/candor"
	cpebble "github.com/cockroachdb/pebble/v2"
)

const (
	benchBatch  = 1000 // events per commit
	benchSealed = 200  // bytes of sealed payload per event
	benchPool   = 16   // template batches
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
// Both sides end with a flush of their memtables, which is timed.
//
// Modes: serial, one Commit after the other; pipelined, as the ingest
// writer does it, entering the next batch while the previous one syncs
// (CommitAsync; the baseline uses Pebble's ApplyNoSyncWait).
//
//	go test ./pebble/ -run '^$' -bench BenchmarkCommit -benchtime 1500x
func BenchmarkCommit(b *testing.B) {
	for _, pipelined := range []bool{false, true} {
		name := "serial"
		if pipelined {
			name = "pipelined"
		}
		b.Run(name, func(b *testing.B) { benchmarkCommit(b, pipelined) })
	}
}

func benchmarkCommit(b *testing.B, pipelined bool) {
	b.StopTimer()
	n := b.N
	baseline := runBaseline(b, n, pipelined)

	s := MustOpen(b, b.TempDir())
	// Template batches; each commit scrambles its template's subjects and
	// dedupe keys with the batch number, so that no two events share them.
	templates := make([][]*candor.EventRecord, benchPool)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range templates {
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
		templates[i] = evs
	}
	ctx := context.Background()
	b.StartTimer()
	t0 := time.Now()
	pipeline(b, n, pipelined, func(i int) (func() error, error) {
		evs := templates[i%benchPool]
		for _, e := range evs {
			scramble(e.Subject[:8], i)
			scramble(e.Dedupe[:8], i)
		}
		wait, err := s.CommitAsync(ctx, &candor.WriteBatch{Events: evs})
		if err != nil {
			return nil, err
		}
		return func() error { _, err := wait(); return err }, nil
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
func runBaseline(b *testing.B, n int, pipelined bool) time.Duration {
	db, err := cpebble.Open(b.TempDir(), &cpebble.Options{Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	type kv struct{ k, v []byte }
	templates := make([][]kv, benchPool)
	for i := range templates {
		kvs := make([]kv, benchBatch)
		for j := range kvs {
			kvs[j] = kv{make([]byte, benchKeyLen), make([]byte, benchValLen)}
			rand.Read(kvs[j].k)
			rand.Read(kvs[j].v)
		}
		templates[i] = kvs
	}
	t0 := time.Now()
	pipeline(b, n, pipelined, func(i int) (func() error, error) {
		batch := db.NewBatch()
		for _, x := range templates[i%benchPool] {
			scramble(x.k[:8], i)
			if err := batch.Set(x.k, x.v, nil); err != nil {
				return nil, err
			}
		}
		if err := db.ApplyNoSyncWait(batch, cpebble.Sync); err != nil {
			return nil, err
		}
		return func() error {
			defer batch.Close()
			return batch.SyncWait()
		}, nil
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

// pipeline calls enter(i) for every i in [0, n) in order, and the wait it
// returns: right away, or (pipelined) from another goroutine while the
// next enter runs, as the ingest writer does. It fails b on the first
// error.
func pipeline(b *testing.B, n int, pipelined bool, enter func(i int) (wait func() error, err error)) {
	waits := make(chan func() error, 2)
	done := make(chan error, 1)
	go func() {
		var first error
		for wait := range waits {
			if err := wait(); err != nil && first == nil {
				first = err
			}
		}
		done <- first
	}()
	var err error
	for i := 0; i < n && err == nil; i++ {
		var wait func() error
		if wait, err = enter(i); err != nil {
			break
		}
		if pipelined {
			waits <- wait
		} else {
			err = wait()
		}
	}
	close(waits)
	if werr := <-done; err == nil {
		err = werr
	}
	if err != nil {
		b.Fatal(err)
	}
}

func lsmSummary(m *cpebble.Metrics) string {
	total := m.Total()
	return fmt.Sprintf("flushes %d, compactions %d, read amp %d, tables %d, write amp %.2f, disk %d MiB",
		m.Flush.Count, m.Compact.Count, m.ReadAmp(), total.TablesCount, total.WriteAmp(), m.DiskSpaceUsage()>>20)
}

// scramble XORs b, the first 8 bytes of a template's key, with a hash of
// the batch number i. Applied on every use of a template, it gives each
// batch keys spread over the whole key space: distinct within the batch
// (XOR with one value is a bijection) and, with overwhelming probability,
// from every other batch's.
func scramble(b []byte, i int) {
	// splitmix64's finaliser.
	z := uint64(i)*0x9e3779b97f4a7c15 + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	binary.BigEndian.PutUint64(b, binary.BigEndian.Uint64(b)^z)
}
