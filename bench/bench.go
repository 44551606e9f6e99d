package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/synth"
	"github.com/candor-project/candor/vault"
	rawpebble "github.com/cockroachdb/pebble/v2"
)

// Run is candor bench: args are the bench's name (ingest, rescore or
// decisions) and its flags; the results and their ratios go to stdout.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "decisions" {
		return runBenchDecisions(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "rescore" {
		return runBenchRescore(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "soak" {
		return runBenchSoak(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "ingest" {
		fmt.Fprint(stderr, "Usage: candor bench ingest [--events N] [--batch N] [--concurrency N] [--log on|off|both] [--reads N] [--rounds N]\n       candor bench rescore [--data DIR] [--workers N]\n       candor bench decisions [--duration D] [--connections N] [--subjects N] [--data DIR]\n       candor bench soak [--duration D] [--sample D] [--svg FILE]\n")
		return flag.ErrHelp
	}
	return runBenchIngest(ctx, args[1:], stdout, stderr)
}

// benchIngestArgs are the flags of candor bench ingest.
type benchIngestArgs struct {
	events, batch, conc, reads, readConc, rounds, nodes int
	matches, readsHTTP                                  bool
	dir, cpuProfile, logMode, storeURL                  string
}

func parseBenchIngest(args []string, stderr io.Writer) (*benchIngestArgs, error) {
	a := &benchIngestArgs{}
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&a.events, "events", 1_000_000, "events to ingest")
	fs.IntVar(&a.batch, "batch", 1000, "events per request (and per baseline batch)")
	fs.IntVar(&a.conc, "concurrency", 4, "concurrent requests")
	fs.BoolVar(&a.matches, "matches", true, "store each event's matches with the shipped scorecards, as candor serve does (false: to see what that costs)")
	fs.StringVar(&a.dir, "dir", "", "directory for the two fresh stores (default: a temporary directory, removed afterwards)")
	fs.StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile of the pipeline run to this file")
	fs.StringVar(&a.logMode, "log", "both", "the transparency log: on (commitments recorded and logged), off, or both, compared in the same run")
	fs.IntVar(&a.reads, "reads", 10000, "with --log=both, then serve six rounds of this many score reads of the ingested subjects, with access logging and without (0: none)")
	fs.IntVar(&a.readConc, "read-concurrency", 256, "concurrent score reads")
	fs.BoolVar(&a.readsHTTP, "reads-http", true, "serve the reads over HTTP on loopback, as served reads are (false: straight into the handler)")
	fs.IntVar(&a.rounds, "rounds", 1, "rounds of the pipeline runs, the log on and off in alternating order")
	fs.IntVar(&a.nodes, "nodes", 1, "with --store and the log on: also run this many pipelines, each with its own connection pool, as nodes sharing the database, each taking every nodes-th request, and compare them with one, round by round")
	fs.StringVar(&a.storeURL, "store", "", "a postgres:// URL: run the pipeline on PostgreSQL, each run in a fresh schema dropped afterwards, against raw COPY into the same schema (default: Pebble in --dir)")
	if err := app.ParseFlags(fs, args); err != nil {
		return nil, err
	}
	if a.logMode != "on" && a.logMode != "off" && a.logMode != "both" {
		return nil, fmt.Errorf("--log: want on, off or both")
	}
	if a.rounds < 1 {
		return nil, fmt.Errorf("--rounds must be at least 1")
	}
	if a.storeURL != "" && !app.IsPostgresURL(a.storeURL) {
		return nil, errors.New("--store: want a postgres:// or postgresql:// URL")
	}
	if a.nodes < 1 || a.nodes > 1 && (a.storeURL == "" || a.logMode != "on") {
		return nil, errors.New("--nodes: want 1, or more with --store and --log on (one process opens a Pebble data dir)")
	}
	if a.events < 1 || a.batch < 1 || a.batch > ingest.MaxEvents || a.conc < 1 {
		return nil, fmt.Errorf("--events and --concurrency must be positive, --batch from 1 to %d", ingest.MaxEvents)
	}
	return a, nil
}

// runBenchIngest runs the ingest pipeline with the log on, off or both,
// then its store's raw baseline, and prints the rates and their ratios;
// with the log both on and off, then the score reads of benchReads.
func runBenchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseBenchIngest(args, stderr)
	if err != nil {
		return err
	}
	root := a.dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "candor-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	cat := catalogue.Default()
	bodies, err := benchBodies(ctx, cat, a.events, a.batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench ingest: %d events in requests of %d, %d concurrent, GOMAXPROCS=%d\n", a.events, a.batch, a.conc, runtime.GOMAXPROCS(0))

	master := make([]byte, vault.KeySize)
	rand.Read(master)
	kr, err := pebble.OpenKeyring(filepath.Join(root, "bench.keyring"), pebble.Options{})
	if err != nil {
		return err
	}
	defer kr.Close()
	v, err := vault.New(master, kr)
	if err != nil {
		return err
	}
	modes := []bool{false, true}
	switch a.logMode {
	case "on":
		modes = []bool{true}
	case "off":
		modes = []bool{false}
	}
	runs, err := benchPipelineRounds(ctx, a, root, cat, v, bodies, modes, stdout)
	if err != nil {
		return err
	}
	baseRate, err := benchIngestBaseline(ctx, a, root, runs.bytes, stdout)
	if err != nil {
		return err
	}
	for _, logged := range modes {
		fmt.Fprintf(stdout, "ratio pipeline (log %s, median)/baseline: %.2f\n", logName[logged], median(runs.rates[logged])/baseRate)
	}
	if a.nodes > 1 {
		fmt.Fprintf(stdout, "ratio pipeline %d nodes/1 node (medians of %d rounds): %.2f; %d nodes/baseline: %.2f\n", a.nodes, a.rounds,
			median(runs.nodes[a.nodes])/median(runs.nodes[1]), a.nodes, median(runs.nodes[a.nodes])/baseRate)
	}
	if len(modes) == 2 {
		fmt.Fprintf(stdout, "ratio pipeline log on/log off (medians of %d rounds): %.2f\n", a.rounds, median(runs.rates[true])/median(runs.rates[false]))
		if a.reads > 0 {
			if err := benchReads(ctx, runs.lastOn, cat, v, a.reads, a.readConc, a.readsHTTP, stdout); err != nil {
				return err
			}
		}
	}
	if rss := peakRSS(); rss != "" {
		fmt.Fprintf(stdout, "peak RSS: %s\n", rss)
	}
	return nil
}

var logName = map[bool]string{false: "off", true: "on"}

// benchIngestBaseline runs the baseline of the store the pipeline ran on
// with as many events of the size the pipeline sealed (bytes in all), and
// prints and returns its rate: raw random key/values into Pebble, or raw
// COPY into PostgreSQL (then there are no score reads: they open a Pebble
// data dir).
func benchIngestBaseline(ctx context.Context, a *benchIngestArgs, root string, bytes int64, stdout io.Writer) (float64, error) {
	if a.storeURL != "" {
		sealed := int(bytes / int64(a.events))
		base, err := benchCopyBaseline(ctx, a.storeURL, a.events, a.batch, sealed)
		if err != nil {
			return 0, err
		}
		rate := float64(a.events) / base.Seconds()
		fmt.Fprintf(stdout, "baseline  (raw COPY of events with %d sealed bytes and their dedupe rows into the same indexed schema, a transaction per %d):  %10.0f events/s  (%s)\n",
			sealed, a.batch, rate, base.Round(time.Millisecond))
		a.reads = 0
		return rate, nil
	}
	keySize, valueSize := pebble.EventKVSize(int(bytes / int64(a.events)))
	var ev pebble.WriteEvents
	base, err := benchBaseline(root+"/baseline", a.events, a.batch, keySize, valueSize, &ev)
	if err != nil {
		return 0, err
	}
	rate := float64(a.events) / base.Seconds()
	fmt.Fprintf(stdout, "baseline  (raw random %d+%d-byte key/values, default Pebble, fsync per batch):  %10.0f events/s  (%s)\n", keySize, valueSize, rate, base.Round(time.Millisecond))
	fmt.Fprintf(stdout, "         pebble during the run: %s\n", ev.Counts())
	return rate, nil
}

// pipelineRuns is what the rounds of pipeline runs measured: the rates
// with the log on and off, the bytes sealed, and the store of the last
// run with the log on.
type pipelineRuns struct {
	rates  map[bool][]float64 // by the log on or off, of one node
	nodes  map[int][]float64  // by the number of nodes, with --nodes
	bytes  int64
	lastOn string
}

// benchPipelineRounds runs the pipeline a.rounds times in each of modes
// (with the log on, off), in alternating order round by round (off, on,
// then on, off, ...), so that neither always runs on a warmer or a busier
// machine; under a CPU profile if a.cpuProfile is set.
func benchPipelineRounds(ctx context.Context, a *benchIngestArgs, root string, cat *candor.Catalogue, v *vault.Vault, bodies []benchBody, modes []bool, stdout io.Writer) (*pipelineRuns, error) {
	stop, err := startCPUProfile(a.cpuProfile)
	if err != nil {
		return nil, err
	}
	defer stop()
	runs := &pipelineRuns{rates: map[bool][]float64{}, nodes: map[int][]float64{}}
	type run struct {
		logged bool
		nodes  int
	}
	var plan []run
	for _, logged := range modes {
		plan = append(plan, run{logged, 1})
		if a.nodes > 1 {
			plan = append(plan, run{logged, a.nodes})
		}
	}
	for round := range a.rounds {
		order := slices.Clone(plan)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, r := range order {
			dir := fmt.Sprintf("%s/pipeline-%d-log-%s-nodes-%d", root, round, logName[r.logged], r.nodes)
			pipe, err := benchPipeline(ctx, dir, a.storeURL, r.nodes, cat, v, bodies, a.conc, a.matches, r.logged)
			if err != nil {
				return nil, err
			}
			if r.logged {
				runs.lastOn = dir
			}
			runs.bytes = pipe.bytes
			rate := float64(a.events) / pipe.elapsed.Seconds()
			if r.nodes == 1 {
				runs.rates[r.logged] = append(runs.rates[r.logged], rate)
			}
			runs.nodes[r.nodes] = append(runs.nodes[r.nodes], rate)
			fmt.Fprintf(stdout, "round %d: pipeline, log %-3s, %d node(s) (decode, validate, resolve, dedupe, encrypt, group commit with fsync): %10.0f events/s  (%s)\n",
				round+1, logName[r.logged], r.nodes, rate, pipe.elapsed.Round(time.Millisecond))
			if a.storeURL == "" {
				fmt.Fprintf(stdout, "         pebble during the run: %s\n", pipe.counts)
			}
			if pipe.audit != nil {
				pipe.audit.print(stdout)
			}
		}
	}
	return runs, nil
}

type benchBody struct {
	source string
	body   []byte
}

// benchBodies generates the synthetic population's events as request
// bodies of batch events each, stopping at n events in all.
func benchBodies(ctx context.Context, cat *candor.Catalogue, n, batch int) ([]benchBody, error) {
	now := time.Now().UTC()
	cfg := synth.Config{Seed: 7, Persons: n/20 + 100, Orgs: n/400 + 10, BatchSize: batch,
		Until: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), Now: now}
	var mu sync.Mutex
	var bodies []benchBody
	total := 0
	errEnough := errors.New("enough")
	_, err := synth.Generate(ctx, cfg, cat, func(source string, body []byte, events int) error {
		mu.Lock()
		defer mu.Unlock()
		if total >= n {
			return errEnough
		}
		if total+events > n { // keep the first n-total lines
			lines := strings.SplitAfterN(string(body), "\n", n-total+1)
			body = []byte(strings.Join(lines[:n-total], ""))
			events = n - total
		}
		bodies = append(bodies, benchBody{source, append([]byte(nil), body...)})
		total += events
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	if total < n {
		return nil, fmt.Errorf("the synthetic population gave only %d events", total)
	}
	return bodies, nil
}

type pipelineRun struct {
	elapsed time.Duration
	bytes   int64 // sealed event bytes written
	audit   *auditRun
	counts  pebble.WriteCounts // Pebble's stalls and compactions during the run (not on PostgreSQL)
}

// benchPipeline ingests bodies into a fresh store in dir (or, with a
// PostgreSQL URL, in a fresh schema of that database), storing each
// event's matches if matches, with the transparency log (recording
// commitments and appending them in the background) if logged, without it
// (ingest.Options.Unaudited) if not.
func benchPipeline(ctx context.Context, dir, storeURL string, nodes int, cat *candor.Catalogue, v *vault.Vault, bodies []benchBody, conc int, matches, logged bool) (pipelineRun, error) {
	var run pipelineRun
	var writes pebble.WriteEvents
	var stores []candor.Store
	if storeURL == "" {
		ps, err := pebble.Open(dir, pebble.Options{Logger: slog.New(slog.DiscardHandler), WriteEvents: &writes})
		if err != nil {
			return run, err
		}
		stores = []candor.Store{ps}
	} else {
		ps, drop, err := benchSchemaStores(ctx, storeURL, nodes)
		if err != nil {
			return run, err
		}
		defer drop()
		for _, s := range ps {
			stores = append(stores, s)
		}
	}
	for _, s := range stores {
		defer s.Close()
	}
	st := stores[0] // the appender's
	sources := map[string]*candor.Source{}
	for _, s := range synth.Sources() {
		s := s
		sources[s.ID] = &s
	}
	var written atomic.Int64
	opts := ingest.Options{Catalogue: cat, Vault: v}
	if matches {
		cards, err := scoring.Shipped(cat)
		if err != nil {
			return run, err
		}
		opts.Matcher = scoring.NewMatcher(cards)
	}
	var ba *benchAudit
	if logged {
		var err error
		if ba, err = startBenchAudit(st, dir); err != nil {
			return run, err
		}
		defer ba.stop() // on errors; a second stop is a no-op
	}
	opts.Unaudited = !logged
	opts.OnCommit = func(cs ingest.CommitStats) {
		written.Add(int64(cs.Bytes))
		ba.committed(cs.Commit)
	}
	pipes := make([]*ingest.Pipeline, len(stores))
	for i, s := range stores {
		o := opts
		o.Store = s
		pipes[i] = ingest.New(o)
	}
	type job struct {
		n int
		b benchBody
	}
	work := make(chan job)
	errc := make(chan error, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				inputs, problems, err := ingest.Decode(j.b.body, ingest.FormatNDJSON, ingest.MaxEvents)
				if err == nil {
					_, err = pipes[j.n%len(pipes)].Ingest(ctx, sources[j.b.source], inputs, problems)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var sendErr error
	for n, b := range bodies {
		select {
		case work <- job{n, b}:
			continue
		case sendErr = <-errc:
		}
		break
	}
	close(work)
	wg.Wait()
	for _, p := range pipes {
		p.Close()
	}
	run.elapsed = time.Since(start)
	run.bytes = written.Load()
	run.counts = writes.Counts() // during the run, not the compactions it left
	if ba != nil {
		run.audit = ba.stop()
	}
	select {
	case err := <-errc:
		sendErr = err
	default:
	}
	return run, sendErr
}

// benchBaseline writes n random key/values of the size the store gives an
// event with a default-options Pebble, a synced batch every batch entries:
// the naive way to store as many facts. ev counts its stalls and
// compactions.
func benchBaseline(dir string, n, batch, keySize, valueSize int, ev *pebble.WriteEvents) (time.Duration, error) {
	l := ev.Listener()
	db, err := rawpebble.Open(dir, &rawpebble.Options{Logger: quietPebble{}, EventListener: &l})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	// Values are windows of a random pool, so they compress like the
	// sealed (random-looking) events and cost nothing to make.
	pool := make([]byte, 1<<20+valueSize)
	rand.Read(pool)
	rng := mrand.New(mrand.NewPCG(1, 2))
	key := make([]byte, (keySize+7)/8*8)[:keySize]
	start := time.Now()
	for done := 0; done < n; {
		b := db.NewBatch()
		for i := 0; i < batch && done < n; i++ {
			for j := 0; j < len(key); j += 8 {
				binary.LittleEndian.PutUint64(key[j:cap(key)], rng.Uint64())
			}
			off := rng.IntN(1 << 20)
			b.Set(key, pool[off:off+valueSize], nil)
			done++
		}
		if err := b.Commit(rawpebble.Sync); err != nil {
			return 0, err
		}
		b.Close()
	}
	return time.Since(start), nil
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

// peakRSS returns the process's peak resident set size from /proc, or "".
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return progress.HumanBytes(kb << 10)
			}
		}
	}
	return ""
}

// runBenchRescore scores every subject of a data dir with every active
// scorecard of its kind, against raw Pebble scans of the same data dir,
// alternating the two for --rounds rounds so that both see the same
// machine, and prints each round and the median ratio.
func runBenchRescore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench rescore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "scoring goroutines")
	rounds := fs.Int("rounds", 3, "rounds of raw scans and rescore, alternating")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the rescores to this file")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if *workers < 1 || *rounds < 1 {
		return errors.New("--workers and --rounds must be at least 1")
	}
	fmt.Fprintf(stdout, "bench rescore: %d workers, GOMAXPROCS=%d, %d rounds\n", *workers, runtime.GOMAXPROCS(0), *rounds)
	fmt.Fprintln(stdout, "rescore: scan, unwrap data keys, decrypt and decode every event, score every active scorecard of the kind")
	fmt.Fprintln(stdout, "raw scan: read-only Pebble iterating the event table's keys and values, 1 goroutine, and as many as the rescore's workers")
	var ratios, rates, rawRates, cpuRatios []float64
	for round := range *rounds {
		rawEvents, rawTime, rawCPU, err := rawEventScan(cfg.Store.Data, 1)
		if err != nil {
			return err
		}
		_, parTime, parCPU, err := rawEventScan(cfg.Store.Data, *workers)
		if err != nil {
			return err
		}
		subjects, events, took, cpu, err := benchRescoreOnce(ctx, cfg.Store, *workers, *cpuProfile, round)
		if err != nil {
			return err
		}
		rate, raw, par := float64(events)/took.Seconds(), float64(rawEvents)/rawTime.Seconds(), float64(rawEvents)/parTime.Seconds()
		cpuEach, rawCPUEach := perEvent(cpu, events), perEvent(rawCPU, rawEvents)
		fmt.Fprintf(stdout, "round %d: rescore %10.0f events/s %8.0f subjects/s (%d events, %d subjects, %s) | raw scan %10.0f events/s, %d goroutines %10.0f events/s | ratio %.2f, %.2f\n",
			round+1, rate, float64(subjects)/took.Seconds(), events, subjects, took.Round(time.Millisecond), raw, *workers, par, rate/raw, rate/par)
		fmt.Fprintf(stdout, "round %d: CPU an event: rescore %.0f ns, raw scan %.0f ns (1 goroutine), %.0f ns (%d goroutines) | raw/rescore %.2f\n",
			round+1, cpuEach, rawCPUEach, perEvent(parCPU, rawEvents), *workers, rawCPUEach/cpuEach)
		rates, rawRates, ratios = append(rates, rate), append(rawRates, raw), append(ratios, rate/raw)
		cpuRatios = append(cpuRatios, rawCPUEach/cpuEach)
	}
	fmt.Fprintf(stdout, "median: rescore %.0f events/s, raw scan %.0f events/s, ratio rescore/raw scan %.2f; CPU an event raw/rescore %.2f\n",
		median(rates), median(rawRates), median(ratios), median(cpuRatios))
	return nil
}

