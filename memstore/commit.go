package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
)

// Commit applies b atomically, under the store's write lock: everything
// in it is visible to reads, and durable (for as long as the data lives),
// when it returns, or nothing is. It assigns event IDs in order from 1,
// writing them into b.Events (and into the matches stored with them, which
// take their event's subject, time and state), numbers the access records
// per subject from 1, and returns the commit sequence, which grows by one
// per successful commit.
//
// Errors: the context's, checked once before anything is done;
// EUNAVAILABLE on a closed handle; EINVALID for a nil event, match, access
// record or record, a zero subject ID, an occurrence time outside 1678–2262,
// an unknown record kind or a bad record ID, a state change to a state that
// is not stored, or an erasure of the zero subject; ECONFLICT for a subject,
// blind index, dedupe key or record already stored or twice in the batch,
// for a change or deletion of an event that is gone or not as Seen, and for
// an erasure whose counts are not those stored. A failed commit stores
// nothing and assigns nothing.
//
// Changes, deletions and erasures are checked against what was stored
// before the batch; the batch is then applied in pebble's order: subjects
// and indexes, changes, deletions, erasures, unindexing, then events,
// matches, access records, records and the audit entry. b.Commitments is
// called before anything is applied, under the write lock: it must not
// call the store (as the contract says, it should only hash).
func (s *Store) Commit(ctx context.Context, b *candor.WriteBatch) (uint64, error) {
	wait, err := s.CommitAsync(ctx, b)
	if err != nil {
		return 0, err
	}
	return wait()
}

