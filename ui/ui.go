package ui

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/internal/ratelimit"
	"github.com/candor-project/candor/registrar"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config is what the portal serves from.
type Config struct {
	Catalogue *candor.Catalogue
	// Profiles reads a person's profile (profile.Service is one).
	Profiles candor.Profiles
	// Scorecards are the served scorecard versions, read once per
	// request (they may change while the portal runs): the active ones,
	// materialised, and every published one (for the scorecard pages).
	// nil serves none.
	Scorecards candor.ServedScorers
	Decisions  *decisions.Service
	// Parties are the relying parties; Consents a person's grants to
	// them; OptOuts a person's opt-outs of scorecards.
	Parties  candor.RelyingParties
	Consents candor.Consents
	OptOuts  candor.OptOuts
	// Disputes, if set, lets a person dispute facts and follow them.
	Disputes *disputes.Service
	// DisputeDesk, if set, lets operators follow the open disputes and
	// record a source's answer given another way.
	DisputeDesk candor.DisputeDesk
	// Access, if set, records every page and download of a person's data
	// before it is sent, as the API records its reads. candor serve sets
	// it.
	Access candor.AccessRecorder
	// Proofs, if set, proves a person's facts and access records are in
	// the transparency log: "My data" and "Who looked" then offer them
	// (profile.Service is one).
	Proofs audit.SubjectProofs
	// SignIn are the ways a person may sign in; none leaves only the public
	// pages.
	SignIn []Method
	// SecureCookies marks cookies Secure even on plain HTTP, for a portal
	// behind a TLS-terminating proxy. Requests over TLS always get them.
	SecureCookies bool
	// SessionIdle and SessionMax bound a session: it ends after SessionIdle
	// without a request, and SessionMax after sign-in in any case (0:
	// 30 minutes and 12 hours).
	SessionIdle, SessionMax time.Duration
	Logger                  *slog.Logger
	Now                     func() time.Time // the clock (nil: time.Now)
	// Erasure, if set, lets a person erase their data (/me/erasure).
	Erasure *erasure.Service
	// Links, if set, shows a person the links a registry made to their
	// profile and lets them dispute one (identity.Service).
	Links LinkDisputes
	// Admin, if set, lists the administrative acts on the public
	// scorecard pages and lets policy administrators whose keys they
	// minted sign in to the console (admins.Service is one); without it,
	// no policy administrator signs in.
	Admin AdminActs
	// Register, if set, is the public company register (/register;
	// register.Service is one).
	Register candor.Register
	// Credentials, if set, lets a person show their status with a
	// credential (/me/status) and anyone verify one (/verify).
	Credentials candor.CredentialDesk
	// History lists the scorecard versions, and Population counts the
	// population's grades, for the console's pages.
	History    candor.VersionHistory
	Population candor.PopulationViews
	// Statistics, if set, serves the public open-data page of monthly
	// releases (/open-data; stats.Service is one).
	Statistics candor.Statistics
	// Sessions keeps the portal's and the console's sessions, a person's
	// sealed with their key (vault.Sessions is one).
	Sessions candor.Sessions
	// Registrar lists sources and API keys, and issues and revokes keys,
	// for the console.
	Registrar *registrar.Service
	// Policy, if set, lets a policy administrator signed in to the
	// console propose and approve scorecard versions.
	Policy candor.Policy
}

// check returns an error naming every service cfg lacks that the portal
// needs.
func (cfg *Config) check() error {
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"Profiles", cfg.Profiles != nil}, {"Catalogue", cfg.Catalogue != nil}, {"Decisions", cfg.Decisions != nil},
		{"Parties", cfg.Parties != nil}, {"Consents", cfg.Consents != nil}, {"OptOuts", cfg.OptOuts != nil},
		{"History", cfg.History != nil}, {"Population", cfg.Population != nil}, {"Sessions", cfg.Sessions != nil},
		{"Registrar", cfg.Registrar != nil}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("ui: Config lacks %s", strings.Join(missing, ", "))
	}
	// A person's explanations are written from each type's title and
	// action: a catalogue without them would show identifiers instead.
	if u := cfg.Catalogue.Unexplained(); len(u) > 0 {
		return fmt.Errorf("ui: the catalogue gives no title or no action for %s: a person could not be told what such a fact is or what to do about it", strings.Join(u, ", "))
	}
	return nil
}

