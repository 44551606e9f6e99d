package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/tlog"
)

// DefaultLogCheckInterval is how often a node checks what its log
// appended since the last check (logChecker).
const DefaultLogCheckInterval = 30 * time.Second

// logChecker checks a served log in the background: once whole, after
// the node is ready (a start checks only what was appended since the
// store's last Verified mark, so that a start does not grow with the
// log), then what was appended since, every interval, keeping each mark.
// If a check finds the log damaged, it says so for good (Err): the node
// then answers /readyz with 503, refuses every request but /healthz,
// /readyz and /metrics (guard), stops taking messages from NATS
// (whenDamaged: they wait in the stream), and appends nothing more to the
// log, as a start on that log would have refused to start.
type logChecker struct {
	inst     *Installation
	log      *tlog.Log
	lg       *slog.Logger
	interval time.Duration

	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	hooks    []func() // run once the log is found damaged
	err      error
	verified uint64        // entries checked whole
	whole    time.Duration // the last whole check took
}

func newLogChecker(inst *Installation, l *tlog.Log, lg *slog.Logger, verified uint64) *logChecker {
	return &logChecker{inst: inst, log: l, lg: lg, interval: DefaultLogCheckInterval, verified: verified, done: make(chan struct{})}
}

// start runs the checks until stop: whole first if whole, else only
// since the mark.
func (c *logChecker) start(whole bool) {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		if whole && !c.check(ctx, true) {
			return
		}
		t := time.NewTicker(c.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !c.check(ctx, false) {
					return
				}
			}
		}
	}()
}

// stop ends the checks, waiting for one under way to give up.
func (c *logChecker) stop() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
	}
}

// check runs one check (whole, or since the kept mark) and keeps its mark.
// A disagreement counts only if it is still there a second later (another
// node may be appending: see checkLogAtStart). It returns false once the
// log is found damaged or ctx ends.
func (c *logChecker) check(ctx context.Context, whole bool) bool {
	var problems []string
	var err error
	for try := range 2 {
		if try > 0 {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(time.Second):
			}
		}
		start := time.Now()
		var next audit.Verified
		problems, next, err = c.once(ctx, whole)
		if ctx.Err() != nil {
			return false
		}
		if err == nil && len(problems) == 0 {
			if err := audit.KeepVerified(ctx, c.inst.Store, c.log, next); err != nil {
				c.lg.Warn("transparency log: keeping its verified mark", "err", err)
			}
			c.mu.Lock()
			c.verified = next.Size
			if whole {
				c.whole = time.Since(start)
			}
			c.mu.Unlock()
			if whole {
				c.lg.Info("transparency log checked whole", "size", next.Size, "took", time.Since(start).Round(time.Millisecond))
			}
			return true
		}
	}
	if err != nil { // could not read the log or the store: try again later
		c.lg.Warn("transparency log: background check", "err", err)
		return ctx.Err() == nil
	}
	c.mu.Lock()
	hooks := c.hooks
	c.err = fmt.Errorf("%s: a background check found that the log in %s lost or altered history:\n  - %s\n(the node refuses requests; restore the log directory from a copy that passes candor audit verify-log, or replace the log with candor audit recover)",
		errLogRefused, c.log.Dir(), strings.Join(problems, "\n  - "))
	err = c.err
	c.mu.Unlock()
	c.lg.Error("transparency log damaged: refusing requests", "err", err)
	for _, f := range hooks {
		go f()
	}
	return false
}

// final checks, on a clean close, what the log appended since the kept
// mark (if there is one, and the log was not found damaged) and keeps the
// next mark, so that the next start has nothing to check but the
// proofs.
func (c *logChecker) final(ctx context.Context) {
	if c.Err() != nil {
		return
	}
	v, err := audit.KeptVerified(ctx, c.inst.Store, c.log)
	if err != nil || v == nil {
		return
	}
	problems, next, err := audit.CheckSince(ctx, c.inst.Store, c.log, *v, false, true)
	switch {
	case err != nil:
		c.lg.Warn("transparency log: checking it on close", "err", err)
	case len(problems) > 0:
		c.lg.Error("transparency log: on close, what it appended does not check; the next start checks it whole", "problems", problems)
	default:
		if err := audit.KeepVerified(ctx, c.inst.Store, c.log, next); err != nil {
			c.lg.Warn("transparency log: keeping its verified mark", "err", err)
		}
	}
}

// once checks the log whole, or what it appended since the kept mark (or
// whole if there is none).
func (c *logChecker) once(ctx context.Context, whole bool) ([]string, audit.Verified, error) {
	if !whole {
		v, err := audit.KeptVerified(ctx, c.inst.Store, c.log)
		if err != nil && !errors.Is(err, audit.ErrBadMark) {
			return nil, audit.Verified{}, err
		}
		if v != nil {
			return audit.CheckSince(ctx, c.inst.Store, c.log, *v, false, true)
		}
	}
	return audit.CheckWhole(ctx, c.inst.Store, c.log, false, true)
}

// whenDamaged runs f (in its own goroutine) once the log is found
// damaged: at once if it was.
func (c *logChecker) whenDamaged(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return
	}
	c.hooks = append(c.hooks, f)
}

// Err returns why the log is refused, or nil.
func (c *logChecker) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// register registers the checker's metrics.
func (c *logChecker) register(m *httpapi.Metrics) {
	read := func(f func() float64) func() float64 {
		return func() float64 { c.mu.Lock(); defer c.mu.Unlock(); return f() }
	}
	m.Gauge("candor_log_check_failed", "1 once a background check found the transparency log damaged (the node then refuses requests), else 0.",
		read(func() float64 {
			if c.err != nil {
				return 1
			}
			return 0
		}))
	m.Gauge("candor_log_verified_entries", "Entries of the transparency log last checked from its files and against the store.",
		read(func() float64 { return float64(c.verified) }))
	m.Gauge("candor_log_whole_check_seconds", "How long the last background check of the whole transparency log took (0 until one has run).",
		read(func() float64 { return c.whole.Seconds() }))
}

// guard refuses every request but /healthz, /readyz and /metrics once the
// log is found damaged: 503, with the error the API gives an unavailable
// node.
func (c *logChecker) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.Err() != nil && r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"code":"EUNAVAILABLE","message":"the transparency log was found damaged: this node refuses requests until it is repaired"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}
