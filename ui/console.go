package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/edge"
)

// The operator console, under /console/: the installation's sources and
// relying parties with their keys, scorecard versions and their
// simulation, the human-review queue and population charts. It is for
// holders of an operator's, a policy administrator's or a reviewer's API
// key, each seeing the pages of their role, in a session of its own
// (consoleCookie). It shows no one's profile: only registrations, counts
// and queues; a reviewer's look at one decision under review is recorded
// as a read of its subject's data, as the API's is.

// consoleRoles are the roles that may sign in to the console.
var consoleRoles = []candor.Role{candor.RoleOperator, candor.RolePolicyAdmin, candor.RoleReviewer}

// Who may see which console pages.
var (
	operators   = []candor.Role{candor.RoleOperator}
	policyRoles = []candor.Role{candor.RoleOperator, candor.RolePolicyAdmin}
	// policyAdmins act on scorecard versions, each with their own key.
	policyAdmins = []candor.Role{candor.RolePolicyAdmin}
	reviewers    = []candor.Role{candor.RoleReviewer}
)

// registerConsole adds the console's routes to m.
func (s *Server) registerConsole(m *http.ServeMux) {
	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/signin", s.consoleSignInPage)
	m.HandleFunc("POST /console/signin", s.consoleSignIn)
	m.HandleFunc("POST /console/signout", s.inConsole(consoleRoles, s.signOut))
	m.HandleFunc("GET /console/{$}", s.inConsole(consoleRoles, s.consoleHome))
	m.HandleFunc("GET /console/sources", s.inConsole(operators, s.consoleSources))
	m.HandleFunc("POST /console/sources", s.inConsole(operators, s.addSource))
	m.HandleFunc("POST /console/sources/{id}/keys", s.inConsole(operators, s.issueKey(candor.RoleSource)))
	m.HandleFunc("GET /console/relying-parties", s.inConsole(operators, s.consoleParties))
	m.HandleFunc("POST /console/relying-parties", s.inConsole(operators, s.addParty))
	m.HandleFunc("POST /console/relying-parties/{id}/keys", s.inConsole(operators, s.issueKey(candor.RoleRelyingParty)))
	m.HandleFunc("POST /console/keys/{id}/revoke", s.inConsole(operators, s.revokeKey))
	m.HandleFunc("GET /console/scorecards", s.inConsole(policyRoles, s.consoleScorecards))
	m.HandleFunc("POST /console/scorecards/simulate", s.inConsole(policyRoles, s.simulate))
	if s.cfg.Policy != nil {
		m.HandleFunc("POST /console/scorecards/propose", s.inConsole(policyAdmins, s.propose))
		m.HandleFunc("POST /console/scorecards/approve", s.inConsole(policyAdmins, s.approve))
	}
	m.HandleFunc("GET /console/population", s.inConsole(operators, s.populationPage))
	m.HandleFunc("POST /console/population/recompute", s.inConsole(operators, s.recompute))
	m.HandleFunc("GET /console/reviews", s.inConsole(reviewers, s.reviewQueue))
	m.HandleFunc("GET /console/reviews/{id}", s.inConsole(reviewers, s.reviewCase))
	m.HandleFunc("POST /console/reviews/{id}/close", s.inConsole(reviewers, s.closeReview))
	if s.cfg.DisputeDesk != nil {
		m.HandleFunc("GET /console/disputes", s.inConsole(operators, s.disputeQueue))
		m.HandleFunc("GET /console/disputes/{id}", s.inConsole(operators, s.disputeCase))
		m.HandleFunc("POST /console/disputes/{id}/resolve", s.inConsole(operators, s.resolveDispute))
	}
}

// inConsole wraps a console handler for the given roles: without a
// console session, a GET is sent to the console's sign-in and anything
// else refused; a session whose key has been revoked since ends; another
// role is refused (403); a POST must carry the session's CSRF token.
func (s *Server) inConsole(roles []candor.Role, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(r)
		if sess != nil && !s.keyStands(r.Context(), sess) {
			s.sessions.end(r.Context(), sess)
			sess = nil
		}
		if sess == nil {
			s.signInFirst(w, r, "/console/signin")
			return
		}
		if !slices.Contains(roles, sess.role) {
			s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "This page is not for the %s role you signed in with.", localeOf(nil, r).Word(sess.role.String())))
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			s.fail(w, r, errFormExpired)
			return
		}
		h(w, r, sess)
	}
}

// keyStands reports whether the key a console session was started with is
// still stored, unrevoked and of the session's role.
func (s *Server) keyStands(ctx context.Context, sess *session) bool {
	k, err := s.cfg.Registrar.Key(ctx, sess.keyID)
	if err != nil && candor.ErrorCode(err) != candor.ENOTFOUND {
		s.log.Error("ui: reading a console session's key", "err", err)
	}
	return err == nil && !k.Revoked() && k.Role == sess.role
}

