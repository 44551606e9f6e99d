package pebble

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
	"github.com/cockroachdb/pebble/v2"
)

var _ candor.PipelinedCommitter = (*Store)(nil)

// Commit applies b atomically and durably: one Pebble batch holding the
// subjects, indexes, events with their matches, one dedupe entry per event,
// the standalone matches, the access records, the records, the audit entry the batch's
// Commitments function returns and the updated counters, committed with a
// WAL sync. It assigns event IDs in order from 1
// and writes them into b.Events; the returned commit sequence grows by one
// per successful commit (a failed commit may leave a gap).
//
// Commit does not check that the batch's subjects, indexes and dedupe keys
// are new; callers resolve those first, as candor.EventStore requires. It
// returns EINVALID for a nil event, an event without a subject, or an
// occurrence time outside 1677–2262 (times are stored as Unix nanoseconds).
//
// Concurrent commits are serialised only while IDs are assigned and the
// batch enters Pebble's commit pipeline; they wait for the WAL sync in
// parallel, so Pebble can sync them together.
func (s *Store) Commit(ctx context.Context, wb *candor.WriteBatch) (uint64, error) {
	wait, err := s.CommitAsync(ctx, wb)
	if err != nil {
		return 0, err
	}
	return wait()
}

// CommitAsync implements candor.PipelinedCommitter: it does what Commit
// does up to the WAL sync (the batch is then applied, visible to reads and
// has its event IDs) and returns a function that waits for the sync and
// returns the commit sequence. Batches become durable in the order they
// were entered, whatever order their waits are called in. The wait must be
// called (more calls return the same result): until it is, Close blocks.
func (s *Store) CommitAsync(ctx context.Context, wb *candor.WriteBatch) (wait func() (uint64, error), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	nanos, err := checkBatch(wb)
	if err != nil {
		return nil, err
	}
	if !s.gate.enter() {
		return nil, errClosed()
	}
	b := s.db.NewBatchWithSize(batchSize(wb))
	for _, m := range wb.Matches {
		m.Alone = true
	}
	// The batch is written in key order: Pebble inserts a batch into the
	// memtable's skiplist with a cached splice, so ascending keys are
	// cheaper to insert than random ones. Subjects and indexes do not
	// depend on the event IDs, and neither does the order of the events
	// (the IDs ascend with the index), so all of that is done before
	// taking the lock.
	putSubjects(b, wb)
	w := ordered{wb: wb, nanos: nanos, matches: eventMatches(wb.Events)}
	w.evOrder, w.ddOrder = keyOrder(wb.Events, nanos)
	c, err := s.enter(b, &w)
	if err != nil {
		b.Close()
		s.gate.leave()
		return nil, err
	}
	return s.syncWait(b, c.lastCommit), nil
}

// ordered is a batch being committed, with its events' occurrence times
// in Unix nanoseconds, the key order of its events and dedupe entries and
// the matches stored with its events.
type ordered struct {
	wb               *candor.WriteBatch
	nanos            []int64
	evOrder, ddOrder []int32
	matches          []eventMatch
}

// putSubjects writes the batch's subjects and indexes into b, in key
// order. (Ties, which the caller should not send, keep their batch order,
// so that the last one wins as it would in an unsorted batch.)
func putSubjects(b *pebble.Batch, wb *candor.WriteBatch) {
	order := make([]int32, len(wb.Subjects)+len(wb.Indexes))
	subOrder, idxOrder := order[:len(wb.Subjects)], order[len(wb.Subjects):]
	sortBy(subOrder, func(i int) uint64 { return binary.BigEndian.Uint64(wb.Subjects[i].ID[:8]) },
		func(a, b int32) int {
			return cmp.Or(bytes.Compare(wb.Subjects[a].ID[:], wb.Subjects[b].ID[:]), cmp.Compare(a, b))
		})
	sortBy(idxOrder, func(i int) uint64 { return binary.BigEndian.Uint64(wb.Indexes[i].Index[:8]) },
		func(a, b int32) int {
			return cmp.Or(bytes.Compare(wb.Indexes[a].Index[:], wb.Indexes[b].Index[:]), cmp.Compare(a, b))
		})
	for _, i := range subOrder {
		r := &wb.Subjects[i]
		op := b.SetDeferred(subjectKeyLen, subjectValueLen(r))
		subjectKey(op.Key[:0], r.ID)
		putSubject(op.Value, r)
		op.Finish()
	}
	for _, i := range idxOrder {
		x := &wb.Indexes[i]
		op := b.SetDeferred(indexKeyLen, len(x.Subject))
		indexKey(op.Key[:0], x.Index)
		copy(op.Value, x.Subject[:])
		op.Finish()
	}
}

