package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/internal/strictjson"
)

// maxControlBody bounds the JSON bodies of everything but event posts.
const maxControlBody = 16 << 10

// decodeBody reads a JSON object of at most maxControlBody bytes into v
// with decodeJSON. Errors: ETOOLARGE, EMALFORMED naming the problem.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	bp, err := s.readBody(w, r, maxControlBody)
	if err != nil {
		return err
	}
	defer s.bufs.Put(bp)
	return decodeJSON(*bp, v)
}

// decodeJSON reads body, one JSON object, into the struct v points to, as
// strictjson.Unmarshal does: keys exactly as tagged, none unknown or
// repeated, nothing nested deep, no control characters or bidirectional
// overrides in strings (tab and newline in fields tagged text:"multiline").
// Errors: EMALFORMED naming the problem, with its line and column.
func decodeJSON(body []byte, v any) error {
	err := strictjson.Unmarshal(body, v)
	var se *strictjson.Error
	if errors.As(err, &se) {
		return candor.Errorf(candor.EMALFORMED, "the body is not the JSON object expected: %s", se.Error())
	}
	return err
}

type reasonForPartyJSON struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// decisionForPartyJSON is what a relying party learns: never the facts or
// the points.
type decisionForPartyJSON struct {
	DecisionID       string               `json:"decision_id"`
	Outcome          string               `json:"outcome"`
	Grade            string               `json:"grade"`
	ScorecardID      string               `json:"scorecard_id"`
	ScorecardVersion int                  `json:"scorecard_version"`
	Reasons          []reasonForPartyJSON `json:"reasons"`
	ValidUntil       time.Time            `json:"valid_until"`
	HowToContest     string               `json:"how_to_contest"`
}

// decisionRequest is the body of POST /v1/decisions.
type decisionRequest struct {
	Consent string         `json:"consent"`
	Purpose candor.Purpose `json:"purpose"`
	Benefit string         `json:"benefit"`
}

// postDecision is POST /v1/decisions {consent, purpose, benefit}, for a
// relying party.
func (s *Server) postDecision(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req decisionRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Consent == "" || req.Purpose == 0 || req.Benefit == "" {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "consent, purpose and benefit are required"))
		return
	}
	dreq := candor.DecisionRequest{Consent: req.Consent, Purpose: req.Purpose, Benefit: req.Benefit,
		IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if _, ok := r.Header["Idempotency-Key"]; ok && dreq.IdempotencyKey == "" {
		s.writeError(w, r, decisions.CheckIdempotencyKey(""))
		return
	}
	// The decision is stored in the commit of its access record: durable
	// and recorded together, before it is answered. A replay (the same
	// Idempotency-Key and request) is recorded as a disclosure again.
	writeCreatedSigned(s, w, r, p, "decision for "+req.Purpose.String()+" by "+p.RelyingParty.ID, http.StatusOK,
		func(disclose candor.Disclose[*candor.Decision]) error {
			d, replayed, err := s.decisions.DecideOnce(r.Context(), p.RelyingParty, dreq, disclose)
			switch {
			case err != nil:
				s.metrics.refused(decisions.RefusalReason(err))
			case replayed:
				w.Header().Set("Idempotent-Replayed", "true")
			default:
				s.metrics.decided(d)
			}
			return err
		},
		partyAnswer, s.signDecision())
}

// SignatureHeader carries a decision answer's detached JWS
// (decisions.Signer.SignDetached), made with the key published at
// DecisionKeysPath.
const SignatureHeader = "Candor-Signature"

// DecisionKeysPath serves the decision signing key as a JWKS.
const DecisionKeysPath = "/.well-known/candor-decision-keys"

// signDecision returns what signs decision answers, or nil.
func (s *Server) signDecision() func([]byte) string {
	if s.signer == nil {
		return nil
	}
	return s.signer.SignDetached
}

// getDecisionKeys is GET /.well-known/candor-decision-keys: the JWKS
// decision answers' signatures are checked with.
func (s *Server) getDecisionKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, s.signer.JWKS())
}

// getDecisionForParty is GET /v1/decisions/{id}, for the relying party
// that asked for it (404 for any other, as for no decision): what it was
// told, again, recorded as a disclosure.
func (s *Server) getDecisionForParty(w http.ResponseWriter, r *http.Request, p *Principal) {
	writeCreatedSigned(s, w, r, p, "decision shown again to "+p.RelyingParty.ID, http.StatusOK,
		func(disclose candor.Disclose[*candor.Decision]) error {
			_, err := s.decisions.ShowDecision(r.Context(), p.RelyingParty, r.PathValue("id"), disclose)
			return err
		},
		partyAnswer, s.signDecision())
}

