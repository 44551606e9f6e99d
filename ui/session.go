package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/edge"
)

// Cookies. A session cookie holds only a random token; the server keeps
// the session under the token's hash. A person's session and an operator's
// console session are apart: each has its own cookie, and a token is good
// only in the cookie it was issued for. The pre-session cookie is a
// double-submit token for the forms shown before sign-in (the sign-in
// forms themselves), so that another site cannot sign a browser in as
// someone else.
const (
	sessionCookie = "candor_session"
	consoleCookie = "candor_console"
	preCookie     = "candor_pre"
)

// session is a signed-in person's session, or an operator's, a policy
// administrator's or a reviewer's in the console.
type session struct {
	token   string           // the cookie's value; only its hash is stored
	role    candor.Role      // RoleSubject for a person
	subject candor.SubjectID // a person's
	keyID   string           // in the console: the API key signed in with
	label   string           // how pages name the viewer
	csrf    string           // the token every POST form must carry
	created time.Time
	seen    time.Time
	stored  time.Time // the last seen time stored
	flash   string    // a message for the next page shown (not stored)
	recheck bool      // to be looked up in the store before its next use (an erasure happened)
}

// console reports whether s is a console session.
func (s *session) console() bool { return s.role != candor.RoleSubject }

// storedSession is a session as the store keeps it (candor.RecordSession,
// ID the hex SHA-256 of the token, Subject the person's): its expiry in
// the clear, as 8 bytes of Unix seconds, then this as JSON, sealed with
// the person's data key for a person's session.
type storedSession struct {
	Role    candor.Role `json:"role"`
	Key     string      `json:"key,omitempty"`
	Label   string      `json:"label,omitempty"` // the console's only: a person's is recomputed
	CSRF    string      `json:"csrf"`
	Created time.Time   `json:"created"`
	Seen    time.Time   `json:"seen"`
}

// sessions keeps sessions in the store, so that they survive a restart,
// and those in use in memory. A session ends after idle without a
// request, and max after sign-in in any case; the store holds each with
// its expiry, and ended ones are removed from it. Safe for concurrent use.
type sessions struct {
	idle, max time.Duration
	now       func() time.Time
	store     candor.Sessions
	// label names a person, for a session loaded from the store.
	label func(ctx context.Context, subject candor.SubjectID) (string, error)
	log   *slog.Logger

	mu    sync.Mutex
	m     map[string]*session // by token hash
	swept time.Time
	// erasures is one more than the store's erasures version the
	// person's sessions in m were last marked at (see catchUpErasures).
	erasures uint64
}

// catchUpErasures marks every person's session in memory to be checked
// against the store at its next use, when the store's erasures version
// moved since it last looked: a subject erased, by any node sharing the
// store, takes its stored sessions with it, and so ends them here too.
// Erasures are rare; when nothing changed it costs one version read.
// ss.mu is held.
func (ss *sessions) catchUpErasures() {
	if ss.store == nil {
		return
	}
	v := ss.store.ErasuresVersion() + 1
	if v == ss.erasures {
		return
	}
	for _, s := range ss.m {
		s.recheck = !s.console()
	}
	ss.erasures = v
}

// stillStored reports whether the session s, marked by catchUpErasures,
// is still in the store, and forgets it if not.
func (ss *sessions) stillStored(ctx context.Context, id string, s *session) bool {
	_, _, err := ss.store.Session(ctx, id, ss.now())
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case err == nil:
		s.recheck = false
		return true
	case candor.ErrorCode(err) == candor.ENOTFOUND:
		delete(ss.m, id)
	default:
		ss.log.Error("ui: reading a session", "err", err)
	}
	return false
}

// touchEvery is how stale the stored seen time of a session in use may
// get: storing it on every request would cost a synced write per page.
const touchEvery = time.Minute

