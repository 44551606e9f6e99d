package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/synth"
)

// Targets of issue 16 for POST /v1/decisions against a trivial JSON
// handler on the same server stack (issue 4's were 0.6 and 1.5×, and a
// p99 at half the baseline's rate, still printed).
const (
	targetThroughputRatio = 0.5                  // decisions/baseline requests/s, both saturated
	targetCPURatio        = 0.5                  // baseline/decisions process CPU per request: a decision ≤ 2×
	targetP99Ratio        = 2.0                  // decisions p99 / baseline p99, same connections
	targetHalfRateP99     = 2 * time.Millisecond // issue 4's: decisions p99 at half the baseline's rate
)

const (
	benchRelyingParty  = "demo_landlord" // registered for rental by app.DemoKeys
	benchTrivialPath   = "/bench/trivial"
	benchTrivialAnswer = `{"status":"ok"}` + "\n"
	// benchMaxErrorRate is the share of failed requests that fails the bench.
	benchMaxErrorRate = 0.001
)

// runBenchDecisions loads POST /v1/decisions and, in the same run and on
// the same http.Server, a trivial JSON handler, and prints both and the
// ratios against issue 16's targets.
func runBenchDecisions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench decisions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 10*time.Second, "how long each kind of load is measured: the baseline, decisions saturated (both in --rounds alternating slices), decisions at two paced rates")
	rounds := fs.Int("rounds", 3, "alternating rounds of the saturated baseline and decisions")
	conns := fs.Int("connections", 64, "keep-alive connections, each with one request in flight")
	subjects := fs.Int("subjects", 300, "subjects who grant the relying party a consent; the requests rotate through their codes")
	persons := fs.Int("persons", 2000, "persons in the synthetic population ingested first (at least --subjects)")
	maxRequests := fs.Int("max-requests", 2_000_000, "most requests of one phase")
	dir := fs.String("data", "", "data dir of the bench's own (default: a temporary directory, removed afterwards); a kept one is not loaded twice, but each run revokes the demo keys and adds consents and decisions")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the first round of saturated decisions to this file")
	memProfile := fs.String("memprofile", "", "write heap profiles (allocations) before and after the first round of saturated decisions to this file with .before and to this file: compare with go tool pprof -sample_index=alloc_space -diff_base F.before F")
	storeURL := fs.String("store", "", "a postgres:// URL of an empty database (or of an empty schema, with search_path) of the bench's own: keep the data in PostgreSQL, the log's tiles in --data (default: Pebble in --data)")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if *duration <= 0 || *conns < 1 || *rounds < 1 || *subjects < 1 || *persons < *subjects || *maxRequests < 1 {
		return errors.New("--duration, --connections, --rounds, --subjects and --max-requests must be positive, --persons at least --subjects")
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 4096 // finer than the default 512 KB: a round allocates some 100 MB
	}
	data, cleanup, err := dataDir(*dir, "candor-bench-decisions-")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(stdout, "bench decisions: %d persons, %d consents, %d connections, %s per phase (saturated: %d rounds), GOMAXPROCS=%d, load average %s\n",
		*persons, *subjects, *conns, *duration, *rounds, runtime.GOMAXPROCS(0), loadAverage())

	fx, err := newDecisionsFixture(ctx, app.StoreConfig{Data: data, Store: *storeURL}, *persons, *subjects, stdout, stderr)
	if err != nil {
		return err
	}
	defer fx.close()

	floor, err := syncFloor(ctx, fx.srv.Installation(), 200)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sync floor (a decision waits for one): a 1-key synced commit to the same store, one at a time: p50 %s  p99 %s  (%d commits)\n",
		ms(floor.percentile(50)), ms(floor.percentile(99)), floor.requests)

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxConnsPerHost: *conns, MaxIdleConnsPerHost: *conns, MaxIdleConns: *conns, DisableCompression: true}}
	defer client.CloseIdleConnections()
	base := "http://" + fx.addr
	trivial := loadTarget{url: base + benchTrivialPath, token: fx.token, bodies: fx.bodies, check: checkTrivial}
	decide := loadTarget{url: base + "/v1/decisions", token: fx.token, bodies: fx.bodies, check: checkDecision}
	warmup := min(*duration/5, time.Second)
	for _, t := range []loadTarget{trivial, decide} { // opens the connections, warms caches
		runLoad(ctx, client, t, *conns, warmup, *maxRequests, 0)
	}
	baseline, saturated, err := fx.saturated(ctx, client, trivial, decide, *conns, *rounds, *duration, *maxRequests, *cpuProfile, *memProfile, stdout)
	if err != nil {
		return err
	}
	printLoad(stdout, "baseline  POST "+benchTrivialPath+" (fixed JSON), closed loop", baseline)
	printLoad(stdout, "decisions POST /v1/decisions, closed loop", saturated)
	half := baseline.rate() / 2
	pacedAt := func(rate float64) *loadResult { // decisions, open loop, with the access log's commits
		return fx.withCommits(func() *loadResult {
			return runLoad(ctx, client, decide, *conns, *duration, *maxRequests, time.Duration(float64(time.Second)/rate))
		})
	}
	paced := pacedAt(half)
	printLoad(stdout, fmt.Sprintf("decisions POST /v1/decisions, open loop at %.0f req/s (baseline/2)", half), paced)
	// Not a target: where the latency stands at a load decisions sustain.
	own := saturated.rate() / 2
	ownPaced := pacedAt(own)
	printLoad(stdout, fmt.Sprintf("decisions POST /v1/decisions, open loop at %.0f req/s (own/2)", own), ownPaced)

	tput := saturated.rate() / baseline.rate()
	p99 := float64(saturated.percentile(99)) / float64(baseline.percentile(99))
	fmt.Fprintf(stdout, "throughput decisions/baseline: %.2f (target >= %.1f: %s)\n", tput, targetThroughputRatio, met(tput >= targetThroughputRatio))
	cpu := float64(baseline.cpuPerRequest()) / float64(saturated.cpuPerRequest())
	fmt.Fprintf(stdout, "process CPU per request, baseline/decisions: %.2f (the throughput ratio the two would have on the same cores; target >= %.1f: %s)\n",
		cpu, targetCPURatio, met(cpu >= targetCPURatio))
	fmt.Fprintf(stdout, "p99 decisions/baseline at %d connections: %.2f (target <= %.1f: %s)\n", *conns, p99, targetP99Ratio, met(p99 <= targetP99Ratio))
	fmt.Fprintf(stdout, "p99 at half the baseline's rate: %s (target <= %s: %s)\n", ms(paced.percentile(99)), ms(targetHalfRateP99), met(paced.percentile(99) <= targetHalfRateP99))
	if err := signingCost(ctx, client, decide, saturated.cpuPerRequest(), stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "load average after: %s\n", loadAverage())
	if rss := peakRSS(); rss != "" {
		fmt.Fprintf(stdout, "peak RSS: %s\n", rss)
	}
	for _, r := range []*loadResult{baseline, saturated, paced, ownPaced} {
		if float64(r.errors) > benchMaxErrorRate*float64(r.requests) {
			return fmt.Errorf("%d of %d requests failed; the first: %s", r.errors, r.requests, r.firstError)
		}
	}
	return nil
}

