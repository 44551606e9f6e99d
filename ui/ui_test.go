package ui_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"github.com/candor-project/candor/tlog"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/ui"
	"github.com/candor-project/candor/vault"
)

// harness is a portal over a store holding two persons and an
// organisation, with the shipped scorecards, a landlord registered for
// rental and demo sign-in.
type harness struct {
	srv       *httptest.Server
	store     candor.Store
	stats     *stats.Service
	decisions *decisions.Service
	disputes  *disputes.Service
	demo      *ui.Demo
	ids       map[string]candor.SubjectID // by identifier value
	landlord  *candor.RelyingParty
	cfg       ui.Config // the portal's, without sign-in methods
	ingest    *ingest.Pipeline
	shipped   []*scoring.Compiled
	roots     []*candor.APIKey // two bootstrapped administrators (adminKey)
	access    *audit.AccessLog
	vault     *vault.Vault
	served    *scoring.Published // the served scorecards
}

// profiles reads h's profiles, proving them with log if it is not nil.
func (h *harness) profiles(log audit.Prover) *profile.Service {
	return profile.New(profile.Config{Store: h.store, Vault: h.vault, Catalogue: h.cfg.Catalogue, Scorecards: h.served, Log: log,
		Groups: identity.New(identity.Config{Store: h.store, Vault: h.vault})})
}

// statistics is the statistics service, with a fixed seed and a console
// budget that outlasts any test.
func statistics(st candor.Store, v *vault.Vault, cat *candor.Catalogue, served *scoring.Published) *stats.Service {
	var seed [32]byte
	svc := stats.New(stats.Options{Store: st, Vault: v, Catalogue: cat, Rand: rand.NewChaCha8(seed), ConsoleEpsilon: 1000 * candor.MicroEpsilon,
		Scorecards: func() []stats.Card {
			var out []stats.Card
			for _, c := range served.Snapshot().Active() {
				out = append(out, c)
			}
			return out
		}})
	return svc
}

func mustHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	cat := catalogue.Default()
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t)
	v, _ := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), testenv.Keyring(t))
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	insp := &candor.Source{ID: "insp1", Name: "Food Inspectorate", Kind: candor.SourceInspectorate, AllowedTypes: []string{"inspection.failed"}}
	for _, s := range []*candor.Source{bank, insp} {
		if err := s.Validate(cat); err != nil {
			t.Fatal(err)
		}
		if err := st.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Matcher: scoring.NewMatcher(shipped)})
	t.Cleanup(func() { p.Close(); st.Close() })
	when := time.Now().UTC().Add(-40 * 24 * time.Hour).Format(time.RFC3339)
	raw := func(kind candor.RawKind, s string) candor.RawValue { return candor.RawValue{Kind: kind, Text: s} }
	late := func(id, nid string, days string) candor.EventInput {
		return candor.EventInput{ID: id, Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: nid},
			Type: "credit.instalment_late", OccurredAt: when, Fields: []candor.RawField{
				{Name: "days_late", Value: raw(candor.RawNumber, days)},
				{Name: "amount", Value: raw(candor.RawString, "120.50")},
				{Name: "currency", Value: raw(candor.RawString, "EUR")}}}
	}
	if _, err := p.Ingest(ctx, bank, []candor.EventInput{late("a1", "AB1234567", "95"), late("a2", "AB1234567", "40"), late("b1", "CD7654321", "3")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ingest(ctx, insp, []candor.EventInput{{ID: "o1", Subject: candor.SubjectRef{Kind: "organisation", Scheme: "company_reg_no", Value: "C12345678"},
		Type: "inspection.failed", OccurredAt: when, Fields: []candor.RawField{
			{Name: "inspection_type", Value: raw(candor.RawString, "food_hygiene")},
			{Name: "severity", Value: raw(candor.RawString, "major")}}}}, nil); err != nil {
		t.Fatal(err)
	}
	h := &harness{store: st, ids: map[string]candor.SubjectID{}, demo: ui.NewDemo(0, nil), ingest: p, shipped: shipped, vault: v}
	for _, id := range []candor.Identifier{{Scheme: candor.NationalID, Value: "AB1234567"}, {Scheme: candor.NationalID, Value: "CD7654321"},
		{Scheme: candor.CompanyRegNo, Value: "C12345678"}} {
		if h.ids[id.Value], err = st.SubjectByIndex(ctx, v.BlindIndex(id)); err != nil {
			t.Fatal(err)
		}
	}
	h.served = scoring.NewPublished(shipped, shipped)
	h.decisions = decisions.New(st, v, cat, h.served, nil)
	h.landlord = &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}
	if err := h.decisions.PutRelyingParty(ctx, h.landlord); err != nil {
		t.Fatal(err)
	}
	access := audit.NewAccessLog(st, v, nil)
	t.Cleanup(func() { access.Close() })
	h.access = access
	h.disputes = disputes.New(st, v, cat, nil)
	acts := admins.New(st, v, nil)
	versions := scoring.NewRegistry(st, cat).WithActs(acts)
	history := scoring.NewHistory(versions, cat, h.served)
	h.stats = statistics(st, v, cat, h.served)
	h.cfg = ui.Config{Catalogue: cat, Scorecards: h.served, Decisions: h.decisions, Disputes: h.disputes, Access: access,
		Admin: admins.New(st, v, nil), History: history, Parties: h.decisions, Consents: h.decisions, OptOuts: h.decisions, DisputeDesk: h.disputes, Sessions: vault.NewSessions(v, st), Population: h.stats.ConsoleViews(population.NewViews(st, v, 1, history)), Statistics: h.stats,
		Register: register.New(st, v, h.served, nil), Registrar: registrar.New(st, cat, h.decisions, nil),
		Erasure: erasure.New(erasure.Config{Store: st, Vault: v, Catalogue: cat})}
	h.cfg.Policy = policy.New(acts, versions, history, nil)
	h.cfg.Profiles = h.profiles(nil)
	h.cfg.Links = identity.New(identity.Config{Store: st, Vault: v})
	h.srv = httptest.NewServer(h.portal(t, h.demo))
	t.Cleanup(h.srv.Close)
	return h
}

