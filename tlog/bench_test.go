package tlog_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
	sumdb "golang.org/x/mod/sumdb/tlog"
)

// BenchmarkAppend appends full bundles (tlog.MaxCommitments commitments)
// with the default options, the way a background appender would: two
// callers, each handing over 256 ready bundles (32,768 commitments) per
// AppendAll. One op is one bundle. It reports commitments/s and the CPU
// per 1,000 commitments. Then, for 5 s at the ingest target of 150,000
// commitments/s (a commit of 3,000 every 20 ms, split and appended on its
// own), it reports the cores and disk writes that costs and the p99 time
// from AppendAll to a published checkpoint covering it (skipped in Go's
// one-op sizing round).
//
// The baseline, in the same run, appends single 32-byte entries (one per
// commitment, as without bundles) straight to Tessera with the same
// batching, all submitted at once; the ratio is bundled commitments/s over
// raw entries/s.
//
//	go test ./tlog/ -run '^$' -bench BenchmarkAppend -benchtime 4000x
func BenchmarkAppend(b *testing.B) {
	const (
		perCall  = 256
		callers  = 2
		rawN     = 20000
		pacedFor = 5 * time.Second
		perTick  = 3000
		tick     = 20 * time.Millisecond
	)
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "log")
	l, err := tlog.Open(dir, tlog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	pool := make([]candor.Commitment, 1<<16)
	for i := range pool {
		rand.Read(pool[i][:])
	}
	bundle := func(i int) tlog.Bundle {
		off := (i * tlog.MaxCommitments) % len(pool)
		return tlog.Bundle{Kind: candor.AuditWrite, Seq: uint64(i), Commitments: pool[off : off+tlog.MaxCommitments]}
	}

	var next atomic.Int64
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for {
				first := int(next.Add(perCall)) - perCall
				if first >= b.N {
					return
				}
				var bs []tlog.Bundle
				for i := first; i < min(first+perCall, b.N); i++ {
					bs = append(bs, bundle(i))
				}
				if _, err := l.AppendAll(ctx, bs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	bundled := float64(b.N*tlog.MaxCommitments) / elapsed.Seconds()
	raw := rawTessera(b, rawN)
	b.ReportMetric(bundled, "commitments/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*tlog.MaxCommitments)*1000, "cpu-µs/1k")
	b.ReportMetric(raw, "raw-entries/s")
	b.ReportMetric(bundled/raw, "ratio")
	b.Logf("%d bundles: %.0f commitments/s bundled vs %.0f entries/s raw Tessera: ratio %.1f", b.N, bundled, raw, bundled/raw)
	if b.N == 1 {
		return // Go's sizing round: spare it the paced phase
	}

	w := &latencyWatcher{l: l}
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() { w.run(ctx, stop); close(watched) }()
	ticker := time.NewTicker(tick)
	cpu0, wb0 := cpuTime(), writeBytes()
	paceStart := time.Now()
	for i := 0; time.Since(paceStart) < pacedFor; i++ {
		<-ticker.C
		off := (i * perTick) % (len(pool) - perTick)
		bs := tlog.Split(candor.AuditWrite, uint64(i), pool[off:off+perTick])
		wg.Go(func() {
			t0 := time.Now()
			idx, err := l.AppendAll(ctx, bs)
			if err != nil {
				b.Error(err)
				return
			}
			w.add(slices.Max(idx), t0)
		})
	}
	ticker.Stop()
	wg.Wait()
	paced := time.Since(paceStart).Seconds()
	pacedCPU := (cpuTime() - cpu0).Seconds() / paced
	pacedMB := float64(writeBytes()-wb0) / paced / 1e6
	close(stop)
	<-watched
	p99 := w.p99()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(pacedCPU, "cores@150k/s")
	b.ReportMetric(pacedMB, "MB/s-written@150k/s")
	b.ReportMetric(float64(p99.Milliseconds()), "p99-ms@150k/s")
	b.Logf("at 150k commitments/s: %.2f cores, %.1f MB/s written, p99 from AppendAll to a checkpoint covering it %v",
		pacedCPU, pacedMB, p99)
}

// latencyWatcher measures the time from an AppendAll to the publication of
// a checkpoint covering its highest index, polling every 5 ms.
type latencyWatcher struct {
	l       *tlog.Log
	mu      sync.Mutex
	waiting []pendingIndex
	lats    []time.Duration
}

type pendingIndex struct {
	index uint64
	start time.Time
}

func (w *latencyWatcher) add(index uint64, start time.Time) {
	w.mu.Lock()
	w.waiting = append(w.waiting, pendingIndex{index, start})
	w.mu.Unlock()
}

// run polls until stop is closed and nothing is waiting.
func (w *latencyWatcher) run(ctx context.Context, stop <-chan struct{}) {
	for {
		_, size, _, err := w.l.Checkpoint(ctx)
		now := time.Now()
		w.mu.Lock()
		if err == nil {
			w.waiting = slices.DeleteFunc(w.waiting, func(p pendingIndex) bool {
				if p.index < size {
					w.lats = append(w.lats, now.Sub(p.start))
					return true
				}
				return false
			})
		}
		left := len(w.waiting)
		w.mu.Unlock()
		select {
		case <-stop:
			if left == 0 {
				return
			}
		default:
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *latencyWatcher) p99() time.Duration {
	slices.Sort(w.lats)
	return w.lats[len(w.lats)*99/100]
}

// rawTessera appends n single 32-byte entries to a fresh Tessera POSIX log
// with tlog's default batching, all submitted before any is awaited, and
// returns entries/s.
func rawTessera(b *testing.B, n int) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	driver, err := posix.New(ctx, posix.Config{Path: filepath.Join(b.TempDir(), "raw")})
	if err != nil {
		b.Fatal(err)
	}
	skey, _, _ := note.GenerateKey(rand.Reader, "raw.example/log")
	signer, _ := note.NewSigner(skey)
	a, shutdown, _, err := tessera.NewAppender(ctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(tlog.DefaultCheckpointInterval).
		WithBatching(tlog.DefaultBatchMaxSize, tlog.DefaultBatchMaxAge))
	if err != nil {
		b.Fatal(err)
	}
	entries := make([][]byte, n)
	for i := range entries {
		entries[i] = make([]byte, 32)
		rand.Read(entries[i])
	}
	start := time.Now()
	futures := make([]tessera.IndexFuture, n)
	for i, e := range entries {
		futures[i] = a.Add(ctx, tessera.NewEntry(e))
	}
	for _, f := range futures {
		if _, err := f(); err != nil {
			b.Fatal(err)
		}
	}
	rate := float64(n) / time.Since(start).Seconds()
	if err := shutdown(ctx); err != nil {
		b.Fatal(err)
	}
	return rate
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeBytes returns the bytes this process has caused to be written to
// storage (Linux /proc/self/io), or 0 where that is not available.
func writeBytes() int64 {
	data, _ := os.ReadFile("/proc/self/io")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkVerifyLog checks a log of 20,000 entries holding 1.8 million
// commitments (90 a bundle) from its files with tlog.Check, as candor
// audit verify-log does: every entry bundle read and parsed, every hash
// tile recomputed and compared, the root. The baseline, in the same run,
// recomputes the same tree from the same entries already in memory with
// x/mod/sumdb/tlog alone (RecordHash, StoredHashesForRecordHash,
// TreeHash). One op is one check of the whole log; it reports the ratio
// Check/baseline (target ≤ 2).
//
//	go test ./tlog/ -run '^$' -bench BenchmarkVerifyLog -benchtime 5x
func BenchmarkVerifyLog(b *testing.B) {
	const entries, perBundle = 20000, 90
	dir := filepath.Join(b.TempDir(), "log")
	l, err := tlog.Open(dir, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	pool := make([]candor.Commitment, 1<<14)
	for i := range pool {
		rand.Read(pool[i][:])
	}
	var bs []tlog.Bundle
	var datas [][]byte
	for i := range entries {
		off := (i * perBundle) % (len(pool) - perBundle)
		bd := tlog.Bundle{Kind: candor.AuditWrite, Seq: uint64(i + 1), Commitments: pool[off : off+perBundle]}
		bs = append(bs, bd)
		data, err := bd.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		datas = append(datas, data)
	}
	ctx := context.Background()
	for len(bs) > 0 {
		n := min(len(bs), 4096)
		if _, err := l.AppendAll(ctx, bs[:n]); err != nil {
			b.Fatal(err)
		}
		bs = bs[n:]
	}
	vkey := l.VerifierKey()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	baseline := func() sumdb.Hash {
		hashes := make([]sumdb.Hash, 0, sumdb.StoredHashCount(entries))
		r := sumdb.HashReaderFunc(func(idx []int64) ([]sumdb.Hash, error) {
			out := make([]sumdb.Hash, len(idx))
			for i, x := range idx {
				out[i] = hashes[x]
			}
			return out, nil
		})
		for i, d := range datas {
			hs, err := sumdb.StoredHashesForRecordHash(int64(i), sumdb.RecordHash(d), r)
			if err != nil {
				b.Fatal(err)
			}
			hashes = append(hashes, hs...)
		}
		h, err := sumdb.TreeHash(entries, r)
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	var checkT, baseT time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		st, err := tlog.Check(ctx, tlog.DirSource(dir), vkey, nil)
		checkT += time.Since(start)
		if err != nil || !st.OK() || st.Size != entries || st.Commitments != entries*perBundle {
			b.Fatalf("Check: %v %+v", err, st)
		}
		start = time.Now()
		root := baseline()
		baseT += time.Since(start)
		if string(root[:]) != string(st.Root) {
			b.Fatal("the baseline's root is not the checkpoint's")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(checkT.Milliseconds())/float64(b.N), "check-ms/op")
	b.ReportMetric(float64(baseT.Milliseconds())/float64(b.N), "treehash-ms/op")
	b.ReportMetric(float64(checkT)/float64(baseT), "ratio")
}