// CommitAsync implements candor.PipelinedCommitter. It commits b as Commit
// does, before it returns, and returns a wait that returns the commit's
// sequence (any number of times): there is no sync to overlap.
func (s *Store) CommitAsync(ctx context.Context, b *candor.WriteBatch) (wait func() (uint64, error), err error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := checkBatch(b); err != nil {
		return nil, err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(b.Events) > 0 && b.Generation != d.fence {
		return nil, candor.ErrStaleMatches
	}
	if f := b.Fence; f != nil {
		cur, ok := d.leases[f.Name]
		if err := candor.CheckFence(f, cur, ok, time.Now()); err != nil {
			return nil, err
		}
	}
	if err := d.checkNew(b); err != nil {
		return nil, err
	}
	if err := d.checkChanges(b); err != nil {
		return nil, err
	}
	seq := d.assign(b)
	entry := auditEntry(b, seq)
	d.applyChanges(b)
	d.applyAdditions(b, seq, entry)
	return func() (uint64, error) { return seq, nil }, nil
}

// checkBatch rejects what cannot be stored, before the lock is taken.
func checkBatch(b *candor.WriteBatch) error {
	for i := range b.Subjects {
		if b.Subjects[i].ID.IsZero() {
			return candor.Errorf(candor.EINVALID, "subject %d: zero ID", i)
		}
	}
	for i := range b.Indexes {
		if b.Indexes[i].Subject.IsZero() {
			return candor.Errorf(candor.EINVALID, "index %d: zero subject ID", i)
		}
	}
	for i, e := range b.Events {
		switch {
		case e == nil:
			return candor.Errorf(candor.EINVALID, "event %d: nil", i)
		case e.Subject.IsZero():
			return candor.Errorf(candor.EINVALID, "event %d: zero subject ID", i)
		case !inRange(e.OccurredAt):
			return candor.Errorf(candor.EINVALID, "event %d: occurred_at %s is outside the years 1678 to 2262", i, e.OccurredAt.Format("2006-01-02"))
		}
		for j, m := range e.Matches {
			if m == nil {
				return candor.Errorf(candor.EINVALID, "event %d, match %d: nil", i, j)
			}
		}
		if err := matchlist.Check(e.Matches); err != nil {
			return candor.Errorf(candor.EINVALID, "event %d: %v", i, err)
		}
	}
	for i, m := range b.Matches {
		if err := checkMatch(i, m); err != nil {
			return err
		}
	}
	for i, a := range b.Access {
		if a == nil || a.Subject.IsZero() {
			return candor.Errorf(candor.EINVALID, "access record %d: a subject is required", i)
		}
	}
	for i, r := range b.Records {
		if r == nil {
			return candor.Errorf(candor.EINVALID, "record %d: nil", i)
		}
		if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
	}
	for _, c := range b.Changes {
		switch c.State {
		case candor.StateActive, candor.StateDisputed, candor.StateCorrected, candor.StateRemoved:
		default:
			return candor.Errorf(candor.EINVALID, "event %d: a stored state must be active, disputed, corrected or removed, not %v", c.Event.ID, c.State)
		}
	}
	for i, er := range b.Erase {
		if er.Subject.IsZero() {
			return candor.Errorf(candor.EINVALID, "erasure %d: zero subject ID", i)
		}
	}
	return nil
}

// checkMatch rejects a match stored on its own that cannot be stored.
func checkMatch(i int, m *candor.MatchRecord) error {
	switch {
	case m == nil:
		return candor.Errorf(candor.EINVALID, "match %d: nil", i)
	case m.Subject.IsZero() || m.Event == 0:
		return candor.Errorf(candor.EINVALID, "match %d: a subject and an event are required", i)
	case m.Shared:
		return candor.Errorf(candor.EINVALID, "match %d: a match stored on its own is sealed on its own, not Shared", i)
	case !inRange(m.OccurredAt):
		return candor.Errorf(candor.EINVALID, "match %d: occurred_at %s is outside the years 1678 to 2262", i, m.OccurredAt.Format("2006-01-02"))
	}
	return nil
}

// checkNew returns ECONFLICT for a subject, blind index, dedupe key or
// record of b that is already stored, or in b twice.
func (d *data) checkNew(b *candor.WriteBatch) error {
	subjects := make(map[candor.SubjectID]bool, len(b.Subjects))
	for i := range b.Subjects {
		id := b.Subjects[i].ID
		if d.subjects[id] != nil || subjects[id] {
			return candor.Errorf(candor.ECONFLICT, "subject %s: already stored", id)
		}
		subjects[id] = true
	}
	indexes := make(map[candor.BlindIndex]bool, len(b.Indexes))
	for _, x := range b.Indexes {
		if _, ok := d.indexes[x.Index]; ok || indexes[x.Index] {
			return candor.Errorf(candor.ECONFLICT, "a blind index of subject %s: already stored", x.Subject)
		}
		indexes[x.Index] = true
	}
	dedupe := make(map[candor.DedupeKey]bool, len(b.Events))
	for i, e := range b.Events {
		if _, ok := d.dedupe[e.Dedupe]; ok || dedupe[e.Dedupe] {
			return candor.Errorf(candor.ECONFLICT, "event %d: its idempotency key is already stored", i)
		}
		dedupe[e.Dedupe] = true
	}
	type recordKey struct {
		kind candor.RecordKind
		id   string
	}
	records := make(map[recordKey]bool, len(b.Records))
	for _, r := range b.Records {
		k := recordKey{r.Kind, r.ID}
		if d.records[r.Kind][r.ID] != nil || records[k] {
			return candor.Errorf(candor.ECONFLICT, "record %s: already stored", r.ID)
		}
		records[k] = true
	}
	return nil
}

// checkChanges returns ECONFLICT unless every event b changes or deletes
// is stored as its caller saw it, and every subject b erases has the
// events and access records its caller counted.
func (d *data) checkChanges(b *candor.WriteBatch) error {
	seen := func(ref candor.EventRef, want candor.Seen) error {
		h, _, e := d.event(ref)
		if e == nil {
			return candor.Errorf(candor.ECONFLICT, "event %d is no longer stored", ref.ID)
		}
		if n := len(h.eventMatches(place{e.OccurredAt, e.ID})); e.State != want.State || n != want.Matches {
			return candor.Errorf(candor.ECONFLICT, "event %d changed since it was read (%v with %d matches, not %v with %d)",
				ref.ID, e.State, n, want.State, want.Matches)
		}
		return nil
	}
	for _, c := range b.Changes {
		if err := seen(c.Event, c.Seen); err != nil {
			return err
		}
	}
	for _, del := range b.Deletes {
		if err := seen(del.Event, del.Seen); err != nil {
			return err
		}
	}
	for _, er := range b.Erase {
		var events, access int
		if h := d.held[er.Subject]; h != nil {
			events, access = len(h.events), len(h.access)
		}
		if events != er.Events || access != er.Access {
			return candor.Errorf(candor.ECONFLICT, "erasing subject %s: the subject has %d events and %d access records, not the %d and %d read",
				er.Subject, events, access, er.Events, er.Access)
		}
	}
	return nil
}

// assign gives b's events their IDs and the matches stored with them
// their event's placement, its matches stored on their own their Alone,
// and its access records their numbers, and returns the commit's
// sequence. Nothing can fail after it.
func (d *data) assign(b *candor.WriteBatch) uint64 {
	seq := d.lastCommit + 1
	for i, e := range b.Events {
		e.ID = d.lastEvent + 1 + candor.EventID(i)
		for _, m := range e.Matches {
			m.Subject, m.OccurredAt, m.State, m.Event, m.Alone = e.Subject, e.OccurredAt, e.State, e.ID, false
		}
	}
	for _, m := range b.Matches {
		m.Alone = true
	}
	last := map[candor.SubjectID]uint64{}
	for i, a := range b.Access {
		n, ok := last[a.Subject]
		if !ok {
			n = d.held[a.Subject].lastAccess()
		}
		last[a.Subject] = n + 1
		a.N, a.Commit, a.Pos = n+1, seq, uint32(i)
	}
	return seq
}

// applyChanges applies b's subjects, indexes, changes, deletions,
// erasures and unindexing, already checked.
func (d *data) applyChanges(b *candor.WriteBatch) {
	for i := range b.Subjects {
		r := &b.Subjects[i]
		d.subjects[r.ID] = copySubject(r)
		d.bump(r.ID, 0)
	}
	for _, x := range b.Indexes {
		d.indexes[x.Index] = x.Subject
		d.bump(x.Subject, 0)
	}
	for _, c := range b.Changes {
		h, i, _ := d.event(c.Event)
		h.setState(i, c.State)
		d.bump(c.Event.Subject, 0)
	}
	for _, del := range b.Deletes {
		h, i, e := d.event(del.Event)
		if e == nil {
			continue // deleted twice in b
		}
		delete(d.dedupe, e.Dedupe)
		h.deleteEvent(i)
		d.forgetIfEmpty(e.Subject)
		d.bump(e.Subject, 0)
	}
	for _, er := range b.Erase {
		d.erase(er.Subject)
	}
	for _, bi := range b.Unindex {
		if sub, ok := d.indexes[bi]; ok {
			delete(d.indexes, bi)
			d.bump(sub, 0)
		}
	}
}

// erase removes everything stored about sub but its blind indexes: its
// subject record, events with their dedupe entries, matches, access
// records and records.
func (d *data) erase(sub candor.SubjectID) {
	delete(d.subjects, sub)
	if h := d.held[sub]; h != nil {
		for _, e := range h.events {
			delete(d.dedupe, e.Dedupe)
		}
		delete(d.held, sub)
	}
	d.bump(sub, 0)
	for kind := candor.RecordKind(1); kind.Valid(); kind++ {
		owner := recordOwner{kind, sub}
		for id := range d.bySubject[owner] {
			delete(d.records[kind], id)
		}
		delete(d.bySubject, owner)
		d.bump(sub, kind)
	}
	d.bump(candor.SubjectID{}, candor.RecordErased) // candor.Versioned: every erasure
}

// auditEntry returns what commit seq of b records for the log: what
// b.Commitments returns, then the RetireCommitment of b.Retire, if any; nil
// when there is nothing.
func auditEntry(b *candor.WriteBatch, seq uint64) *candor.AuditEntry {
	var write, access []candor.Commitment
	if b.Commitments != nil {
		write, access = b.Commitments(b, seq)
	}
	if len(b.Retire) > 0 {
		write = append(write, candor.RetireCommitment(b.Retire))
	}
	if len(write) == 0 && len(access) == 0 {
		return nil
	}
	e := &candor.AuditEntry{Seq: seq, Write: write, Access: access}
	if len(b.Retire) > 0 {
		e.Retired = b.Retire
	}
	return copyEntry(e)
}

// applyAdditions stores b's events with their dedupe entries and matches,
// its matches stored on their own, access records and records, and the
// audit entry of commit seq (if any), and advances the counters.
func (d *data) applyAdditions(b *candor.WriteBatch, seq uint64, entry *candor.AuditEntry) {
	for _, e := range b.Events {
		h := d.heldFor(e.Subject)
		h.insertEvent(e)
		d.dedupe[e.Dedupe] = candor.DedupeEntry{Digest: e.Digest, Subject: e.Subject, Event: e.ID}
		for _, m := range e.Matches {
			h.putMatch(m)
		}
		d.bump(e.Subject, 0)
	}
	for _, m := range b.Matches {
		d.heldFor(m.Subject).putMatch(m)
		d.bump(m.Subject, 0)
	}
	for _, a := range b.Access {
		h := d.heldFor(a.Subject)
		h.access = append(h.access, copyAccess(a))
	}
	for _, r := range b.Records {
		d.putRecord(r)
	}
	if entry != nil {
		d.audit = append(d.audit, entry)
	}
	d.lastEvent += candor.EventID(len(b.Events))
	d.lastCommit = seq
}

// MatchGeneration implements candor.MatchFence.
func (s *Store) MatchGeneration(ctx context.Context) (uint64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	return s.d.fence, nil
}

// AdvanceMatchGeneration implements candor.MatchFence, under the lock
// commits take.
func (s *Store) AdvanceMatchGeneration(ctx context.Context) (uint64, candor.EventID, error) {
	if err := s.check(ctx); err != nil {
		return 0, 0, err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fence++
	return d.fence, d.lastEvent, nil
}
