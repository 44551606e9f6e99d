package audit

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/groupcommit"
	"github.com/candor-project/candor/vault"
)

// AccessLog records access records (who read what about a subject, when
// and why) durably, each sealed with its subject's data key and committed
// with its access commitment, many to one store commit (group commit):
// readers arriving while a commit syncs share the next one.
//
// Contract for callers: a read MUST be served only after Record returns
// nil for its access record; on an error the read MUST be refused.
type AccessLog struct {
	store candor.Store
	vault *vault.Vault

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan *accessReq
	done   <-chan struct{}

	onCommit func(records int, err error)

	// commits and records count the group commits that succeeded and
	// the access records they stored (Stats).
	commits, records atomic.Uint64
}

type accessReq struct {
	recs  []*candor.AccessRecord
	cs    []candor.Commitment
	with  []*candor.Record // stored in the same commit
	reply chan error
	// one and oneC back recs and cs for a single access record (RecordWith),
	// so that a disclosure's request is one allocation, not three.
	one  [1]*candor.AccessRecord
	oneC [1]candor.Commitment
}

// maxAccessGroup bounds the access records of one commit.
const maxAccessGroup = 4096

// NewAccessLog returns an AccessLog over store, sealing with v's subject
// keys. onCommit, if not nil, is called after each group commit with its
// size (for metrics, and to Kick the Appender). Close stops it.
func NewAccessLog(store candor.Store, v *vault.Vault, onCommit func(records int, err error)) *AccessLog {
	l := &AccessLog{store: store, vault: v, onCommit: onCommit,
		reqs: make(chan *accessReq, maxAccessGroup)}
	l.done = groupcommit.Start(store, l.reqs, groupcommit.Handler[*accessReq, *accessGroup](groups{l}),
		groupcommit.Options{InFlight: inFlight})
	return l
}

var _ candor.AccessRecorder = (*AccessLog)(nil)

// Record seals each access record with its subject's data key and stores
// them and their commitments durably, in one atomic commit, and returns
// then (candor.AccessRecorder). Errors: ENOTFOUND if a subject does not
// exist, EINVALID for a record that cannot be encoded, EUNAVAILABLE after
// Close, or the store's error.
func (l *AccessLog) Record(ctx context.Context, as ...*candor.Access) error {
	req := &accessReq{recs: make([]*candor.AccessRecord, len(as)), cs: make([]candor.Commitment, len(as))}
	keys := map[candor.SubjectID]*vault.SubjectKey{}
	for i, a := range as {
		key, ok := keys[a.Subject]
		if !ok {
			var err error
			if key, err = l.vault.StoredKey(ctx, l.store, a.Subject); err != nil {
				return err
			}
			keys[a.Subject] = key
		}
		var err error
		if req.recs[i], req.cs[i], err = key.SealAccess(a); err != nil {
			return err
		}
	}
	return l.commit(ctx, req)
}

// RecordWith is Record of one access record about the subject whose data
// key is key, which a service disclosing something it creates has at
// hand, that also stores with, new records (see candor.WriteBatch.Records),
// in the same atomic commit: a decision, say, is then durable and
// access-recorded together, with one wait for the group's sync instead of
// two. with MUST be valid records (see candor.WriteBatch.Records): an
// invalid one fails the whole group commit it joins. Errors: those of
// Record, and EUNAVAILABLE if with could not be stored (then neither was
// a); ECONFLICT if another node sharing the store stored one of with's
// records first (then neither was stored, and new records may be tried).
func (l *AccessLog) RecordWith(ctx context.Context, key *vault.SubjectKey, a *candor.Access, with []*candor.Record) error {
	rec, c, err := key.SealAccess(a)
	if err != nil {
		return err
	}
	req := &accessReq{with: with, one: [1]*candor.AccessRecord{rec}, oneC: [1]candor.Commitment{c}}
	req.recs, req.cs = req.one[:], req.oneC[:]
	return l.commit(ctx, req)
}

// commit queues req for the next group commit and waits for its outcome.
func (l *AccessLog) commit(ctx context.Context, req *accessReq) error {
	req.reply = make(chan error, 1)
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return candor.Errorf(candor.EUNAVAILABLE, "the access log is closed")
	}
	select {
	case l.reqs <- req:
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	l.mu.RUnlock()
	// Once queued, the records are committed whatever happens to ctx: the
	// caller learns the outcome or gives up on the read.
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns how many group commits the log made so far and how many
// access records they stored: every commit costs a store commit and its
// sync, a log entry and the counters it bumps, whatever its size, so
// records per commit say how far those costs are shared.
func (l *AccessLog) Stats() (commits, records uint64) {
	return l.commits.Load(), l.records.Load()
}

// Close commits what is queued and stops the log.
func (l *AccessLog) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.reqs)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

// inFlight bounds the group commits gathered and not yet durable. One is
// best measured (bench ingest, reads): with more, the groups are smaller,
// and every group costs a store batch and a log entry of its own. Requests
// arriving while a group syncs make up the next group.
const inFlight = 1

// accessGroup is one group commit of access records.
type accessGroup struct{ reqs []*accessReq }

// groups is the access log's group-commit handler (see
// internal/groupcommit). Every group succeeds or fails on its own.
type groups struct{ l *AccessLog }

func (groups) NewGroup() *accessGroup                          { return &accessGroup{} }
func (groups) Add(g *accessGroup, r *accessReq)                { g.reqs = append(g.reqs, r) }
func (groups) Full(g *accessGroup) bool                        { return len(g.reqs) >= maxAccessGroup }
func (groups) Batch(g *accessGroup) *candor.WriteBatch         { return batchOf(g.reqs) }
func (groups) Refused(*accessGroup)                            {}
func (h groups) Committed(g *accessGroup, _ uint64, err error) { h.l.reply(g.reqs, err) }
func (groups) Settled(*accessGroup, error)                     {}

// batchOf is the store batch of a group: its access records and their
// commitments, and the records stored with them.
func batchOf(group []*accessReq) *candor.WriteBatch {
	var nRecs, nWith int
	for _, r := range group {
		nRecs, nWith = nRecs+len(r.recs), nWith+len(r.with)
	}
	recs := make([]*candor.AccessRecord, 0, nRecs)
	cs := make([]candor.Commitment, 0, nRecs)
	with := make([]*candor.Record, 0, nWith)
	for _, r := range group {
		recs, cs = append(recs, r.recs...), append(cs, r.cs...)
		with = append(with, r.with...)
	}
	return &candor.WriteBatch{Access: recs, Records: with,
		Commitments: func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) { return nil, cs }}
}

// reply answers a group's requests with the outcome of its commit. When
// the store refused the group with a conflict (a record stored with an
// access record was stored first by another node sharing the store), the
// requests that stored records get the conflict, which their caller may
// retry with new records; the others the refusal.
func (l *AccessLog) reply(group []*accessReq, err error) {
	refused := err
	if err != nil {
		refused = candor.Errorf(candor.EUNAVAILABLE, "the access record could not be stored; nothing was served")
	}
	records := 0
	for _, r := range group {
		if len(r.with) > 0 && candor.ErrorCode(err) == candor.ECONFLICT {
			r.reply <- candor.Errorf(candor.ECONFLICT, "what this access record was stored with was stored first by another node; nothing was stored")
		} else {
			r.reply <- refused
		}
		records += len(r.recs)
	}
	if err == nil {
		l.commits.Add(1)
		l.records.Add(uint64(records))
	}
	if l.onCommit != nil {
		l.onCommit(records, err)
	}
}