// portal returns a portal over h's store with sign-in methods ms.
func (h *harness) portal(t *testing.T, ms ...ui.Method) *ui.Server {
	t.Helper()
	cfg := h.cfg
	cfg.SignIn = ms
	p, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// browser is a client with its own cookies that does not follow
// redirects, so that tests see them.
type browser struct {
	t      *testing.T
	h      *harness
	base   string // the portal's URL
	client *http.Client
}

func (h *harness) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, h: h, base: h.srv.URL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the first form on the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	m := csrfRe.FindStringSubmatch(b.get(path).body)
	if m == nil {
		b.t.Fatalf("no csrf token on %s", path)
	}
	return m[1]
}

// signIn signs the browser in as the subject with identifier value nid
// through a demo link.
func (b *browser) signIn(nid string) {
	b.t.Helper()
	link := b.h.demo.Link(b.h.ids[nid])
	if p := b.use(link); p.status != http.StatusSeeOther || p.location != "/me/grades" {
		b.t.Fatalf("sign-in as %s: %d %s", nid, p.status, p.body)
	}
}

// use opens a sign-in link and presses its button.
func (b *browser) use(link string) page {
	b.t.Helper()
	u, _ := url.Parse(link)
	token := u.Query().Get("token")
	return b.post("/signin/demo", url.Values{"token": {token}, "csrf": {b.csrf(link)}})
}

