package ui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/candor-project/candor"
)

// Who looked: every recorded read of the person's data, newest first.

type accessView struct {
	N                         uint64
	At                        time.Time
	Who, Role, Purpose, Route string
}

type accessesView struct {
	Reads  []accessView
	Proofs bool // each record has a proof download
}

func (s *Server) accessPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	entries, err := s.cfg.Profiles.Access(ctx, sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := accessesView{Proofs: s.cfg.Proofs != nil}
	for _, a := range entries {
		who := a.Principal
		switch a.Role {
		case candor.RoleSubject:
			who = "you"
		case candor.RoleRelyingParty:
			who = cmp.Or(names[a.Principal], a.Principal)
		}
		v.Reads = append(v.Reads, accessView{N: a.N, At: a.At, Who: who, Role: words(a.Role.String()), Purpose: candor.PurposeWords(a.Purpose), Route: a.Action})
	}
	slices.Reverse(v.Reads)
	s.render(w, r, http.StatusOK, "access", "Who looked", "access", v)
}

// accessProof is GET /me/access/{n}/proof: the proof that access record n
// is in the transparency log, as a JSON download anyone can check with
// the log's verifier key (see audit.AccessProof).
func (s *Server) accessProof(w http.ResponseWriter, r *http.Request, sess *session) {
	n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
	if err != nil {
		s.fail(w, r, candor.Errorf(candor.ENOTFOUND, "There is no such record."))
		return
	}
	proof, err := s.cfg.Proofs.AccessProof(r.Context(), sess.subject, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(proof, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="candor-access-proof-%d.json"`, n))
	s.send(w, r, http.StatusOK, "application/json", body)
}

// writeProofs is GET /me/data/proofs.json and GET /me/data/{id}/proof:
// the proofs that the person's facts (or fact id) were logged, as a JSON
// download anyone can check with the log's verifier key (see
// audit.WriteProof; docs/transparency-log.md).
func (s *Server) writeProofs(w http.ResponseWriter, r *http.Request, sess *session) {
	var event candor.EventID
	name := "candor-fact-proofs.json"
	if v := r.PathValue("id"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			s.fail(w, r, candor.Errorf(candor.ENOTFOUND, "There is no such fact."))
			return
		}
		event, name = candor.EventID(n), fmt.Sprintf("candor-fact-proof-%d.json", n)
	}
	proofs, pending, err := s.cfg.Proofs.WriteProofs(r.Context(), sess.subject, event)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(map[string]any{"proofs": proofs, "not_logged_yet": pending}, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, name))
	s.send(w, r, http.StatusOK, "application/json", body)
}
