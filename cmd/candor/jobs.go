package main

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// jobs runs periodic background work (settling dispute deadlines, say)
// until stopped.
type jobs struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newJobs(log *slog.Logger) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{log: log, ctx: ctx, cancel: cancel}
}

// every runs fn now and then every interval until stop, logging what it
// did (n things) and its errors; a non-positive interval runs nothing.
func (j *jobs) every(name string, interval time.Duration, fn func(ctx context.Context) (n int, err error)) {
	if interval <= 0 {
		return
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			switch n, err := fn(j.ctx); {
			case err != nil && j.ctx.Err() == nil:
				j.log.Error(name, "err", err)
			case n > 0:
				j.log.Info(name, "done", n)
			}
			select {
			case <-j.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stop cancels the jobs and waits for them to return.
func (j *jobs) stop() {
	j.cancel()
	j.wg.Wait()
}