func newSessions(idle, max time.Duration, now func() time.Time, st candor.Sessions,
	label func(context.Context, candor.SubjectID) (string, error), log *slog.Logger) *sessions {
	if idle <= 0 {
		idle = 30 * time.Minute
	}
	if max <= 0 {
		max = 12 * time.Hour
	}
	return &sessions{idle: idle, max: max, now: now, store: st, label: label, log: log, m: map[string]*session{}}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// start opens and stores a new session. A fresh token on every sign-in
// means a token planted before it is worth nothing after.
func (ss *sessions) start(ctx context.Context, s *session) error {
	now := ss.now()
	s.token, s.csrf, s.created, s.seen, s.stored = randomToken(), randomToken(), now, now, now
	if err := ss.put(ctx, s); err != nil {
		return err
	}
	ss.mu.Lock()
	ss.m[tokenHash(s.token)] = s
	sweep := now.Sub(ss.swept) > time.Minute
	if sweep {
		ss.swept = now
	}
	ss.mu.Unlock()
	if sweep {
		ss.sweep(ctx, now)
	}
	return nil
}

// expires returns when s ends unless used again.
func (ss *sessions) expires(s *session) time.Time {
	idle, hard := s.seen.Add(ss.idle), s.created.Add(ss.max)
	if idle.Before(hard) {
		return idle
	}
	return hard
}

// put stores s.
func (ss *sessions) put(ctx context.Context, s *session) error {
	id := tokenHash(s.token)
	ss.mu.Lock()
	st := storedSession{Role: s.role, Key: s.keyID, CSRF: s.csrf, Created: s.created, Seen: s.seen}
	expires := ss.expires(s)
	ss.mu.Unlock()
	if s.console() {
		st.Label = s.label
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := ss.store.PutSession(ctx, id, s.subject, expires, payload); err != nil {
		return fmt.Errorf("ui: storing a session: %w", err)
	}
	return nil
}

// load reads the session stored under id, or returns nil if there is
// none or it has ended (and removes it).
func (ss *sessions) load(ctx context.Context, id string, now time.Time) (*session, error) {
	subject, payload, err := ss.store.Session(ctx, id, now)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	label := ""
	if !subject.IsZero() {
		if label, err = ss.label(ctx, subject); err != nil {
			return nil, err
		}
	}
	var st storedSession
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("ui: session record %s: %w", id, err)
	}
	if subject.IsZero() {
		label = st.Label
	}
	if subject.IsZero() == (st.Role == candor.RoleSubject) {
		return nil, fmt.Errorf("ui: session record %s: role %s with subject %q", id, st.Role, subject)
	}
	return &session{role: st.Role, subject: subject, keyID: st.Key, label: label, csrf: st.CSRF,
		created: st.Created, seen: st.Seen, stored: st.Seen}, nil
}

// get returns the live session r's cookie names, or nil, and marks it
// used. Under /console/ it is the console's cookie and session, elsewhere
// the person's.
func (ss *sessions) get(r *http.Request) *session {
	console := isConsole(r.URL.Path)
	name := sessionCookie
	if console {
		name = consoleCookie
	}
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return nil
	}
	id, now, ctx := tokenHash(c.Value), ss.now(), r.Context()
	ss.mu.Lock()
	ss.catchUpErasures()
	s := ss.m[id]
	recheck := s != nil && s.recheck
	ss.mu.Unlock()
	if recheck && !ss.stillStored(ctx, id, s) {
		return nil
	}
	if s == nil {
		if s, err = ss.load(ctx, id, now); err != nil {
			ss.log.Error("ui: reading a session", "err", err)
			return nil
		}
		if s == nil {
			return nil
		}
		s.token = c.Value
		ss.mu.Lock()
		if o := ss.m[id]; o != nil {
			s = o // loaded meanwhile by another request
		} else {
			ss.m[id] = s
		}
		ss.mu.Unlock()
	}
	if s.console() != console {
		return nil
	}
	ss.mu.Lock()
	ended := !now.Before(ss.expires(s))
	if !ended {
		s.seen = now
	}
	touch := !ended && now.Sub(s.stored) >= touchEvery
	if touch {
		s.stored = now // one request stores it
	}
	ss.mu.Unlock()
	if ended {
		ss.end(ctx, s)
		return nil
	}
	if touch {
		if err := ss.put(ctx, s); err != nil {
			ss.log.Error("ui: storing a session", "err", err)
		}
	}
	edge.SetPrincipal(ctx, s.role.String())
	return s
}

// isConsole reports whether path is the console's.
func isConsole(path string) bool { return path == "/console" || strings.HasPrefix(path, "/console/") }

