package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/vault"
)

// Options configure a Pipeline.
type Options struct {
	Catalogue *candor.Catalogue
	Vault     *vault.Vault
	Store     candor.EventStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxGroupEvents caps the events of one group commit (default 50,000).
	MaxGroupEvents int
	// CacheSubjects bounds the cache of subjects and their data keys, per
	// generation (two generations; 135 to 170 bytes a subject, measured by
	// BenchmarkSubjectCacheBytes). Sources post
	// month by month across their whole population, so the cache should hold
	// every active subject: a smaller one misses on nearly every event.
	CacheSubjects int
	// Matcher, if set, gives every event its matches with the active
	// scorecards, stored with it, so that scores can be read from them.
	// Generation is the store's match generation (candor.MatchFence) it
	// was built at. When the store refuses a group as matched at an older
	// generation, Matchers, if set, gives the matcher of the current one
	// and its generation, and the group's requests are matched again and
	// retried; without it they fail with EUNAVAILABLE.
	Matcher    Matcher
	Generation uint64
	Matchers   func(ctx context.Context) (Matcher, uint64, error)
	// OnCommit, if set, is called after every group commit, before its
	// requests are answered (for metrics: an answered client sees them).
	OnCommit func(CommitStats)
	// Links, if set, lets the pipeline take link facts (identity.linked,
	// identity.unlinked): without it, a request holding one is refused.
	Links *identity.Service
	// Logger receives start-up and failure messages; nil discards them.
	Logger *slog.Logger
	// Unaudited, for benchmarks only, commits events without their write
	// commitments. Without it (always, in service) every group commit
	// records the commitment of each event it stores, in the same atomic
	// commit (candor.WriteBatch.Commitments), for the transparency log.
	Unaudited bool
}

// Matcher computes an event's matches with the active scorecards
// (scoring.Matcher is one). It must be safe for concurrent use.
type Matcher interface {
	Match(ev *candor.ValidEvent, dst []candor.Match) []candor.Match
}

// DefaultCacheSubjects is the default Options.CacheSubjects: 1.5 million
// subjects, about 210 MB a generation when full, 420 MB in two.
const DefaultCacheSubjects = 1_500_000

// CommitStats describes one group commit.
type CommitStats struct {
	Requests   int
	Events     int // new events written
	Duplicates int
	Subjects   int // new subjects created
	Bytes      int // sealed event bytes written
	Duration   time.Duration
	Commit     uint64 // the store's commit sequence (0 if it failed)
	Err        error
}

// Pipeline validates, seals and commits events. Requests from many
// goroutines are gathered into group commits: one store batch and one sync
// for many requests, each request still applied whole or not at all.
type Pipeline struct {
	cat   *candor.Catalogue
	vault *vault.Vault
	store candor.EventStore
	now   func() time.Time
	opts  Options

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan *request
	done   chan struct{}

	// Filters of the stored dedupe keys and blind indexes, filled from the
	// store in the background at start and by the writer as it goes.
	dedupeFilter, indexFilter keyFilter
	stopScan                  context.CancelFunc
	scanDone                  chan struct{}
	// shared is set once the store refused a commit because another
	// writer (another node) stored a key first: from then on a miss of
	// the index filter, which only knows this node's subjects, is not
	// trusted, and resolveStored asks the store for every subject it
	// has not cached.
	shared atomic.Bool

	subjects subjectCache
	matchers *matcherState

	// The idempotency keys of erased facts (candor.ErasedRecord), refused
	// with EERASED; erasedErr, if they could not be read, fails every
	// request instead. erasures is the store's erasures version
	// (candor.Versioned) they and the subject cache are current with.
	erasedMu  sync.RWMutex
	erased    map[candor.DedupeKey]time.Time // until when each is kept
	erasedErr error
	versions  candor.Versioned // nil: the store keeps none
	erasures  atomic.Uint64
}

