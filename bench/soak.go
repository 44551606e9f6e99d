package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/internal/cmalloc"
)

// The soak's targets (issue 16): over the run, RSS and each load's p99 in
// the last minute within this much of the second minute's, and no more
// goroutines at the end than this many above the second minute's.
const (
	soakDrift      = 0.10
	soakGoroutines = 16
)

// soakArgs are the flags of candor bench soak.
type soakArgs struct {
	duration, sample, calibrate time.Duration
	persons, subjects, conns    int
	cacheSize                   int // MiB
	warm                        bool
	svg, data, profiles         string
	loads                       []string
}

func parseSoak(args []string, stderr io.Writer) (*soakArgs, error) {
	fs := flag.NewFlagSet("bench soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := &soakArgs{}
	fs.DurationVar(&a.duration, "duration", 10*time.Minute, "how long the mixed load runs (at least 3 minutes: the second and the last minute are compared)")
	fs.DurationVar(&a.sample, "sample", 10*time.Second, "how often RSS, heap, goroutines and each load's p50 and p99 are sampled")
	fs.DurationVar(&a.calibrate, "calibrate", 5*time.Second, "how long each load runs saturated first, to find the rate half of which the soak runs at")
	fs.IntVar(&a.persons, "persons", 8000, "persons in the synthetic population ingested first (the default makes a store larger than the default block cache, so the soak starts with the cache full rather than measuring it filling)")
	fs.IntVar(&a.subjects, "subjects", 300, "persons who consent to the relying party; decisions and score reads rotate through them")
	fs.IntVar(&a.cacheSize, "cache-size", 0, "the store's block cache in MiB, memtables included, as candor serve --cache-size (0: 128)")
	fs.BoolVar(&a.warm, "warm", true, "read the whole store once before the soak, so that the block cache starts as full as the store allows")
	fs.IntVar(&a.conns, "connections", 16, "connections of each load")
	fs.StringVar(&a.svg, "svg", "", "write the samples as an SVG chart to this file")
	fs.StringVar(&a.profiles, "heap-profiles", "", "write the Go heap's profile after the second minute and at the end to heap-2m.pprof and heap-end.pprof in this directory (compare: go tool pprof -sample_index=inuse_space -top -diff_base heap-2m.pprof heap-end.pprof)")
	fs.StringVar(&a.data, "data", "", "data dir of the bench's own (default: a temporary directory, removed afterwards)")
	loads := fs.String("loads", "ingest,reads,decisions", "the loads to run together, of ingest, reads and decisions (without ingest the store grows only by decisions and access records)")
	if err := app.ParseFlags(fs, args); err != nil {
		return nil, err
	}
	for _, l := range strings.Split(*loads, ",") {
		if l = strings.TrimSpace(l); !slices.Contains([]string{"ingest", "reads", "decisions"}, l) || slices.Contains(a.loads, l) {
			return nil, fmt.Errorf("--loads: %q is not one of ingest, reads and decisions, or is given twice", l)
		}
		a.loads = append(a.loads, strings.TrimSpace(l))
	}
	if a.duration < 3*time.Minute || a.sample <= 0 || a.sample > time.Minute || a.calibrate <= 0 || a.conns < 1 || a.subjects < 1 || a.persons < a.subjects {
		return nil, errors.New("--duration at least 3m, --sample positive and at most 1m, --calibrate and --connections positive, --persons at least --subjects")
	}
	return a, nil
}

// runBenchSoak runs ingest, score reads and decisions together, each at
// 1/(2×3) of the rate it sustains alone (half the server's capacity in
// all), for --duration, sampling the process and
// each load's latencies, and says whether memory and latency held.
func runBenchSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseSoak(args, stderr)
	if err != nil {
		return err
	}
	data, cleanup, err := dataDir(a.data, "candor-bench-soak-")
	if err != nil {
		return err
	}
	defer cleanup()
	alloc, _ := cmalloc.Limit(os.Getenv) // checked by cmd/candor
	fmt.Fprintf(stdout, "bench soak: %d persons, %s of mixed load sampled every %s, GOMAXPROCS=%d, load average %s; %v\n",
		a.persons, a.duration, a.sample, runtime.GOMAXPROCS(0), loadAverage(), alloc)
	fx, err := newDecisionsFixture(ctx, app.StoreConfig{Data: data, CacheSize: a.cacheSize}, a.persons, a.subjects, stdout, stderr)
	if err != nil {
		return err
	}
	defer fx.close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxConnsPerHost: 3 * a.conns, MaxIdleConnsPerHost: 3 * a.conns, MaxIdleConns: 3 * a.conns, DisableCompression: true}}
	defer client.CloseIdleConnections()
	loads := slices.DeleteFunc(soakTargets(fx, "http://"+fx.addr), func(l soakLoad) bool { return !slices.Contains(a.loads, l.name) })
	for i := range loads {
		r := runLoad(ctx, client, loads[i].t, a.conns, a.calibrate, 1<<30, 0)
		if r.errors > 0 {
			return fmt.Errorf("%s, saturated: %d of %d requests failed; the first: %s", loads[i].name, r.errors, r.requests, r.firstError)
		}
		// Together the loads take half the server: each half its
		// saturated rate, divided among them.
		loads[i].rate = r.rate() / float64(2*len(loads))
		fmt.Fprintf(stdout, "%-9s saturated %7.0f req/s, p99 %s: soaked at %.0f req/s (1/%d of it)\n", loads[i].name, r.rate(), ms(r.percentile(99)), loads[i].rate, 2*len(loads))
	}
	if a.warm {
		if err := warmStore(ctx, fx, stdout); err != nil {
			return err
		}
	}
	samples, err := soak(ctx, client, loads, a, fx.srv.Memory, stdout)
	if err != nil {
		return err
	}
	if a.svg != "" {
		if err := os.WriteFile(a.svg, soakSVG(samples, loads), 0o644); err != nil {
			return err
		}
	}
	return soakVerdict(samples, loads, a, stdout)
}

