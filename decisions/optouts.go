package decisions

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// optOutID is the ID an opt-out is stored under: one per subject and
// scorecard.
func optOutID(subject candor.SubjectID, scorecard string) string {
	var buf [96]byte // 32 hex digits, "/" and a scorecard's ID, on the stack
	id := hex.AppendEncode(buf[:0], subject[:])
	return string(append(append(id, '/'), scorecard...))
}

// OptOut records subject's opt-out of the active scorecard with ID
// scorecard and returns it; opting out again changes nothing. Errors:
// ENOTFOUND for an unknown subject or scorecard; EINVALID for a scorecard
// about the other kind of subject, or whose purpose does not rest on
// consent (the law, not the person, decides whether it is used).
func (s *Service) OptOut(ctx context.Context, subject candor.SubjectID, scorecard string) (*candor.OptOut, error) {
	rec, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	sc, err := s.optable(scorecard, rec.Kind)
	if err != nil {
		return nil, err
	}
	id := optOutID(subject, sc.ID)
	var o candor.OptOut
	r, err := s.store.Record(ctx, candor.RecordOptOut, id)
	switch candor.ErrorCode(err) {
	case "":
		return &o, key.OpenJSON(r, &o)
	case candor.ENOTFOUND:
	default:
		return nil, err
	}
	o = candor.OptOut{Scorecard: sc.ID, Purpose: sc.Purpose, Since: s.now().UTC()}
	return &o, put(ctx, s.store, key, candor.RecordOptOut, id, &o)
}

// OptIn withdraws subject's opt-out of scorecard. Errors: ENOTFOUND if
// there is none.
func (s *Service) OptIn(ctx context.Context, subject candor.SubjectID, scorecard string) error {
	id := optOutID(subject, scorecard)
	r, err := s.store.Record(ctx, candor.RecordOptOut, id)
	if candor.ErrorCode(err) == candor.ENOTFOUND || err == nil && r.Subject != subject {
		return candor.Errorf(candor.ENOTFOUND, "you have not opted out of %q", scorecard)
	}
	if err != nil {
		return err
	}
	return s.store.DeleteRecord(ctx, candor.RecordOptOut, id)
}

// OptOuts returns subject's opt-outs, by scorecard.
func (s *Service) OptOuts(ctx context.Context, subject candor.SubjectID) ([]*candor.OptOut, error) {
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	return vault.ReadJSON[candor.OptOut](ctx, s.store, key, candor.RecordOptOut)
}

// Optable returns the active scorecards a subject of kind may opt out of.
func (s *Service) Optable(kind candor.SubjectKind) []*candor.Scorecard {
	var out []*candor.Scorecard
	for _, c := range s.published.Snapshot().Active() {
		if sc := c.Scorecard(); sc.SubjectKind == kind && sc.Purpose.RestsOnConsent() {
			out = append(out, sc)
		}
	}
	return out
}

// OptableFor is Optable for the kind of the stored subject id. Errors:
// ENOTFOUND.
func (s *Service) OptableFor(ctx context.Context, id candor.SubjectID) ([]*candor.Scorecard, error) {
	rec, err := s.store.Subject(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Optable(rec.Kind), nil
}

// optable returns the active scorecard id if a subject of kind may opt
// out of it.
func (s *Service) optable(id string, kind candor.SubjectKind) (*candor.Scorecard, error) {
	c := s.published.Snapshot().ActiveByID(id)
	if c == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "no published scorecard %q", id)
	}
	sc := c.Scorecard()
	switch {
	case sc.SubjectKind != kind:
		return nil, candor.Errorf(candor.EINVALID, "scorecard %s rates %s, not you", sc.ID, sc.SubjectKind.Noun())
	case !sc.Purpose.RestsOnConsent():
		return nil, candor.Errorf(candor.EINVALID, "scorecard %s serves %s, which the law provides for and does not rest on your consent, so it cannot be opted out of", sc.ID, sc.Purpose)
	}
	return sc, nil
}

// refuseOptedOut returns the refusal of a decision from card about key's
// subject if the subject opted out of it, recording the attempt, or nil.
func (s *Service) refuseOptedOut(ctx context.Context, key *vault.SubjectKey, rp *candor.RelyingParty, card *scoring.Compiled, now time.Time) error {
	sc := card.Scorecard()
	out, err := s.optedOut(ctx, key.Subject(), optOutID(key.Subject(), sc.ID))
	if err != nil || !out {
		return err
	}
	if err := s.recordAttempt(ctx, key, rp, sc.Purpose, candor.RefusalOptedOut, now); err != nil {
		return err
	}
	return Refusal(candor.RefusalOptedOut)
}
