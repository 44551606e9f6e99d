package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/groupcommit"
)

// The writer is the group-commit handler of the pipeline (see
// internal/groupcommit): on the engine's gathering goroutine it checks
// idempotency keys, creates new subjects (stored ones were resolved
// before, in parallel) and seals events, building group commits. While one
// group is being committed the writer builds the next; what the committing
// group adds is kept in pending overlays until it is durable, so the next
// group sees it without a store read.
type writer struct {
	p        *Pipeline
	pendingS map[candor.BlindIndex]pendingSubject
	pendingD map[candor.DedupeKey]pendingEvent
	failed   error // set once a commit failed: the pipeline refuses all work after it
}

// pendingSubject and pendingEvent are a subject and an event staged in
// group g, not yet settled. Once g's commit failed (g.failed), they exist
// nowhere: a request retried before g is settled must not find them.
type pendingSubject struct {
	r resolved
	g *group
}

type pendingEvent struct {
	d candor.Digest
	g *group
}

type group struct {
	failed   atomic.Bool // set by Refused or Committed, before it answers, if the commit failed
	deps     []*group    // groups in flight whose staged subjects or events it uses
	batch    candor.WriteBatch
	salts    []candor.Salt // the commitment salt of each event's subject
	reqs     []*request
	results  []candor.IngestResult
	newS     []candor.BlindIndex
	newD     []candor.DedupeKey
	keys     []candor.WrappedKey // the new subjects' keys, for the keyring
	events   int
	dups     int
	err      error
	commitNo uint64
	start    time.Time
}

// inFlight bounds the groups gathered and not yet durable: while they
// sync, the requests arriving make up the next group.
const inFlight = 4

// startWriter starts the group-commit engine with a writer over p.reqs;
// the engine closes p.done once p.reqs is closed and all is answered.
func startWriter(p *Pipeline) {
	w := &writer{
		p:        p,
		pendingS: map[candor.BlindIndex]pendingSubject{},
		pendingD: map[candor.DedupeKey]pendingEvent{},
	}
	done := groupcommit.Start(p.store, p.reqs, groupcommit.Handler[*request, *group](w),
		groupcommit.Options{InFlight: inFlight, StopOnError: true})
	go func() {
		<-done
		close(p.done)
	}()
}

func (w *writer) NewGroup() *group { return &group{} }

func (w *writer) Full(g *group) bool { return g.events >= w.p.opts.MaxGroupEvents }

// Batch is g's store batch, with its write commitments unless the
// pipeline is unaudited; nil if g builds on a group the store refused.
func (w *writer) Batch(g *group) *candor.WriteBatch {
	for _, d := range g.deps {
		if d.failed.Load() {
			return nil
		}
	}
	g.deps = nil // settled or not, they need not be kept alive by g
	g.start = time.Now()
	if !w.p.opts.Unaudited {
		g.batch.Commitments = g.commitments
	}
	return &g.batch
}

// Prepare keeps the group's new subjects' keys in the keyring, durably,
// before the group's batch enters the store: no committed subject is ever
// without its key. A key of a group the store then refuses is an orphan,
// harmless (its subject is never stored).
func (w *writer) Prepare(g *group) error {
	if len(g.keys) == 0 {
		return nil
	}
	return w.p.vault.KeepKeys(context.Background(), g.keys)
}

// Settled drops a finished group's entries from the pending overlays.
// Entries of a committed group move to the caches; a failed group poisons
// the writer.
func (w *writer) Settled(g *group, err error) {
	for _, bi := range g.newS {
		if ps := w.pendingS[bi]; ps.g == g { // not restaged by a retry since
			if err == nil {
				w.p.subjects.put(bi, ps.r)
			}
			delete(w.pendingS, bi)
		}
	}
	for _, k := range g.newD {
		if w.pendingD[k].g == g {
			delete(w.pendingD, k)
		}
	}
	// A conflict with another node's commit left nothing half done: it is
	// retried. Any other failure poisons the pipeline.
	if err != nil && candor.ErrorCode(err) != candor.ECONFLICT && w.failed == nil {
		w.failed = err
	}
}

// commitments returns the write commitments of the group's events, with
// the matches stored with them, once the store has given them their IDs:
// recorded in the same commit, so that an acknowledged write always has
// its commitment (charter point 6). It runs in the store's serial commit
// path, so a large group is hashed by several goroutines.
func (g *group) commitments(b *candor.WriteBatch, _ uint64) (write, _ []candor.Commitment) {
	write = make([]candor.Commitment, len(b.Events))
	hash := func(lo, hi int) {
		var buf []byte
		for i := lo; i < hi; i++ {
			e := b.Events[i]
			buf = candor.AppendEventAudit(buf[:0], e, e.Matches)
			write[i] = candor.NewCommitment(candor.AuditWrite, &g.salts[i], buf)
		}
	}
	const perWorker = 2048
	workers := min(runtime.GOMAXPROCS(0), (len(b.Events)+perWorker-1)/perWorker)
	if workers <= 1 {
		hash(0, len(b.Events))
		return write, nil
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { hash(w*len(b.Events)/workers, (w+1)*len(b.Events)/workers) })
	}
	wg.Wait()
	return write, nil
}