// enter does, under the store's lock, what depends on the batches
// committed before: it applies the batch's changes, assigns IDs, access
// numbers and the commit sequence, writes the rest of the batch with its
// audit entry and counters, and enters b into Pebble's commit pipeline.
// The lock is held until then, so that batches enter the pipeline (and
// the WAL) in the order their IDs were assigned and the counters stored by
// a later batch are never lower. The WAL sync is waited for outside it.
func (s *Store) enter(b *pebble.Batch, w *ordered) (counters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(w.wb.Events) > 0 && w.wb.Generation != s.fence {
		return counters{}, candor.ErrStaleMatches
	}
	if f := w.wb.Fence; f != nil { // leases are this process's (lease.go)
		s.leaseMu.Lock()
		cur, ok := s.leases.held[f.Name]
		s.leaseMu.Unlock()
		if err := candor.CheckFence(f, cur, ok, time.Now()); err != nil {
			return counters{}, err
		}
	}
	// Changes and removals read what they change, under the lock, so that
	// no other commit comes between their check and their application.
	if err := s.applyChanges(b, w.wb); err != nil {
		return counters{}, err
	}
	c := s.counters
	if err := s.assign(&c, w); err != nil {
		return counters{}, fmt.Errorf("pebble: commit: %w", err)
	}
	var write, access []candor.Commitment
	if w.wb.Commitments != nil {
		write, access = w.wb.Commitments(w.wb, c.lastCommit)
	}
	if len(w.wb.Retire) > 0 {
		write = append(write, candor.RetireCommitment(w.wb.Retire))
	}
	// Tables in key order (see keyOrder): the counters (0x00), the events
	// and what goes with them (0x03–0x0a), the audit entry (0x0b), the
	// access records (0x0c).
	op := b.SetDeferred(len(keyCounters), c.len())
	copy(op.Key, keyCounters)
	c.put(op.Value)
	op.Finish()
	putEvents(b, w)
	if len(write) > 0 || len(access) > 0 {
		putAuditEntry(b, c.lastCommit, write, access, w.wb.Retire)
	}
	putAccessRecords(b, w.wb.Access)
	if err := s.db.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		unassign(w)
		return counters{}, fmt.Errorf("pebble: commit: %w", err)
	}
	s.counters = c
	s.keepAccessN(w.wb)
	s.touched(w.wb) // the batch is visible to reads
	for _, r := range w.wb.Records {
		if r.Kind == candor.RecordRelyingParty {
			s.parties.invalidate(recordKey(r.Kind, r.ID))
		}
	}
	return c, nil
}

