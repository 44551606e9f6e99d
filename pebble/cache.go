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
// subject's opened key, consents, decrypted matches), the store keeps a
// version per subject, SubjectVersion, that changes with every write of
// the subject's data.

// subjectStripes is the number of version counters subjects share. A
// counter is bumped for every subject that hashes to it, which makes a
// cache miss now and then and never serves a stale entry; 2^14 counters
// take 128 KB.
const subjectStripes = 1 << 14

type subjectVersions [subjectStripes]atomic.Uint64

func (v *subjectVersions) of(id candor.SubjectID) *atomic.Uint64 {
	// Subject IDs are random: their first bytes hash well enough.
	return &v[binary.BigEndian.Uint64(id[:8])%subjectStripes]
}

// SubjectVersion returns the version of subject id's data: its subject
// record (and so its wrapped data key), events, matches and records.
// Contract: any write of those by this store, whether by Commit (subjects,
// events, matches, records, state changes, deletions, erasure),
// PutMatches, PutRecord or DeleteRecord, changes the version after the
// write is visible to reads and before the write returns. So a caller
// that reads the version, then the data, and keeps both, may reuse the
// data for as long as SubjectVersion returns the same version: it is then
// what a read would return, or was at most a write that has not yet
// returned to its writer ago. Versions of different subjects may change
// together.
func (s *Store) SubjectVersion(id candor.SubjectID) uint64 {
	return s.versions.of(id).Load()
}

// touched bumps the version of every subject whose data wb wrote.
func (s *Store) touched(wb *candor.WriteBatch) {
	for i := range wb.Subjects {
		s.versions.of(wb.Subjects[i].ID).Add(1)
	}
	for _, e := range wb.Events {
		s.versions.of(e.Subject).Add(1)
	}
	for _, m := range wb.Matches {
		s.versions.of(m.Subject).Add(1)
	}
	for _, r := range wb.Records {
		s.versions.of(r.Subject).Add(1)
	}
	for _, c := range wb.Changes {
		s.versions.of(c.Event.Subject).Add(1)
	}
	for _, d := range wb.Deletes {
		s.versions.of(d.Subject).Add(1)
	}
	for _, id := range wb.Erase {
		s.versions.of(id).Add(1)
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
