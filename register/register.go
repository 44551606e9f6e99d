package register

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Service looks organisations up in the register. Safe for concurrent
// use.
type Service struct {
	store  candor.EventStore
	vault  *vault.Vault
	served candor.ServedScorers
	now    func() time.Time
	groups Groups
}

// Groups gives the members of a subject's group of linked identities,
// the survivor first (identity.Service).
type Groups interface {
	Members(ctx context.Context, id candor.SubjectID) ([]candor.SubjectID, error)
}

// WithGroups makes the register grade an organisation from the facts of
// every identifier a registry linked to its registration number. Call it
// before the service is used.
func (s *Service) WithGroups(g Groups) { s.groups = g }

// New returns the register over st, grading each look-up under the
// active version of the candor.RegisterScorecard served when it is made
// (while none is, look-ups are EUNAVAILABLE) at the time now returns
// (nil: time.Now). served may be nil: the register is then never
// published.
func New(st candor.EventStore, v *vault.Vault, served candor.ServedScorers, now func() time.Time) *Service {
	s := &Service{store: st, vault: v, served: served, now: now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// card returns the RegisterScorecard's active version served now, or nil.
func (s *Service) card() candor.Scorer {
	if s.served == nil {
		return nil
	}
	active, _ := s.served.Scorers()
	for _, c := range active {
		if c.Scorecard().ID == candor.RegisterScorecard {
			return c
		}
	}
	return nil
}

// Organisation implements candor.Register.
func (s *Service) Organisation(ctx context.Context, regNo string) (*candor.RegisterEntry, error) {
	card := s.card()
	if card == nil {
		return nil, candor.Errorf(candor.EUNAVAILABLE, "The register is not published on this server: the %s scorecard is not active.", candor.RegisterScorecard)
	}
	none := candor.Errorf(candor.ENOTFOUND, "No organisation is registered under %q.", candor.Clip(regNo, 40))
	id, err := candor.NormaliseIdentifier(candor.CompanyRegNo, regNo)
	if err != nil {
		return nil, none
	}
	sub, err := s.store.SubjectByIndex(ctx, s.vault.BlindIndex(id))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, none
	}
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Subject(ctx, sub)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, none // erased since its index was read
	}
	if err != nil {
		return nil, err
	}
	if rec.Kind != candor.Organisation {
		return nil, none // never a person
	}
	ms, err := s.matches(ctx, sub, card.Key())
	if err != nil {
		return nil, err
	}
	at := s.now().UTC()
	_, grade := card.PointsFromMatches(ms, at)
	return &candor.RegisterEntry{CompanyRegNo: id.Value, Grade: grade, AsOf: at, Scorecard: card.Scorecard()}, nil
}

// matches returns the matches with card of sub's group (sub alone
// without groups), in time order.
func (s *Service) matches(ctx context.Context, sub candor.SubjectID, card candor.ScorecardKey) ([]candor.Match, error) {
	key, err := s.vault.SubjectKey(ctx, sub)
	if err != nil {
		return nil, err
	}
	ms, err := key.ReadMatches(ctx, s.store, card)
	if err != nil || s.groups == nil {
		return ms, err
	}
	members, err := s.groups.Members(ctx, sub)
	if err != nil || len(members) == 1 {
		return ms, err
	}
	for _, m := range members {
		if m == sub {
			continue
		}
		k, err := s.vault.StoredKey(ctx, s.store, m)
		if err != nil {
			return nil, err
		}
		more, err := k.ReadMatches(ctx, s.store, card)
		if err != nil {
			return nil, err
		}
		ms = append(ms, more...)
	}
	slices.SortStableFunc(ms, func(a, b candor.Match) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Event, b.Event)
	})
	return ms, nil
}

var _ candor.Register = (*Service)(nil)
