package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
)

// jobs runs periodic background work (settling dispute deadlines, say)
// until stopped. With a lease (underLease), the work runs only while this
// process holds the lease, so that of several nodes sharing a store
// exactly one runs it, and another takes over when that one dies.
type jobs struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	lease       *jobLease // nil: run without one
	leaseCancel context.CancelFunc
	leaseWG     sync.WaitGroup
}

func newJobs(log *slog.Logger) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{log: log, ctx: ctx, cancel: cancel}
}

// jobsLease names the lease of the singleton jobs in the store.
const jobsLease = "candor/jobs"

// underLease makes the jobs run only while this process holds the named
// lease in l, which it renews every third of ttl until release. It tries
// to take the lease once before it returns. Call it before every.
func (j *jobs) underLease(l candor.Leaser, name string, ttl time.Duration) {
	host, _ := os.Hostname()
	var nonce [4]byte
	rand.Read(nonce[:])
	j.lease = &jobLease{l: l, name: name, ttl: ttl, holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(nonce[:]))}
	ctx, cancel := context.WithCancel(context.Background())
	j.leaseCancel = cancel
	was := j.lease.renew(ctx, j.log, false)
	j.leaseWG.Go(func() { j.lease.keep(ctx, j.log, was) })
}

// held reports whether this process may run the singleton work now: it
// holds the lease, or runs without one.
func (j *jobs) held() bool { return j.lease == nil || j.lease.held() }

// singletonLease returns jobs under the lease of the singleton work of
// nodes sharing inst's store, if the store has leases.
func singletonLease(inst *Installation, log *slog.Logger, ttl time.Duration) *jobs {
	j := newJobs(log)
	if l, ok := inst.Store.(candor.Leaser); ok {
		j.underLease(l, jobsLease, ttl)
	}
	return j
}

// every runs fn now and then every interval until stop, logging what it
// did (n things) and its errors; a non-positive interval runs nothing.
// Under a lease, a round this process does not hold the lease for is
// skipped.
func (j *jobs) every(name string, interval time.Duration, fn func(ctx context.Context) (n int, err error)) {
	j.run(name, interval, true, j.held, fn)
}

// everyAfter runs fn as every does, but the first time one interval after
// the start: for work that should not run on a store still being loaded.
func (j *jobs) everyAfter(name string, interval time.Duration, fn func(ctx context.Context) (n int, err error)) {
	j.run(name, interval, false, j.held, fn)
}

// onEachNode runs fn as every does, on this node whether or not it holds
// the lease: for what each node keeps for itself.
func (j *jobs) onEachNode(name string, interval time.Duration, fn func(ctx context.Context) (n int, err error)) {
	j.run(name, interval, true, func() bool { return true }, fn)
}

// run runs fn every interval until stop, and at once if now, in the
// rounds when may says so.
func (j *jobs) run(name string, interval time.Duration, now bool, may func() bool, fn func(ctx context.Context) (n int, err error)) {
	if interval <= 0 {
		return
	}
	j.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if now && may() {
				switch n, err := fn(j.ctx); {
				case err != nil && j.ctx.Err() == nil:
					j.log.Error(name, "err", err)
				case n > 0:
					j.log.Info(name, "done", n)
				}
			}
			select {
			case <-j.ctx.Done():
				return
			case <-t.C:
			}
			now = true
		}
	})
}

// stop cancels the jobs and waits for them to return. The lease stays
// held until release, for other singleton work (the log's appender) to
// finish under it.
func (j *jobs) stop() {
	j.cancel()
	j.wg.Wait()
}

// holdNow renews or tries to take the lease at once, so that a node
// stopping after the last holder released it does the singleton work's
// last round (the log's appender) itself.
func (j *jobs) holdNow() {
	if j.lease != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		j.lease.renew(ctx, j.log, j.lease.held())
	}
}

// release stops renewing the lease and releases it, so that another node
// need not wait for it to expire.
func (j *jobs) release() {
	if j.lease != nil {
		j.leaseCancel()
		j.leaseWG.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := j.lease.l.ReleaseLease(ctx, j.lease.name, j.lease.holder); err != nil {
			j.log.Warn("releasing the jobs' lease", "err", err)
		}
	}
}

// jobLease keeps a lease renewed and says whether it is held.
type jobLease struct {
	l            candor.Leaser
	name, holder string
	ttl          time.Duration
	until        atomic.Int64 // Unix ns until which the lease is surely held; 0: not held
}

// held reports whether the lease is held with at least a third of its TTL
// to go, by this process's clock (measured from before the renewal was
// asked for, so a slow answer only shortens it).
func (jl *jobLease) held() bool {
	return time.Now().UnixNano() < jl.until.Load()
}

// keep renews or tries to take the lease every third of its TTL until ctx
// ends; was says whether it was held before.
func (jl *jobLease) keep(ctx context.Context, log *slog.Logger, was bool) {
	t := time.NewTicker(jl.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			jl.until.Store(0)
			return
		case <-t.C:
		}
		was = jl.renew(ctx, log, was)
	}
}

// renew renews or tries to take the lease once, logs a change from was,
// and returns whether it is held now.
func (jl *jobLease) renew(ctx context.Context, log *slog.Logger, was bool) bool {
	asked := time.Now()
	_, ok, err := jl.l.AcquireLease(ctx, jl.name, jl.holder, jl.ttl)
	switch {
	case err != nil:
		jl.until.Store(0) // cannot tell: stop running the jobs until renewed
		if ctx.Err() == nil {
			log.Warn("renewing the jobs' lease", "err", err)
		}
	case ok:
		jl.until.Store(asked.Add(jl.ttl * 2 / 3).UnixNano())
	default:
		jl.until.Store(0)
	}
	now := jl.held()
	if now != was {
		log.Info("jobs' lease", "held", now, "holder", jl.holder)
	}
	return now
}