// adminStands reports whether a policy administrator's key is one the
// administrative acts minted, approved and did not revoke.
func (s *Server) adminStands(ctx context.Context, key *candor.APIKey) bool {
	if s.cfg.Admin == nil {
		return false
	}
	_, err := s.cfg.Admin.Stands(ctx, key)
	if err != nil && candor.ErrorCode(err) != candor.EFORBIDDEN {
		s.log.Error("ui: checking an administrator's key against the administrative acts", "err", err)
	}
	return err == nil
}

type consoleSignInView struct{ Pre string }

func (s *Server) consoleSignInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "console_signin", "Console sign-in", "console-signin", consoleSignInView{s.preToken(w, r)})
}

// consoleSignIn starts a console session for the holder of an operator's,
// a policy administrator's or a reviewer's API key.
func (s *Server) consoleSignIn(w http.ResponseWriter, r *http.Request) {
	if !checkPre(r) {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "This form did not come from this site, or your browser refused its cookie. Open the sign-in page again."))
		return
	}
	key, err := s.cfg.Registrar.Authenticate(r.Context(), strings.TrimSpace(r.PostFormValue("key")))
	if err != nil {
		edge.AuthFailed(s.log, r, candor.ErrorCode(err))
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "That is not a valid API key, or it has been revoked."))
		return
	}
	if !slices.Contains(consoleRoles, key.Role) {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "A %s key cannot sign in to the console: it takes an operator's, a policy administrator's or a reviewer's.", localeOf(nil, r).Word(key.Role.String())))
		return
	}
	if key.Role == candor.RolePolicyAdmin && !s.adminStands(r.Context(), key) {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "That policy administrator's key was not minted and approved by administrative acts, or was revoked: it cannot sign in."))
		return
	}
	s.log.Info("console sign-in", "role", key.Role.String(), "key", key.ID)
	s.begin(w, r, &session{role: key.Role, keyID: key.ID, label: key.Principal}, localeOf(nil, r).T("Signed in to the console."), "/console/")
}