func TestPagesRender(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{`<html lang="en">`, "My grades", "You are signed in."}},
		{"/me/grades", []string{"Rental deposit", "Main reasons", "What would change it", `class="bar `, "<meter"}},
		{"/me/data", []string{"Credit", "Bank Seven", "Late loan instalment", "days late: 95", "Drops off", `state active`, `href="/me/export.csv"`}},
		{"/me/consents", []string{"Give a consent", "Landlord One", `<label for="days">`}},
		{"/me/decisions", []string{"No decision has been taken about you."}},
		{"/me/access", []string{"Who looked", "you, in the portal", "your facts"}},
		{"/scorecards", []string{"rental-deposit", "business-compliance"}},
		{"/scorecards/rental-deposit", []string{"Grades", "Rules", "per fact"}},
		{"/scorecards/rental-deposit/versions/1", []string{"Rules"}},
		{"/register", []string{`<label for="reg_no">`}},
		{"/register?reg_no=c1234-5678", []string{"C12345678", `class="grade"`}},
		{"/assets/style.css", []string{":focus-visible"}},
	} {
		p := b.get(tc.path)
		if p.status != 200 {
			t.Errorf("%s: %d\n%s", tc.path, p.status, p.body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s lacks %q", tc.path, w)
			}
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if p := b.get("/no/such/page"); p.status != 404 || !strings.Contains(p.body, "There is no page") {
		t.Errorf("unknown page: %d", p.status)
	}
}

func TestPublicPagesWithoutSignIn(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	for _, path := range []string{"/", "/signin", "/signin/demo", "/scorecards", "/scorecards/consumer-credit", "/register?reg_no=C12345678"} {
		if p := b.get(path); p.status != 200 || strings.Contains(p.body, "Sign out") {
			t.Errorf("%s: %d", path, p.status)
		}
	}
	for _, path := range []string{"/me/grades", "/me/data", "/me/consents", "/me/decisions"} {
		if p := b.get(path); p.status != http.StatusSeeOther || p.location != "/signin" {
			t.Errorf("%s without a session: %d %q, want a redirect to /signin", path, p.status, p.location)
		}
	}
	// The register never shows a person, and says so in the same words as
	// for a number no one has.
	for _, q := range []string{"AB1234567", "C99999999", "nonsense"} {
		if p := b.get("/register?reg_no=" + q); p.status != 404 || !strings.Contains(p.body, "No organisation is registered") || strings.Contains(p.body, `class="grade"`) {
			t.Errorf("register %s: %d", q, p.status)
		}
	}
	if p := b.get("/scorecards/nope"); p.status != 404 {
		t.Errorf("unknown scorecard: %d", p.status)
	}
}

func TestSignInLinkIsOneTime(t *testing.T) {
	h := mustHarness(t)
	link := h.demo.Link(h.ids["AB1234567"])
	first := h.browser(t)
	if p := first.use(link); p.status != http.StatusSeeOther {
		t.Fatalf("first use: %d %s", p.status, p.body)
	}
	var session *http.Cookie
	u, _ := url.Parse(h.srv.URL)
	for _, c := range first.client.Jar.Cookies(u) {
		if c.Name == "candor_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	if p := first.get("/me/grades"); p.status != 200 {
		t.Errorf("signed in: %d", p.status)
	}
	second := h.browser(t)
	if p := second.use(link); p.status != http.StatusForbidden || !strings.Contains(p.body, "used already") {
		t.Errorf("second use: %d %s", p.status, p.body)
	}
	if p := second.get("/me/grades"); p.status != http.StatusSeeOther {
		t.Errorf("the second browser is signed in: %d", p.status)
	}
	// A made-up token, and a right token posted without the browser's
	// pre-session token (a form on another site), sign no one in.
	if p := second.post("/signin/demo", url.Values{"token": {"made-up"}, "csrf": {second.csrf("/signin/demo?token=x")}}); p.status != http.StatusForbidden {
		t.Errorf("made-up token: %d", p.status)
	}
	fresh := h.demo.Link(h.ids["AB1234567"])
	ft, _ := url.Parse(fresh)
	if p := h.browser(t).post("/signin/demo", url.Values{"token": {ft.Query().Get("token")}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without the pre-session token: %d", p.status)
	}

	// Signing out ends the session on the server: the old cookie no longer works.
	if p := first.post("/signout", url.Values{"csrf": {first.csrf("/me/grades")}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.status)
	}
	replay := h.browser(t)
	replay.client.Jar.SetCookies(u, []*http.Cookie{session})
	if p := replay.get("/me/grades"); p.status != http.StatusSeeOther {
		t.Errorf("a signed-out session still works: %d", p.status)
	}
}

func TestSessionCookie(t *testing.T) {
	h := mustHarness(t)
	link := h.demo.Link(h.ids["AB1234567"])
	b := h.browser(t)
	u, _ := url.Parse(link)
	csrf := b.csrf(link)
	req, _ := http.NewRequest("POST", h.srv.URL+"/signin/demo", strings.NewReader(url.Values{"token": {u.Query().Get("token")}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := b.do(req)
	var set string
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "candor_session=") {
			set = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("session cookie %q is Secure on plain HTTP without the setting", set)
	}
}

func TestFormsRefuseMissingOrWrongCSRF(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	good := b.csrf("/me/consents")
	grant := url.Values{"relying_party": {"landlord1"}, "purpose": {"rental"}, "days": {"7"}}
	for _, path := range []string{"/me/consents", "/me/consents/revoke", "/me/decisions/x/review", "/me/disputes", "/signout"} {
		for name, token := range map[string][]string{"missing": nil, "wrong": {good[:len(good)-2] + "xx"}, "empty": {""}} {
			form := url.Values{"csrf": token, "code": {"AAA-AAA-AAA-AAA"}, "statement": {"x"}, "fact": {"1"}}
			for k, v := range grant {
				form[k] = v
			}
			if p := b.post(path, form); p.status != http.StatusForbidden {
				t.Errorf("POST %s with a %s CSRF token: %d", path, name, p.status)
			}
		}
	}
	if cs, _ := h.decisions.Consents(context.Background(), h.ids["AB1234567"]); len(cs) != 0 {
		t.Errorf("a refused form granted a consent: %v", cs)
	}
	// A browser that says the form came from another site is refused even
	// with the right token.
	req, _ := http.NewRequest("POST", h.srv.URL+"/me/consents", strings.NewReader(url.Values{"csrf": {good}, "relying_party": {"landlord1"}, "purpose": {"rental"}, "days": {"7"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("a cross-site POST: %d", p.status)
	}
	// Another person's token is no good either.
	other := h.browser(t)
	other.signIn("CD7654321")
	grant.Set("csrf", other.csrf("/me/consents"))
	if p := b.post("/me/consents", grant); p.status != http.StatusForbidden {
		t.Errorf("a POST with another session's token: %d", p.status)
	}
}

func TestConsentsAndDecisions(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	alice, bob := h.browser(t), h.browser(t)
	alice.signIn("AB1234567")
	bob.signIn("CD7654321")

	token := alice.csrf("/me/consents")
	p := alice.post("/me/consents", url.Values{"csrf": {token}, "relying_party": {"landlord1"}, "purpose": {"rental"}, "days": {"7"}})
	if p.status != http.StatusSeeOther || p.location != "/me/consents" {
		t.Fatalf("grant: %d %s", p.status, p.body)
	}
	page := alice.get("/me/consents")
	code := regexp.MustCompile(`Hand the code ([0-9A-Z-]+) to`).FindStringSubmatch(page.body)
	if code == nil || !strings.Contains(page.body, `state active`) {
		t.Fatalf("the consents page does not show the new code:\n%s", page.body)
	}
	if p := alice.post("/me/consents", url.Values{"csrf": {token}, "relying_party": {"landlord1"}, "purpose": {"credit"}, "days": {"7"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "not registered for the purpose") {
		t.Errorf("a consent for a purpose the party does not serve: %d", p.status)
	}
	if p := alice.post("/me/consents", url.Values{"csrf": {token}, "relying_party": {"landlord1"}, "purpose": {"rental"}, "days": {"400"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a consent of 400 days: %d", p.status)
	}

	// The landlord asks for a decision; Alice sees it, Bob does not.
	d, err := h.decisions.Decide(ctx, h.landlord, candor.DecisionRequest{Consent: code[1], Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := alice.get("/me/decisions"); !strings.Contains(p.body, "Landlord One") || !strings.Contains(p.body, d.ID) {
		t.Errorf("alice's decisions page lacks the decision:\n%s", p.body)
	}
	for _, path := range []string{"/me/decisions", "/me/consents", "/me/data", "/me/grades"} {
		p := bob.get(path)
		for _, leak := range []string{d.ID, code[1], "AB1234567", "days late: 95"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("bob's %s shows alice's %q", path, leak)
			}
		}
	}

	// Bob can neither review Alice's decision nor revoke her consent.
	bobToken := bob.csrf("/me/consents")
	if p := bob.post("/me/decisions/"+d.ID+"/review", url.Values{"csrf": {bobToken}, "statement": {"not mine"}}); p.status != 404 {
		t.Errorf("bob reviews alice's decision: %d", p.status)
	}
	if p := bob.post("/me/consents/revoke", url.Values{"csrf": {bobToken}, "code": {code[1]}}); p.status != 404 {
		t.Errorf("bob revokes alice's consent: %d", p.status)
	}

	// Alice asks for a review, then revokes.
	if p := alice.post("/me/decisions/"+d.ID+"/review", url.Values{"csrf": {token}, "statement": {"The late payment was the bank's error."}}); p.status != http.StatusSeeOther {
		t.Fatalf("review: %d %s", p.status, p.body)
	}
	if p := alice.get("/me/decisions"); !strings.Contains(p.body, "the bank&#39;s error") || !strings.Contains(p.body, "A reviewer will look at it") {
		t.Errorf("the review is not shown:\n%s", p.body)
	}
	if p := alice.post("/me/decisions/"+d.ID+"/review", url.Values{"csrf": {token}, "statement": {"again"}}); p.status != http.StatusConflict {
		t.Errorf("a second review: %d", p.status)
	}
	if _, err := h.decisions.CloseReview(ctx, "rita", d.ID, candor.OutcomeApprove, "The bank confirmed its error."); err != nil {
		t.Fatal(err)
	}
	if p := alice.get("/me/decisions"); !strings.Contains(p.body, "The bank confirmed its error.") {
		t.Errorf("the review's outcome is not shown:\n%s", p.body)
	}
	if p := alice.post("/me/consents/revoke", url.Values{"csrf": {token}, "code": {code[1]}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", p.status, p.body)
	}
	if p := alice.get("/me/consents"); !strings.Contains(p.body, "state revoked") || !strings.Contains(p.body, "is revoked") {
		t.Errorf("the revocation is not shown:\n%s", p.body)
	}
	if _, err := h.decisions.Decide(ctx, h.landlord, candor.DecisionRequest{Consent: code[1], Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil); decisions.RefusalReason(err) != candor.RefusalConsentRevoked {
		t.Errorf("a decision on the revoked consent: %v", err)
	}
	if p := alice.get("/me/decisions"); !strings.Contains(p.body, "Refused requests") || !strings.Contains(p.body, "you had revoked your consent") {
		t.Errorf("the refused request is not shown")
	}
}

func TestTemplatesAreEscaped(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	if p := b.get("/register?reg_no=%3Cscript%3Ealert(1)%3C/script%3E"); strings.Contains(p.body, "<script>") {
		t.Errorf("the query is echoed unescaped")
	}
}

// grantConsent grants the landlord a rental consent of the person with
// national ID nid, through the service, and returns its code.
func (h *harness) grantConsent(t *testing.T, nid string) string {
	t.Helper()
	c, err := h.decisions.Grant(context.Background(), h.ids[nid], h.landlord.ID, candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

// decide has the landlord ask for a decision with consent code.
func (h *harness) decide(code string) (*candor.Decision, error) {
	return h.decisions.Decide(context.Background(), h.landlord, candor.DecisionRequest{Consent: code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
}

func TestRegisterIsRateLimited(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	limited := false
	for range 40 {
		if p := b.get("/register?reg_no=C12345678"); p.status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("40 look-ups at once were all served")
	}
	if p := b.get("/scorecards"); p.status != 200 {
		t.Errorf("other pages are limited too: %d", p.status)
	}
}

func TestDownloadMyData(t *testing.T) {
	h := mustHarness(t)
	code := h.grantConsent(t, "AB1234567")
	if _, err := h.decide(code); err != nil {
		t.Fatal(err)
	}
	alice, bob := h.browser(t), h.browser(t)
	alice.signIn("AB1234567")
	bob.signIn("CD7654321")

	p := alice.get("/me/export.json")
	if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("export.json: %d %v", p.status, p.header)
	}
	var x struct {
		Identifiers []string
		Facts       []struct{ Type, State, Source string }
		Grades      []struct {
			Scorecard string
			Reasons   []struct{ Text string }
			Hints     []string `json:"what_would_change_it"`
		}
		Consents  []struct{ Code string }
		Decisions []struct {
			ID      string `json:"id"`
			Reasons []struct{ Text string }
		}
	}
	if err := json.Unmarshal([]byte(p.body), &x); err != nil {
		t.Fatalf("export.json: %v\n%s", err, p.body)
	}
	if len(x.Facts) != 2 || x.Facts[0].Source != "Bank Seven" || len(x.Grades) == 0 || len(x.Grades[0].Reasons) == 0 ||
		len(x.Consents) != 1 || x.Consents[0].Code != code || len(x.Decisions) != 1 || len(x.Decisions[0].Reasons) == 0 ||
		len(x.Identifiers) != 1 || x.Identifiers[0] != "national_id:AB1234567" {
		t.Errorf("export.json misses something:\n%s", p.body)
	}

	c := alice.get("/me/export.csv")
	rows, err := csv.NewReader(strings.NewReader(c.body)).ReadAll()
	if err != nil || c.status != 200 || rows[0][0] != "record" {
		t.Fatalf("export.csv: %d %v\n%s", c.status, err, c.body)
	}
	kinds := map[string]int{}
	for _, r := range rows[1:] {
		kinds[r[0]]++
	}
	for _, k := range []string{"fact", "grade", "reason", "contribution", "consent", "decision"} {
		if kinds[k] == 0 {
			t.Errorf("export.csv has no %s row:\n%s", k, c.body)
		}
	}

	for _, path := range []string{"/me/export.json", "/me/export.csv"} {
		p := bob.get(path)
		for _, leak := range []string{code, "AB1234567", "days_late=95"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("bob's %s holds alice's %q", path, leak)
			}
		}
		if p := h.browser(t).get(path); p.status != http.StatusSeeOther {
			t.Errorf("%s without a session: %d", path, p.status)
		}
	}
}

func TestReadsAreRecorded(t *testing.T) {
	h := mustHarness(t)
	alice, bob := h.browser(t), h.browser(t)
	alice.signIn("AB1234567")
	bob.signIn("CD7654321")
	alice.get("/me/export.csv")
	if p := alice.get("/me/access"); !strings.Contains(p.body, "a copy of all your data") || !strings.Contains(p.body, "to show you your own data in the portal") {
		t.Errorf("alice's download is not among her reads:\n%s", p.body)
	}
	if p := bob.get("/me/access"); strings.Contains(p.body, "export.csv") {
		t.Errorf("bob sees alice's reads")
	}

	// Fail closed: a page whose read cannot be recorded is not shown.
	h.cfg.Access = failing{}
	h.srv.Config.Handler = h.portal(t, h.demo)
	b := h.browser(t)
	b.signIn("AB1234567")
	for _, path := range []string{"/me/grades", "/me/data", "/me/export.json"} {
		if p := b.get(path); p.status != http.StatusServiceUnavailable || strings.Contains(p.body, "Bank Seven") {
			t.Errorf("%s with a broken access log: %d", path, p.status)
		}
	}
	if p := b.get("/scorecards"); p.status != 200 {
		t.Errorf("a public page with a broken access log: %d", p.status)
	}
}

type failing struct{}

func (failing) Record(context.Context, ...*candor.Access) error {
	return errors.New("disk full")
}

func TestAccessProofs(t *testing.T) {
	h := mustHarness(t)
	l, err := tlog.Open(filepath.Join(t.TempDir(), "log"), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a := audit.NewAppender(h.store, l, nil, 10*time.Millisecond)
	a.Start()
	t.Cleanup(func() { a.Close(); l.Close() })
	h.cfg.Proofs = h.profiles(l)
	h.srv.Config.Handler = h.portal(t, h.demo)
	alice, bob := h.browser(t), h.browser(t)
	alice.signIn("AB1234567")
	bob.signIn("CD7654321")
	alice.get("/me/grades")
	access := alice.get("/me/access")
	m := regexp.MustCompile(`href="/me/access/(\d+)/proof"`).FindStringSubmatch(access.body)
	if m == nil {
		t.Fatalf("no proof link on the access page:\n%s", access.body)
	}
	var p page
	for range 100 { // logged within about a second
		if p = alice.get("/me/access/" + m[1] + "/proof"); p.status != http.StatusNotFound {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var proof audit.AccessProof
	if err := json.Unmarshal([]byte(p.body), &proof); p.status != 200 || err != nil {
		t.Fatalf("proof: %d %v\n%s", p.status, err, p.body)
	}
	var salt candor.Salt
	copy(salt[:], proof.Salt)
	c := candor.AccessCommitment(&salt, proof.Record)
	if c.String() != proof.Commitment {
		t.Fatalf("the commitment does not follow from the record and salt")
	}
	if _, err := tlog.VerifyProof([]byte(proof.Proof), proof.VerifierKey, c); err != nil {
		t.Fatalf("the proof does not verify: %v", err)
	}
	// Records are numbered per person: bob's number m[1], if he has one,
	// is his own record.
	if p := bob.get("/me/access/" + m[1] + "/proof"); p.status == 200 {
		var theirs audit.AccessProof
		if err := json.Unmarshal([]byte(p.body), &theirs); err != nil || bytes.Equal(theirs.Record[1:17], proof.Record[1:17]) {
			t.Errorf("bob downloads the proof of alice's record %s: %v", m[1], err)
		}
	} else if p.status != http.StatusNotFound {
		t.Errorf("bob asks for record %s: %d", m[1], p.status)
	}
}

func TestWriteProofs(t *testing.T) {
	h := mustHarness(t)
	l, err := tlog.Open(filepath.Join(t.TempDir(), "log"), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a := audit.NewAppender(h.store, l, nil, 10*time.Millisecond)
	a.Start()
	t.Cleanup(func() { a.Close(); l.Close() })
	h.cfg.Proofs = h.profiles(l)
	h.srv.Config.Handler = h.portal(t, h.demo)
	alice := h.browser(t)
	alice.signIn("AB1234567")
	data := alice.get("/me/data")
	links := regexp.MustCompile(`href="/me/data/(\d+)/proof"`).FindAllStringSubmatch(data.body, -1)
	if len(links) == 0 || !strings.Contains(data.body, `href="/me/data/proofs.json"`) {
		t.Fatalf("no proof links on the data page:\n%s", data.body)
	}
	var all struct {
		Proofs    []audit.WriteProof `json:"proofs"`
		NotLogged int                `json:"not_logged_yet"`
	}
	for range 100 { // logged within about a second
		p := alice.get("/me/data/proofs.json")
		if err := json.Unmarshal([]byte(p.body), &all); p.status != 200 || err != nil {
			t.Fatalf("proofs: %d %v\n%s", p.status, err, p.body)
		}
		if all.NotLogged == 0 && len(all.Proofs) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	facts := map[string]bool{}
	for _, pr := range all.Proofs {
		var salt candor.Salt
		copy(salt[:], pr.Salt)
		c := candor.NewCommitment(candor.AuditWrite, &salt, pr.Record)
		if c.String() != pr.Commitment {
			t.Fatalf("fact %d: the commitment does not follow from the record and salt", pr.Event)
		}
		if _, err := tlog.VerifyProof([]byte(pr.Proof), pr.VerifierKey, c); err != nil {
			t.Fatalf("fact %d: the proof does not verify: %v", pr.Event, err)
		}
		facts[strconv.FormatUint(pr.Event, 10)] = true
	}
	if len(facts) != len(links) || all.NotLogged != 0 {
		t.Fatalf("proofs of %d facts (%d not logged), the page lists %d", len(facts), all.NotLogged, len(links))
	}
	one := alice.get("/me/data/" + links[0][1] + "/proof")
	if one.status != 200 || !strings.Contains(one.body, `"event": `+links[0][1]+",") {
		t.Errorf("one fact's proof: %d\n%s", one.status, one.body)
	}
	if p := alice.get("/me/data/999999/proof"); p.status != http.StatusNotFound {
		t.Errorf("the proof of a fact alice does not have: %d", p.status)
	}
}
