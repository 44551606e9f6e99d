package main

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
	lease  *jobLease // nil: run without one
}

func newJobs(log *slog.Logger) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{log: log, ctx: ctx, cancel: cancel}
}

// jobsLease names the lease of the singleton jobs in the store.
const jobsLease = "candor/jobs"

// jobsLeaseTTL is how long the lease outlives its holder's last renewal:
// how long a dead node's jobs wait for another to take them over.
const jobsLeaseTTL = 30 * time.Second

// underLease makes the jobs run only while this process holds the named
// lease in l, which it renews every third of ttl. Call it before every.
func (j *jobs) underLease(l candor.Leaser, name string, ttl time.Duration) {
	host, _ := os.Hostname()
	var nonce [4]byte
	rand.Read(nonce[:])
	j.lease = &jobLease{l: l, name: name, ttl: ttl, holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(nonce[:]))}
	j.wg.Go(func() { j.lease.keep(j.ctx, j.log) })
}

// every runs fn now and then every interval until stop, logging what it
// did (n things) and its errors; a non-positive interval runs nothing.
// Under a lease, a round this process does not hold the lease for is
// skipped.
func (j *jobs) every(name string, interval time.Duration, fn func(ctx context.Context) (n int, err error)) {
	if interval <= 0 {
		return
	}
	j.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if j.lease == nil || j.lease.held() {
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
		}
	})
}

// stop cancels the jobs, waits for them to return and releases the lease,
// so that another node need not wait for it to expire.
func (j *jobs) stop() {
	j.cancel()
	j.wg.Wait()
	if j.lease != nil {
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
// ends.
func (jl *jobLease) keep(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(jl.ttl / 3)
	defer t.Stop()
	was := false
	for {
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
		if now := jl.held(); now != was {
			log.Info("jobs' lease", "held", now, "holder", jl.holder)
			was = now
		}
		select {
		case <-ctx.Done():
			jl.until.Store(0)
			return
		case <-t.C:
		}
	}
}
