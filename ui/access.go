package ui

import (
	"cmp"
	"context"
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
	N                  uint64
	At                 time.Time
	Who, Role, Purpose string
	What               string // what was read, in words
}

type accessesView struct {
	Others []accessView // reads by anyone but the person, newest first
	Own    []accessView // the person's own reads: in the portal and through the API
	Proofs bool         // each record has a proof download
}

// roleWords is what each role of reader is, for the person.
var roleWords = map[candor.Role]string{
	candor.RoleOperator: "Candor operator", candor.RoleReviewer: "Candor reviewer", candor.RolePolicyAdmin: "Candor policy administrator",
	candor.RoleRelyingParty: "relying party", candor.RoleSource: "data source", candor.RoleSubject: "you",
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
	l := localeOf(nil, r)
	v := accessesView{Proofs: s.cfg.Proofs != nil}
	readers := map[string]string{} // principal → name, looked up once
	for _, a := range entries {
		av := accessView{N: a.N, At: a.At, Role: cmp.Or(roleWords[a.Role], words(a.Role.String())), Purpose: l.accessWhy(a.Purpose), What: l.accessWhat(a.Action)}
		if a.Role == candor.RoleSubject {
			av.Who = "you, through the API"
			if a.Principal == "portal" {
				av.Who = "you, in the portal"
			}
			v.Own = append(v.Own, av)
			continue
		}
		name, ok := readers[a.Principal]
		if !ok {
			name = s.readerName(ctx, a.Role, a.Principal, names)
			readers[a.Principal] = name
		}
		av.Who = name
		v.Others = append(v.Others, av)
	}
	slices.Reverse(v.Others)
	slices.Reverse(v.Own)
	s.render(w, r, http.StatusOK, "access", "Who looked", "access", v)
}

// readerName names who read a person's data, as the person should see
// it (the page adds the role): a relying party's or a source's name, an
// operator's or reviewer's name — never the ID of the API key they used.
func (s *Server) readerName(ctx context.Context, role candor.Role, principal string, parties map[string]string) string {
	who := principal
	if key, err := s.cfg.Registrar.Key(ctx, principal); err == nil {
		who = key.Principal // the key's holder
	}
	switch role {
	case candor.RoleRelyingParty:
		return cmp.Or(parties[who], who)
	case candor.RoleSource:
		if src, err := s.cfg.Registrar.Source(ctx, who); err == nil && src.Name != "" {
			return src.Name
		}
	}
	return who
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