// New starts a pipeline. Close it to finish in-flight work.
func New(opts Options) *Pipeline {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxGroupEvents <= 0 {
		opts.MaxGroupEvents = 50_000
	}
	if opts.CacheSubjects <= 0 {
		opts.CacheSubjects = DefaultCacheSubjects
	}
	opts.CacheSubjects = min(opts.CacheSubjects, math.MaxUint32) // the cache numbers a generation's entries with uint32s
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{
		cat: opts.Catalogue, vault: opts.Vault, store: opts.Store, now: opts.Now, opts: opts,
		reqs:     make(chan *request, 64),
		done:     make(chan struct{}),
		scanDone: make(chan struct{}),
		subjects: subjectCache{c: newCache2[candor.BlindIndex, cachedSubject](opts.CacheSubjects)},
		matchers: newMatcherState(opts),
	}
	p.versions, _ = opts.Store.(candor.Versioned)
	p.catchUpErasures()
	ctx, cancel := context.WithCancel(context.Background())
	p.stopScan = cancel
	go p.fillFilters(ctx)
	startWriter(p)
	return p
}

// fillFilters adds every stored dedupe key and blind index to the filters,
// then lets the writer trust their misses. Keys the writer stages meanwhile
// are added by the writer, so nothing committed after the scan's snapshot is
// missed. Without a store that can list its keys the filters stay unused.
func (p *Pipeline) fillFilters(ctx context.Context) {
	defer close(p.scanDone)
	lister, ok := p.store.(candor.KeyLister)
	if !ok {
		return
	}
	start := time.Now()
	n := 0
	err := lister.ListKeys(ctx,
		func(k candor.DedupeKey) { p.dedupeFilter.add(k[:]); n++ },
		func(bi candor.BlindIndex) { p.indexFilter.add(bi[:]); n++ })
	if err != nil {
		if ctx.Err() == nil {
			p.opts.Logger.Error("ingest: listing stored keys failed; every lookup goes to the store", "err", err)
		}
		return
	}
	p.dedupeFilter.ready.Store(true)
	p.indexFilter.ready.Store(true)
	p.opts.Logger.Info("ingest: key filters ready", "keys", n, "bytes", p.dedupeFilter.bytes()+p.indexFilter.bytes(),
		"took", time.Since(start).Round(time.Millisecond))
}

// catchUpErasures makes the pipeline current with the erasures committed
// by any node sharing the store, when the store's erasures version
// (candor.Versioned) moved since it last looked: it forgets every cached
// subject (an erased subject's key must not outlive it in memory, and its
// identifiers must resolve to new subjects from now on) and rereads the
// erased facts it refuses. A request checked just before an erasure
// commits can still store under the erased subject or store an erased
// fact: sealed with a destroyed key, such events can never be read (audit
// verify reports them). When nothing changed it costs one atomic load.
func (p *Pipeline) catchUpErasures() {
	var v uint64
	if p.versions != nil {
		v = p.versions.RecordsVersion(candor.RecordErased, candor.SubjectID{})
	}
	if p.erasures.Load() == v+1 {
		return
	}
	p.erasedMu.Lock()
	defer p.erasedMu.Unlock()
	if p.erasures.Load() == v+1 {
		return
	}
	p.subjects.clear()
	p.loadErased()
	if p.erasedErr == nil { // else the next request tries again
		p.erasures.Store(v + 1)
	}
}

// loadErased reads the idempotency keys of erased facts whose retention
// has not ended, if the store keeps records.
func (p *Pipeline) loadErased() {
	p.erased, p.erasedErr = map[candor.DedupeKey]time.Time{}, nil
	rs, ok := p.store.(candor.RecordStore)
	if !ok {
		return
	}
	now := p.now()
	for r, err := range rs.AllRecords(context.Background(), candor.RecordErased) {
		if err != nil {
			p.opts.Logger.Error("ingest: reading the erased facts failed; every request is refused", "err", err)
			p.erasedErr = err
			return
		}
		k, until, err := candor.ParseErasedRecord(r)
		if err != nil {
			p.erasedErr = err
			return
		}
		if until.After(now) {
			p.erased[k] = until
		}
	}
}

