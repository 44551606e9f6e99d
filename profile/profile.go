package profile

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// Config is what a Service reads from.
type Config struct {
	Store     candor.Store
	Vault     *vault.Vault
	Catalogue *candor.Catalogue
	// Scorecards are the served scorecard versions, read once per call
	// (they may change while the service runs): the active version of
	// each scorecard (materialised: scored from the matches stored with
	// the events) and every published version, active or not (the
	// others are scored from the events). nil serves none.
	Scorecards candor.ServedScorers
	// Log, if set, is the transparency log that proves facts and access
	// records (AccessProof, WriteProofs); without it they are
	// EUNAVAILABLE.
	Log audit.Prover
	// Groups, if set, resolves linked identities (package identity):
	// Subject, Events and Scores of any member of a group are the
	// group's, read with each member's own key. nil: every subject is a
	// group of one.
	Groups Groups
}

// Groups gives the members of a subject's group, the survivor first
// (identity.Service).
type Groups interface {
	Members(ctx context.Context, id candor.SubjectID) ([]candor.SubjectID, error)
}

// Service reads profiles. Its methods are safe for concurrent use.
type Service struct{ cfg Config }

var (
	_ candor.Profiles     = (*Service)(nil)
	_ audit.SubjectProofs = (*Service)(nil)
)

// New returns a Service over cfg.
func New(cfg Config) *Service { return &Service{cfg: cfg} }

// scorers returns the scorecard versions served now.
func (s *Service) scorers() (active, all []candor.Scorer) {
	if s.cfg.Scorecards == nil {
		return nil, nil
	}
	return s.cfg.Scorecards.Scorers()
}

// Lookup implements candor.Profiles.
func (s *Service) Lookup(ctx context.Context, id candor.Identifier) (candor.SubjectID, candor.SubjectKind, error) {
	sub, err := s.cfg.Store.SubjectByIndex(ctx, s.cfg.Vault.BlindIndex(id))
	if err != nil {
		return candor.SubjectID{}, 0, err
	}
	rec, err := s.cfg.Store.Subject(ctx, sub)
	if err != nil {
		return candor.SubjectID{}, 0, err
	}
	return sub, rec.Kind, nil
}

