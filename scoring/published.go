package scoring

import (
	"sync/atomic"

	"github.com/candor-project/candor"
)

// Published holds the set of scorecard versions a server serves: the
// active version of each scorecard and every published version, old ones
// included. The set can be replaced while the server runs (Set), without
// a restart; every service that scores, decides or lists scorecards reads
// it through a Published rather than keeping its own copy.
//
// Readers MUST take one Snapshot (or one Scorers pair) per request or
// operation and use it for the whole of it, so that what they read of
// the set is consistent, and MUST NOT keep it across requests: the next
// request takes the current set again. Anything a reader derives from a
// set (an index, a lookup table) is keyed by candor.ScorecardKey, which
// names one version, so it stays valid across a Set, or is derived per
// Snapshot.
//
// It is safe for concurrent use. A nil *Published serves no scorecard.
type Published struct {
	cur atomic.Pointer[Snapshot]
}

// NewPublished returns a Published serving active and all (see Set).
func NewPublished(active, all []*Compiled) *Published {
	p := new(Published)
	p.Set(active, all)
	return p
}

// Set replaces the whole served set at once: active are the active
// version of each scorecard, all every published version. Every active
// version is served as published even if all lacks it. A reader sees
// either the set before or the set after, never a mix. Set keeps the
// slices' elements, not the slices: the caller may reuse the slices, and
// MUST NOT modify the Compiled versions (they are immutable).
func (p *Published) Set(active, all []*Compiled) {
	p.cur.Store(newSnapshot(active, all))
}

// Snapshot returns the set served now. It never returns nil.
func (p *Published) Snapshot() *Snapshot {
	if p == nil {
		return emptySnapshot
	}
	if s := p.cur.Load(); s != nil {
		return s
	}
	return emptySnapshot // the zero Published
}

// Scorers implements candor.ServedScorers: the active and every published
// version of one Snapshot, as candor.Scorers.
func (p *Published) Scorers() (active, all []candor.Scorer) {
	s := p.Snapshot()
	return s.activeScorers, s.allScorers
}

var _ candor.ServedScorers = (*Published)(nil)

// Snapshot is one served set of scorecard versions. It is immutable: a
// Set makes a new Snapshot, so one taken before it keeps answering from
// the set it was taken from. Callers MUST NOT modify the slices it
// returns.
type Snapshot struct {
	active, all               []*Compiled
	activeScorers, allScorers []candor.Scorer
	byKey                     map[candor.ScorecardKey]*Compiled
	isActive                  map[candor.ScorecardKey]bool
}

var emptySnapshot = newSnapshot(nil, nil)

func newSnapshot(active, all []*Compiled) *Snapshot {
	s := &Snapshot{byKey: make(map[candor.ScorecardKey]*Compiled, len(all)+len(active)),
		isActive: make(map[candor.ScorecardKey]bool, len(active))}
	s.active = append([]*Compiled(nil), active...)
	for _, c := range active {
		s.isActive[c.Key()] = true
	}
	for _, c := range all {
		if s.byKey[c.Key()] == nil {
			s.byKey[c.Key()] = c
			s.all = append(s.all, c)
		}
	}
	for _, c := range active {
		if s.byKey[c.Key()] == nil {
			s.all = append(s.all, c)
		}
		s.byKey[c.Key()] = c // the active one, should all hold another of its key
	}
	for i, c := range s.all {
		s.all[i] = s.byKey[c.Key()]
	}
	s.activeScorers = make([]candor.Scorer, len(s.active))
	for i, c := range s.active {
		s.activeScorers[i] = c
	}
	s.allScorers = make([]candor.Scorer, len(s.all))
	for i, c := range s.all {
		s.allScorers[i] = c
	}
	return s
}

// Active returns the active version of each served scorecard, in the
// order Set was given them.
func (s *Snapshot) Active() []*Compiled { return s.active }

// All returns every published version, the active ones included, each
// once.
func (s *Snapshot) All() []*Compiled { return s.all }

// Version returns the published version with key k, active or not, or
// nil if none is.
func (s *Snapshot) Version(k candor.ScorecardKey) *Compiled { return s.byKey[k] }

// IsActive reports whether the version with key k is active.
func (s *Snapshot) IsActive(k candor.ScorecardKey) bool { return s.isActive[k] }

// ActiveByID returns the active version of scorecard id, or nil.
func (s *Snapshot) ActiveByID(id string) *Compiled {
	for _, c := range s.active {
		if c.card.ID == id {
			return c
		}
	}
	return nil
}

// ActiveFor returns the active scorecard that serves purpose p for
// subjects of kind, or nil.
func (s *Snapshot) ActiveFor(p candor.Purpose, kind candor.SubjectKind) *Compiled {
	for _, c := range s.active {
		if c.card.Purpose == p && c.card.SubjectKind == kind {
			return c
		}
	}
	return nil
}