// saturated runs the closed-loop phases, the baseline and decisions
// alternating in rounds of duration/rounds each, profiling the first
// round of decisions if asked, and returns each kind merged.
func (fx *decisionsFixture) saturated(ctx context.Context, client *http.Client, trivial, decide loadTarget, conns, rounds int, duration time.Duration,
	maxRequests int, cpuProfile, memProfile string, stdout io.Writer) (baseline, saturated *loadResult, err error) {
	// The saturated phases alternate in rounds, so that a neighbour's load
	// that comes or goes during the run weighs on both alike.
	slice := duration / time.Duration(rounds)
	var baseRounds, decideRounds []*loadResult
	for r := range rounds {
		b := runLoad(ctx, client, trivial, conns, slice, maxRequests, 0)
		profile := cpuProfile
		if r > 0 {
			profile = ""
		}
		stop, err := startCPUProfile(profile)
		if err != nil {
			return nil, nil, err
		}
		if r == 0 && memProfile != "" {
			if err := writeHeapProfile(memProfile + ".before"); err != nil {
				return nil, nil, err
			}
		}
		d := fx.withCommits(func() *loadResult { return runLoad(ctx, client, decide, conns, slice, maxRequests, 0) })
		stop()
		if r == 0 && memProfile != "" {
			if err := writeHeapProfile(memProfile); err != nil {
				return nil, nil, err
			}
		}
		fmt.Fprintf(stdout, "round %d: baseline %6.0f req/s p99 %s %.2f cores | decisions %6.0f req/s p99 %s %.2f cores | ratios %.2f, %.2f\n",
			r+1, b.rate(), ms(b.percentile(99)), b.cpu.Seconds()/b.elapsed.Seconds(), d.rate(), ms(d.percentile(99)), d.cpu.Seconds()/d.elapsed.Seconds(),
			d.rate()/b.rate(), float64(d.percentile(99))/float64(b.percentile(99)))
		baseRounds, decideRounds = append(baseRounds, b), append(decideRounds, d)
	}
	return mergeLoads(baseRounds), mergeLoads(decideRounds), nil
}

