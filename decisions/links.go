package decisions

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Groups gives the members of a subject's group of linked identities,
// the survivor first (identity.Service).
type Groups interface {
	Members(ctx context.Context, id candor.SubjectID) ([]candor.SubjectID, error)
}

// WithGroups makes decisions follow linked identities: a decision about
// any member of a group scores the group's facts, each member's read with
// its own key, as one subject's. Call it before the service is used.
func (s *Service) WithGroups(g Groups) { s.groups.src = g }

// groupCache caches groups by subject. An entry holds while the link
// records (candor.RecordLink) of every member it names are unchanged: a
// link or unlink writes records under both its subjects.
type groupCache struct {
	src     Groups
	mu      sync.Mutex
	entries map[candor.SubjectID]groupEntry
}

// maxGroupEntries bounds the group cache; when full it is emptied.
const maxGroupEntries = 100_000

type groupEntry struct {
	members  []candor.SubjectID
	versions []uint64 // RecordsVersion(RecordLink, m) of members, in order
}

func (c *groupCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

func linkVersions(st candor.Versioned, members []candor.SubjectID) []uint64 {
	out := make([]uint64, len(members))
	for i, m := range members {
		out[i] = st.RecordsVersion(candor.RecordLink, m)
	}
	return out
}

// members returns the members of subject's group (just subject without
// Groups), from the cache while it holds.
func (s *Service) members(ctx context.Context, subject candor.SubjectID) ([]candor.SubjectID, error) {
	c := &s.groups
	if c.src == nil {
		return []candor.SubjectID{subject}, nil
	}
	c.mu.Lock()
	e, ok := c.entries[subject]
	c.mu.Unlock()
	if ok && slices.Equal(e.versions, linkVersions(s.store, e.members)) {
		return e.members, nil
	}
	// The versions of what a read returns, taken before reading again:
	// a link written meanwhile changes one of them.
	members, err := c.src.Members(ctx, subject)
	if err != nil {
		return nil, err
	}
	versions := linkVersions(s.store, members)
	again, err := c.src.Members(ctx, subject)
	if err != nil {
		return nil, err
	}
	if slices.Equal(members, again) {
		c.mu.Lock()
		if c.entries == nil || len(c.entries) >= maxGroupEntries {
			c.entries = map[candor.SubjectID]groupEntry{} // bounded: start afresh
		}
		c.entries[subject] = groupEntry{members, versions}
		c.mu.Unlock()
	}
	return again, nil
}

// groupMatches returns the matches with card of key's subject's group,
// in time order (ties in event ID order). Callers MUST NOT modify them.
func (s *Service) groupMatches(ctx context.Context, key *vault.SubjectKey, card candor.ScorecardKey) ([]candor.Match, error) {
	members, err := s.members(ctx, key.Subject())
	if err != nil || len(members) == 1 {
		if err != nil {
			return nil, err
		}
		return s.matches(ctx, key, card)
	}
	var all []candor.Match
	for _, m := range members {
		k := key
		if m != key.Subject() {
			if k, err = s.vault.StoredKey(ctx, s.store, m); err != nil {
				return nil, err
			}
		}
		ms, err := s.matches(ctx, k, card)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
	}
	slices.SortStableFunc(all, func(a, b candor.Match) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Event, b.Event)
	})
	return all, nil
}

// groupEvents returns the events of key's subject's group, as the
// subject's own (Subject set to it), in time order.
func (s *Service) groupEvents(ctx context.Context, key *vault.SubjectKey) ([]*candor.Event, error) {
	members, err := s.members(ctx, key.Subject())
	if err != nil {
		return nil, err
	}
	return s.vault.ReadGroupEvents(ctx, s.store, key, members)
}