// assign advances c past the batch and gives its events their IDs, the
// matches stored with them their events' IDs and its access records their
// numbers, before anything is written, so that the batch's commitments can
// cover them. Access records are numbered per subject, so that a number
// says nothing about how many reads of others the store has served.
func (s *Store) assign(c *counters, w *ordered) error {
	wb := w.wb
	first := c.lastEvent + 1
	c.lastEvent += candor.EventID(len(wb.Events))
	c.lastCommit++
	for i, e := range wb.Events {
		e.ID = first + candor.EventID(i)
	}
	for _, m := range w.matches {
		m.r.Event = first + candor.EventID(m.event)
	}
	var lastN map[candor.SubjectID]uint64
	for i, a := range wb.Access {
		if lastN == nil {
			lastN = make(map[candor.SubjectID]uint64, len(wb.Access))
		}
		n, ok := lastN[a.Subject]
		if !ok {
			if n, ok = s.accessN[a.Subject]; !ok {
				var err error
				if n, err = s.lastAccessN(a.Subject); err != nil {
					return err
				}
			}
		}
		lastN[a.Subject] = n + 1
		c.lastAccess++
		a.N, a.Commit, a.Pos = n+1, c.lastCommit, uint32(i)
	}
	return nil
}

// maxAccessN bounds Store.accessN; past it, the cache starts afresh.
const maxAccessN = 1 << 16

// keepAccessN keeps the access numbers of applied batch wb, under s.mu:
// the last of each subject's access records, and none of an erased
// subject's (its records are gone; the store is read again).
func (s *Store) keepAccessN(wb *candor.WriteBatch) {
	if len(wb.Erase) > 0 || s.accessN == nil || len(s.accessN) >= maxAccessN {
		s.accessN = make(map[candor.SubjectID]uint64)
		if len(wb.Erase) > 0 {
			return
		}
	}
	for _, a := range wb.Access {
		s.accessN[a.Subject] = max(s.accessN[a.Subject], a.N)
	}
}

// unassign takes back what assign gave a batch that was not applied.
func unassign(w *ordered) {
	for _, m := range w.matches {
		m.r.Event = 0
	}
	for _, e := range w.wb.Events {
		e.ID = 0
	}
	for _, a := range w.wb.Access {
		a.N, a.Commit, a.Pos = 0, 0, 0
	}
}

// putEvents writes what depends on the assigned IDs into b: the dedupe
// entries and events in key order, the matches, and the records and their
// subject index entries in key order.
func putEvents(b *pebble.Batch, w *ordered) {
	wb := w.wb
	for _, i := range w.ddOrder {
		e := wb.Events[i]
		op := b.SetDeferred(dedupeKeyLen, dedupeValueLen)
		dedupeKey(op.Key[:0], e.Dedupe)
		putDedupe(op.Value, e, w.nanos[i])
		op.Finish()
	}
	for _, i := range w.evOrder {
		e := wb.Events[i]
		op := b.SetDeferred(eventKeyLen, eventValueLen(e))
		eventKey(op.Key[:0], e.Subject, w.nanos[i], e.ID)
		putEvent(op.Value, e)
		op.Finish()
	}
	for i, m := range wb.Matches {
		putMatch(b, m, w.nanos[len(wb.Events)+i])
	}
	putRecords(b, wb.Records)
}