// decisionsFixture is a running server over a store holding a synthetic
// population, a relying party for rental and consents to it, and, on a
// second listener, the same API behind a mux that adds the baseline.
type decisionsFixture struct {
	inst   *app.Installation
	srv    *app.Node
	bench  *http.Server
	addr   string   // of bench
	token  string   // the relying party's key
	bodies [][]byte // decision requests, one per consent
	// tokens are the demo's keys by principal (sources, demo_landlord),
	// operator the demo operator's, subjects the persons who consented.
	tokens   map[string]string
	operator string
	subjects []candor.SubjectID
}

// newDecisionsFixture opens (or creates) the store sf names, ingests the
// population through POST /v1/events as the demo does, so that matches
// are materialised as in production, and grants the consents.
func newDecisionsFixture(ctx context.Context, sf app.StoreConfig, persons, subjects int, stdout, stderr io.Writer) (*decisionsFixture, error) {
	quiet := slog.New(slog.DiscardHandler)
	inst, err := app.Open(sf, quiet)
	if err != nil {
		return nil, err
	}
	tokens, operator, err := app.DemoKeys(ctx, inst) // sources, and the relying party demo_landlord for rental
	if err != nil {
		inst.Close()
		return nil, err
	}
	srv, err := app.Start(inst, app.Config{Server: app.ServerConfig{Addr: "127.0.0.1:0"}}, app.NewLogger(stderr, "text", slog.LevelWarn))
	if err != nil {
		inst.Close()
		return nil, err
	}
	fx := &decisionsFixture{inst: inst, srv: srv, token: tokens[benchRelyingParty], tokens: tokens, operator: operator}
	now := time.Now().UTC()
	cfg := synth.Config{Seed: 1, Persons: persons, Orgs: persons/10 + 1,
		Until: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), Now: now}
	if err := app.LoadDemo(ctx, srv, cfg, tokens, stdout, io.Discard); err != nil {
		return nil, closeAfter(err, srv)
	}
	start := time.Now()
	codes, ids, err := grantConsents(ctx, inst, cfg, subjects)
	fx.subjects = ids
	if err != nil {
		return nil, closeAfter(err, srv)
	}
	fmt.Fprintf(stdout, "Granted %d consents to %s for %s in %s.\n", len(codes), benchRelyingParty, candor.PurposeRental, time.Since(start).Round(time.Millisecond))
	for _, c := range codes {
		body, _ := json.Marshal(map[string]any{"consent": c, "purpose": candor.PurposeRental, "benefit": "deposit_waived"})
		fx.bodies = append(fx.bodies, body)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, closeAfter(err, srv)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+benchTrivialPath, trivialJSON)
	mux.Handle("/", srv.API())
	fx.bench, fx.addr = srv.ServerLike(mux), ln.Addr().String()
	go fx.bench.Serve(ln)
	return fx, nil
}

// withCommits runs a phase of decisions and adds to its result the
// access log's group commits during it.
func (fx *decisionsFixture) withCommits(phase func() *loadResult) *loadResult {
	c0, r0 := fx.srv.Access().Stats()
	r := phase()
	c1, r1 := fx.srv.Access().Stats()
	r.commits, r.committed = c1-c0, r1-r0
	return r
}

func (fx *decisionsFixture) close() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fx.bench.Shutdown(sctx)
	fx.srv.Close()
}

// grantConsents has the first n persons of cfg's population consent to the
// bench's relying party, and returns the codes and the persons.
func grantConsents(ctx context.Context, inst *app.Installation, cfg synth.Config, n int) ([]string, []candor.SubjectID, error) {
	svc := decisions.New(inst.Store, inst.Vault, inst.Catalogue, nil, nil)
	var codes []string
	var ids []candor.SubjectID
	for i := 0; len(codes) < n; i++ {
		if i >= cfg.Persons {
			return nil, nil, fmt.Errorf("only %d of %d persons are stored; ask for fewer --subjects or more --persons", len(codes), cfg.Persons)
		}
		id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: synth.Person(cfg.Seed, i).NationalID}))
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		c, err := svc.Grant(ctx, id, benchRelyingParty, candor.PurposeRental, 7*24*time.Hour)
		if err != nil {
			return nil, nil, err
		}
		codes, ids = append(codes, c.Code), append(ids, id)
	}
	return codes, ids, nil
}