// open reads and opens a subject and its data key.
func (s *Service) open(ctx context.Context, id candor.SubjectID) (*candor.Subject, *vault.SubjectKey, error) {
	rec, err := s.cfg.Store.Subject(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.cfg.Vault.SubjectKey(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	sub, err := key.OpenSubject(rec)
	return sub, key, err
}

// member is one subject of a group, opened.
type member struct {
	sub *candor.Subject
	key *vault.SubjectKey
}

// openGroup opens every member of id's group, the survivor first.
func (s *Service) openGroup(ctx context.Context, id candor.SubjectID) ([]member, error) {
	ids := []candor.SubjectID{id}
	if s.cfg.Groups != nil {
		var err error
		if ids, err = s.cfg.Groups.Members(ctx, id); err != nil {
			return nil, err
		}
	}
	out := make([]member, 0, len(ids))
	for _, m := range ids {
		sub, key, err := s.open(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, member{sub, key})
	}
	return out, nil
}

// Subject implements candor.Profiles: with linked identities, the
// subject's ID and kind with every identifier its group holds.
func (s *Service) Subject(ctx context.Context, id candor.SubjectID) (*candor.Subject, error) {
	ms, err := s.openGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	out := *ms[0].sub
	out.ID = id
	out.Identifiers = nil
	for _, m := range ms {
		out.Identifiers = append(out.Identifiers, m.sub.Identifiers...)
		if m.sub.CreatedAt.Before(out.CreatedAt) {
			out.CreatedAt = m.sub.CreatedAt
		}
	}
	return &out, nil
}

// Events implements candor.Profiles: with linked identities, the facts
// of every member of the subject's group, in time order.
func (s *Service) Events(ctx context.Context, id candor.SubjectID, q candor.EventQuery) ([]*candor.Event, bool, error) {
	if q.Type != "" && s.cfg.Catalogue.Type(q.Type) == nil {
		return nil, false, candor.Errorf(candor.EINVALID, "type: unknown event type %q", q.Type)
	}
	ms, err := s.openGroup(ctx, id)
	if err != nil {
		return nil, false, err
	}
	events := []*candor.Event{}
	for _, m := range ms {
		for rec, err := range s.cfg.Store.Events(ctx, m.key.Subject(), candor.EventFilter{Since: q.Since}) {
			if err != nil {
				return nil, false, err
			}
			ev, err := m.key.OpenEvent(rec)
			if err != nil {
				return nil, false, err
			}
			if q.Type != "" && ev.Type != q.Type {
				continue
			}
			if len(ms) == 1 && q.Limit > 0 && len(events) == q.Limit {
				return events, true, nil
			}
			events = append(events, ev)
		}
	}
	if len(ms) > 1 {
		slices.SortStableFunc(events, func(a, b *candor.Event) int {
			if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		if q.Limit > 0 && len(events) > q.Limit {
			return events[:q.Limit], true, nil
		}
	}
	return events, false, nil
}

// Scores implements candor.Profiles: an active version is scored from the
// matches stored with the subject's events, any other from its events,
// read once.
func (s *Service) Scores(ctx context.Context, id candor.SubjectID, card string, version int, at time.Time) ([]candor.Score, error) {
	active, all := s.scorers()
	list := active
	if card != "" {
		sc := scorer(active, all, card, version)
		if sc == nil {
			return nil, candor.Errorf(candor.ENOTFOUND, "no scorecard %s of that version", card)
		}
		list = []candor.Scorer{sc}
	}
	ms, err := s.openGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	sub := ms[0].sub
	if c := list; card != "" && c[0].Scorecard().SubjectKind != sub.Kind {
		return nil, candor.Errorf(candor.EINVALID, "scorecard %s is for %s, not %s", card,
			c[0].Scorecard().SubjectKind.Noun(), sub.Kind.Noun())
	}
	scores := []candor.Score{}
	var events []*candor.Event // read on first use
	for _, sc := range list {
		if sc.Scorecard().SubjectKind != sub.Kind {
			continue
		}
		score, err := s.score(ctx, sc, slices.Contains(active, sc), ms, &events, at)
		if err != nil {
			return nil, err
		}
		score.Subject = id
		scores = append(scores, score)
	}
	return scores, nil
}

// History implements candor.Profiles: from the matches stored with the
// subject's events, read once per scorecard.
func (s *Service) History(ctx context.Context, id candor.SubjectID, instants []time.Time) ([]candor.GradeHistory, error) {
	if len(instants) > candor.MaxHistory {
		return nil, candor.Errorf(candor.EINVALID, "at most %d instants, not %d", candor.MaxHistory, len(instants))
	}
	active, _ := s.scorers()
	sub, key, err := s.open(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []candor.GradeHistory{}
	for _, sc := range active {
		if sc.Scorecard().SubjectKind != sub.Kind {
			continue
		}
		ms, err := key.ReadMatches(ctx, s.cfg.Store, sc.Key())
		if err != nil {
			return nil, err
		}
		h := candor.GradeHistory{Scorecard: sc.Scorecard(), Grades: make([]candor.GradeAt, len(instants))}
		for i, at := range instants {
			p, g := sc.PointsFromMatches(ms, at)
			h.Grades[i] = candor.GradeAt{At: at, Points: p, Grade: g}
		}
		out = append(out, h)
	}
	return out, nil
}

// scorer returns version v of scorecard id (0: the active one) among
// active and all, or nil.
func scorer(active, all []candor.Scorer, id string, v int) candor.Scorer {
	for _, sc := range active {
		if c := sc.Scorecard(); c.ID == id && (v == 0 || c.Version == v) {
			return sc
		}
	}
	if v == 0 {
		return nil
	}
	for _, sc := range all {
		if c := sc.Scorecard(); c.ID == id && c.Version == v {
			return sc
		}
	}
	return nil
}

// score scores the group ms (one subject without linked identities)
// under sc at instant at: from the stored matches if sc is active
// (materialised), else from the events, read into *events on first use.
// A group's facts are scored as one subject's: the survivor's.
func (s *Service) score(ctx context.Context, sc candor.Scorer, active bool, ms []member, events *[]*candor.Event, at time.Time) (candor.Score, error) {
	survivor := ms[0].key.Subject()
	if active {
		var all []candor.Match
		for _, m := range ms {
			got, err := m.key.ReadMatches(ctx, s.cfg.Store, sc.Key())
			if err != nil {
				return candor.Score{}, err
			}
			all = append(all, got...)
		}
		if len(ms) > 1 {
			slices.SortStableFunc(all, func(a, b candor.Match) int {
				if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
					return c
				}
				return cmp.Compare(a.Event, b.Event)
			})
		}
		return sc.ScoreFromMatches(survivor, all, at), nil
	}
	if *events == nil {
		for _, m := range ms {
			evs, err := m.key.ReadEvents(ctx, s.cfg.Store)
			if err != nil {
				return candor.Score{}, err
			}
			for _, e := range evs {
				e.Subject = survivor // one subject's facts, by the registry's word
			}
			*events = append(*events, evs...)
		}
		if *events == nil {
			*events = []*candor.Event{}
		}
	}
	return sc.Score(survivor, *events, at)
}

// Access implements candor.Profiles.
func (s *Service) Access(ctx context.Context, id candor.SubjectID) ([]candor.AccessEntry, error) {
	_, key, err := s.open(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []candor.AccessEntry{}
	for rec, err := range s.cfg.Store.AccessRecords(ctx, id) {
		if err != nil {
			return nil, err
		}
		a, plain, err := key.OpenAccess(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, candor.AccessEntry{Access: *a, N: rec.N, Commit: rec.Commit,
			Commitment: candor.AccessCommitment(key.Salt(), plain)})
	}
	return out, nil
}

// AccessProof returns what anyone needs to check that the subject's
// access record n is in the transparency log (audit.AccessProof).
// Errors: ENOTFOUND, EUNAVAILABLE without a log, those of
// audit.ProveAccess.
func (s *Service) AccessProof(ctx context.Context, id candor.SubjectID, n uint64) (*audit.AccessProof, error) {
	if s.cfg.Log == nil {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "no transparency log is kept here")
	}
	_, key, err := s.open(ctx, id)
	if err != nil {
		return nil, err
	}
	return audit.ProveAccess(ctx, s.cfg.Store, s.cfg.Log, key, n)
}

// WriteProofs returns, for each of the subject's facts (or only fact
// event, if not 0), the proofs that its write commitments are in the
// transparency log (audit.WriteProof), and how many of its records are
// not logged yet. Errors: ENOTFOUND, EUNAVAILABLE without a log, those
// of audit.ProveWrites.
func (s *Service) WriteProofs(ctx context.Context, id candor.SubjectID, event candor.EventID) ([]audit.WriteProof, int, error) {
	if s.cfg.Log == nil {
		return nil, 0, candor.Errorf(candor.EUNAVAILABLE, "no transparency log is kept here")
	}
	_, key, err := s.open(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	_, all := s.scorers() // the active ones included
	cards := make([]candor.ScorecardKey, 0, len(all))
	for _, sc := range all {
		cards = append(cards, sc.Key())
	}
	proofs, pending, err := audit.ProveWrites(ctx, s.cfg.Store, s.cfg.Log, key, cards, event)
	if proofs == nil && err == nil {
		proofs = []audit.WriteProof{}
	}
	return proofs, pending, err
}
