package groupcommit

import (
	"context"
	"sync"

	"github.com/candor-project/candor"
)

// Committer is the store method the engine needs: Commit stores b
// atomically and durably and returns its commit number. If the store is
// also a candor.PipelinedCommitter, the engine uses CommitAsync instead.
type Committer interface {
	Commit(ctx context.Context, b *candor.WriteBatch) (uint64, error)
}

// Handler gathers requests of type R into groups of type G and answers
// them. The engine calls NewGroup, Add, Full and Settled on one goroutine
// (the gatherer), so they may share state without locks; Batch runs on
// the committer and Committed on the waiter, each once per group, in the
// order the groups were gathered.
type Handler[R, G any] interface {
	// NewGroup returns an empty group.
	NewGroup() G
	// Add adds r to g, or answers r itself if r cannot join (a request
	// refused whole).
	Add(g G, r R)
	// Full reports whether g takes no more requests.
	Full(g G) bool
	// Batch returns the store batch of g. It is called once, just before
	// g enters the store's commit order, also for a group that will not
	// reach the store because an earlier one failed (see Options). It
	// returns nil for a group that builds on one refused (see Refused):
	// the engine then fails it with ErrRefusedBefore.
	Batch(g G) *candor.WriteBatch
	// Refused says, on the committer and before the next group's Batch,
	// that the store refused g whole with a conflict (see
	// Options.StopOnError), or that g was failed because it builds on such
	// a group: groups must not build on what g staged.
	Refused(g G)
	// Committed answers g's writers once g is durable (err nil, commit
	// the store's commit number) or failed.
	Committed(g G, commit uint64, err error)
	// Settled hands g back to the gatherer after Committed, with the same
	// err: what the gatherer kept aside for g until it was durable can go.
	Settled(g G, err error)
}

// Preparer is an optional Handler capability: Prepare runs on the
// committer just before g's batch enters the store's commit order, for
// what must be durable before the batch is (the ingest pipeline keeps its
// new subjects' keys in the keyring). An error fails g as a store error
// would, without handing the batch to the store.
type Preparer[G any] interface {
	Prepare(g G) error
}

// Options tune an engine.
type Options struct {
	// InFlight bounds the groups gathered and not yet settled (at least 1).
	// Requests arriving while the bound is reached wait in the request
	// channel and make up the next group.
	InFlight int
	// StopOnError makes a failed commit fail every later group with the
	// same error, without handing it to the store: a later batch must not
	// count as durable after an earlier one failed. Without it each group
	// succeeds or fails on its own.
	//
	// A conflict (ECONFLICT) the store returns as it takes a batch in,
	// before anything of it is applied (another writer sharing the store
	// stored a key first), stops nothing for good: the engine fails that
	// group, calls Refused, and fails with ErrRefusedBefore the groups
	// whose Batch says they build on it; the others are committed as
	// usual.
	StopOnError bool
}

