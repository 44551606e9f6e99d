package decisions

import (
	"context"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// A decision reads a consent, its subject's record and key, whether the
// subject opted out of the scorecard, and the subject's matches with it:
// a point read, a read and unwrap, a scan and an AES-GCM open per match.
// The service keeps what it read of a subject and reuses it while the
// store's versions it rests on (candor.Versioned, which every store has)
// have not changed: a grant or revocation changes the subject's consents'
// version, opting out or in its opt-outs' version; a new event, a
// dispute, a deletion or an erasure the subject's version; so the next
// decision reads afresh (a revoked consent stops at once; a new late
// payment counts at once). Storing a decision changes neither.

// consentsVersion is the version a cached consent, with its subject's
// record and key, rests on. Versions only grow, so the sum changes
// whenever either does.
func consentsVersion(st candor.Versioned, id candor.SubjectID) uint64 {
	return st.SubjectVersion(id) + st.RecordsVersion(candor.RecordConsent, id)
}

// maxCachedSubjects bounds each cache. Estimated, not measured: a consent
// entry (the consent, the subject's record and opened key, prepared:
// vault.SubjectKey.Prepared) takes ~1.7 KB; a subject's matches with
// one scorecard ~100 bytes each, ~2 KB for a few years of history; an
// opt-out entry ~100 bytes. At the bound that is some 35 MB in all. Decrypted matches say which kinds of fact a
// subject has; they stay in this process's memory, as opened keys already
// do in ingest's cache, and go when the entry is evicted or the process
// ends.
const maxCachedSubjects = 8192

// subjectCache maps K to values read at a subject's version. When full, an
// arbitrary entry is evicted for each new one.
type subjectCache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]cached[V]
}

type cached[V any] struct {
	subject candor.SubjectID
	version uint64
	v       V
}

// get returns the value under k if it was read at the current version of
// its subject.
func (c *subjectCache[K, V]) get(k K, version func(candor.SubjectID) uint64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || version(e.subject) != e.version {
		if ok {
			delete(c.entries, k) // stale: an erased subject's key must not linger
		}
		var zero V
		return zero, false
	}
	return e.v, true
}

// clear drops every entry.
func (c *subjectCache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// put keeps v under k, read at version of subject. The version MUST have
// been taken before the read of v began.
func (c *subjectCache[K, V]) put(k K, subject candor.SubjectID, version uint64, v V) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[K]cached[V]{}
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= maxCachedSubjects {
		for old := range c.entries {
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = cached[V]{subject, version, v}
	c.mu.Unlock()
}

// consentRead is a consent with its subject's record and opened key.
type consentRead struct {
	consent *candor.Consent
	sub     *candor.SubjectRecord
	key     *vault.SubjectKey
}

// matchesKey names a subject's matches with one scorecard version.
type matchesKey struct {
	subject candor.SubjectID
	card    candor.ScorecardKey
}

// cachedConsent is consent with the cache: it returns the consent stored
// under id, its subject and key, or nils. Callers MUST NOT modify what it
// returns.
func (s *Service) cachedConsent(ctx context.Context, id string) (*candor.Consent, *candor.SubjectRecord, *vault.SubjectKey, error) {
	s.catchUpErasures()
	version := func(id candor.SubjectID) uint64 { return consentsVersion(s.store, id) }
	if c, ok := s.consents.get(id, version); ok {
		return c.consent, c.sub, c.key, nil
	}
	// The consent's subject is known only once it is read: read it, take
	// the subject's version, and read again, so that what is kept was
	// read after the version was taken.
	first, _, _, err := s.readConsent(ctx, id)
	if err != nil || first == nil {
		return nil, nil, nil, err
	}
	v := version(first.Subject)
	c, sub, key, err := s.readConsent(ctx, id)
	if err != nil || c == nil {
		return nil, nil, nil, err
	}
	// (A record never changes subject; only one erased and stored anew
	// between the reads could, and is then read afresh next time.)
	if c.Subject == first.Subject {
		key = key.Prepared() // sealing the decision and its access record reuse its AES-GCM state
		s.consents.put(id, c.Subject, v, consentRead{c, sub, key})
	}
	return c, sub, key, nil
}

// optedOut reports whether subject opted out: whether the opt-out record
// id, about subject, is stored.
func (s *Service) optedOut(ctx context.Context, subject candor.SubjectID, id string) (bool, error) {
	s.catchUpErasures()
	version := func(id candor.SubjectID) uint64 { return s.store.RecordsVersion(candor.RecordOptOut, id) }
	if out, ok := s.optOuts.get(id, version); ok {
		return out, nil
	}
	v := version(subject)
	out, err := s.readOptedOut(ctx, id)
	if err == nil {
		s.optOuts.put(id, subject, v, out)
	}
	return out, err
}

func (s *Service) readOptedOut(ctx context.Context, id string) (bool, error) {
	_, err := s.store.Record(ctx, candor.RecordOptOut, id)
	switch candor.ErrorCode(err) {
	case "":
		return true, nil
	case candor.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// matches returns the subject's matches with card (of key's subject).
// Callers MUST NOT modify them.
func (s *Service) matches(ctx context.Context, key *vault.SubjectKey, card candor.ScorecardKey) ([]candor.Match, error) {
	s.catchUpErasures()
	k := matchesKey{key.Subject(), card}
	if ms, ok := s.matchSets.get(k, s.store.SubjectVersion); ok {
		return ms, nil
	}
	version := s.store.SubjectVersion(k.subject)
	ms, err := key.ReadMatches(ctx, s.store, card)
	if err != nil {
		return nil, err
	}
	s.matchSets.put(k, k.subject, version, ms)
	return ms, nil
}

// catchUpErasures empties the caches when the store's erasures version
// (candor.Versioned: every erasure, by any node sharing the store, changes
// it) moved since they were last emptied, so that nothing read of an
// erased subject — its opened key, consents, opt-outs, decrypted matches
// — outlives it in this process's memory until the next decision.
// Erasures are rare; when nothing changed it costs one atomic load.
func (s *Service) catchUpErasures() {
	v := s.store.RecordsVersion(candor.RecordErased, candor.SubjectID{}) + 1
	if s.erasures.Load() == v {
		return
	}
	s.consents.clear()
	s.optOuts.clear()
	s.matchSets.clear()
	s.groups.clear()
	s.erasures.Store(v)
}