// putRecords writes records and their subject index entries into b, each
// table in key order (ties, which the caller should not send, in batch
// order, so that the last one wins), built in place: no key or value is
// made and copied again (a decision's record is the largest value of its
// commit).
func putRecords(b *pebble.Batch, recs []*candor.Record) {
	if len(recs) == 0 {
		return
	}
	order := make([]int32, len(recs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int {
		return cmp.Or(cmp.Compare(recs[x].Kind, recs[y].Kind), strings.Compare(recs[x].ID, recs[y].ID))
	})
	for _, i := range order {
		r := recs[i]
		op := b.SetDeferred(2+len(r.ID), len(r.Subject)+len(r.Data))
		op.Key[0], op.Key[1] = tableRecord, byte(r.Kind)
		copy(op.Key[2:], r.ID)
		copy(op.Value, r.Subject[:])
		copy(op.Value[len(r.Subject):], r.Data)
		op.Finish()
	}
	slices.SortStableFunc(order, func(x, y int32) int {
		return cmp.Or(cmp.Compare(recs[x].Kind, recs[y].Kind), bytes.Compare(recs[x].Subject[:], recs[y].Subject[:]),
			strings.Compare(recs[x].ID, recs[y].ID))
	})
	for _, i := range order {
		r := recs[i]
		op := b.SetDeferred(2+len(r.Subject)+len(r.ID), 0)
		op.Key[0], op.Key[1] = tableRecordIndex, byte(r.Kind)
		copy(op.Key[2:], r.Subject[:])
		copy(op.Key[2+len(r.Subject):], r.ID)
		op.Finish()
	}
}

// putAccessRecords writes access records, numbered, into b in key order
// (subject, then number).
func putAccessRecords(b *pebble.Batch, as []*candor.AccessRecord) {
	if len(as) < 2 {
		for _, a := range as {
			putAccess(b, a)
		}
		return
	}
	sorted := slices.Clone(as)
	slices.SortFunc(sorted, func(x, y *candor.AccessRecord) int {
		return cmp.Or(bytes.Compare(x.Subject[:], y.Subject[:]), cmp.Compare(x.N, y.N))
	})
	for _, a := range sorted {
		putAccess(b, a)
	}
}

// syncWait returns the wait of an applied batch: it waits for the WAL sync
// once (later calls return the same result), marks every commit up to
// commit durable, and lets the store close.
func (s *Store) syncWait(b *pebble.Batch, commit uint64) func() (uint64, error) {
	var (
		once    sync.Once
		syncErr error
	)
	return func() (uint64, error) {
		once.Do(func() {
			if err := b.SyncWait(); err != nil {
				syncErr = fmt.Errorf("pebble: commit: sync: %w", err)
			} else {
				// Batches are synced in commit order: every commit up to
				// this one is durable.
				for d := s.durable.Load(); d < commit && !s.durable.CompareAndSwap(d, commit); d = s.durable.Load() {
				}
			}
			b.Close()
			s.gate.leave()
		})
		if syncErr != nil {
			return 0, syncErr
		}
		return commit, nil
	}
}

// checkBatch rejects what the store cannot encode and returns the events'
// occurrence times in Unix nanoseconds.
func checkBatch(wb *candor.WriteBatch) ([]int64, error) {
	for i := range wb.Subjects {
		if wb.Subjects[i].ID.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "subject %d: zero ID", i)
		}
	}
	for i := range wb.Erase {
		if wb.Erase[i].Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "erasure %d: zero subject ID", i)
		}
	}
	for i := range wb.Indexes {
		if wb.Indexes[i].Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "index %d: zero subject ID", i)
		}
	}
	nanos := make([]int64, len(wb.Events), len(wb.Events)+len(wb.Matches))
	for i, e := range wb.Events {
		if e == nil {
			return nil, candor.Errorf(candor.EINVALID, "event %d: nil", i)
		}
		if e.Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "event %d: zero subject ID", i)
		}
		n, ok := unixNanos(e.OccurredAt)
		if !ok {
			return nil, candor.Errorf(candor.EINVALID, "event %d: occurred_at %s is outside the years 1678 to 2262", i, e.OccurredAt.Format("2006-01-02"))
		}
		if err := matchlist.Check(e.Matches); err != nil {
			return nil, candor.Errorf(candor.EINVALID, "event %d: %v", i, err)
		}
		nanos[i] = n
	}
	for i, m := range wb.Matches {
		if m == nil {
			return nil, candor.Errorf(candor.EINVALID, "match %d: nil", i)
		}
		if m.Shared {
			return nil, candor.Errorf(candor.EINVALID, "match %d: a match stored on its own is sealed on its own, not Shared", i)
		}
		n, ok := unixNanos(m.OccurredAt)
		switch {
		case m.Subject.IsZero() || m.Event == 0:
			return nil, candor.Errorf(candor.EINVALID, "match %d: a subject and an event are required", i)
		case !ok:
			return nil, candor.Errorf(candor.EINVALID, "match %d: occurred_at %s is outside the years 1678 to 2262", i, m.OccurredAt.Format("2006-01-02"))
		}
		nanos = append(nanos, n)
	}
	for i, a := range wb.Access {
		if a == nil || a.Subject.IsZero() {
			return nil, candor.Errorf(candor.EINVALID, "access record %d: a subject is required", i)
		}
	}
	for i, r := range wb.Records {
		if r == nil {
			return nil, candor.Errorf(candor.EINVALID, "record %d: nil", i)
		}
		if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	return nanos, nil
}