// Refused marks g failed at once: what it staged exists nowhere.
func (w *writer) Refused(g *group) { g.failed.Store(true) }

// Committed reports a group (OnCommit) and answers its requests.
func (w *writer) Committed(g *group, commitNo uint64, err error) {
	g.commitNo, g.err = commitNo, err
	g.failed.Store(err != nil)
	switch {
	case errors.Is(err, candor.ErrStaleMatches):
		w.p.opts.Logger.Info("ingest: a scorecard version was approved; a group's requests are matched again and retried", "requests", len(g.reqs))
	case errors.Is(err, groupcommit.ErrRefusedBefore):
		w.p.opts.Logger.Info("ingest: a group built on one the store refused; its requests are retried", "requests", len(g.reqs))
	case candor.ErrorCode(err) == candor.ECONFLICT:
		w.p.shared.Store(true)
		w.p.opts.Logger.Info("ingest: another node stored some of a group's subjects or events first; its requests are retried", "requests", len(g.reqs), "err", err)
	case err != nil:
		w.p.opts.Logger.Error("ingest: a group commit failed; its requests are refused", "requests", len(g.reqs), "err", err)
	}
	if w.p.opts.OnCommit != nil {
		bytes := 0
		for _, e := range g.batch.Events {
			bytes += len(e.Sealed)
		}
		w.p.opts.OnCommit(CommitStats{Requests: len(g.reqs), Events: len(g.batch.Events), Duplicates: g.dups,
			Subjects: len(g.batch.Subjects), Bytes: bytes, Duration: time.Since(g.start), Commit: g.commitNo, Err: g.err})
	}
	for i, r := range g.reqs {
		switch {
		case errors.Is(err, candor.ErrStaleMatches) && r.matching.gen > g.batch.Generation:
			r.reply <- reply{err: errGroupStale} // matched at a newer generation than others of the group
			continue
		case errors.Is(err, candor.ErrStaleMatches):
			r.reply <- reply{err: errStale}
			continue
		case candor.ErrorCode(err) == candor.ECONFLICT:
			r.reply <- reply{err: errRaced}
			continue
		case err != nil:
			r.reply <- reply{err: candor.Errorf(candor.EUNAVAILABLE, "the store failed to commit; nothing from this request was stored")}
			continue
		}
		res := g.results[i]
		res.Commit = g.commitNo
		r.reply <- reply{res: res}
	}
}

// staged is what one request adds, merged into its group only if the whole
// request passes.
type staged struct {
	subjects []candor.SubjectRecord
	keys     []candor.WrappedKey
	indexes  []candor.IndexEntry
	newS     map[candor.BlindIndex]resolved
	events   []*candor.EventRecord
	salts    []candor.Salt
	newD     []candor.DedupeKey
	dups     int
	deps     []*group // groups in flight whose staged subjects or events it used
}

// dependOn notes that the request uses what g staged.
func (st *staged) dependOn(g *group) {
	if n := len(st.deps); n == 0 || st.deps[n-1] != g {
		st.deps = append(st.deps, g)
	}
}

// Add resolves, dedupes and seals one request into g, or answers it with
// the problems that stop it.
func (w *writer) Add(g *group, req *request) {
	if w.failed != nil {
		req.reply <- reply{err: candor.Errorf(candor.EUNAVAILABLE, "the store failed earlier; restart Candor")}
		return
	}
	st, problems, err := w.stage(req)
	if err != nil {
		req.reply <- reply{err: err}
		return
	}
	if len(problems) > 0 {
		req.reply <- reply{err: invalid(problems)}
		return
	}
	for bi, ref := range st.newS {
		w.pendingS[bi] = pendingSubject{ref, g}
		g.newS = append(g.newS, bi)
		w.p.indexFilter.add(bi[:])
	}
	for i, k := range st.newD {
		w.pendingD[k] = pendingEvent{st.events[i].Digest, g}
		w.p.dedupeFilter.add(k[:])
	}
	g.newD = append(g.newD, st.newD...)
	g.deps = append(g.deps, st.deps...)
	g.batch.Subjects = append(g.batch.Subjects, st.subjects...)
	g.keys = append(g.keys, st.keys...)
	g.batch.Indexes = append(g.batch.Indexes, st.indexes...)
	g.batch.Events = append(g.batch.Events, st.events...)
	g.salts = append(g.salts, st.salts...)
	// A group is committed at the oldest generation its requests were
	// matched at: if that is stale, all of them are matched again.
	if len(g.reqs) == 0 || req.matching.gen < g.batch.Generation {
		g.batch.Generation = req.matching.gen
	}
	g.reqs = append(g.reqs, req)
	g.results = append(g.results, candor.IngestResult{Accepted: len(st.events), Duplicates: st.dups})
	g.events += len(req.events)
	g.dups += st.dups
}

