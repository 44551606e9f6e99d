package groupcommit_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/groupcommit"
)

// store records the batches committed to it. Each commit waits for a
// token on gate when gate is not nil, and fails if fail says so.
type store struct {
	mu      sync.Mutex
	batches []int // the requests (Access records) of each stored batch
	calls   int
	gate    chan struct{}
	fail    func(n int) error // n: the call's number, from 1
}

func (s *store) Commit(_ context.Context, b *candor.WriteBatch) (uint64, error) {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		if err := s.fail(s.calls); err != nil {
			return 0, err
		}
	}
	s.batches = append(s.batches, len(b.Access))
	return uint64(len(s.batches)), nil
}

func (s *store) committed() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// pipelined is a store that commits in a pipeline: CommitAsync applies,
// the wait it returns is the sync.
type pipelined struct {
	store
	async int
}

func (p *pipelined) CommitAsync(ctx context.Context, b *candor.WriteBatch) (func() (uint64, error), error) {
	p.async++
	n, err := p.Commit(ctx, b)
	if err != nil {
		return nil, err
	}
	return func() (uint64, error) { return n, nil }, nil
}

// req is one writer: it is answered on reply.
type req struct {
	id    int
	reply chan answer
}

type answer struct {
	commit uint64
	err    error
}

type group struct {
	reqs []*req
	base *group // the group this one builds on, or nil
}

// handler checks the engine's contract as it goes: Settled on the
// gathering goroutine only after Committed, Committed in gathering order.
type handler struct {
	max int
	// buildOn, if set, says which request's group builds on the group
	// of which earlier request (by ID).
	buildOn   map[int]int
	byReq     map[int]*group
	mu        sync.Mutex
	gathered  []*group
	committed []*group
	refused   []*group
	open      int // touched only on the gathering goroutine, with no lock
	maxOpen   int
	errs      []error
}

func (h *handler) NewGroup() *group {
	g := &group{}
	h.mu.Lock()
	h.gathered = append(h.gathered, g)
	h.mu.Unlock()
	h.open++
	h.maxOpen = max(h.maxOpen, h.open)
	return g
}

func (h *handler) Add(g *group, r *req) {
	g.reqs = append(g.reqs, r)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byReq == nil {
		h.byReq = map[int]*group{}
	}
	h.byReq[r.id] = g
	if base, ok := h.buildOn[r.id]; ok {
		g.base = h.byReq[base]
	}
}
func (h *handler) Full(g *group) bool { return len(g.reqs) >= h.max }

func (h *handler) Batch(g *group) *candor.WriteBatch {
	h.mu.Lock()
	defer h.mu.Unlock()
	if g.base != nil && slices.Contains(h.refused, g.base) {
		return nil
	}
	return &candor.WriteBatch{Access: make([]*candor.AccessRecord, len(g.reqs))}
}

func (h *handler) Refused(g *group) {
	h.mu.Lock()
	h.refused = append(h.refused, g)
	h.mu.Unlock()
}

func (h *handler) Committed(g *group, commit uint64, err error) {
	h.mu.Lock()
	h.committed = append(h.committed, g)
	h.mu.Unlock()
	for _, r := range g.reqs {
		r.reply <- answer{commit, err}
	}
}

func (h *handler) Settled(g *group, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Contains(h.committed, g) {
		h.errs = append(h.errs, errors.New("a group was settled before it was committed"))
	}
	h.open--
}

// send queues n requests on reqs and returns them.
func send(reqs chan<- *req, from, n int) []*req {
	var rs []*req
	for i := range n {
		r := &req{id: from + i, reply: make(chan answer, 1)}
		reqs <- r
		rs = append(rs, r)
	}
	return rs
}

func answers(t *testing.T, rs []*req) []answer {
	t.Helper()
	var as []answer
	for _, r := range rs {
		select {
		case a := <-r.reply:
			as = append(as, a)
		case <-time.After(10 * time.Second):
			t.Fatalf("request %d was not answered", r.id)
		}
	}
	return as
}

func TestWaitingRequestsShareOneCommit(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(map[bool]string{false: "Commit", true: "CommitAsync"}[async], func(t *testing.T) {
			p := &pipelined{}
			rec := &p.store
			var c groupcommit.Committer = rec
			if async {
				c = p
			}
			reqs := make(chan *req, 10)
			rs := send(reqs, 0, 10) // all waiting before the engine starts
			h := &handler{max: 4}
			done := groupcommit.Start(c, reqs, groupcommit.Handler[*req, *group](h), groupcommit.Options{InFlight: 1})
			as := answers(t, rs)
			close(reqs)
			<-done
			// InFlight 1: the next group is gathered only once the previous
			// one is settled, so the ten waiting requests fill groups of 4.
			if got, want := rec.committed(), []int{4, 4, 2}; !slices.Equal(got, want) {
				t.Errorf("batches %v, want %v", got, want)
			}
			for i, a := range as {
				if want := uint64(i/4 + 1); a.commit != want || a.err != nil {
					t.Errorf("request %d: commit %d, err %v; want commit %d", i, a.commit, a.err, want)
				}
			}
			if wantAsync := map[bool]int{false: 0, true: 3}[async]; p.async != wantAsync {
				t.Errorf("CommitAsync called %d times, want %d", p.async, wantAsync)
			}
			if len(h.errs) > 0 || h.open != 0 {
				t.Errorf("contract: %v, %d groups left unsettled", h.errs, h.open)
			}
		})
	}
}