// refuseErased returns an EERASED error with a problem for each event of
// req that is an erased fact, posted again. A request checked here just
// before an erasure of one of its facts commits can still store it.
func (p *Pipeline) refuseErased(req *request) error {
	p.catchUpErasures()
	p.erasedMu.RLock()
	defer p.erasedMu.RUnlock()
	if p.erasedErr != nil {
		return candor.Errorf(candor.EUNAVAILABLE, "ingestion cannot tell erased facts from new ones; nothing was stored")
	}
	if len(p.erased) == 0 {
		return nil
	}
	var problems []candor.Problem
	now := p.now()
	for i := range req.events {
		pe := &req.events[i]
		if until, ok := p.erased[pe.dedupe]; ok && until.After(now) {
			problems = append(problems, candor.Problem{Index: pe.index, Field: "id",
				Reason: fmt.Sprintf("id %q is a fact erased at its subject's request, and stays erased", truncateID(pe.ev.SourceEventID))})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &candor.Error{Code: candor.EERASED, Details: problems,
		Message: fmt.Sprintf("%d of the events were erased at their subject's request and are not taken again; nothing was stored", len(problems))}
}

// Posted implements candor.Ingester: one dedupe lookup for each ID.
func (p *Pipeline) Posted(ctx context.Context, src *candor.Source, ids []string) ([]candor.PostedEvent, error) {
	if len(ids) > candor.MaxReconcileIDs {
		return nil, candor.Errorf(candor.ETOOLARGE, "%d event IDs: ask about at most %d at a time", len(ids), candor.MaxReconcileIDs)
	}
	var problems []candor.Problem
	for i, id := range ids {
		if reason := candor.CheckSourceEventID(id); reason != "" {
			problems = append(problems, candor.Problem{Index: i, Field: "id", Reason: reason})
		}
	}
	if len(problems) > 0 {
		return nil, &candor.Error{Code: candor.EINVALID, Message: "some IDs are no event's", Details: problems}
	}
	p.catchUpErasures()
	out := make([]candor.PostedEvent, len(ids))
	now := p.now()
	for i, id := range ids {
		k := p.vault.DedupeKey(src.ID, id)
		_, err := p.store.Dedupe(ctx, k)
		switch candor.ErrorCode(err) {
		case "":
			out[i].Stored = true
		case candor.ENOTFOUND:
		default:
			return nil, err
		}
		p.erasedMu.RLock()
		until, erased := p.erased[k]
		p.erasedMu.RUnlock()
		out[i].ID, out[i].Erased = id, erased && until.After(now)
	}
	return out, nil
}

// Close stops accepting requests, waits until every accepted request is
// committed (or failed) and answered, and returns.
func (p *Pipeline) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.reqs)
	}
	p.mu.Unlock()
	<-p.done
	p.stopScan()
	<-p.scanDone
	return nil
}

// prepared is one validated event, ready for the writer.
type prepared struct {
	ev        candor.ValidEvent
	index     int
	bi        candor.BlindIndex
	dedupe    candor.DedupeKey
	digest    candor.Digest
	plaintext []byte
	matches   []candor.Match
	dup       bool     // repeats an earlier event of the same request
	stored    resolved // the stored subject it is about, if resolveStored found one (isStored)
	isStored  bool
	absent    bool // resolveStored asked the store, which had no subject for it
	// The sealed event and its matches, if resolveStored sealed them.
	sealed        []byte
	sealedMatches []*candor.MatchRecord
}

type request struct {
	source string
	events []prepared
	reply  chan reply
	// lookUp sends every lookup to the store, past the key filters,
	// whose misses another node sharing the store can have made wrong:
	// for a request retried after errRaced.
	lookUp bool
	// matching is what the events were matched with.
	matching *matching
}

// errRaced is a group commit's error when the store refused it because
// another writer sharing the store (another node) stored one of its new
// subjects or events first: nothing was stored, and the request is worth
// retrying with its lookups sent to the store.
var errRaced = candor.Errorf(candor.ECONFLICT, "another node stored some of these events or subjects at the same moment; nothing from this request was stored")

// maxRetries bounds the retries of a request after errRaced.
const maxRetries = 8

