package ingest

import (
	"context"
	"fmt"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// resolved is a subject with its opened data key, by value.
type resolved struct {
	key  vault.SubjectKey // it holds the subject's ID
	kind candor.SubjectKind
}

func newResolved(key *vault.SubjectKey, kind candor.SubjectKind) resolved {
	return resolved{key: *key, kind: kind}
}

func (r *resolved) id() candor.SubjectID { return r.key.Subject() }

// cachedSubject is what the subject cache keeps of a subject: 81 bytes
// with no pointer, so that the collector need not scan the cache (see
// BenchmarkSubjectCacheBytes).
type cachedSubject struct {
	key  vault.KeyValue
	kind candor.SubjectKind
}

// subjectCache holds recently used subjects, by blind index, with their
// opened data keys. A subject's ID, kind and key never change once it is
// stored, so entries go stale only when the subject is erased, and
// Pipeline.catchUpErasures clears the cache then. Safe for concurrent use.
type subjectCache struct {
	mu sync.Mutex
	c  *cache2[candor.BlindIndex, cachedSubject]
	// gen counts clears, so that a subject read from the store before an
	// erasure is not cached after it.
	gen uint64
}

// get returns the cached subject of bi, or the generation to pass to
// putIf after reading it from the store.
func (s *subjectCache) get(bi candor.BlindIndex) (r resolved, ok bool, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.c.get(bi)
	return resolved{key: c.key.Key(), kind: c.kind}, ok, s.gen
}

func (s *subjectCache) put(bi candor.BlindIndex, r resolved) {
	s.mu.Lock()
	s.c.put(bi, cachedSubject{r.key.KeyValue, r.kind})
	s.mu.Unlock()
}

// putIf caches r unless the cache was cleared since gen was read: the
// subject may be one an erasure removed.
func (s *subjectCache) putIf(bi candor.BlindIndex, r resolved, gen uint64) {
	s.mu.Lock()
	if s.gen == gen {
		s.c.put(bi, cachedSubject{r.key.KeyValue, r.kind})
	}
	s.mu.Unlock()
}

// clear forgets every subject.
func (s *subjectCache) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.c = newCache2[candor.BlindIndex, cachedSubject](s.c.max)
}

// resolveStored finds, in parallel with other requests and before the
// writer sees them, the stored subjects req's events are about, and seals
// those events: reading the store, unwrapping data keys and sealing are the
// costly part of the write, and they need no serialisation because stored
// subjects never change. Events about subjects not yet stored are left for
// the writer. On a store shared with other nodes (Pipeline.shared) it
// asks the store about every subject not cached, whatever the index
// filter says, so that the writer need not.
func (p *Pipeline) resolveStored(ctx context.Context, req *request) error {
	for i := range req.events {
		pe := &req.events[i]
		lookUp := req.lookUp || p.shared.Load()
		r, found, err := p.storedSubject(ctx, pe.bi, lookUp)
		if err != nil {
			return err
		}
		pe.absent = !found && lookUp
		if found {
			pe.stored, pe.isStored = r, true
			if !pe.dup { // seal here too, in parallel, rather than in the writer
				pe.sealed, pe.sealedMatches = r.key.SealWithMatches(nil, pe.plaintext, pe.ev.OccurredAt, pe.matches)
			}
		}
	}
	return nil
}

// storedSubject returns the stored subject bi maps to, from the cache or
// the store; found is false if the store has none. lookUp asks the store
// whatever the index filter says, and adds what it finds to the filter.
func (p *Pipeline) storedSubject(ctx context.Context, bi candor.BlindIndex, lookUp bool) (r resolved, found bool, err error) {
	r, ok, gen := p.subjects.get(bi)
	if ok {
		return r, true, nil
	}
	if !lookUp && p.indexFilter.certainlyAbsent(bi[:]) {
		return r, false, nil
	}
	id, err := p.store.SubjectByIndex(ctx, bi)
	switch candor.ErrorCode(err) {
	case "":
	case candor.ENOTFOUND:
		return r, false, nil
	default:
		return r, false, fmt.Errorf("ingest: subject lookup: %w", err)
	}
	rec, err := p.store.Subject(ctx, id)
	if err != nil {
		return r, false, fmt.Errorf("ingest: subject %s: %w", id, err)
	}
	key, err := p.vault.SubjectKey(ctx, id)
	if err != nil {
		return r, false, err
	}
	r = newResolved(key, rec.Kind)
	p.subjects.putIf(bi, r, gen)
	if lookUp {
		p.indexFilter.add(bi[:])
	}
	return r, true, nil
}