// warmStore reads the whole store once, which fills its block cache as
// far as the store's size and the cache's capacity allow.
func warmStore(ctx context.Context, fx *decisionsFixture, stdout io.Writer) error {
	st, ok := fx.inst.Store.(interface {
		Warm(context.Context) (int64, error)
	})
	if !ok {
		return nil
	}
	start := time.Now()
	n, err := st.Warm(ctx)
	if err != nil {
		return err
	}
	m := fx.srv.Memory().Store
	fmt.Fprintf(stdout, "Warmed: read the store (%.1f MiB of keys and values) in %s; block cache %.1f of %.0f MiB.\n",
		mib(uint64(n)), time.Since(start).Round(time.Millisecond), mib(uint64(m.BlockCache)), mib(uint64(m.BlockCacheCap)))
	return nil
}

// soakLoad is one kind of load of the soak.
type soakLoad struct {
	name string
	t    loadTarget
	rate float64 // req/s, half the saturated rate
}

// soakTargets are the soak's loads: a bank posting batches of new facts,
// an operator reading scores, the relying party asking for decisions.
func soakTargets(fx *decisionsFixture, base string) []soakLoad {
	const batch = 20
	day := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var seq atomic.Int64 // every batch new, whichever phase sends it
	ingest := loadTarget{url: base + "/v1/events", token: fx.tokens["bank_north"], check: checkAccepted(batch),
		body: func(int) []byte {
			i := int(seq.Add(1))
			var b bytes.Buffer
			b.WriteByte('[')
			for j := range batch {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"soak-%s-%d-%d","subject":{"kind":"person","scheme":"national_id","value":"SK%07d"},"type":"credit.instalment_paid","occurred_at":"%sT00:00:00Z","fields":{"account":"A%d","amount":"%d.25","currency":"EUR"}}`,
					run, i, j, (i*batch+j)%5000, day, i%97, j+1)
			}
			b.WriteByte(']')
			return b.Bytes()
		}}
	read := loadTarget{method: http.MethodGet, token: fx.operator, check: checkOK,
		header: http.Header{httpapi.PurposeHeader: {candor.ReadSubjectRequest.String()}},
		body:   func(int) []byte { return nil }}
	reads := make([]string, len(fx.subjects))
	for i, id := range fx.subjects {
		reads[i] = base + "/v1/subjects/" + id.String() + "/scores/rental-deposit"
	}
	decide := loadTarget{url: base + "/v1/decisions", token: fx.token, bodies: fx.bodies, check: checkDecision}
	return []soakLoad{{name: "ingest", t: ingest}, {name: "reads", t: withURLs(read, reads)}, {name: "decisions", t: decide}}
}

// withURLs makes t's request i go to urls[i mod len].
func withURLs(t loadTarget, urls []string) loadTarget {
	t.url = ""
	t.urls = urls
	return t
}

func checkOK(status int, _ []byte) (string, bool) { return "", status == http.StatusOK }

// checkAccepted checks an ingest answer that accepted n events.
func checkAccepted(n int) func(int, []byte) (string, bool) {
	want := []byte(`"accepted":` + strconv.Itoa(n))
	return func(status int, body []byte) (string, bool) {
		return "", status == http.StatusOK && bytes.Contains(body, want)
	}
}

// soakSample is one sample: the process, the node's caches, and each
// load's latencies since the one before.
type soakSample struct {
	at         time.Duration
	rss, heap  uint64
	file       uint64 // of rss, pages of files: the binary
	mem        goMemory
	malloc     cmalloc.Stats // glibc's arenas and free bytes, with cgo
	node       app.Memory
	goroutines int
	p50, p99   []time.Duration // by load
	counts     []int
	// latencies are each load's, sorted; kept only for the samples of the
	// minutes the verdict compares (the second and the last), so that the
	// bench's own memory does not grow with the run.
	latencies [][]time.Duration
	errors    []int
}

// soak runs the loads at their rates until a.duration, printing a row per
// sample. memory, if not nil, reports the node's caches.
func soak(ctx context.Context, client *http.Client, loads []soakLoad, a *soakArgs, memory func() app.Memory, stdout io.Writer) ([]soakSample, error) {
	ctx, cancel := context.WithTimeout(ctx, a.duration)
	defer cancel()
	windows := make([]*soakWindow, len(loads))
	var wg sync.WaitGroup
	for i, l := range loads {
		windows[i] = &soakWindow{}
		wg.Go(func() { paced(ctx, client, l.t, a.conns, l.rate, windows[i]) })
	}
	printHeader(stdout, loads)
	var samples []soakSample
	start := time.Now()
	tick := time.NewTicker(a.sample)
	defer tick.Stop()
	profiled := false
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
			wg.Wait()
		case <-tick.C:
		}
		s := sampleProcess(time.Since(start))
		if memory != nil {
			s.node = memory()
		}
		keep := s.at/time.Minute == 1 || s.at > a.duration-time.Minute-a.sample
		for _, w := range windows {
			lat, errs := w.take()
			s.p50, s.p99 = append(s.p50, nearestRank(lat, 50)), append(s.p99, nearestRank(lat, 99))
			s.counts, s.errors = append(s.counts, len(lat)), append(s.errors, errs)
			if !keep {
				lat = nil
			}
			s.latencies = append(s.latencies, lat)
		}
		samples = append(samples, s)
		printSample(stdout, s)
		if a.profiles != "" && (done || !profiled && s.at >= 2*time.Minute) {
			name := "heap-end.pprof"
			if !done {
				name, profiled = "heap-2m.pprof", true
			}
			if err := writeHeapProfile(filepath.Join(a.profiles, name)); err != nil {
				return samples, err
			}
		}
	}
	for i, w := range windows {
		if w.firstError != "" {
			return samples, fmt.Errorf("%s: requests failed; the first: %s", loads[i].name, w.firstError)
		}
	}
	return samples, nil
}

// soakWindow collects one load's latencies between samples.
type soakWindow struct {
	mu         sync.Mutex
	lat        []time.Duration
	errors     int
	firstError string
}

func (w *soakWindow) add(d time.Duration, failure string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat = append(w.lat, d)
	if failure != "" {
		if w.errors++; w.firstError == "" {
			w.firstError = failure
		}
	}
}

// take returns the latencies, sorted, and errors since the last take.
func (w *soakWindow) take() ([]time.Duration, int) {
	w.mu.Lock()
	lat, errs := w.lat, w.errors
	w.lat, w.errors = nil, 0
	w.mu.Unlock()
	slices.Sort(lat)
	return lat, errs
}

// paced sends t's requests from conns goroutines, request i due at
// start + i/rate, until ctx ends, and records each latency from when it
// was due (a stall is charged to every request it delays).
func paced(ctx context.Context, client *http.Client, t loadTarget, conns int, rate float64, w *soakWindow) {
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var buf bytes.Buffer
			for {
				i := int(next.Add(1) - 1)
				due := start.Add(time.Duration(i) * interval)
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(due)):
				}
				status, err := post(context.WithoutCancel(ctx), client, t.at(i), t.bodyOf(i), &buf)
				failure := ""
				if err != nil {
					failure = err.Error()
				} else if _, ok := t.check(status, buf.Bytes()); !ok {
					failure = fmt.Sprintf("%d %s", status, truncateBody(buf.Bytes()))
				}
				w.add(time.Since(due), failure)
			}
		})
	}
	wg.Wait()
}

// sampleProcess reads the process's RSS, Go memory and goroutines.
func sampleProcess(at time.Duration) soakSample {
	mem := readGoMemory()
	rss, file := currentRSS()
	return soakSample{at: at, rss: rss, file: file, heap: mem.objects, mem: mem, malloc: cmalloc.ReadStats(), goroutines: runtime.NumGoroutine()}
}

// goMemory is the Go runtime's memory, by kind (runtime/metrics).
type goMemory struct {
	// objects: bytes of heap objects, live and not yet swept; live: the
	// live heap as of the last collection; goal: the heap size the next
	// collection aims at (2× live with GOGC=100).
	objects, live, goal uint64
	// free: heap memory free and not returned to the OS; stacks;
	// mapped: all the runtime's memory less what it returned to the OS
	// (what of the RSS is Go's, at most).
	free, stacks, mapped uint64
}

var goMemoryMetrics = []string{
	"/memory/classes/heap/objects:bytes", "/gc/heap/live:bytes", "/gc/heap/goal:bytes",
	"/memory/classes/heap/free:bytes", "/memory/classes/heap/stacks:bytes",
	"/memory/classes/total:bytes", "/memory/classes/heap/released:bytes",
}

func readGoMemory() goMemory {
	ms := make([]metrics.Sample, len(goMemoryMetrics))
	for i, name := range goMemoryMetrics {
		ms[i].Name = name
	}
	metrics.Read(ms)
	v := func(i int) uint64 {
		if ms[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return ms[i].Value.Uint64()
	}
	return goMemory{objects: v(0), live: v(1), goal: v(2), free: v(3), stacks: v(4), mapped: v(5) - v(6)}
}

// currentRSS returns the process's resident set size (VmRSS) and of it
// the pages of files (RssFile: the binary), or zeros.
func currentRSS() (rss, file uint64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	kb := func(v string) uint64 {
		n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n << 10
	}
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			rss = kb(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "RssFile:"); ok {
			file = kb(v)
		}
	}
	return rss, file
}

func printHeader(w io.Writer, loads []soakLoad) {
	fmt.Fprintf(w, "%8s %7s %7s %7s %7s %7s %7s %7s %7s %5s", "t", "RSS", "Go", "live", "heap", "blkc", "memt", "file", "C", "gor.")
	for _, l := range loads {
		fmt.Fprintf(w, " | %-9s %8s %8s %5s", l.name, "p50 ms", "p99 ms", "err")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "         (MiB: RSS; Go, the runtime's memory not returned to the OS; live heap at the last GC; heap objects; blkc and memt, Pebble's block caches")
	fmt.Fprintln(w, "          and memtables (zombies and the one kept for reuse included), outside the Go heap with cgo; file, RSS of files: the binary;")
	fmt.Fprintln(w, "          C, the rest: what the C allocator holds beyond them, such as freed blocks kept for reuse)")
}

func printSample(w io.Writer, s soakSample) {
	st, kr := s.node.Store, s.node.Keyring
	blk, memt := uint64(st.BlockCache+kr.BlockCache), uint64(st.MemTables+st.MemTablesZombie+kr.MemTables+kr.MemTablesZombie)
	if !cgoAllocates {
		blk, memt = 0, 0 // in the Go heap
	}
	rest := float64(s.rss) - float64(s.file) - float64(s.mem.mapped) - float64(blk) - float64(memt)
	fmt.Fprintf(w, "%8s %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %7.1f %5d", s.at.Round(time.Second), mib(s.rss), mib(s.mem.mapped), mib(s.mem.live), mib(s.heap),
		mib(blk), mib(memt), mib(s.file), rest/(1<<20), s.goroutines)
	for i := range s.counts {
		fmt.Fprintf(w, " | %-9d %8.2f %8.2f %5d", s.counts[i], msf(s.p50[i]), msf(s.p99[i]), s.errors[i])
	}
	fmt.Fprintln(w)
	if s.node.Embedded {
		d, in := s.node.Decisions, s.node.Ingest
		fmt.Fprintf(w, "%8s block cache %.1f/%.0f MiB (%d blocks), keyring's %.1f/%.0f; memtables %d (%.0f MiB zombie); tables open %d (%.1f MiB), iterators %d, snapshots %d;"+
			" caches: subjects %d (of 2×%d), consents %d, matches %d, opt-outs %d (each of %d), groups %d, API keys %d, access numbers %d; key filters %.1f MiB; store %.0f MiB on disk; malloc arenas %d (%.1f MiB free in them)\n",
			"", mib(uint64(st.BlockCache)), mib(uint64(st.BlockCacheCap)), st.BlockCacheEntries, mib(uint64(kr.BlockCache)), mib(uint64(kr.BlockCacheCap)),
			st.MemTableCount, mib(uint64(st.MemTablesZombie)), st.FileCacheTables, mib(uint64(st.FileCache)), st.TableIters, st.Snapshots,
			in.Subjects, in.SubjectsBound, d.Consents, d.Matches, d.OptOuts, d.Bound, d.Groups, st.APIKeys, st.AccessNumbers, mib(uint64(in.Filters)), mib(uint64(s.node.StoreBytes)),
			s.malloc.Arenas, mib(s.malloc.Free))
	}
}

func mib(b uint64) float64        { return float64(b) / (1 << 20) }
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// nearestRank is the nearest-rank percentile p of sorted latencies.
func nearestRank(sorted []time.Duration, p float64) time.Duration {
	r := &loadResult{latencies: sorted}
	return r.percentile(p)
}