// perEvent returns cpu per event in nanoseconds.
func perEvent(cpu time.Duration, events int64) float64 {
	return float64(cpu.Nanoseconds()) / float64(max(events, 1))
}

// benchRescoreOnce rescores the population once and returns how many
// subjects and events, the time it took and the process's CPU time
// meanwhile (the whole process's: the store's background work counts).
func benchRescoreOnce(ctx context.Context, sf app.StoreConfig, workers int, cpuProfile string, round int) (subjects, events int64, took, cpu time.Duration, err error) {
	inst, err := app.Open(sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer inst.Close()
	cards, _, err := inst.Published(ctx)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if round > 0 {
		cpuProfile = ""
	}
	stop, err := startCPUProfile(cpuProfile)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer stop()
	start, cpu0 := time.Now(), processCPU()
	defer population.RelaxGC()()
	subjects, events, err = population.Each(ctx, inst.Store, inst.Vault, workers, func(sub *candor.SubjectRecord, _ *vault.SubjectKey, evs []*candor.Event) error {
		for _, c := range cards {
			if c.Scorecard().SubjectKind == sub.Kind {
				if _, _, err := c.Points(sub.ID, evs, start); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return subjects, events, time.Since(start), processCPU() - cpu0, err
}

// median returns the median of xs (of an even count, the mean of the
// middle two).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// rawEventScan reads every key and value of the event table with a
// read-only Pebble, from goroutines scanning parts of it at once: the
// baseline a rescore cannot beat. It returns the events read, the time it
// took and the process's CPU time meanwhile.
func rawEventScan(dir string, goroutines int) (int64, time.Duration, time.Duration, error) {
	db, err := rawpebble.Open(dir, &rawpebble.Options{ReadOnly: true, Logger: quietPebble{}})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("opening %s read-only: %w", dir, err)
	}
	defer db.Close()
	start, cpu0 := time.Now(), processCPU()
	var (
		total atomic.Int64
		wg    sync.WaitGroup
		errs  = make([]error, goroutines)
	)
	for i := range goroutines {
		wg.Go(func() { errs[i] = scanPart(db, candor.Part{Index: i, Of: goroutines}, &total) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, 0, 0, err
	}
	return total.Load(), time.Since(start), processCPU() - cpu0, nil
}

// scanPart reads every key and value of the event table's part, adding
// how many to total.
func scanPart(db *rawpebble.DB, part candor.Part, total *atomic.Int64) error {
	lower, upper := pebble.EventKeyRange(part)
	it, err := db.NewIter(&rawpebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	var n int64
	for ok := it.First(); ok; ok = it.Next() {
		if _, err := it.ValueAndErr(); err != nil { // read the value too, as a rescore must
			it.Close()
			return err
		}
		n++
	}
	total.Add(n)
	return it.Close()
}

// writeHeapProfile writes the heap profile (allocations since the
// process started, sampled) to path, after a collection: the profile
// holds what was allocated until the last one.
func writeHeapProfile(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startCPUProfile starts a CPU profile into path, if path is set, and
// returns the function that stops it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
