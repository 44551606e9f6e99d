package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// Cookies. The session cookie holds only a random ID; everything else is
// kept on the server. The pre-session cookie is a double-submit token for
// the forms shown before sign-in (the sign-in form itself), so that another
// site cannot sign a person in as someone else.
const (
	sessionCookie = "candor_session"
	preCookie     = "candor_pre"
)

// session is a signed-in person's session, kept in memory.
type session struct {
	id      string
	subject candor.SubjectID
	label   string // how pages name the person
	csrf    string // the token every POST form must carry
	created time.Time
	seen    time.Time
	flash   string // a message for the next page shown
}

// sessions is the server-side session store: in memory, so sessions end
// when the server restarts. Safe for concurrent use.
type sessions struct {
	idle, max time.Duration
	now       func() time.Time
	mu        sync.Mutex
	m         map[string]*session
	swept     time.Time
}

func newSessions(idle, max time.Duration, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = 30 * time.Minute
	}
	if max <= 0 {
		max = 12 * time.Hour
	}
	return &sessions{idle: idle, max: max, now: now, m: map[string]*session{}}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// start opens a new session for subject. A fresh ID on every sign-in means
// a session ID planted before it is worth nothing after.
func (ss *sessions) start(subject candor.SubjectID, label string) *session {
	now := ss.now()
	s := &session{id: randomToken(), subject: subject, label: label, csrf: randomToken(), created: now, seen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if now.Sub(ss.swept) > time.Minute {
		for id, o := range ss.m {
			if ss.expired(o, now) {
				delete(ss.m, id)
			}
		}
		ss.swept = now
	}
	ss.m[s.id] = s
	return s
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.seen) >= ss.idle || now.Sub(s.created) >= ss.max
}

// get returns the live session r's cookie names, or nil, and marks it
// used.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[c.Value]
	if s == nil {
		return nil
	}
	if ss.expired(s, now) {
		delete(ss.m, s.id)
		return nil
	}
	s.seen = now
	return s
}

// end ends a session.
func (ss *sessions) end(s *session) {
	ss.mu.Lock()
	delete(ss.m, s.id)
	ss.mu.Unlock()
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
// before that anyway).
func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode}
}

// startSession signs the person in and sends them to their grades.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, subject candor.SubjectID) {
	sub, _, err := s.openSubject(r.Context(), subject)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	label := sub.Kind.Noun()
	if len(sub.Identifiers) > 0 {
		id := sub.Identifiers[0]
		label = strings.ReplaceAll(id.Scheme.String(), "_", " ") + " " + id.Value
	}
	if old := s.sessions.get(r); old != nil {
		s.sessions.end(old)
	}
	sess := s.sessions.start(subject, label)
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.id, 0))
	http.SetCookie(w, s.cookie(r, preCookie, "", -1))
	s.sessions.setFlash(sess, "You are signed in.")
	http.Redirect(w, r, "/me/grades", http.StatusSeeOther)
}

// signedIn wraps a handler for signed-in people: without a session it
// sends the person to sign in; a POST must carry the session's CSRF token.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			s.fail(w, r, candor.Errorf(candor.EFORBIDDEN, "Your session has ended. Please sign in again."))
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			s.fail(w, r, candor.Errorf(candor.EFORBIDDEN, "This form has expired or did not come from this site. Please go back, reload the page and try again."))
			return
		}
		h(w, r, sess)
	}
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
	s.sessions.end(sess)
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