// syncFloor times n synced one-key commits to inst's store, one after the
// other: the least a decision, which stores itself durably, can take.
func syncFloor(ctx context.Context, inst *app.Installation, n int) (*loadResult, error) {
	r := &loadResult{}
	for range n {
		start := time.Now()
		if err := inst.Store.PutMeta(ctx, "bench/sync-floor", []byte(start.String())); err != nil {
			return nil, err
		}
		r.latencies = append(r.latencies, time.Since(start))
		r.requests++
	}
	slices.Sort(r.latencies)
	return r, nil
}

// closeAfter shuts srv down after err and returns err.
func closeAfter(err error, srv *app.Node) error {
	srv.Close()
	return err
}

// trivialJSON is the baseline: it reads the request and answers a small
// fixed JSON object, encoded as the API encodes its answers.
func trivialJSON(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"status": "ok"})
}

// loadTarget is what a load generator posts: bodies in turn, with the
// relying party's key, each answer checked.
type loadTarget struct {
	url, token string
	bodies     [][]byte
	// body, if set, makes request i's body instead of bodies; method
	// (default POST) and header, if set, are the request's.
	body   func(i int) []byte
	method string
	header http.Header
	// urls, if set, are where requests go in turn instead of url.
	urls []string
	// check reports whether an answer is right, and under which outcome
	// to count it.
	check func(status int, body []byte) (outcome string, ok bool)
}

func checkTrivial(status int, body []byte) (string, bool) {
	return "", status == http.StatusOK && string(body) == benchTrivialAnswer
}

func checkDecision(status int, body []byte) (string, bool) {
	_, rest, found := bytes.Cut(body, []byte(`"outcome":"`))
	if status != http.StatusOK || !found {
		return "", false
	}
	outcome, _, found := bytes.Cut(rest, []byte(`"`))
	return string(outcome), found && len(outcome) > 0
}

// loadResult is one phase of load: every latency, sorted.
type loadResult struct {
	requests, errors int
	unsent           int // open loop: due but not sent, the server being too far behind
	elapsed          time.Duration
	// cpu is the CPU time the whole process (server, load generator,
	// store and log in the background) used during the phase: per
	// request, a cost that other processes' load on the machine does not
	// change as much as it changes rates.
	cpu time.Duration
	// allocs and allocBytes are the heap allocations of the whole
	// process during the phase (runtime/metrics): what the collector
	// pays for later, steadier than CPU time on a shared machine.
	allocs, allocBytes uint64
	// commits and committed are the access log's group commits during a
	// phase of decisions and the access records they stored: what a
	// commit's fixed costs (its sync, log entry and counters) are shared
	// by.
	commits, committed uint64
	latencies          []time.Duration
	outcomes           map[string]int
	firstError         string
}

func (r *loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// cpuPerRequest returns the process's CPU time per request.
func (r *loadResult) cpuPerRequest() time.Duration {
	return r.cpu / time.Duration(max(r.requests, 1))
}

// processCPU returns the CPU time, user and system, the process used so
// far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapAllocs returns the objects and bytes the process allocated on the
// heap so far (runtime/metrics, which stops nothing).
func heapAllocs() [2]uint64 {
	ss := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(ss)
	var out [2]uint64
	for i, s := range ss {
		if s.Value.Kind() == metrics.KindUint64 {
			out[i] = s.Value.Uint64()
		}
	}
	return out
}

// percentile returns the exact nearest-rank percentile p of the latencies.
func (r *loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.latencies)))) - 1
	return r.latencies[max(i, 0)]
}

// runLoad posts to t from conns goroutines, each with one request in
// flight, for d or max requests, whichever comes first. With interval 0
// it is a closed loop (the next request leaves when the last returns) and
// latencies run from sending; otherwise request i is due at start +
// i×interval and its latency runs from then, so that a stall is charged
// to every request it delays (no coordinated omission). If the server
// cannot keep up, requests not sent within 2d are not sent and count with
// the delay they had by then.
func runLoad(ctx context.Context, client *http.Client, t loadTarget, conns int, d time.Duration, max int, interval time.Duration) *loadResult {
	if interval > 0 {
		max = min(max, int(d/interval))
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		workers = make([]*loadResult, conns)
	)
	start, cpu, allocs0 := time.Now(), processCPU(), heapAllocs()
	deadline, cutoff := start.Add(d), start.Add(2*d)
	for w := range workers {
		wg.Go(func() {
			// (Grown as needed: 64 slices of 2^16 made up front were 32 MB
			// a phase, counted against its requests' allocations.)
			res := &loadResult{latencies: make([]time.Duration, 0, min(max/conns+1, 1<<10)), outcomes: map[string]int{}}
			workers[w] = res
			var buf bytes.Buffer
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= max {
					return
				}
				sent := time.Now()
				if interval > 0 {
					due := start.Add(time.Duration(i) * interval)
					if sent.After(cutoff) {
						res.latencies = append(res.latencies, sent.Sub(due))
						res.unsent++
						continue
					}
					time.Sleep(time.Until(due))
					sent = due
				} else if !sent.Before(deadline) {
					return
				}
				status, err := post(ctx, client, t.at(i), t.bodyOf(i), &buf)
				res.latencies = append(res.latencies, time.Since(sent))
				res.requests++
				outcome, ok := t.check(status, buf.Bytes())
				switch {
				case err != nil:
					res.fail(err.Error())
				case !ok:
					res.fail(fmt.Sprintf("%d %s", status, truncateBody(buf.Bytes())))
				default:
					res.outcomes[outcome]++
				}
			}
		})
	}
	wg.Wait()
	total := mergeLoads(workers)
	total.elapsed, total.cpu = time.Since(start), processCPU()-cpu
	allocs1 := heapAllocs()
	total.allocs, total.allocBytes = allocs1[0]-allocs0[0], allocs1[1]-allocs0[1]
	return total
}