func (w *writer) stage(req *request) (*staged, []candor.Problem, error) {
	st := &staged{}
	var problems []candor.Problem
	ctx := context.Background()
	for i := range req.events {
		pe := &req.events[i]
		if pe.dup {
			st.dups++
			continue
		}
		stored, found, err := w.lookupDedupe(ctx, st, pe.dedupe, req.lookUp)
		if err != nil {
			return nil, nil, err
		}
		if found {
			if stored != pe.digest {
				problems = append(problems, candor.Problem{Index: pe.index, Field: "id",
					Reason: fmt.Sprintf("id %q was stored before with different content; post a correction as an event of its own", truncateID(pe.ev.SourceEventID))})
			} else {
				st.dups++
			}
			continue
		}
		r, err := w.resolve(ctx, st, pe, req.lookUp)
		if err != nil {
			return nil, nil, err
		}
		if r.kind != pe.ev.Kind {
			problems = append(problems, candor.Problem{Index: pe.index, Field: "subject.kind",
				Reason: fmt.Sprintf("this %s identifies %s, not %s", pe.ev.Identifier.Scheme, r.kind.Noun(), pe.ev.Kind.Noun())})
			continue
		}
		if len(problems) > 0 {
			continue // the request fails anyway: skip the sealing
		}
		sealed, matches := pe.sealed, pe.sealedMatches
		if sealed == nil {
			sealed, matches = r.key.SealWithMatches(nil, pe.plaintext, pe.ev.OccurredAt, pe.matches)
		}
		st.events = append(st.events, &candor.EventRecord{
			Subject:    r.id(),
			OccurredAt: pe.ev.OccurredAt,
			State:      candor.StateActive,
			Dedupe:     pe.dedupe,
			Digest:     pe.digest,
			Sealed:     sealed,
			Matches:    matches,
		})
		st.salts = append(st.salts, *r.key.Salt())
		st.newD = append(st.newD, pe.dedupe)
	}
	return st, problems, nil
}

// lookupDedupe returns the digest of the event stored or pending under
// dedupe key k. lookUp asks the store whatever the filter says, and adds
// what it finds to the filter.
func (w *writer) lookupDedupe(ctx context.Context, st *staged, k candor.DedupeKey, lookUp bool) (candor.Digest, bool, error) {
	// The filter holds pending keys too, so a miss rules out both.
	if !lookUp && w.p.dedupeFilter.certainlyAbsent(k[:]) {
		return candor.Digest{}, false, nil
	}
	if pe, ok := w.pendingD[k]; ok && !pe.g.failed.Load() {
		st.dependOn(pe.g)
		return pe.d, true, nil
	}
	e, err := w.p.store.Dedupe(ctx, k)
	switch candor.ErrorCode(err) {
	case "":
		if lookUp {
			w.p.dedupeFilter.add(k[:])
		}
		return e.Digest, true, nil
	case candor.ENOTFOUND:
		return candor.Digest{}, false, nil
	}
	return candor.Digest{}, false, fmt.Errorf("ingest: dedupe lookup: %w", err)
}

// resolve finds the subject an event is about, creating it (staged with the
// request) if the identifier is new, and returns it with its data key.
// Subjects created by this request or by groups still committing are
// checked before the store, which does not have them yet.
func (w *writer) resolve(ctx context.Context, st *staged, pe *prepared, lookUp bool) (resolved, error) {
	if pe.isStored {
		return pe.stored, nil
	}
	if r, ok := st.newS[pe.bi]; ok {
		return r, nil
	}
	if ps, ok := w.pendingS[pe.bi]; ok && !ps.g.failed.Load() {
		st.dependOn(ps.g)
		return ps.r, nil
	}
	if pe.absent && !lookUp {
		// resolveStored just asked the store: only a group of this node
		// settled since (its subjects now cached) can have stored it. One
		// another node stores since makes the commit conflict, and the
		// request retry.
		if r, ok, _ := w.p.subjects.get(pe.bi); ok {
			return r, nil
		}
		return w.create(st, pe), nil
	}
	r, found, err := w.p.storedSubject(ctx, pe.bi, lookUp)
	if err != nil || found {
		return r, err
	}
	return w.create(st, pe), nil
}

func (w *writer) create(st *staged, pe *prepared) resolved {
	id := candor.NewSubjectID()
	key, wrapped := w.p.vault.NewSubjectKey(id)
	r := newResolved(key, pe.ev.Kind)
	if st.newS == nil {
		st.newS = map[candor.BlindIndex]resolved{}
	}
	st.newS[pe.bi] = r
	st.keys = append(st.keys, wrapped)
	st.subjects = append(st.subjects, candor.SubjectRecord{
		ID: id, Kind: pe.ev.Kind, CreatedAt: w.p.now().UTC(),
		Sealed: key.SealIdentifiers([]candor.Identifier{pe.ev.Identifier}),
	})
	st.indexes = append(st.indexes, candor.IndexEntry{Index: pe.bi, Subject: id})
	return r
}
