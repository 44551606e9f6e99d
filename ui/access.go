package ui

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/candor-project/candor"
)

// Who looked: every recorded read of the person's data, newest first.

type accessView struct {
	N                         uint64
	At                        time.Time
	Who, Role, Purpose, Route string
}

type accessesView struct{ Reads []accessView }

func (s *Server) accessPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	_, key, err := s.openSubject(ctx, sess.subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names, err := s.parties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := accessesView{}
	for rec, err := range s.cfg.Store.AccessRecords(ctx, sess.subject) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a, _, err := key.OpenAccess(rec)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		who := a.Principal
		switch a.Role {
		case candor.RoleSubject:
			who = "you"
		case candor.RoleRelyingParty:
			who = cmp.Or(names[a.Principal], a.Principal)
		}
		v.Reads = append(v.Reads, accessView{N: rec.N, At: a.At, Who: who, Role: words(a.Role.String()), Purpose: a.Purpose, Route: a.Action})
	}
	slices.Reverse(v.Reads)
	s.render(w, r, http.StatusOK, "access", "Who looked", "access", v)
}
