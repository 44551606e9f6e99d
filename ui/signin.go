package ui

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// Method is a way for a person to sign in. It proves who the person is,
// by whatever means, and then hands the subject to Portal.SignIn, which
// opens the session; it never sets the session cookie itself.
//
// Two methods exist: Demo (one-time links that candor demo prints) and
// OIDC (OpenID Connect: the code flow with PKCE, the state bound to the
// browser's pre-session token, the ID token verified with
// github.com/coreos/go-oidc/v3 and its nonce checked, and the person found
// through a national-ID claim and the vault's blind index).
type Method interface {
	// Name is the method's path segment: it serves /signin/{Name} and
	// below.
	Name() string
	// Label is the method's link text on the sign-in page.
	Label() string
	// Register adds the method's handlers to mux.
	Register(mux *http.ServeMux, p Portal)
}

// Portal is what a sign-in Method may ask of the portal.
type Portal interface {
	// SignIn opens a session for subject and sends the person to their
	// pages.
	SignIn(w http.ResponseWriter, r *http.Request, subject candor.SubjectID)
	// Fail shows err to the person as a page.
	Fail(w http.ResponseWriter, r *http.Request, err error)
	// PreToken returns the browser's pre-session token, which forms and
	// redirects started before sign-in carry and CheckPreToken checks.
	PreToken(w http.ResponseWriter, r *http.Request) string
	// CheckPreToken reports whether a POSTed form's csrf field is the
	// browser's pre-session token.
	CheckPreToken(r *http.Request) bool
	// Render shows one of the portal's pages.
	Render(w http.ResponseWriter, r *http.Request, page, title string, data any)
}

type portal struct{ s *Server }

func (p portal) SignIn(w http.ResponseWriter, r *http.Request, subject candor.SubjectID) {
	p.s.startSession(w, r, subject)
}
func (p portal) Fail(w http.ResponseWriter, r *http.Request, err error) { p.s.fail(w, r, err) }
func (p portal) PreToken(w http.ResponseWriter, r *http.Request) string {
	return p.s.preToken(w, r)
}
func (p portal) CheckPreToken(r *http.Request) bool { return checkPre(r) }
func (p portal) Render(w http.ResponseWriter, r *http.Request, page, title string, data any) {
	p.s.render(w, r, http.StatusOK, page, title, "signin", data)
}

type signInView struct{ Methods []Method }

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", "Sign in", "signin", signInView{s.cfg.SignIn})
}

// Demo signs people in with one-time links, for the demo: candor demo
// prints a link for a few sample people. Opening a link shows a button
// (so that a link previewer that fetches it does not use it up), and
// pressing it signs the person in and uses the link up. Links are kept in
// memory, hashed, and expire. Safe for concurrent use.
type Demo struct {
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	links map[[32]byte]demoLink
}

type demoLink struct {
	subject candor.SubjectID
	expires time.Time
}

// NewDemo returns the demo sign-in method; its links last ttl (0: a day).
// now is the clock (nil: time.Now).
func NewDemo(ttl time.Duration, now func() time.Time) *Demo {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	return &Demo{ttl: ttl, now: now, links: map[[32]byte]demoLink{}}
}

func (d *Demo) Name() string  { return "demo" }
func (d *Demo) Label() string { return "Sign in with a demo link" }

// Link returns the path of a new one-time sign-in link for subject, to be
// joined to the portal's address.
func (d *Demo) Link(subject candor.SubjectID) string {
	token := randomToken()
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for h, l := range d.links {
		if !now.Before(l.expires) {
			delete(d.links, h)
		}
	}
	d.links[sha256.Sum256([]byte(token))] = demoLink{subject: subject, expires: now.Add(d.ttl)}
	return "/signin/demo?token=" + url.QueryEscape(token)
}

// redeem uses up token and returns its subject, if it is a live link.
func (d *Demo) redeem(token string) (candor.SubjectID, bool) {
	h := sha256.Sum256([]byte(token))
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.links[h]
	delete(d.links, h)
	return l.subject, ok && d.now().Before(l.expires)
}

type demoView struct{ Token, Pre string }

// Register serves GET /signin/demo (the confirmation page) and POST
// /signin/demo (sign-in).
func (d *Demo) Register(mux *http.ServeMux, p Portal) {
	mux.HandleFunc("GET /signin/demo", func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		v := demoView{Token: token}
		if token != "" {
			v.Pre = p.PreToken(w, r)
		}
		p.Render(w, r, "signin_demo", "Sign in with a demo link", v)
	})
	mux.HandleFunc("POST /signin/demo", func(w http.ResponseWriter, r *http.Request) {
		if !p.CheckPreToken(r) {
			p.Fail(w, r, candor.Errorf(candor.EFORBIDDEN, "This form did not come from this site, or your browser refused its cookie. Open the sign-in link again."))
			return
		}
		subject, ok := d.redeem(r.PostFormValue("token"))
		if !ok {
			p.Fail(w, r, candor.Errorf(candor.EFORBIDDEN, "This sign-in link has been used already or has expired. candor demo prints fresh ones each time it starts."))
			return
		}
		p.SignIn(w, r, subject)
	})
}
