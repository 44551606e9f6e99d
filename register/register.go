package register

import (
	"context"
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
}

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
	key, err := s.vault.SubjectKey(ctx, sub)
	if err != nil {
		return nil, err
	}
	ms, err := key.ReadMatches(ctx, s.store, card.Key())
	if err != nil {
		return nil, err
	}
	at := s.now().UTC()
	_, grade := card.PointsFromMatches(ms, at)
	return &candor.RegisterEntry{CompanyRegNo: id.Value, Grade: grade, AsOf: at, Scorecard: card.Scorecard()}, nil
}

var _ candor.Register = (*Service)(nil)