type consoleHomeView struct {
	Role                                           string
	Operator, Policy, Reviewer                     bool
	Sources, Parties, Active, Proposed, OpenReview int
	// OpenDisputes is -1 without a dispute service.
	OpenDisputes int
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	v := consoleHomeView{Role: words(sess.role.String()), Operator: sess.role == candor.RoleOperator,
		Policy: slices.Contains(policyRoles, sess.role), Reviewer: sess.role == candor.RoleReviewer}
	var err error
	if v.Operator {
		var srcs []*candor.Source
		var rps []*candor.RelyingParty
		if srcs, err = s.cfg.Registrar.Sources(ctx); err == nil {
			rps, err = s.cfg.Parties.RelyingParties(ctx)
		}
		v.Sources, v.Parties = len(srcs), len(rps)
		v.OpenDisputes = -1
		if err == nil && s.cfg.DisputeDesk != nil {
			ds, e := s.cfg.DisputeDesk.Queue(ctx, "")
			v.OpenDisputes, err = len(ds), e
		}
	}
	if err == nil && v.Policy {
		active, _ := s.scorers()
		v.Active = len(active)
		var vs []versionView
		vs, err = s.proposals(ctx)
		v.Proposed = len(vs)
	}
	if err == nil && v.Reviewer {
		ds, e := s.cfg.Decisions.OpenReviews(ctx)
		v.OpenReview, err = len(ds), e
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_home", "Console", "console", v)
}

type keyView struct {
	ID, Principal string
	Created       time.Time
	Revoked       time.Time
}

type sourceView struct {
	Source *candor.Source
	Keys   []keyView
}

type sourcesView struct {
	Sources []sourceView
	Kinds   []candor.SourceKind // for the form that registers one
}

// keysOf returns the keys of role, by principal, oldest first.
func (s *Server) keysOf(ctx context.Context, role candor.Role) (map[string][]keyView, error) {
	keys, err := s.cfg.Registrar.Keys(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b *candor.APIKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	out := map[string][]keyView{}
	for _, k := range keys {
		if k.Role == role {
			out[k.Principal] = append(out[k.Principal], keyView{ID: k.ID, Principal: k.Principal, Created: k.CreatedAt, Revoked: k.RevokedAt})
		}
	}
	return out, nil
}

func (s *Server) consoleSources(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	srcs, err := s.cfg.Registrar.Sources(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.keysOf(ctx, candor.RoleSource)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := sourcesView{Kinds: candor.SourceKinds()}
	for _, src := range srcs {
		v.Sources = append(v.Sources, sourceView{Source: src, Keys: keys[src.ID]})
	}
	s.render(w, r, http.StatusOK, "console_sources", "Sources", "console-sources", v)
}

type partyView struct {
	Party *candor.RelyingParty
	Keys  []keyView
}

type partiesView struct {
	Parties  []partyView
	Purposes []candor.Purpose // for the form that registers one
}

func (s *Server) consoleParties(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	rps, err := s.cfg.Parties.RelyingParties(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.keysOf(ctx, candor.RoleRelyingParty)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := partiesView{Purposes: candor.Purposes()}
	for _, rp := range rps {
		v.Parties = append(v.Parties, partyView{Party: rp, Keys: keys[rp.ID]})
	}
	s.render(w, r, http.StatusOK, "console_parties", "Relying parties", "console-parties", v)
}

// addSource registers a source, or updates one, from the sources page's
// form, as candor source add does.
func (s *Server) addSource(w http.ResponseWriter, r *http.Request, sess *session) {
	kind, ok := candor.ParseSourceKind(r.PostFormValue("kind"))
	if !ok {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EINVALID, "Choose the kind of source."))
		return
	}
	src := &candor.Source{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Kind: kind, AllowedTypes: strings.Split(r.PostFormValue("types"), ",")}
	if err := s.cfg.Registrar.PutSource(r.Context(), src); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("ui: console registered a source", "by", sess.label, "source", src.ID, "types", len(src.AllowedTypes))
	s.sessions.setFlash(sess, localeOf(nil, r).T("Source %s is registered with %d event types; issue it a key below.", src.ID, len(src.AllowedTypes)))
	http.Redirect(w, r, "/console/sources", http.StatusSeeOther)
}

// addParty registers a relying party, or updates one, from the relying
// parties page's form, as candor rp add does (statutory purposes only
// through the CLI or the API).
func (s *Server) addParty(w http.ResponseWriter, r *http.Request, sess *session) {
	rp := &candor.RelyingParty{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	for _, p := range candor.Purposes() {
		if r.PostFormValue("purpose_"+p.String()) == "yes" {
			rp.Purposes = append(rp.Purposes, p)
		}
	}
	if old, err := s.cfg.Registrar.RelyingParty(r.Context(), rp.ID); err == nil {
		rp.Statutory = old.Statutory // kept: the form does not show them
	}
	if err := s.cfg.Registrar.PutRelyingParty(r.Context(), rp); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("ui: console registered a relying party", "by", sess.label, "relying_party", rp.ID)
	s.sessions.setFlash(sess, localeOf(nil, r).T("Relying party %s is registered; issue it a key below.", rp.ID))
	http.Redirect(w, r, "/console/relying-parties", http.StatusSeeOther)
}

type newKeyView struct {
	Role, Principal, Name, ID, Token, Back string
}

// issueKey makes a new API key for the source or relying party in the
// path and shows its token, once.
func (s *Server) issueKey(role candor.Role) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		ctx := r.Context()
		id := r.PathValue("id")
		var name, back string
		switch role {
		case candor.RoleSource:
			src, err := s.cfg.Registrar.Source(ctx, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			name, back = src.Name, "/console/sources"
		case candor.RoleRelyingParty:
			rp, err := s.cfg.Parties.RelyingParty(ctx, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			name, back = rp.Name, "/console/relying-parties"
		}
		token, key, err := s.cfg.Registrar.IssueKey(ctx, role, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.Info("ui: console issued a key", "by", sess.label, "key", key.ID, "role", role.String(), "principal", id)
		s.render(w, r, http.StatusOK, "console_key", localeOf(nil, r).T("New key for %s", name), "", newKeyView{Role: role.String(),
			Principal: id, Name: name, ID: key.ID, Token: token, Back: back})
	}
}

// revokeKey revokes a source's or relying party's key at once.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx := r.Context()
	key, err := s.cfg.Registrar.Key(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := map[candor.Role]string{candor.RoleSource: "/console/sources", candor.RoleRelyingParty: "/console/relying-parties"}[key.Role]
	if back == "" {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.EFORBIDDEN, "The console revokes sources' and relying parties' keys only; use candor source revoke for others."))
		return
	}
	key, revoked, err := s.cfg.Registrar.RevokeKey(ctx, key.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if revoked {
		s.log.Info("ui: console revoked a key", "by", sess.label, "key", key.ID, "principal", key.Principal)
	}
	s.sessions.setFlash(sess, localeOf(nil, r).T("Key %s of %s is revoked.", key.ID, key.Principal))
	http.Redirect(w, r, back, http.StatusSeeOther)
}