// scorers returns the scorecard versions served now: take them once per
// request.
func (s *Server) scorers() (active, all []candor.Scorer) {
	if s.cfg.Scorecards == nil {
		return nil, nil
	}
	return s.cfg.Scorecards.Scorers()
}

// AdminActs lists the administrative acts, and says whether a policy
// administrator's key is one they minted and did not revoke.
type AdminActs interface {
	Acts(ctx context.Context) ([]*candor.AdminAct, error)
	Stands(ctx context.Context, key *candor.APIKey) (principal string, err error)
}

// Server serves the portal. It is safe for concurrent use.
type Server struct {
	cfg      Config
	pages    map[string]*template.Template
	sessions *sessions
	// registerLimits bounds company-register look-ups per address.
	registerLimits *ratelimit.PerAddress
	verifyLimits   *ratelimit.PerAddress // checks on the verifier page
	handler        http.Handler
	log            *slog.Logger
	now            func() time.Time

	// The console's: the scorecard registry, its passes over the
	// population, and their last results.
	passes       *passes
	resultsMu    sync.Mutex
	distribution *candor.GradeCensus
	recountErr   string
	simulation   *simulation
}

// New returns the portal. It parses every template and returns an error if
// one does not parse, so that a broken page stops start-up rather than a
// request.
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, passes: newPasses()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.sessions = newSessions(cfg.SessionIdle, cfg.SessionMax, s.now, cfg.Sessions, s.personLabel, s.log)
	s.registerLimits = ratelimit.New(ratelimit.PublicRate, ratelimit.PublicBurst)
	s.verifyLimits = ratelimit.New(ratelimit.PublicRate, ratelimit.PublicBurst)

	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	m.Handle("GET /assets/", http.StripPrefix("/assets/", cacheFor(time.Hour, http.FileServerFS(assets))))
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /signin", s.signInPage)
	m.HandleFunc("POST /signout", s.signedIn(s.signOut))
	for _, meth := range cfg.SignIn {
		meth.Register(m, portal{s})
	}
	m.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/me/grades", http.StatusSeeOther) })
	m.HandleFunc("GET /me/grades", s.signedIn(s.grades))
	m.HandleFunc("GET /me/data", s.signedIn(s.data))
	m.HandleFunc("GET /me/export.json", s.signedIn(s.exportJSON))
	m.HandleFunc("GET /me/export.csv", s.signedIn(s.exportCSV))
	m.HandleFunc("GET /me/consents", s.signedIn(s.consents))
	m.HandleFunc("POST /me/consents", s.signedIn(s.grant))
	m.HandleFunc("POST /me/consents/revoke", s.signedIn(s.revoke))
	m.HandleFunc("GET /me/decisions", s.signedIn(s.decisionsPage))
	m.HandleFunc("GET /me/access", s.signedIn(s.accessPage))
	if cfg.Proofs != nil {
		m.HandleFunc("GET /me/access/{n}/proof", s.signedIn(s.accessProof))
		m.HandleFunc("GET /me/data/proofs.json", s.signedIn(s.writeProofs))
		m.HandleFunc("GET /me/data/{id}/proof", s.signedIn(s.writeProofs))
	}
	if cfg.Disputes != nil {
		m.HandleFunc("GET /me/disputes", s.signedIn(s.disputesPage))
		m.HandleFunc("GET /me/disputes/new", s.signedIn(s.disputeForm))
		m.HandleFunc("POST /me/disputes", s.signedIn(s.openDispute))
	}
	m.HandleFunc("POST /me/decisions/{id}/review", s.signedIn(s.review))
	m.HandleFunc("POST /me/opt-outs", s.signedIn(s.optOut))
	if s.cfg.Links != nil {
		m.HandleFunc("POST /me/links/dispute", s.signedIn(s.disputeLink))
	}
	if cfg.Erasure != nil {
		m.HandleFunc("GET /me/erasure", s.signedIn(s.erasurePage))
		m.HandleFunc("POST /me/erasure", s.signedIn(s.erase))
		m.HandleFunc("GET /erased", s.erased)
	}
	if cfg.Credentials != nil {
		s.routeCredentials(m)
	}
	m.HandleFunc("GET /scorecards", s.scorecards)
	m.HandleFunc("GET /scorecards/{id}", s.scorecard)
	m.HandleFunc("GET /scorecards/{id}/versions/{v}", s.scorecard)
	m.HandleFunc("GET /register", s.register)
	if s.cfg.Statistics != nil {
		m.HandleFunc("GET /open-data", s.openData)
	}
	s.registerConsole(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, candor.Errorf(candor.ENOTFOUND, "There is no page at %s.", candor.Clip(r.URL.Path, 80)))
	})
	s.handler = securityHeaders(http.NewCrossOriginProtection().Handler(s.strictForms(m)))
	return s, nil
}

