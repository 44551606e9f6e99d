package memstore

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
)

// Store is a handle on an in-memory candor.Store. Its methods are safe for
// concurrent use.
type Store struct {
	d      *data
	closed atomic.Bool
}

var (
	_ candor.Store              = (*Store)(nil)
	_ candor.KeyLister          = (*Store)(nil)
	_ candor.PipelinedCommitter = (*Store)(nil)
	_ candor.LogResetter        = (*Store)(nil)
	_ candor.Leaser             = (*Store)(nil)
)

// data is what a store holds, shared by every handle on it. Stored records
// are never modified in place: a write replaces them, so that a reader
// holding one after the lock is released sees it whole.
type data struct {
	mu sync.RWMutex // guards everything below but versions

	lastEvent  candor.EventID
	lastCommit uint64
	fence      uint64 // the match generation (candor.MatchFence)

	subjects map[candor.SubjectID]*candor.SubjectRecord
	indexes  map[candor.BlindIndex]candor.SubjectID
	dedupe   map[candor.DedupeKey]candor.DedupeEntry
	held     map[candor.SubjectID]*subjectData

	records   map[candor.RecordKind]map[string]*candor.Record
	bySubject map[recordOwner]map[string]struct{} // IDs of each subject's records of a kind

	sources map[string]*candor.Source
	keys    map[string]*candor.APIKey
	meta    map[string][]byte

	audit  []*candor.AuditEntry // in sequence order
	mark   candor.AuditMark
	logged map[uint64][]uint64

	leases map[string]candor.Lease
	tokens map[string]uint64 // the last token of every lease ever taken

	versions versions
}

// subjectData is what a store holds under one subject ID besides its
// subject record: its events in order of occurrence (ties in ID order),
// its matches by scorecard in the same order, and its access records in
// number order.
type subjectData struct {
	events  []*candor.EventRecord
	matches map[candor.ScorecardKey][]*candor.MatchRecord
	access  []*candor.AccessRecord
}

func (h *subjectData) empty() bool {
	return len(h.events) == 0 && len(h.matches) == 0 && len(h.access) == 0
}

// recordOwner names one subject's records of one kind.
type recordOwner struct {
	kind    candor.RecordKind
	subject candor.SubjectID
}

// New returns an empty store.
func New() *Store {
	return &Store{d: &data{
		subjects:  map[candor.SubjectID]*candor.SubjectRecord{},
		indexes:   map[candor.BlindIndex]candor.SubjectID{},
		dedupe:    map[candor.DedupeKey]candor.DedupeEntry{},
		held:      map[candor.SubjectID]*subjectData{},
		records:   map[candor.RecordKind]map[string]*candor.Record{},
		bySubject: map[recordOwner]map[string]struct{}{},
		sources:   map[string]*candor.Source{},
		keys:      map[string]*candor.APIKey{},
		meta:      map[string][]byte{},
		logged:    map[uint64][]uint64{},
		leases:    map[string]candor.Lease{},
		tokens:    map[string]uint64{},
	}}
}

// Reopen returns a new handle on the data s holds, as opening the same
// data directory again would: everything stored, the counters, versions,
// audit mark and leases carry over. s may be open or closed; closing one
// handle leaves the other open.
func (s *Store) Reopen() *Store { return &Store{d: s.d} }

// Close closes this handle: later calls on it return EUNAVAILABLE, and so
// does a second Close. The data stays for Reopen and for other handles.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return errClosed()
	}
	return nil
}

func errClosed() error { return candor.Errorf(candor.EUNAVAILABLE, "store is closed") }

// check returns the context's error or, on a closed handle, EUNAVAILABLE.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	return ctx.Err()
}

// Size returns the approximate number of bytes the store holds (what
// pebble's encoding would take, without its overheads), or 0 on a closed
// handle.
func (s *Store) Size() int64 {
	if s.closed.Load() {
		return 0
	}
	d := s.d
	d.mu.RLock()
	defer d.mu.RUnlock()
	const subjectFixed, indexLen, dedupeLen, eventFixed, matchFixed, accessFixed = 16 + 14, 32 + 16, 16 + 57, 32 + 50, 40 + 2, 24 + 13
	n := int64(len(d.indexes)*indexLen + len(d.dedupe)*dedupeLen)
	for _, r := range d.subjects {
		n += int64(subjectFixed + len(r.Sealed))
	}
	for _, h := range d.held {
		for _, e := range h.events {
			n += int64(eventFixed + len(e.Sealed))
		}
		for _, ms := range h.matches {
			for _, m := range ms {
				n += int64(matchFixed + len(m.Sealed))
			}
		}
		for _, a := range h.access {
			n += int64(accessFixed + len(a.Sealed))
		}
	}
	for _, byID := range d.records {
		for id, r := range byID {
			n += int64(2*len(id) + 16 + len(r.Data))
		}
	}
	for _, e := range d.audit {
		n += int64(8 + 32*(len(e.Write)+len(e.Access)+len(e.Retired)))
	}
	for name, v := range d.meta {
		n += int64(len(name) + len(v))
	}
	return n + int64(len(d.sources)+len(d.keys))*128
}

// versions are the counters of candor.Versioned, as pebble keeps them:
// subjects share a fixed number of counters (a counter bumped for another
// subject costs a cache miss, never a stale read), and the records about
// no subject have a counter per kind, apart from the subjects'. They are
// bumped under the write lock, after the write and before it returns;
// readers read them without the lock.
type versions struct {
	subjects [subjectStripes]atomic.Uint64
	kinds    [kindCounters]atomic.Uint64
}

const (
	subjectStripes = 1 << 12
	kindCounters   = 64
)

// of returns the counter of subject id's records of kind, or with kind 0
// of its subject record, indexes, events and matches.
func (v *versions) of(id candor.SubjectID, kind candor.RecordKind) *atomic.Uint64 {
	if id == (candor.SubjectID{}) && kind < kindCounters {
		return &v.kinds[kind]
	}
	h := binary.BigEndian.Uint64(id[:8]) + uint64(kind)*0x9e3779b97f4a7c15
	return &v.subjects[h%subjectStripes]
}

// SubjectVersion implements candor.Versioned.
func (s *Store) SubjectVersion(id candor.SubjectID) uint64 { return s.d.versions.of(id, 0).Load() }

// RecordsVersion implements candor.Versioned.
func (s *Store) RecordsVersion(kind candor.RecordKind, id candor.SubjectID) uint64 {
	return s.d.versions.of(id, kind).Load()
}

// bump raises the version of subject id's records of kind (with kind 0,
// of its subject data).
func (d *data) bump(id candor.SubjectID, kind candor.RecordKind) { d.versions.of(id, kind).Add(1) }

// storedTime returns t as the store keeps it: in UTC, without a monotonic
// clock reading, as a Pebble or PostgreSQL store returns it.
func storedTime(t time.Time) time.Time { return t.UTC() }
