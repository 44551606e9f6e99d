package ingest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
)

// matching is the matcher events are matched with and the store's match
// generation (candor.MatchFence) it was built at.
type matching struct {
	m   Matcher // nil: events get no matches
	gen uint64
}

// errStale is a group commit's error when the store refused it because
// its events were matched at an older match generation (a scorecard
// version was approved since): nothing was stored, and the request is
// matched again and retried.
var errStale = candor.Errorf(candor.ECONFLICT, "a scorecard version was approved while this request was being stored; nothing from it was stored")

// errGroupStale is the error of a request matched at a newer generation
// than another request of its group, refused as stale: it is retried as
// it is.
var errGroupStale = candor.Errorf(candor.ECONFLICT, "this request was committed with others matched with scorecards no longer approved; nothing from it was stored")

// matcherState holds the current matching and fetches a newer one.
type matcherState struct {
	cur   atomic.Pointer[matching]
	mu    sync.Mutex // serialises fetches
	newer func(ctx context.Context) (Matcher, uint64, error)
}

func newMatcherState(opts Options) *matcherState {
	ms := &matcherState{newer: opts.Matchers}
	ms.cur.Store(&matching{m: opts.Matcher, gen: opts.Generation})
	return ms
}

// load returns the current matching.
func (ms *matcherState) load() *matching { return ms.cur.Load() }

// after returns a matching newer than stale: the current one if another
// request fetched it already, or the one Options.Matchers gives. Errors:
// EUNAVAILABLE without Options.Matchers (the store's generation moved
// past the pipeline's fixed matcher), or Matchers' error.
func (ms *matcherState) after(ctx context.Context, stale *matching) (*matching, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if cur := ms.cur.Load(); cur.gen != stale.gen {
		return cur, nil
	}
	if ms.newer == nil {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "a scorecard version was approved, and this pipeline's matcher is fixed: restart it")
	}
	m, gen, err := ms.newer(ctx)
	if err != nil {
		return nil, err
	}
	next := &matching{m: m, gen: gen}
	ms.cur.Store(next)
	return next, nil
}

// rematch matches req's events again with a matching newer than the one
// they were matched with.
func (p *Pipeline) rematch(ctx context.Context, req *request) error {
	next, err := p.matchers.after(ctx, req.matching)
	if err != nil {
		return err
	}
	req.matching = next
	for i := range req.events {
		pe := &req.events[i]
		pe.matches = pe.matches[:0]
		if next.m != nil {
			pe.matches = next.m.Match(&pe.ev, pe.matches)
		}
	}
	return nil
}