// ServeHTTP serves the portal's pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("ui: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	var texts []string
	for _, n := range names {
		b, err := fs.ReadFile(templateFS, n)
		if err != nil {
			return nil, err
		}
		texts = append(texts, string(b))
	}
	if u := untranslated(texts...); len(u) > 0 {
		return nil, fmt.Errorf("ui: templates: no Russian or Chinese translation of %q", u)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("ui: templates: %w", err)
		}
		if t.Lookup("main") == nil {
			return nil, fmt.Errorf("ui: templates: %s defines no \"main\"", n)
		}
		pages[name] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	"date": humanDate,
	"signed": func(f float64) string {
		f = math.Round(f*10) / 10
		if f > 0 {
			return fmt.Sprintf("+%g", f)
		}
		if f < 0 {
			return fmt.Sprintf("−%g", -f) // a real minus sign
		}
		return "0"
	},
	"purpose":  purposeText,
	"sentence": sentence,
	"words":    words,
	"add":      func(a, b int) int { return a + b },
	"pct":      func(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// humanDate writes a day as people read it: 14 Mar 2026.
func humanDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006")
}

// words writes an identifier as words.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// purposeText is a purpose as a person reads it.
func purposeText(p candor.Purpose) string { return strings.ReplaceAll(p.String(), "_", " ") }

// view is what every page's template gets: with its locale's T (translate)
// and D (a date) methods.
type view struct {
	locale
	Lang    string     // the page's language, for its lang attribute
	Langs   []langLink // the page in each language
	Title   string
	Refresh int    // reload the page after this many seconds (0: never)
	Reload  string // the URL the refresh loads: the page's own, without its fragment
	Nav     string // the navigation entry to mark as current
	Viewer  *viewer
	Console *consoleViewer // set on the console's pages
	CSRF    string
	Flash   string
	Data    any
}

// refresher is a page's data that asks for the page to be reloaded, as
// one showing work under way does: the pages work without JavaScript.
type refresher interface{ refreshAfter() int }

// viewer is the signed-in person, as the layout names them.
type viewer struct{ Label string }

// consoleViewer is who is signed in to the console, and so which of its
// pages the layout links to.
type consoleViewer struct {
	Label, Role                string
	Operator, Policy, Reviewer bool
}

// render writes page with data, for the session in r if any.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title, nav string, data any) {
	if body, ok := s.page(w, r, page, title, nav, data); ok {
		s.send(w, r, status, "text/html; charset=utf-8", body)
	}
}

// renderRecorded writes page with data after recording a, with the page's
// hash, as a read of a's subject's data: fail closed.
func (s *Server) renderRecorded(w http.ResponseWriter, r *http.Request, page, title, nav string, data any, a *candor.Access) {
	if body, ok := s.page(w, r, page, title, nav, data); ok {
		s.sendRecorded(w, r, http.StatusOK, "text/html; charset=utf-8", body, a)
	}
}