type reply struct {
	res candor.IngestResult
	err error
}

// Ingest stores the events src posted, all or none. decodeProblems are the
// problems the decoder found, reported together with validation problems.
//
// Errors: EFORBIDDEN naming every event type src may not post; EINVALID with
// a Problem for everything wrong, including an ID already stored (or given
// twice in the request) with different content; EERASED with a Problem
// for each event that is a fact erased at its subject's request (see
// candor.ErasedRecord), posted again; EUNAVAILABLE once the pipeline is
// closed or its store has failed. On any error nothing is stored.
func (p *Pipeline) Ingest(ctx context.Context, src *candor.Source, inputs []candor.EventInput, decodeProblems []candor.Problem) (candor.IngestResult, error) {
	if err := p.authorise(src, inputs); err != nil {
		return candor.IngestResult{}, err
	}
	req, problems := p.prepare(src, inputs, decodeProblems)
	if len(problems) > 0 {
		return candor.IngestResult{}, invalid(problems)
	}
	if err := p.refuseErased(req); err != nil {
		return candor.IngestResult{}, err
	}
	if req.hasLinks() {
		return p.ingestLinks(ctx, req)
	}
	for retry := 0; ; retry++ {
		if err := p.resolveStored(ctx, req); err != nil {
			return candor.IngestResult{}, err
		}
		res, err := p.submit(ctx, req)
		switch {
		case err == errGroupStale && retry < maxRetries:
			continue
		case err == errStale && retry < maxRetries:
			if err := p.rematch(ctx, req); err != nil {
				return candor.IngestResult{}, err
			}
			continue
		}
		if err != errRaced || retry == maxRetries {
			return res, err
		}
		req.lookUp = true
		// Groups in flight with the refused one fail with it: a short,
		// growing, jittered pause lets the contention pass.
		select {
		case <-time.After(time.Duration(retry+1) * time.Duration(1+rand.IntN(10)) * time.Millisecond):
		case <-ctx.Done():
			return candor.IngestResult{}, ctx.Err()
		}
	}
}

var _ candor.Ingester = (*Pipeline)(nil)

// Post implements candor.Ingester: it decodes body, one request in env
// (DecodeEnvelope) of at most MaxBodyBytes and MaxEvents events, and
// ingests its events as Ingest does.
func (p *Pipeline) Post(ctx context.Context, src *candor.Source, env candor.Envelope, body []byte) (candor.IngestResult, error) {
	if len(body) > MaxBodyBytes {
		return candor.IngestResult{}, candor.Errorf(candor.ETOOLARGE, "the body exceeds %d bytes", MaxBodyBytes)
	}
	inputs, problems, err := DecodeEnvelope(env, body, MaxEvents)
	if err != nil {
		return candor.IngestResult{}, err
	}
	return p.Ingest(ctx, src, inputs, problems)
}

// Check validates like Ingest but stores nothing: for whole-file checks
// before an import commits anything.
func (p *Pipeline) Check(src *candor.Source, inputs []candor.EventInput, decodeProblems []candor.Problem) error {
	if err := p.authorise(src, inputs); err != nil {
		return err
	}
	req, problems := p.prepare(src, inputs, decodeProblems)
	if len(problems) > 0 {
		return invalid(problems)
	}
	return p.refuseErased(req)
}

