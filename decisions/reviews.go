package decisions

import (
	"context"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// HowToContest is what every decision tells its subject and the relying
// party about contesting it.
const HowToContest = "The person this decision is about can see it, with its reasons, in their portal or at " +
	"GET /v1/me/decisions; dispute any fact it rests on (the fact is set aside while the dispute is open); " +
	"and ask for a person to review the decision with POST /v1/me/decisions/{id}/review, stating why."

// Decisions returns every decision about subject, newest first.
func (s *Service) Decisions(ctx context.Context, subject candor.SubjectID) ([]*candor.Decision, error) {
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	var ds []*candor.Decision
	for r, err := range s.store.Records(ctx, candor.RecordDecision, subject) {
		if err != nil {
			return nil, err
		}
		d, err := openDecision(key, r)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b *candor.Decision) int { return b.At.Compare(a.At) })
	return ds, nil
}

// Attempts returns the refused requests for decisions about subject,
// newest first.
func (s *Service) Attempts(ctx context.Context, subject candor.SubjectID) ([]*candor.Attempt, error) {
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	as, err := vault.ReadJSON[candor.Attempt](ctx, s.store, key, candor.RecordAttempt)
	slices.SortFunc(as, func(a, b *candor.Attempt) int { return b.At.Compare(a.At) })
	return as, err
}

// Review returns decision id with the score it rests on, reproduced and
// explained: the subject's facts known when it was taken (through
// KnownThrough), at its instant, under its scorecard version, for a
// reviewer to examine (candor.Reviews). Errors: ENOTFOUND.
func (s *Service) Review(ctx context.Context, id string) (*candor.Decision, candor.Score, error) {
	d, err := s.Decision(ctx, candor.SubjectID{}, id)
	if err != nil {
		return nil, candor.Score{}, err
	}
	card, events, err := s.basis(ctx, d)
	if err != nil {
		return nil, candor.Score{}, err
	}
	known := events[:0:0]
	for _, e := range events {
		if e.ID <= d.KnownThrough {
			known = append(known, e)
		}
	}
	score, err := card.Score(d.Subject, known, d.At)
	return d, score, err
}

// Decision returns one decision. With a non-zero subject, only that
// subject's. Errors: ENOTFOUND.
func (s *Service) Decision(ctx context.Context, subject candor.SubjectID, id string) (*candor.Decision, error) {
	r, err := s.store.Record(ctx, candor.RecordDecision, id)
	if err == nil && !subject.IsZero() && r.Subject != subject {
		err = candor.Errorf(candor.ENOTFOUND, "no such decision")
	}
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, candor.Errorf(candor.ENOTFOUND, "no decision %s", id)
	}
	if err != nil {
		return nil, err
	}
	_, key, err := s.subjectKey(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	return openDecision(key, r)
}

// RequestReview opens a human review of one of subject's decisions.
// Errors: ENOTFOUND; ECONFLICT if a review was asked for already; EINVALID
// for an empty or over-long statement, or one holding control characters
// or bidirectional overrides.
func (s *Service) RequestReview(ctx context.Context, subject candor.SubjectID, id, statement string) (*candor.Decision, error) {
	if err := candor.CheckStatement("statement", statement, true); err != nil {
		return nil, err
	}
	d, err := s.Decision(ctx, subject, id)
	if err != nil {
		return nil, err
	}
	if d.Review != nil {
		return nil, candor.Errorf(candor.ECONFLICT, "a review of decision %s was asked for on %s", id, d.Review.RequestedAt.Format(time.DateOnly))
	}
	d.Review = &candor.Review{RequestedAt: s.now().UTC(), Statement: statement}
	_, key, err := s.subjectKey(ctx, subject)
	if err != nil {
		return nil, err
	}
	if err := putDecision(ctx, s.store, key, d); err != nil {
		return nil, err
	}
	return d, s.store.PutRecord(ctx, &candor.Record{Kind: candor.RecordReview, ID: d.ID, Subject: subject})
}

// OpenReviews returns the decisions awaiting review, oldest request first.
func (s *Service) OpenReviews(ctx context.Context) ([]*candor.Decision, error) {
	var out []*candor.Decision
	for r, err := range s.store.AllRecords(ctx, candor.RecordReview) {
		if err != nil {
			return nil, err
		}
		d, err := s.Decision(ctx, r.Subject, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *candor.Decision) int { return a.Review.RequestedAt.Compare(b.Review.RequestedAt) })
	return out, nil
}

// CloseReview closes an open review with reviewer's outcome and written
// rationale; an outcome other than the decision's overturns it. Errors:
// ENOTFOUND; ECONFLICT if no review is open; EINVALID.
func (s *Service) CloseReview(ctx context.Context, reviewer, id string, outcome candor.Outcome, rationale string) (*candor.Decision, error) {
	if err := candor.CheckStatement("rationale", rationale, true); err != nil {
		return nil, err
	}
	if outcome != candor.OutcomeApprove && outcome != candor.OutcomeDecline {
		return nil, candor.Errorf(candor.EINVALID, "a review ends in approve or decline")
	}
	d, err := s.Decision(ctx, candor.SubjectID{}, id)
	if err != nil {
		return nil, err
	}
	if d.Review == nil || !d.Review.ClosedAt.IsZero() {
		return nil, candor.Errorf(candor.ECONFLICT, "no review of decision %s is open", id)
	}
	d.Review.ClosedAt, d.Review.Reviewer, d.Review.Outcome, d.Review.Rationale = s.now().UTC(), reviewer, outcome, rationale
	_, key, err := s.subjectKey(ctx, d.Subject)
	if err != nil {
		return nil, err
	}
	if err := putDecision(ctx, s.store, key, d); err != nil {
		return nil, err
	}
	return d, s.store.DeleteRecord(ctx, candor.RecordReview, d.ID)
}

var _ candor.Reviews = (*Service)(nil)