// partyAnswer is what a relying party is told of decision d, ready to
// encode.
func partyAnswer(d *candor.Decision) (candor.SubjectID, any, error) {
	out := decisionForParty(d)
	return d.Subject, &out, nil
}

// decisionForParty is what a relying party is told of decision d.
func decisionForParty(d *candor.Decision) decisionForPartyJSON {
	out := decisionForPartyJSON{DecisionID: d.ID, Outcome: d.Outcome.String(), Grade: d.Grade, ScorecardID: d.Scorecard,
		ScorecardVersion: d.ScorecardVersion, Reasons: make([]reasonForPartyJSON, 0, len(d.Reasons)), ValidUntil: d.ValidUntil, HowToContest: decisions.HowToContest}
	for _, rs := range d.Reasons {
		out.Reasons = append(out.Reasons, reasonForPartyJSON{Code: rs.Code, Text: rs.Text})
	}
	return out
}

// getConsentForParty is GET /v1/consents/{code}, for the relying party
// the consent was granted to: its purpose, period and whether it is
// active, not whose it is.
func (s *Server) getConsentForParty(w http.ResponseWriter, r *http.Request, p *Principal) {
	c, err := s.decisions.ConsentFor(r.Context(), p.RelyingParty, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.consentView(c))
}

// getCourtOrders is GET /v1/court-orders?consent=CODE, or
// ?scheme=&value= for a relying party the law lets look subjects up
// without consent: the court-ordered restrictions standing now.
func (s *Server) getCourtOrders(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	var id *candor.Identifier
	if q.Has("scheme") || q.Has("value") {
		ident, err := identifierQuery(q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id = &ident
	}
	orders, subject, err := s.decisions.CourtOrders(r.Context(), p.RelyingParty, q.Get("consent"), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"orders": orders, "as_of": s.now().UTC()}
	if subject.IsZero() { // an identifier that names nobody: nothing about anyone was read
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.writeDisclosure(w, r, p, subject, "court orders for court_enforcement by "+p.RelyingParty.ID, http.StatusOK, out)
}

// The subject's side: /v1/me/...

type consentJSON struct {
	Code         string    `json:"code"`
	URL          string    `json:"url"`
	RelyingParty string    `json:"relying_party"`
	Purpose      string    `json:"purpose"`
	GrantedAt    time.Time `json:"granted_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	State        string    `json:"state"` // active, revoked or expired
	Active       bool      `json:"active"`
}

func (s *Server) consentView(c *candor.Consent) consentJSON {
	state := c.StateAt(s.now())
	return consentJSON{Code: c.Code, URL: "/v1/consents/" + c.Code, RelyingParty: c.RelyingParty, Purpose: c.Purpose.String(),
		GrantedAt: c.GrantedAt, ExpiresAt: c.ExpiresAt, RevokedAt: c.RevokedAt, State: state, Active: state == candor.ConsentActive}
}

// consentRequest is the body of POST /v1/me/consents.
type consentRequest struct {
	RelyingParty string         `json:"relying_party"`
	Purpose      candor.Purpose `json:"purpose"`
	Days         int            `json:"days"`
}

// postConsent is POST /v1/me/consents {relying_party, purpose, days}.
func (s *Server) postConsent(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req consentRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.RelyingParty == "" || req.Purpose == 0 {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "relying_party and purpose are required"))
		return
	}
	if req.Days < 0 || req.Days > int(candor.MaxConsentPeriod/(24*time.Hour)) {
		s.writeError(w, r, candor.Errorf(candor.EINVALID, "days: from 1 to %d (default %d)", candor.MaxConsentPeriod/(24*time.Hour), candor.DefaultConsentPeriod/(24*time.Hour)))
		return
	}
	c, err := s.decisions.Grant(r.Context(), p.Subject, req.RelyingParty, req.Purpose, time.Duration(req.Days)*24*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.consentView(c))
}

// getConsents is GET /v1/me/consents.
func (s *Server) getConsents(w http.ResponseWriter, r *http.Request, p *Principal) {
	cs, err := s.decisions.Consents(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []consentJSON{}
	for _, c := range cs {
		out = append(out, s.consentView(c))
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"consents": out})
}

// deleteConsent is DELETE /v1/me/consents/{code}: revocation, at once.
func (s *Server) deleteConsent(w http.ResponseWriter, r *http.Request, p *Principal) {
	c, err := s.decisions.Revoke(r.Context(), p.Subject, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.consentView(c))
}

type reviewJSON struct {
	RequestedAt time.Time `json:"requested_at"`
	Statement   string    `json:"statement"`
	State       string    `json:"state"` // open, upheld or overturned
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Reviewer    string    `json:"reviewer,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Rationale   string    `json:"rationale,omitempty"`
}

// decisionJSON is a decision as its subject and reviewers see it.
type decisionJSON struct {
	ID               string       `json:"id"`
	RelyingParty     string       `json:"relying_party"`
	Purpose          string       `json:"purpose"`
	Benefit          string       `json:"benefit"`
	Outcome          string       `json:"outcome"`
	Grade            string       `json:"grade"`
	ScorecardID      string       `json:"scorecard_id"`
	ScorecardVersion int          `json:"scorecard_version"`
	Reasons          []reasonJSON `json:"reasons"`
	At               time.Time    `json:"at"`
	ValidUntil       time.Time    `json:"valid_until"`
	HowToContest     string       `json:"how_to_contest"`
	Review           *reviewJSON  `json:"review,omitempty"`
	Subject          string       `json:"subject,omitempty"` // for reviewers
}

func decisionView(d *candor.Decision, withSubject bool) decisionJSON {
	out := decisionJSON{ID: d.ID, RelyingParty: d.RelyingParty, Purpose: d.Purpose.String(), Benefit: d.Benefit,
		Outcome: d.Outcome.String(), Grade: d.Grade, ScorecardID: d.Scorecard, ScorecardVersion: d.ScorecardVersion,
		Reasons: []reasonJSON{}, At: d.At, ValidUntil: d.ValidUntil, HowToContest: decisions.HowToContest}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, reasonJSON(r))
	}
	if withSubject {
		out.Subject = d.Subject.String()
	}
	if rv := d.Review; rv != nil {
		out.Review = &reviewJSON{RequestedAt: rv.RequestedAt, Statement: rv.Statement, State: "open",
			ClosedAt: rv.ClosedAt, Reviewer: rv.Reviewer, Rationale: rv.Rationale}
		if !rv.ClosedAt.IsZero() {
			out.Review.Outcome = rv.Outcome.String()
			out.Review.State = "upheld"
			if d.Overturned() {
				out.Review.State = "overturned"
			}
		}
	}
	return out
}

