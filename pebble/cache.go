package pebble

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
)

// What is read on every request and written rarely (API keys, relying
// parties) is cached here, in the one place every write to it passes
// through: Pebble lets one process open a data dir, and every write of
// that process goes through this Store, so a write invalidates the cache
// before it returns and a revoked key is refused from then on.
//
// For what callers derive from a subject's data and cache themselves (a
// subject's opened key, consents, decrypted matches), the store keeps
// versions per subject (candor.Versioned) that every write of the
// subject's data bumps after it is visible and before it returns. One
// process owns the data dir, so the counters in memory see every write.

// subjectStripes is the number of version counters subjects share for
// their subject records, events and matches. A counter is bumped for every
// subject that hashes to it, which makes a cache miss now and then and
// never serves a stale entry; 2^14 counters take 128 KB.
const subjectStripes = 1 << 14

// Each record kind has counters of its own, recordStripes of them, so that
// the records written most (a decision with every answer, an attempt with
// every refusal) never bump a counter that a cache of another kind rests
// on (consents, opt-outs, links, or the subject's matches): with one
// array for all, some 7% of decisions in bench decisions made a later
// decision about another subject read its consent and matches again.
// recordKinds × recordStripes counters take 512 KB.
const (
	recordKinds   = 32
	recordStripes = 1 << 11
)

// kindCounters are the counters of records about no subject, one per
// kind, apart from the subjects' (so that writes of subjects' data never
// bump them).
const kindCounters = 64

type subjectVersions struct {
	subjects [subjectStripes]atomic.Uint64
	records  [recordKinds][recordStripes]atomic.Uint64
	kinds    [kindCounters]atomic.Uint64
}

// of returns the counter of subject id's records of kind, or with kind 0
// of its subject record, events and matches.
func (v *subjectVersions) of(id candor.SubjectID, kind candor.RecordKind) *atomic.Uint64 {
	if id == (candor.SubjectID{}) && kind < kindCounters {
		return &v.kinds[kind]
	}
	// Subject IDs are random: their first bytes hash well enough.
	h := binary.BigEndian.Uint64(id[:8])
	if kind == 0 {
		return &v.subjects[h%subjectStripes]
	}
	return &v.records[uint(kind)%recordKinds][h%recordStripes]
}

// SubjectVersion implements candor.Versioned.
func (s *Store) SubjectVersion(id candor.SubjectID) uint64 {
	return s.versions.of(id, 0).Load()
}

// RecordsVersion implements candor.Versioned.
func (s *Store) RecordsVersion(kind candor.RecordKind, id candor.SubjectID) uint64 {
	return s.versions.of(id, kind).Load()
}

// touched bumps the versions of what wb wrote.
func (s *Store) touched(wb *candor.WriteBatch) {
	for i := range wb.Subjects {
		s.versions.of(wb.Subjects[i].ID, 0).Add(1)
	}
	for _, e := range wb.Events {
		s.versions.of(e.Subject, 0).Add(1)
	}
	for _, m := range wb.Matches {
		s.versions.of(m.Subject, 0).Add(1)
	}
	for _, r := range wb.Records {
		s.versions.of(r.Subject, r.Kind).Add(1)
	}
	for _, c := range wb.Changes {
		s.versions.of(c.Event.Subject, 0).Add(1)
	}
	for _, d := range wb.Deletes {
		s.versions.of(d.Event.Subject, 0).Add(1)
	}
	for _, e := range wb.Erase {
		s.versions.of(e.Subject, 0).Add(1)
		for kind := candor.RecordKind(1); kind.Valid(); kind++ {
			s.versions.of(e.Subject, kind).Add(1)
		}
		s.versions.of(candor.SubjectID{}, candor.RecordErased).Add(1) // candor.Versioned: every erasure
	}
}

// maxCached bounds each read cache; when it is full, it is emptied
// (there are usually far fewer keys and relying parties than this).
const maxCached = 4096

// readCache caches values read from the store by key. A value read while
// a write of any key of the cache happened is not cached, so that a read
// racing with a revocation cannot put the old value back after the write
// invalidated it.
type readCache[V any] struct {
	mu     sync.Mutex
	gen    uint64 // bumped by every invalidation
	values map[string]V
}

// get returns the cached value of k, or reads it with read and caches it.
func (c *readCache[V]) get(k []byte, read func() (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.values[string(k)]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.values == nil || len(c.values) >= maxCached {
			c.values = map[string]V{}
		}
		c.values[string(k)] = v
	}
	c.mu.Unlock()
	return v, nil
}

// invalidate drops k. Writers call it after the write is visible to
// reads, before returning.
func (c *readCache[V]) invalidate(k []byte) {
	c.mu.Lock()
	c.gen++
	delete(c.values, string(k))
	c.mu.Unlock()
}
