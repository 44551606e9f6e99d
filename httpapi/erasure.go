package httpapi

import (
	"net/http"
	"time"

	"github.com/candor-project/candor"
)

// The subject's erasure and opt-outs: /v1/me/erasure, /v1/me/opt-outs.

// erasureRequest is the body of POST /v1/me/erasure: the subject confirms,
// so that no stray or empty request erases anyone.
type erasureRequest struct {
	Confirm bool `json:"confirm"`
}

// parseErasureRequest decodes and checks the body of POST
// /v1/me/erasure. Errors: EMALFORMED, EINVALID without confirm true.
func parseErasureRequest(body []byte) (erasureRequest, error) {
	var req erasureRequest
	if err := decodeJSON(body, &req); err != nil {
		return req, err
	}
	if !req.Confirm {
		return req, candor.Errorf(candor.EINVALID, `erasure cannot be undone: confirm it with {"confirm": true}, after reading GET /v1/me/erasure`)
	}
	return req, nil
}

// getErasure is GET /v1/me/erasure: what an erasure would remove and
// keep, and why.
func (s *Server) getErasure(w http.ResponseWriter, r *http.Request, p *Principal) {
	plan, err := s.erasure.Plan(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, plan)
}

// postErasure is POST /v1/me/erasure {"confirm": true}: the erasure, as
// GET /v1/me/erasure described it. After a whole erasure nothing about
// the subject is left to record a read in, and its keys are revoked.
func (s *Server) postErasure(w http.ResponseWriter, r *http.Request, p *Principal) {
	bp, err := s.readBody(w, r, maxControlBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, err = parseErasureRequest(*bp)
	s.bufs.Put(bp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	plan, err := s.erasure.Erase(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

type optOutJSON struct {
	Scorecard string    `json:"scorecard"`
	Purpose   string    `json:"purpose"`
	Since     time.Time `json:"since"`
}

func optOutView(o *candor.OptOut) optOutJSON {
	return optOutJSON{Scorecard: o.Scorecard, Purpose: o.Purpose.String(), Since: o.Since}
}

// getOptOuts is GET /v1/me/opt-outs: the subject's opt-outs, and the
// scorecards it may opt out of.
func (s *Server) getOptOuts(w http.ResponseWriter, r *http.Request, p *Principal) {
	os, err := s.decisions.OptOuts(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scorecards, err := s.decisions.OptableFor(r.Context(), p.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []optOutJSON{}
	for _, o := range os {
		out = append(out, optOutView(o))
	}
	optable := []string{}
	for _, sc := range scorecards {
		optable = append(optable, sc.ID)
	}
	s.writeDisclosure(w, r, p, p.Subject, "the subject's own read", http.StatusOK, map[string]any{"opt_outs": out, "optable": optable})
}

// postOptOut is POST /v1/me/opt-outs/{scorecard}.
func (s *Server) postOptOut(w http.ResponseWriter, r *http.Request, p *Principal) {
	o, err := s.decisions.OptOut(r.Context(), p.Subject, r.PathValue("scorecard"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, optOutView(o))
}

// deleteOptOut is DELETE /v1/me/opt-outs/{scorecard}: the subject opts
// back in.
func (s *Server) deleteOptOut(w http.ResponseWriter, r *http.Request, p *Principal) {
	card := r.PathValue("scorecard")
	if err := s.decisions.OptIn(r.Context(), p.Subject, card); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"scorecard": card, "opted_out": false})
}