// authorise refuses types src may not post. Court-only categories are
// refused to any source that is not a court even when its list allows them
// (a source registered before the rule, or a catalogue changed since):
// restrictions exist only as facts a court posted (charter point 9). Link
// facts are refused to any source that is not a registry
// (identity.Registry), whatever its list.
func (p *Pipeline) authorise(src *candor.Source, inputs []candor.EventInput) error {
	var denied, courtOnly []string
	for i := range inputs {
		name := inputs[i].Type
		t := p.cat.Type(name)
		switch {
		case t == nil || slices.Contains(denied, name) || slices.Contains(courtOnly, name):
		case candor.LinkOpOf(name) != 0:
			if !identity.Registry(src.Kind) {
				return candor.Errorf(candor.EFORBIDDEN, "source %s is a %s: only a civil, company or tax registry may link or unlink identifiers (%s)", src.ID, src.Kind, name)
			}
		case t.Category.Policy().CourtOnly && src.Kind != candor.SourceCourt:
			courtOnly = append(courtOnly, name)
		case !src.Allows(name):
			denied = append(denied, name)
		}
	}
	if len(courtOnly) > 0 {
		sort.Strings(courtOnly)
		return candor.Errorf(candor.EFORBIDDEN, "source %s is a %s, not a court, and only courts may post %s (charter point 9)", src.ID, src.Kind, strings.Join(courtOnly, ", "))
	}
	if len(denied) == 0 {
		return nil
	}
	sort.Strings(denied)
	return candor.Errorf(candor.EFORBIDDEN, "source %s may not post event type %s", src.ID, strings.Join(denied, ", "))
}

func (p *Pipeline) prepare(src *candor.Source, inputs []candor.EventInput, problems []candor.Problem) (*request, []candor.Problem) {
	now := p.now()
	req := &request{source: src.ID, events: make([]prepared, 0, len(inputs)), matching: p.matchers.load()}
	seen := make(map[candor.DedupeKey]int, len(inputs))
	for i := range inputs {
		if inputs[i].Unreadable { // the decoder's problems say why
			continue
		}
		if cs := inputs[i].Source; cs != "" && !candor.NamesSource(cs, src.ID) {
			problems = append(problems, candor.Problem{Index: i, Field: "source", Reason: fmt.Sprintf(
				"the CloudEvents source %q does not name source %s, whose key posted it: use %q, or a URI ending in \"/%s\" or \":%s\"",
				truncateID(cs), src.ID, src.ID, src.ID, src.ID)})
			continue
		}
		ev, ps := p.cat.Validate(&inputs[i], i, now, problems)
		if len(ps) > len(problems) {
			problems = ps
			continue
		}
		p.vault.Pseudonymise(ev.Fields)
		pe := prepared{ev: ev, index: i}
		pe.bi = p.vault.BlindIndex(ev.Identifier)
		pe.dedupe = p.vault.DedupeKey(src.ID, ev.SourceEventID)
		var content int
		pe.plaintext, content = vault.EncodeEvent(nil, src.ID, now, &ev)
		pe.digest = p.vault.Digest(ev.Identifier, pe.plaintext[content:])
		if req.matching.m != nil {
			pe.matches = req.matching.m.Match(&ev, nil)
		}
		if j, ok := seen[pe.dedupe]; ok {
			if req.events[j].digest != pe.digest {
				problems = append(problems, candor.Problem{Index: i, Field: "id",
					Reason: fmt.Sprintf("id %q is given again in this request (event %d) with different content", truncateID(ev.SourceEventID), req.events[j].index)})
				continue
			}
			pe.dup = true
		} else {
			seen[pe.dedupe] = len(req.events)
		}
		req.events = append(req.events, pe)
	}
	return req, problems
}

func (p *Pipeline) submit(ctx context.Context, req *request) (candor.IngestResult, error) {
	req.reply = make(chan reply, 1)
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return candor.IngestResult{}, candor.Errorf(candor.EUNAVAILABLE, "ingestion is shutting down; retry against another instance or later")
	}
	select {
	case p.reqs <- req:
	case <-ctx.Done():
		p.mu.RUnlock()
		return candor.IngestResult{}, ctx.Err()
	}
	p.mu.RUnlock()
	// Once submitted, a request is committed or failed promptly; wait for it
	// so the caller never reports a write whose fate it does not know.
	r := <-req.reply
	return r.res, r.err
}

func invalid(problems []candor.Problem) error {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Index < problems[j].Index })
	n := map[int]bool{}
	for _, p := range problems {
		n[p.Index] = true
	}
	msg := fmt.Sprintf("%d events are invalid; nothing was stored", len(n))
	if len(n) == 1 {
		msg = "1 event is invalid; nothing was stored"
	}
	return &candor.Error{Code: candor.EINVALID, Message: msg, Details: problems}
}

func truncateID(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
