package ui

import (
	"context"
	"sync"
	"time"
)

// passes runs the console's passes over the population (a simulation, a
// recount of grades) in the background, one at a time: over millions of
// subjects one takes minutes, longer than a request may. Pages show what
// runs and, once done, its result.
type passes struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running passLabel // what runs, as pages name it; no Key when nothing does
	since   time.Time
}

// passLabel names a pass as pages do: a message of the catalogue and its
// arguments, written in each page's language.
type passLabel struct {
	Key  string
	Args []any
}

// in writes the label in l's language ("" for none).
func (p passLabel) in(l locale) string {
	if p.Key == "" {
		return ""
	}
	return l.T(p.Key, p.Args...)
}

func newPasses() *passes {
	ctx, cancel := context.WithCancel(context.Background())
	return &passes{ctx: ctx, cancel: cancel}
}

// start runs fn in the background, unless a pass runs already or the
// passes are closed: then it returns false.
func (p *passes) start(what passLabel, now time.Time, fn func(ctx context.Context)) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running.Key != "" || p.ctx.Err() != nil {
		return false
	}
	p.running, p.since = what, now
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() {
			p.mu.Lock()
			p.running = passLabel{}
			p.mu.Unlock()
		}()
		fn(p.ctx)
	}()
	return true
}

// status returns what runs and since when (no Key when nothing does).
func (p *passes) status() (passLabel, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running, p.since
}

// close cancels the pass that runs, if any, waits for it to end and
// starts no more.
func (p *passes) close() {
	p.cancel()
	p.wg.Wait()
}

// Close stops the console's background work: a pass over the population
// running is cancelled, and Close returns once it has ended. Call it
// before closing the store.
func (s *Server) Close() { s.passes.close() }