// Start runs an engine over store: it gathers the requests waiting on
// reqs into groups (at most Options.InFlight at a time), commits each
// group's batch as one store commit — pipelined when the store is a
// candor.PipelinedCommitter, so one group syncs while the next is applied
// — and answers each group through h once it is durable, in commit order.
// When reqs is closed, Start's goroutines commit and answer what was
// gathered, settle it, and close the returned channel.
func Start[R, G any](store Committer, reqs <-chan R, h Handler[R, G], opts Options) <-chan struct{} {
	inFlight := max(opts.InFlight, 1)
	e := &engine[R, G]{
		store:       store,
		h:           h,
		stopOnError: opts.StopOnError,
		inFlight:    inFlight,
		commits:     make(chan G, inFlight),
		durable:     make(chan pending[G], inFlight),
		settled:     make(chan settled[G], inFlight),
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(e.commit)
	wg.Go(e.wait)
	go func() {
		e.gather(reqs)
		close(e.commits)
		wg.Wait()
		close(done)
	}()
	return done
}

// engine is the pipeline of three goroutines a group passes through:
// gather → commit → wait → back to gather to settle. Every channel holds
// up to inFlight groups, so no send between them blocks.
type engine[R, G any] struct {
	store       Committer
	h           Handler[R, G]
	stopOnError bool
	inFlight    int
	open        int // groups gathered and not yet settled; the gatherer's own
	commits     chan G
	durable     chan pending[G]
	settled     chan settled[G]
}

// ErrRefusedBefore fails a group that builds on an earlier one the store
// refused with a conflict.
var ErrRefusedBefore = candor.Errorf(candor.ECONFLICT, "an earlier batch this one builds on was refused")

// pending is a group entered into the store's commit order: wait tells
// when it is durable, unless err says it never will be.
type pending[G any] struct {
	g    G
	wait func() (uint64, error)
	err  error
}

type settled[G any] struct {
	g   G
	err error
}

// gather builds groups from the requests waiting on reqs and hands them to
// the committer, settling finished groups as they come back. It returns
// once reqs is closed and every group it built is settled.
func (e *engine[R, G]) gather(reqs <-chan R) {
	for reqs != nil || e.open > 0 {
		var in <-chan R // nil while the bound is reached: no new group
		if e.open < e.inFlight {
			in = reqs
		}
		select {
		case s := <-e.settled:
			e.settle(s)
		case r, ok := <-in:
			if !ok {
				reqs = nil
				continue
			}
			g := e.h.NewGroup()
			e.h.Add(g, r)
			if !e.fill(g, reqs) {
				reqs = nil
			}
			e.commits <- g
			e.open++
		}
	}
}

// fill adds the requests already waiting to g until it is full, settling
// finished groups meanwhile. It reports false if reqs was closed.
func (e *engine[R, G]) fill(g G, reqs <-chan R) bool {
	for !e.h.Full(g) {
		select {
		case s := <-e.settled:
			e.settle(s)
		case r, ok := <-reqs:
			if !ok {
				return false
			}
			e.h.Add(g, r)
		default:
			return true
		}
	}
	return true
}

func (e *engine[R, G]) settle(s settled[G]) {
	e.h.Settled(s.g, s.err)
	e.open--
}

// commit enters the groups into the store's commit order one after the
// other and hands each to the waiter. With a store that commits in a
// pipeline it returns as soon as a group is applied, so the next group is
// applied while this one syncs.
func (e *engine[R, G]) commit() {
	defer close(e.durable)
	pipelined, _ := e.store.(candor.PipelinedCommitter)
	preparer, _ := e.h.(Preparer[G])
	var failed error
	for g := range e.commits {
		b := e.h.Batch(g)
		p := pending[G]{g: g}
		var prepErr error
		if failed == nil && b != nil && preparer != nil {
			prepErr = preparer.Prepare(g)
		}
		switch {
		case failed != nil:
			p.err = failed
		case b == nil:
			p.err = ErrRefusedBefore
		case prepErr != nil:
			p.err = prepErr
		case pipelined != nil:
			p.wait, p.err = pipelined.CommitAsync(context.Background(), b)
		default:
			var n uint64
			n, p.err = e.store.Commit(context.Background(), b)
			p.wait = func() (uint64, error) { return n, nil }
		}
		switch {
		case p.err == nil || !e.stopOnError || failed != nil:
		case candor.ErrorCode(p.err) == candor.ECONFLICT:
			e.h.Refused(g)
		default:
			failed = p.err
		}
		e.durable <- p
	}
}

// wait waits for each group to become durable, in commit order, answers
// its writers and hands it back to the gatherer.
func (e *engine[R, G]) wait() {
	var failed error
	for p := range e.durable {
		var commit uint64
		err := p.err
		refused := err != nil && candor.ErrorCode(err) == candor.ECONFLICT // by the committer, nothing applied
		if err == nil {
			commit, err = p.wait()
		}
		if e.stopOnError {
			if failed != nil {
				err = failed // a later batch must not count as durable after an earlier one failed
			}
			if err != nil && failed == nil && !refused {
				failed = err
			}
		}
		e.h.Committed(p.g, commit, err)
		e.settled <- settled[G]{p.g, err}
	}
}