// end ends a session.
func (ss *sessions) end(ctx context.Context, s *session) {
	id := tokenHash(s.token)
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
	if err := ss.store.DeleteSession(ctx, id); err != nil {
		ss.log.Error("ui: removing a session", "err", err)
	}
}

// sweep removes the sessions that ended by now, from memory and the
// store.
func (ss *sessions) sweep(ctx context.Context, now time.Time) {
	ss.mu.Lock()
	for id, s := range ss.m {
		if !now.Before(ss.expires(s)) {
			delete(ss.m, id)
		}
	}
	ss.mu.Unlock()
	if _, err := ss.store.SweepSessions(ctx, now); err != nil {
		ss.log.Error("ui: removing ended sessions", "err", err)
	}
}

func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	s.flash = msg
	ss.mu.Unlock()
}

func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := s.flash
	s.flash = ""
	return f
}

// secure reports whether cookies set in answer to r are Secure.
func (s *Server) secure(r *http.Request) bool { return s.cfg.SecureCookies || r.TLS != nil }

// cookie returns a cookie: HttpOnly, SameSite=Lax, Secure over TLS or when
// configured, and gone when the browser closes (the server ends sessions
// before that anyway). The console's is sent to the console only.
func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	path := "/"
	if name == consoleCookie {
		path = "/console/"
	}
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode}
}

// personLabel is how pages name a person: by their first identifier.
func (s *Server) personLabel(ctx context.Context, subject candor.SubjectID) (string, error) {
	sub, err := s.cfg.Profiles.Subject(ctx, subject)
	if err != nil {
		return "", err
	}
	label := sub.Kind.Noun()
	if len(sub.Identifiers) > 0 {
		id := sub.Identifiers[0]
		label = id.Scheme.Title() + " " + id.Value
	}
	return label, nil
}

// startSession signs the person in and sends them to their grades.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, subject candor.SubjectID) {
	label, err := s.personLabel(r.Context(), subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.begin(w, r, &session{role: candor.RoleSubject, subject: subject, label: label}, localeOf(nil, r).T("You are signed in."), "/me/grades")
}

// begin starts sess, replacing the browser's session of its kind, sets its
// cookie and sends the browser to next.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, sess *session, flash, next string) {
	if old := s.sessions.get(r); old != nil {
		s.sessions.end(r.Context(), old)
	}
	if err := s.sessions.start(r.Context(), sess); err != nil {
		s.fail(w, r, err)
		return
	}
	name := sessionCookie
	if sess.console() {
		name = consoleCookie
	}
	http.SetCookie(w, s.cookie(r, name, sess.token, 0))
	http.SetCookie(w, s.cookie(r, preCookie, "", -1))
	s.sessions.setFlash(sess, flash)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signedIn wraps a handler for signed-in people: without a session it
// sends the person to sign in; a POST must carry the session's CSRF token.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(r)
		if sess == nil {
			s.signInFirst(w, r, "/signin")
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			s.fail(w, r, errFormExpired)
			return
		}
		h(w, r, sess)
	}
}

var errFormExpired = candor.Errorf(candor.EFORBIDDEN, "This form has expired or did not come from this site. Please go back, reload the page and try again.")

// signInFirst answers a request that needs a session it lacks: a GET is
// sent to signin, anything else refused.
func (s *Server) signInFirst(w http.ResponseWriter, r *http.Request, signin string) {
	if r.Method == http.MethodGet {
		http.Redirect(w, r, signin, http.StatusSeeOther)
		return
	}
	s.fail(w, r, candor.Errorf(candor.EFORBIDDEN, "Your session has ended. Please sign in again."))
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// preToken returns the pre-session token of r's browser, setting the
// cookie if it has none.
func (s *Server) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	t := randomToken()
	http.SetCookie(w, s.cookie(r, preCookie, t, 3600))
	return t
}

// checkPre reports whether a form posted before sign-in carries the
// browser's pre-session token.
func checkPre(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	return err == nil && sameToken(r.PostFormValue("csrf"), c.Value)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, sess *session) {
	s.sessions.end(r.Context(), sess)
	name, next := sessionCookie, "/"
	if sess.console() {
		name, next = consoleCookie, "/console/signin"
	}
	http.SetCookie(w, s.cookie(r, name, "", -1))
	http.Redirect(w, r, next, http.StatusSeeOther)
}