// batchSize estimates the encoded size of wb, so that the Pebble batch is
// allocated once.
func batchSize(wb *candor.WriteBatch) int {
	const perEntry = 1 + 2*binaryUvarintMax32 // kind and two lengths
	n := 12 + perEntry + len(keyCounters) + countersLenAccess
	for _, m := range wb.Matches {
		n += perEntry + matchKeyLen + matchFixedLen + len(m.Sealed)
	}
	for _, a := range wb.Access {
		n += perEntry + accessKeyLen + accessFixedLen + len(a.Sealed)
	}
	for _, r := range wb.Records {
		n += 2*perEntry + 2*(2+len(r.ID)) + 2*len(r.Subject) + len(r.Data)
	}
	if wb.Commitments != nil {
		// one commitment per event, standalone match and access record is
		// the write path's pattern; a larger entry only grows the batch
		n += perEntry + auditKeyLen + 1 + 2*binaryUvarintMax32 + 32*(len(wb.Events)+len(wb.Matches)+len(wb.Access))
	}
	for i := range wb.Subjects {
		n += perEntry + subjectKeyLen + subjectValueLen(&wb.Subjects[i])
	}
	n += len(wb.Indexes) * (perEntry + indexKeyLen + 16)
	for _, e := range wb.Events {
		n += 2*perEntry + eventKeyLen + eventValueLen(e) + dedupeKeyLen + dedupeValueLen
		for _, m := range e.Matches {
			n += perEntry + matchKeyLen + matchFixedLen + len(m.Sealed)
		}
	}
	return n
}

const binaryUvarintMax32 = 5

// keyOrder returns the indexes of events in the order of their event keys
// and in the order of their dedupe keys.
func keyOrder(events []*candor.EventRecord, nanos []int64) (evOrder, ddOrder []int32) {
	order := make([]int32, 2*len(events))
	evOrder, ddOrder = order[:len(events)], order[len(events):]
	sortBy(evOrder, func(i int) uint64 { return binary.BigEndian.Uint64(events[i].Subject[:8]) },
		func(a, b int32) int {
			return cmp.Or(bytes.Compare(events[a].Subject[:], events[b].Subject[:]),
				cmp.Compare(nanos[a], nanos[b]), cmp.Compare(a, b))
		})
	sortBy(ddOrder, func(i int) uint64 { return binary.BigEndian.Uint64(events[i].Dedupe[:8]) },
		func(a, b int32) int {
			return cmp.Or(bytes.Compare(events[a].Dedupe[:], events[b].Dedupe[:]), cmp.Compare(a, b))
		})
	return evOrder, ddOrder
}

// sortBy fills order with 0..len(order)-1 sorted by the full comparison
// cmpFull. It sorts plain integers made of each item's 64-bit prefix (from
// prefix, whose low bits are replaced by the index), which is several
// times faster than sorting with a comparison function, and then orders
// the rare runs of items whose prefixes tie with cmpFull.
func sortBy(order []int32, prefix func(i int) uint64, cmpFull func(a, b int32) int) {
	n := len(order)
	if n == 0 {
		return
	}
	width := uint(64 - bits.LeadingZeros64(uint64(n-1)))
	mask := uint64(1)<<width - 1
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = prefix(i)&^mask | uint64(i)
	}
	slices.Sort(keys)
	for j, k := range keys {
		order[j] = int32(k & mask)
	}
	for j := 0; j < n; {
		e := j + 1
		for e < n && keys[e]&^mask == keys[j]&^mask {
			e++
		}
		if e-j > 1 {
			slices.SortFunc(order[j:e], cmpFull)
		}
		j = e
	}
}