func TestInFlightBound(t *testing.T) {
	s := &store{gate: make(chan struct{})}
	reqs := make(chan *req, 100)
	h := &handler{max: 1}
	done := groupcommit.Start(s, reqs, groupcommit.Handler[*req, *group](h), groupcommit.Options{InFlight: 3})
	rs := send(reqs, 0, 8)
	for range 8 {
		s.gate <- struct{}{}
	}
	answers(t, rs)
	close(reqs)
	<-done
	if h.maxOpen > 3 {
		t.Errorf("%d groups were open at once, want at most 3", h.maxOpen)
	}
	if h.maxOpen < 2 {
		t.Errorf("at most %d group open at once while commits were held up: no pipelining", h.maxOpen)
	}
	if got := len(s.committed()); got != 8 {
		t.Errorf("%d commits, want 8", got)
	}
}

func TestStopOnError(t *testing.T) {
	broken := errors.New("disk full")
	for _, stop := range []bool{true, false} {
		t.Run(map[bool]string{true: "stop", false: "each on its own"}[stop], func(t *testing.T) {
			s := &store{fail: func(n int) error {
				if n == 1 {
					return broken
				}
				return nil
			}}
			reqs := make(chan *req, 10)
			h := &handler{max: 1}
			done := groupcommit.Start(s, reqs, groupcommit.Handler[*req, *group](h), groupcommit.Options{InFlight: 1, StopOnError: stop})
			first := answers(t, send(reqs, 0, 1))
			later := answers(t, send(reqs, 1, 2))
			close(reqs)
			<-done
			if first[0].err != broken {
				t.Errorf("first group: err %v, want %v", first[0].err, broken)
			}
			for i, a := range later {
				if stop && a.err != broken {
					t.Errorf("later group %d: err %v, want the first failure", i, a.err)
				}
				if !stop && a.err != nil {
					t.Errorf("later group %d: err %v, want success", i, a.err)
				}
			}
			wantCommits := 2
			if stop {
				wantCommits = 0 // the later groups never reach the store
			}
			if got := len(s.committed()); got != wantCommits {
				t.Errorf("%d batches stored, want %d", got, wantCommits)
			}
		})
	}
}

// TestConflictStopsNothingForGood: a batch the store refuses with a
// conflict fails, with the group in flight that builds on it, without
// reaching the store; a group in flight that does not build on it, and
// groups gathered afterwards, are committed, although the engine stops
// on errors.
func TestConflictStopsNothingForGood(t *testing.T) {
	raced := candor.Errorf(candor.ECONFLICT, "already stored")
	s := &store{gate: make(chan struct{}), fail: func(n int) error {
		if n == 1 {
			return raced
		}
		return nil
	}}
	reqs := make(chan *req, 10)
	h := &handler{max: 1, buildOn: map[int]int{1: 0}} // request 1's group builds on request 0's
	done := groupcommit.Start(s, reqs, groupcommit.Handler[*req, *group](h), groupcommit.Options{InFlight: 3, StopOnError: true})
	early := send(reqs, 0, 3)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		h.mu.Lock()
		n := len(h.gathered)
		h.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d groups gathered, want 3 in flight", n)
		}
	}
	s.gate <- struct{}{} // the first commit, refused
	s.gate <- struct{}{} // the third's
	as := answers(t, early)
	if as[0].err != raced {
		t.Errorf("the refused group: %v, want the store's conflict", as[0].err)
	}
	if as[1].err != groupcommit.ErrRefusedBefore {
		t.Errorf("the group building on it: %v, want ErrRefusedBefore", as[1].err)
	}
	if as[2].err != nil {
		t.Errorf("a group in flight that does not build on it: %v, want it committed", as[2].err)
	}
	late := send(reqs, 3, 2)
	s.gate <- struct{}{}
	s.gate <- struct{}{}
	for i, a := range answers(t, late) {
		if a.err != nil {
			t.Errorf("group gathered after the refusal %d: %v, want it committed", i, a.err)
		}
	}
	close(reqs)
	<-done
	if got := s.committed(); len(got) != 3 {
		t.Errorf("%d batches stored, want the 3 that do not build on the refused one", len(got))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.refused) != 2 || !slices.Equal(h.refused, h.gathered[:2]) {
		t.Errorf("Refused called for %d groups, want the 2 failed ones in order", len(h.refused))
	}
	if len(h.errs) > 0 || h.open != 0 {
		t.Errorf("contract: %v, %d groups left unsettled", h.errs, h.open)
	}
}

func TestCloseAnswersWhatWasGathered(t *testing.T) {
	s := &pipelined{}
	reqs := make(chan *req, 50)
	rs := send(reqs, 0, 50)
	close(reqs)
	h := &handler{max: 7}
	done := groupcommit.Start(s, reqs, groupcommit.Handler[*req, *group](h), groupcommit.Options{InFlight: 2})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine did not stop after its requests channel was closed")
	}
	answers(t, rs)
	n := 0
	for _, b := range s.committed() {
		n += b
	}
	if n != 50 {
		t.Errorf("%d requests committed, want 50", n)
	}
	if len(h.errs) > 0 || h.open != 0 {
		t.Errorf("contract: %v, %d groups left unsettled", h.errs, h.open)
	}
	if !slices.Equal(h.gathered, h.committed) {
		t.Error("groups were committed out of the order they were gathered")
	}
}
