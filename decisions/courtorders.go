package decisions

import (
	"context"

	"github.com/candor-project/candor"
)

// CourtOrders answers a relying party registered for court enforcement:
// the court-ordered restrictions standing now on the subject that the
// consent code names or, for a relying party the law lets look subjects up
// without consent, that the identifier names (exactly one of the two). An
// order a court lifted is gone from the answer at once. Errors: a Refusal
// (EFORBIDDEN) as for decisions, recorded for the subject; ENOTFOUND for an
// identifier that names no subject; EINVALID. It also returns the subject
// whose orders these are (zero for an identifier that names nobody, with no
// orders), so that the caller can record the disclosure.
func (s *Service) CourtOrders(ctx context.Context, rp *candor.RelyingParty, code string, id *candor.Identifier) ([]candor.CourtOrder, candor.SubjectID, error) {
	const purpose = candor.PurposeCourtEnforcement
	now := s.now().UTC()
	var subject candor.SubjectID
	switch {
	case (code == "") == (id == nil):
		return nil, candor.SubjectID{}, candor.Errorf(candor.EINVALID, "give either a consent code or, if the law lets you look subjects up without consent, an identifier")
	case id != nil:
		if !rp.Serves(purpose) {
			return nil, candor.SubjectID{}, Refusal(candor.RefusalPurposeNotRegistered)
		}
		if !rp.StatutoryFor(purpose) {
			return nil, candor.SubjectID{}, Refusal(candor.RefusalNoConsent)
		}
		sub, err := s.store.SubjectByIndex(ctx, s.vault.BlindIndex(*id))
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			return []candor.CourtOrder{}, candor.SubjectID{}, nil // nobody: no orders, and no hint whether the identifier is known
		}
		if err != nil {
			return nil, candor.SubjectID{}, err
		}
		subject = sub
	default:
		c, _, key, err := s.consent(ctx, code)
		if err != nil {
			return nil, candor.SubjectID{}, err
		}
		if reason := c.Check(rp, purpose, now); reason != "" {
			if c != nil {
				if err := s.recordAttempt(ctx, key, rp, purpose, reason, now); err != nil {
					return nil, candor.SubjectID{}, err
				}
			}
			return nil, candor.SubjectID{}, Refusal(reason)
		}
		subject = c.Subject
	}
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, candor.SubjectID{}, err
	}
	events, err := key.ReadEvents(ctx, s.store)
	if err != nil {
		return nil, candor.SubjectID{}, err
	}
	sources, err := s.store.Sources(ctx)
	if err != nil {
		return nil, candor.SubjectID{}, err
	}
	orders := candor.ActiveCourtOrders(s.cat, events, now, candor.Courts(sources))
	if orders == nil {
		orders = []candor.CourtOrder{}
	}
	return orders, subject, nil
}
