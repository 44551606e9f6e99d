package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

// benchAudit is the transparency log of a benchmark's store: its appender,
// and a tracker of the time from each acknowledged commit to the first
// published checkpoint that covers it.
type benchAudit struct {
	log      *tlog.Log
	appender *audit.Appender

	mu      sync.Mutex
	pending []commitAt // commits not yet covered, in sequence order
	waits   []time.Duration
	stopped chan struct{}
	done    chan struct{}
	once    sync.Once
	result  *auditRun
}

type commitAt struct {
	seq  uint64
	at   time.Time
	size uint64 // the log size that covers it, once its entry is logged
}

// auditRun is what a logged benchmark run measured.
type auditRun struct {
	commits       int
	p50, p99, max time.Duration // from an acknowledged commit to a checkpoint covering it
	uncovered     int           // commits no checkpoint covered within a minute of the end
}

func startBenchAudit(st candor.AuditStore, dir string) (*benchAudit, error) {
	l, err := app.TLogConfig{Origin: tlog.DefaultOrigin}.Open(dir, slog.New(slog.DiscardHandler), false)
	if err != nil {
		return nil, err
	}
	a := audit.NewAppender(st, l, nil, 0)
	a.Start()
	b := &benchAudit{log: l, appender: a, stopped: make(chan struct{}), done: make(chan struct{})}
	go b.track()
	return b, nil
}

// committed notes that commit seq was acknowledged now (ingest.OnCommit).
func (b *benchAudit) committed(seq uint64) {
	if b == nil || seq == 0 {
		return
	}
	b.appender.Kick()
	b.mu.Lock()
	b.pending = append(b.pending, commitAt{seq: seq, at: time.Now()})
	b.mu.Unlock()
}

// track polls the appender's mark and the published checkpoint every 5 ms.
func (b *benchAudit) track() {
	defer close(b.done)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	var deadline <-chan time.Time
	stopped := b.stopped
	for {
		select {
		case <-t.C:
		case <-stopped:
			stopped = nil
			deadline = time.After(time.Minute)
		case <-deadline:
			return
		}
		mark := b.appender.Mark()
		_, size, _, err := b.log.Checkpoint(context.Background())
		if err != nil {
			continue
		}
		now := time.Now()
		b.mu.Lock()
		i := 0
		for ; i < len(b.pending); i++ {
			c := &b.pending[i]
			if c.size == 0 && c.seq <= mark.Seq {
				c.size = mark.Size
			}
			if c.size == 0 || size < c.size {
				break
			}
			b.waits = append(b.waits, now.Sub(c.at))
		}
		b.pending = b.pending[i:]
		left := len(b.pending)
		b.mu.Unlock()
		if deadline != nil && left == 0 {
			return
		}
	}
}

// stop waits (up to a minute) for a checkpoint covering every commit, then
// closes the log, and returns the measurements.
func (b *benchAudit) stop() *auditRun {
	b.once.Do(func() {
		close(b.stopped)
		<-b.done
		b.appender.Close()
		b.log.Close()
		b.mu.Lock()
		defer b.mu.Unlock()
		r := &auditRun{commits: len(b.waits), uncovered: len(b.pending)}
		if n := len(b.waits); n > 0 {
			slices.Sort(b.waits)
			r.p50, r.p99, r.max = b.waits[n/2], b.waits[min(n-1, n*99/100)], b.waits[n-1]
		}
		b.result = r
	})
	return b.result
}

func (r *auditRun) print(w io.Writer) {
	fmt.Fprintf(w, "commit to covering checkpoint: p50 %s, p99 %s, max %s over %d commits",
		r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond), r.commits)
	if r.uncovered > 0 {
		fmt.Fprintf(w, "; %d commits NOT covered within a minute", r.uncovered)
	}
	fmt.Fprintln(w)
}

// benchReads serves rounds of n score reads (GET /v1/subjects/{id}/scores,
// over HTTP on loopback if overHTTP, else through the API's handler in
// process) of the subjects stored in dir,
// from conc goroutines, without and with access logging (each read's
// access record durable before it is served, group-committed, and logged
// in the background) in alternating order, and prints the rates and the
// ratio of the medians.
func benchReads(ctx context.Context, dir string, cat *candor.Catalogue, v *vault.Vault, n, conc int, overHTTP bool, w io.Writer) error {
	st, err := pebble.Open(dir, pebble.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()
	var ids []string
	for se, err := range st.Population(ctx, candor.Part{}) {
		if err != nil {
			return err
		}
		ids = append(ids, se.Subject.ID.String())
	}
	cards, err := scoring.Shipped(cat)
	if err != nil {
		return err
	}
	published := scoring.NewPublished(cards, cards)
	token, key := candor.NewAPIKey(candor.RoleOperator, "bench", time.Now())
	if err := st.PutKey(ctx, key); err != nil {
		return err
	}
	ba, err := startBenchAudit(st, dir)
	if err != nil {
		return err
	}
	defer ba.stop()
	access := audit.NewAccessLog(st, v, func(int, error) { ba.appender.Kick() })
	defer access.Close()
	profiles := profile.New(profile.Config{Store: st, Vault: v, Catalogue: cat, Scorecards: published})
	reg := registrar.New(st, cat, decisions.New(st, v, cat, nil, nil), nil)
	servers := map[bool]*httpapi.Server{
		false: httpapi.New(httpapi.Config{Registrar: reg, Catalogue: cat, Profiles: profiles, Scorecards: published}),
		true:  httpapi.New(httpapi.Config{Registrar: reg, Catalogue: cat, Profiles: profiles, Scorecards: published, Access: access}),
	}
	// Over HTTP, a loopback server per configuration and a client keeping
	// a connection per reader; in process, straight into the handler.
	do := map[bool]func(path string) int{}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	for logged, srv := range servers {
		if !overHTTP {
			do[logged] = func(path string) int {
				req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set(httpapi.PurposeHeader, candor.ReadDataQuality.String())
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				return rec.Code
			}
			continue
		}
		hs := httptest.NewServer(srv)
		defer hs.Close()
		do[logged] = func(path string) int {
			req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set(httpapi.PurposeHeader, candor.ReadDataQuality.String())
			resp, err := client.Do(req)
			if err != nil {
				return 0
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
	}
	const rounds = 6
	how := "through the API handler in process"
	if overHTTP {
		how = "over HTTP on loopback"
	}
	fmt.Fprintf(w, "reads: %d rounds of %d score reads of %d subjects, %d concurrent, %s, access logging off and on in alternating order\n", rounds, n, len(ids), conc, how)
	rates := map[bool][]float64{}
	for round := range rounds {
		order := []bool{false, true}
		if round%2 == 1 {
			order = []bool{true, false}
		}
		for _, logged := range order {
			start := time.Now()
			var next atomic.Int64
			var failed atomic.Int64
			var wg sync.WaitGroup
			for range conc {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(n); i = next.Add(1) {
						if do[logged]("/v1/subjects/"+ids[int(i)%len(ids)]+"/scores") != 200 {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if f := failed.Load(); f > 0 {
				return fmt.Errorf("%d reads failed", f)
			}
			rate := float64(n) / time.Since(start).Seconds()
			rates[logged] = append(rates[logged], rate)
			fmt.Fprintf(w, "round %d: reads, access logging %-3s %8.0f reads/s\n", round+1, map[bool]string{false: "off", true: "on"}[logged], rate)
		}
	}
	fmt.Fprintf(w, "ratio reads with/without access logging (medians): %.2f\n", median(rates[true])/median(rates[false]))
	return nil
}