// getMyDecisions is GET /v1/me/decisions: the decisions taken about the
// subject and the refused requests for one.
func (s *Server) getMyDecisions(w http.ResponseWriter, r *http.Request, p *Principal) {
	ds, err := s.decisions.Decisions(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.decisions.Attempts(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []decisionJSON{}
	for _, d := range ds {
		out = append(out, decisionView(d, false))
	}
	if as == nil {
		as = []*candor.Attempt{}
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"decisions": out, "refused_requests": as})
}

// reviewRequest is the body of POST /v1/me/decisions/{id}/review.
type reviewRequest struct {
	Statement string `json:"statement" text:"multiline"`
}

// postReview is POST /v1/me/decisions/{id}/review {statement}.
func (s *Server) postReview(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req reviewRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.decisions.RequestReview(r.Context(), p.Subject, r.PathValue("id"), req.Statement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, decisionView(d, false))
}

// Reviewers: /v1/reviews...

// getReviews is GET /v1/reviews: the open reviews, oldest first. The
// queue shows each person's decision and statement, so reading it is
// recorded as a read of each of them, for human review.
func (s *Server) getReviews(w http.ResponseWriter, r *http.Request, p *Principal) {
	ds, err := s.decisions.OpenReviews(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []decisionJSON{}
	var subjects []candor.SubjectID
	for _, d := range ds {
		out = append(out, decisionView(d, true))
		if !slices.Contains(subjects, d.Subject) {
			subjects = append(subjects, d.Subject)
		}
	}
	s.writeDisclosures(w, r, p, subjects, candor.ReadHumanReview.String(), http.StatusOK, map[string]any{"reviews": out})
}

// getReview is GET /v1/reviews/{id}: the decision under review, with the
// subject's score under the decision's scorecard at the decision's
// instant, explained, for the reviewer to examine.
func (s *Server) getReview(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, score, err := s.decisions.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDisclosure(w, r, p, d.Subject, candor.ReadHumanReview.String(), http.StatusOK,
		map[string]any{"decision": decisionView(d, true), "score": scoreView(score, true)})
}

// closeReviewRequest is the body of POST /v1/reviews/{id}/close.
type closeReviewRequest struct {
	Outcome   candor.Outcome `json:"outcome"`
	Rationale string         `json:"rationale" text:"multiline"`
}

// closeReview is POST /v1/reviews/{id}/close {outcome, rationale}.
func (s *Server) closeReview(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req closeReviewRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.decisions.CloseReview(r.Context(), p.Key.Principal, r.PathValue("id"), req.Outcome, req.Rationale)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, decisionView(d, true))
}