// mergeLoads adds results up, their latencies sorted and their elapsed
// times summed.
func mergeLoads(rs []*loadResult) *loadResult {
	total := &loadResult{outcomes: map[string]int{}}
	for _, r := range rs {
		total.requests += r.requests
		total.errors += r.errors
		total.unsent += r.unsent
		total.elapsed += r.elapsed
		total.cpu += r.cpu
		total.allocs += r.allocs
		total.allocBytes += r.allocBytes
		total.commits += r.commits
		total.committed += r.committed
		total.latencies = append(total.latencies, r.latencies...)
		for o, n := range r.outcomes {
			total.outcomes[o] += n
		}
		if total.firstError == "" {
			total.firstError = r.firstError
		}
	}
	slices.Sort(total.latencies)
	return total
}

func (r *loadResult) fail(msg string) {
	r.errors++
	if r.firstError == "" {
		r.firstError = msg
	}
}

// at returns t with request i's URL.
func (t loadTarget) at(i int) loadTarget {
	if len(t.urls) > 0 {
		t.url = t.urls[i%len(t.urls)]
	}
	return t
}

// bodyOf returns request i's body.
func (t loadTarget) bodyOf(i int) []byte {
	if t.body != nil {
		return t.body(i)
	}
	if len(t.bodies) == 0 {
		return nil
	}
	return t.bodies[i%len(t.bodies)]
}

// post sends body to t and reads the answer into buf.
func post(ctx context.Context, client *http.Client, t loadTarget, body []byte, buf *bytes.Buffer) (int, error) {
	buf.Reset()
	method := cmp.Or(t.method, http.MethodPost)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.url, rd)
	if err != nil {
		return 0, err
	}
	for k, v := range t.header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, err
}

func printLoad(w io.Writer, label string, r *loadResult) {
	fmt.Fprintf(w, "%-68s %8.0f req/s  p50 %8s  p99 %8s  CPU %5.0f µs/req, %.2f cores  (%d requests, %d errors", label+":", r.rate(), ms(r.percentile(50)), ms(r.percentile(99)),
		float64(r.cpuPerRequest())/float64(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds(), r.requests, r.errors)
	for _, o := range slices.Sorted(maps.Keys(r.outcomes)) {
		if o != "" {
			fmt.Fprintf(w, ", %d %s", r.outcomes[o], o)
		}
	}
	if r.unsent > 0 {
		fmt.Fprintf(w, ", %d not sent: more than the duration behind", r.unsent)
	}
	fmt.Fprintln(w, ")")
	if n := uint64(max(r.requests, 1)); r.allocs > 0 {
		fmt.Fprintf(w, "  heap allocations: %d a request, %.1f KB a request\n", r.allocs/n, float64(r.allocBytes)/float64(n)/1024)
	}
	if r.commits > 0 {
		fmt.Fprintf(w, "  access log: %d group commits, %.1f access records a commit\n", r.commits, float64(r.committed)/float64(r.commits))
	}
	if r.errors > 0 {
		fmt.Fprintf(w, "  first error: %s\n", r.firstError)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// loadAverage returns the 1, 5 and 15-minute load averages, or "unknown".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// truncateBody returns a response body to quote in an error, cut short.
func truncateBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// dataDir returns dir, or with dir empty a data dir in a new temporary
// directory named after prefix, and what removes that directory.
func dataDir(dir, prefix string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(tmp, "data"), func() { os.RemoveAll(tmp) }, nil
}