// page executes page's template, or answers with an error and returns
// false.
func (s *Server) page(w http.ResponseWriter, r *http.Request, page, title, nav string, data any) ([]byte, bool) {
	l := localeOf(w, r)
	w.Header().Add("Vary", "Accept-Language, Cookie")
	v := view{locale: l, Lang: languages[l.index].Code, Langs: l.links(), Title: l.T(title), Nav: nav, Data: data}
	if rf, ok := data.(refresher); ok && rf.refreshAfter() > 0 {
		// A refresh that names no URL reloads the document's URL, and a
		// browser that reached the page at a URL with a fragment (after
		// a redirect to /console/scorecards#simulation) only scrolls to
		// the fragment: the page would say "under way" for ever.
		v.Refresh, v.Reload = rf.refreshAfter(), r.URL.RequestURI()
	}
	if sess := s.sessions.get(r); sess != nil {
		v.Viewer = &viewer{Label: sess.label}
		if !sess.console() {
			v.Viewer.Label = l.personLabel(sess.label) // "National ID …" in the page's language
		} else {
			v.Console = &consoleViewer{Label: sess.label, Role: words(sess.role.String()), Operator: sess.role == candor.RoleOperator,
				Policy: slices.Contains(policyRoles, sess.role), Reviewer: sess.role == candor.RoleReviewer}
		}
		v.CSRF = sess.csrf
		// A message set in another language (the browser's changed) is
		// translated if it can be.
		v.Flash = l.message(s.sessions.takeFlash(sess))
	} else if isConsole(r.URL.Path) {
		v.Console = &consoleViewer{}
	}
	t := s.pages[page]
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("ui: rendering", "page", page, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return nil, false
	}
	return b.Bytes(), true
}

// send writes body, after recording it as a read if it is a person's own
// page (under /me/): fail closed, a page whose record could not be stored
// is not sent.
func (s *Server) send(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	var a *candor.Access
	if sess := s.sessions.get(r); sess != nil && !sess.console() && strings.HasPrefix(r.URL.Path, "/me/") {
		a = &candor.Access{Subject: sess.subject, Principal: "portal", Role: candor.RoleSubject,
			Purpose: "the person's own data, in the portal", Action: candor.Clip(r.Pattern, 200)}
	}
	s.sendRecorded(w, r, status, contentType, body, a)
}

// sendRecorded writes body after recording a, if set, with the time and
// body's hash: fail closed, a page whose record could not be stored is
// not sent.
func (s *Server) sendRecorded(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte, a *candor.Access) {
	if a != nil && s.cfg.Access != nil {
		a.At, a.Response = s.now().UTC(), sha256.Sum256(body)
		if err := s.cfg.Access.Record(r.Context(), a); err != nil {
			s.log.Error("ui: recording a read", "path", r.URL.Path, "err", err)
			http.Error(w, "Candor could not record this read, so it does not show it. Please try again later.", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

type errorView struct{ Heading, Message string }

// errorHeadings are the error pages' headings, by code; a code without
// one gets "That did not work".
var errorHeadings = map[string]string{
	candor.ENOTFOUND:    "Not found",
	candor.EFORBIDDEN:   "Not allowed",
	candor.ECONFLICT:    "Already done",
	candor.ETOOMANY:     "Too many requests",
	candor.ETOOLARGE:    "Too large",
	candor.EUNAVAILABLE: "Not available",
}

// fail shows err as a page, with the status candor.HTTPStatus gives its
// code. Domain errors show their message; any other, and EINTERNAL, is
// logged and shown as a generic one.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := candor.ErrorCode(err)
	heading, msg := cmp.Or(errorHeadings[code], "That did not work"), candor.ErrorMessage(err)
	if code == candor.EINTERNAL {
		heading, msg = "Something went wrong", "Candor could not do this just now. Please try again later."
		s.log.Error("ui: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.render(w, r, candor.HTTPStatus(code), "error", heading, "", errorView{heading, localeOf(nil, r).message(msg)})
}

// securityHeaders sets the headers every page gets: no inline script or
// style, no framing, no referrer (a sign-in link's token must not leak),
// and nothing personal kept in caches.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", "Candor", "", nil)
}
