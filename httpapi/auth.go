package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/edge"
)

// Principal is who an API key authenticates.
type Principal struct {
	Key          *candor.APIKey
	Source       *candor.Source       // set for RoleSource
	RelyingParty *candor.RelyingParty // set for RoleRelyingParty
	Subject      candor.SubjectID     // set for RoleSubject
}

// authenticate resolves the request's bearer token. Errors: EUNAUTHORIZED for
// a missing, malformed, unknown or revoked key.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil, candor.Errorf(candor.EUNAUTHORIZED, "send an API key as 'Authorization: Bearer <key>'")
	}
	key, err := s.registrar.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	p := &Principal{Key: key}
	switch key.Role {
	case candor.RoleSource:
		p.Source, err = s.registrar.Source(ctx, key.Principal)
	case candor.RoleRelyingParty:
		if s.decisions == nil {
			return nil, candor.Errorf(candor.EUNAUTHORIZED, "relying parties are not served here")
		}
		p.RelyingParty, err = s.decisions.RelyingParty(ctx, key.Principal)
	case candor.RoleSubject:
		p.Subject, err = candor.ParseSubjectID(key.Principal)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// require wraps a handler that needs a principal in role.
func (s *Server) require(role candor.Role, h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return s.requireEither(role, role, h)
}

// requireEither wraps a handler that needs a principal in role or in or.
func (s *Server) requireEither(role, or candor.Role, h func(http.ResponseWriter, *http.Request, *Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r.Context(), r)
		if err != nil {
			if code := candor.ErrorCode(err); code == candor.EUNAUTHORIZED {
				edge.AuthFailed(s.log, r, code)
			}
			s.writeError(w, r, err)
			return
		}
		edge.SetPrincipal(r.Context(), p.Key.Role.String())
		switch {
		case p.Key.Role != role && role == or:
			s.writeError(w, r, candor.Errorf(candor.EFORBIDDEN, "this needs the %s role; the key has the %s role", role, p.Key.Role))
			return
		case p.Key.Role != role && p.Key.Role != or:
			s.writeError(w, r, candor.Errorf(candor.EFORBIDDEN, "this needs the %s or the %s role; the key has the %s role", role, or, p.Key.Role))
			return
		}
		h(w, r, p)
	}
}
