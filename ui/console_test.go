package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/ui"
)

// consoleKey stores a new API key of role for name and returns its token.
func (h *harness) consoleKey(t *testing.T, role candor.Role, name string) string {
	t.Helper()
	if role == candor.RolePolicyAdmin {
		token, _ := h.adminKey(t, name)
		return token
	}
	token, key := candor.NewAPIKey(role, name, time.Now())
	if err := h.store.PutKey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	return token
}

// adminKey mints a policy administrator's key for name through the
// administrative acts: requested by one of two administrators the harness
// bootstraps first, approved by the other.
func (h *harness) adminKey(t *testing.T, name string) (string, *candor.APIKey) {
	t.Helper()
	ctx := context.Background()
	acts := admins.New(h.store, h.vault, nil)
	for len(h.roots) < 2 {
		_, k, _, err := acts.Mint(ctx, nil, fmt.Sprintf("root-%d", len(h.roots)))
		if err != nil {
			t.Fatal(err)
		}
		h.roots = append(h.roots, k)
	}
	token, k, _, err := acts.Mint(ctx, h.roots[0], name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acts.ApproveKey(ctx, h.roots[1], k.ID); err != nil {
		t.Fatal(err)
	}
	return token, k
}

// consoleSignIn signs the browser in to the console with an API key.
func (b *browser) consoleSignIn(token string) page {
	b.t.Helper()
	return b.post("/console/signin", url.Values{"key": {token}, "csrf": {b.csrf("/console/signin")}})
}

// mustConsole returns a browser signed in to the console with a new key
// of role.
func (h *harness) mustConsole(t *testing.T, role candor.Role) *browser {
	t.Helper()
	b := h.browser(t)
	if p := b.consoleSignIn(h.consoleKey(t, role, "alice-"+role.String())); p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Fatalf("console sign-in as %s: %d %s %s", role, p.status, p.location, p.body)
	}
	return b
}

// population adds persons to h's store: n each with one instalment
// paid late by each of days (40 days ago), and returns their
// national IDs.
func (h *harness) population(t *testing.T, prefix string, n int, days ...int) []string {
	t.Helper()
	when := time.Now().UTC().Add(-40 * 24 * time.Hour).Format(time.RFC3339)
	bank, err := h.store.Source(context.Background(), "bank7")
	if err != nil {
		t.Fatal(err)
	}
	var in []candor.EventInput
	var nids []string
	for i := range n {
		nid := fmt.Sprintf("%s%07d", prefix, i)
		nids = append(nids, nid)
		for j, d := range days {
			in = append(in, candor.EventInput{ID: fmt.Sprintf("%s-%d", nid, j), Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: nid},
				Type: "credit.instalment_late", OccurredAt: when, Fields: []candor.RawField{
					{Name: "days_late", Value: candor.RawValue{Kind: candor.RawNumber, Text: fmt.Sprint(d)}},
					{Name: "amount", Value: candor.RawValue{Kind: candor.RawString, Text: "80.00"}},
					{Name: "currency", Value: candor.RawValue{Kind: candor.RawString, Text: "EUR"}}}})
		}
	}
	if _, err := h.ingest.Ingest(context.Background(), bank, in, nil); err != nil {
		t.Fatal(err)
	}
	return nids
}

// afterPass returns the console page at path once no pass over the
// population is under way.
func (b *browser) afterPass(path string) page {
	b.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		p := b.get(path)
		if p.status != http.StatusOK {
			b.t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
		if !strings.Contains(p.body, "Under way since") {
			if strings.Contains(p.body, "http-equiv=\"refresh\"") {
				b.t.Errorf("%s reloads itself with nothing under way", path)
			}
			return p
		}
		if want := `http-equiv="refresh" content="3; url=` + path + `"`; !strings.Contains(p.body, want) {
			b.t.Errorf("%s does not reload itself at its own URL while a pass is under way: no %s", path, want)
		}
	}
	b.t.Fatalf("%s: a pass is still under way", path)
	return page{}
}

// route is a console page or form, and who may use it.
type route struct {
	method, path string
	form         url.Values
	allowed      []candor.Role
	status       int // the answer to an allowed role
}

func TestConsoleRoleGating(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	// An open review, a proposed version and a key to revoke.
	code := h.grantConsent(t, "AB1234567")
	d, err := h.decide(code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.decisions.RequestReview(ctx, h.ids["AB1234567"], d.ID, "The payment was on time."); err != nil {
		t.Fatal(err)
	}
	h.proposeCreditV2(t)
	dsp := h.openDispute(t, "CD7654321")
	_, srcKey := candor.NewAPIKey(candor.RoleSource, "bank7", time.Now())
	if err := h.store.PutKey(ctx, srcKey); err != nil {
		t.Fatal(err)
	}

	op, pol, rev := candor.RoleOperator, candor.RolePolicyAdmin, candor.RoleReviewer
	all := []candor.Role{op, pol, rev}
	routes := []route{
		{"GET", "/console/", nil, all, http.StatusOK},
		{"GET", "/console/sources", nil, []candor.Role{op}, http.StatusOK},
		{"GET", "/console/relying-parties", nil, []candor.Role{op}, http.StatusOK},
		{"GET", "/console/scorecards", nil, []candor.Role{op, pol}, http.StatusOK},
		{"GET", "/console/population", nil, []candor.Role{op}, http.StatusOK},
		{"GET", "/console/reviews", nil, []candor.Role{rev}, http.StatusOK},
		{"GET", "/console/reviews/" + d.ID, nil, []candor.Role{rev}, http.StatusOK},
		{"POST", "/console/sources/bank7/keys", url.Values{}, []candor.Role{op}, http.StatusOK},
		{"POST", "/console/relying-parties/landlord1/keys", url.Values{}, []candor.Role{op}, http.StatusOK},
		{"POST", "/console/sources", url.Values{"id": {"water1"}, "name": {"Water"}, "kind": {"utility"}, "types": {"utility.*"}}, []candor.Role{op}, http.StatusSeeOther},
		{"POST", "/console/relying-parties", url.Values{"id": {"bank9"}, "name": {"Bank Nine"}, "purpose_credit": {"yes"}}, []candor.Role{op}, http.StatusSeeOther},
		{"POST", "/console/keys/" + srcKey.ID + "/revoke", url.Values{}, []candor.Role{op}, http.StatusSeeOther},
		{"POST", "/console/scorecards/simulate", url.Values{"candidate": {"consumer-credit/2"}, "baseline": {"consumer-credit/1"}}, []candor.Role{op, pol}, http.StatusSeeOther},
		{"POST", "/console/population/recompute", url.Values{}, []candor.Role{op}, http.StatusSeeOther},
		{"GET", "/console/disputes", nil, []candor.Role{op}, http.StatusOK},
		{"GET", "/console/disputes/" + dsp, nil, []candor.Role{op}, http.StatusOK},
		{"POST", "/console/signout", url.Values{}, all, http.StatusSeeOther},
		// Last: they settle the dispute and close the review.
		{"POST", "/console/disputes/" + dsp + "/resolve", url.Values{"answer": {"verify"}, "note": {"Letter of 2 Dec."}}, []candor.Role{op}, http.StatusSeeOther},
		{"POST", "/console/reviews/" + d.ID + "/close", url.Values{"outcome": {"approve"}, "rationale": {"Checked with the bank."}}, []candor.Role{rev}, http.StatusSeeOther},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			send := func(b *browser, csrf string) page {
				if rt.method == "GET" {
					return b.get(rt.path)
				}
				f := url.Values{"csrf": {csrf}}
				for k, v := range rt.form {
					f[k] = v
				}
				return b.post(rt.path, f)
			}
			// Without a console session: a GET is sent to the console's
			// sign-in, a POST refused; a person's session is no console
			// session, in either cookie.
			anon := h.browser(t)
			person := h.browser(t)
			person.signIn("CD7654321")
			u, _ := url.Parse(h.srv.URL)
			for _, c := range person.client.Jar.Cookies(u) {
				if c.Name == "candor_session" {
					person.client.Jar.SetCookies(&url.URL{Scheme: "http", Host: u.Host, Path: "/console/"}, []*http.Cookie{{Name: "candor_console", Value: c.Value, Path: "/console/"}})
				}
			}
			for who, b := range map[string]*browser{"anonymous": anon, "person": person} {
				p := send(b, person.csrf("/me/grades"))
				if rt.method == "GET" && (p.status != http.StatusSeeOther || p.location != "/console/signin") {
					t.Errorf("%s: %d %q, want a redirect to /console/signin", who, p.status, p.location)
				}
				if rt.method == "POST" && p.status != http.StatusForbidden {
					t.Errorf("%s: %d, want 403", who, p.status)
				}
			}
			for _, role := range all {
				b := h.mustConsole(t, role)
				csrf := ""
				if rt.method == "POST" {
					csrf = b.csrf("/console/")
				}
				p := send(b, csrf)
				want := http.StatusForbidden
				for _, a := range rt.allowed {
					if a == role {
						want = rt.status
					}
				}
				if p.status != want {
					t.Errorf("%s: %d, want %d\n%s", role, p.status, want, p.body)
				}
			}
		})
	}
}

// proposeCreditV2 proposes consumer-credit version 2, whose grade C
// starts at 610 rather than 660.
func (h *harness) proposeCreditV2(t *testing.T) {
	t.Helper()
	src, err := os.ReadFile("../scoring/scorecards/consumer-credit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(strings.Replace(string(src), "version: 1", "version: 2", 1), "{grade: C, min: 660", "{grade: C, min: 610", 1)
	_, alice := h.adminKey(t, "alice")
	acts := admins.New(h.store, h.vault, nil)
	if _, err := scoring.NewRegistry(h.store, h.cfg.Catalogue).WithActs(acts).Propose(context.Background(), "consumer-credit-v2.yaml", []byte(v2), alice, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestConsoleSignIn(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	if p := b.get("/console/sources"); p.status != http.StatusSeeOther || p.location != "/console/signin" {
		t.Fatalf("before sign-in: %d %q", p.status, p.location)
	}
	for name, token := range map[string]string{
		"unknown":       "cndr_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"source":        h.consoleKey(t, candor.RoleSource, "bank7"),
		"relying party": h.consoleKey(t, candor.RoleRelyingParty, "landlord1"),
		"subject":       h.consoleKey(t, candor.RoleSubject, h.ids["AB1234567"].String()),
		"empty":         "",
	} {
		if p := b.consoleSignIn(token); p.status != http.StatusForbidden {
			t.Errorf("%s key: %d, want 403", name, p.status)
		}
	}
	// Without the pre-session token, or from another site: refused.
	op := h.consoleKey(t, candor.RoleOperator, "olga")
	if p := b.post("/console/signin", url.Values{"key": {op}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without the form's token: %d, want 403", p.status)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/console/signin", strings.NewReader(url.Values{"key": {op}, "csrf": {b.csrf("/console/signin")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %d, want 403", p.status)
	}
	// An operator's key signs in; the console cookie is the console's
	// only, and the key's revocation ends the session.
	p := b.consoleSignIn(op)
	if p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Fatalf("operator sign-in: %d %q %s", p.status, p.location, p.body)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == "candor_console" {
			cookie = c
		}
	}
	if cookie == nil || cookie.Path != "/console/" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("console cookie: %+v", cookie)
	}
	if p := b.get("/me/grades"); p.status != http.StatusSeeOther || p.location != "/signin" {
		t.Errorf("the console session opens a person's pages: %d %q", p.status, p.location)
	}
	if p := b.get("/console/"); p.status != http.StatusOK || !strings.Contains(p.body, "olga") || strings.Contains(p.body, "/console/reviews") {
		t.Errorf("console home for an operator: %d\n%s", p.status, p.body)
	}
	keys, _ := h.store.Keys(context.Background())
	for _, k := range keys {
		if k.Principal == "olga" {
			k.RevokedAt = time.Now()
			h.store.PutKey(context.Background(), k)
		}
	}
	if p := b.get("/console/"); p.status != http.StatusSeeOther || p.location != "/console/signin" {
		t.Errorf("after the key's revocation: %d %q", p.status, p.location)
	}
}

func TestConsoleFormsRefuseMissingOrWrongCSRF(t *testing.T) {
	h := mustHarness(t)
	for _, role := range []candor.Role{candor.RoleOperator, candor.RoleReviewer, candor.RolePolicyAdmin} {
		b := h.mustConsole(t, role)
		for _, path := range []string{"/console/sources/bank7/keys", "/console/relying-parties/landlord1/keys", "/console/keys/x/revoke",
			"/console/sources", "/console/relying-parties",
			"/console/scorecards/simulate", "/console/population/recompute", "/console/reviews/x/close", "/console/signout"} {
			for _, csrf := range []string{"", "wrong"} {
				f := url.Values{}
				if csrf != "" {
					f.Set("csrf", csrf)
				}
				if p := b.post(path, f); p.status != http.StatusForbidden {
					t.Errorf("%s POST %s with csrf %q: %d, want 403", role, path, csrf, p.status)
				}
			}
		}
		if p := b.get("/console/"); p.status != http.StatusOK {
			t.Errorf("%s: the session did not survive refused forms: %d", role, p.status)
		}
	}
	keys, _ := h.store.Keys(context.Background())
	for _, k := range keys {
		if k.Role == candor.RoleSource || k.Role == candor.RoleRelyingParty {
			t.Errorf("a refused form made key %s", k.ID)
		}
	}
}

func TestConsoleKeys(t *testing.T) {
	h := mustHarness(t)
	b := h.mustConsole(t, candor.RoleOperator)
	p := b.post("/console/sources/bank7/keys", url.Values{"csrf": {b.csrf("/console/sources")}})
	token := regexp.MustCompile(`value="(cndr_[a-z0-9_]+)"`).FindStringSubmatch(p.body)
	if p.status != http.StatusOK || token == nil {
		t.Fatalf("issuing a key: %d\n%s", p.status, p.body)
	}
	key, err := candor.Authenticate(context.Background(), h.store, token[1])
	if err != nil || key.Role != candor.RoleSource || key.Principal != "bank7" {
		t.Fatalf("the key shown: %+v, %v", key, err)
	}
	list := b.get("/console/sources")
	if !strings.Contains(list.body, key.ID) || strings.Contains(list.body, token[1]) {
		t.Errorf("the sources page lists key %s without its token? \n%s", key.ID, list.body)
	}
	if p := b.post("/console/keys/"+key.ID+"/revoke", url.Values{"csrf": {b.csrf("/console/sources")}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoking: %d %s", p.status, p.body)
	}
	if _, err := candor.Authenticate(context.Background(), h.store, token[1]); candor.ErrorCode(err) != candor.EUNAUTHORIZED {
		t.Errorf("a revoked key authenticates: %v", err)
	}
	if !strings.Contains(b.get("/console/sources").body, "revoked") {
		t.Errorf("the sources page does not show the revocation")
	}
	// Only sources' and relying parties' keys are revoked here.
	_, opKey := candor.NewAPIKey(candor.RoleOperator, "olga", time.Now())
	h.store.PutKey(context.Background(), opKey)
	if p := b.post("/console/keys/"+opKey.ID+"/revoke", url.Values{"csrf": {b.csrf("/console/sources")}}); p.status != http.StatusForbidden {
		t.Errorf("revoking an operator's key: %d, want 403", p.status)
	}
}

// TestConsoleRegisters: an operator registers a source and a relying
// party in the console, as the CLI and the API do: the source's key,
// issued there too, posts at once; a bad form is refused naming the
// problem and registers nothing; updating a relying party keeps what the
// form does not show.
func TestConsoleRegisters(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	b := h.mustConsole(t, candor.RoleOperator)
	form := func(v url.Values) url.Values { v.Set("csrf", b.csrf("/console/sources")); return v }
	p := b.post("/console/sources", form(url.Values{"id": {"water1"}, "name": {"City Water"}, "kind": {"utility"}, "types": {"utility.bill_*"}}))
	if p.status != http.StatusSeeOther || p.location != "/console/sources" {
		t.Fatalf("registering a source: %d %s", p.status, p.body)
	}
	if page := b.get("/console/sources"); !strings.Contains(page.body, "Source water1 is registered with 2 event types") || !strings.Contains(page.body, "City Water") {
		t.Errorf("the sources page after registering:\n%s", page.body)
	}
	src, err := h.store.Source(ctx, "water1")
	if err != nil || src.Kind != candor.SourceUtility || len(src.AllowedTypes) != 2 {
		t.Fatalf("stored: %+v %v", src, err)
	}
	for _, bad := range []url.Values{
		{"id": {"Water 2"}, "name": {"x"}, "kind": {"utility"}, "types": {"utility.*"}},
		{"id": {"water2"}, "name": {"x"}, "kind": {"utility"}, "types": {"astrology.*"}},
		{"id": {"water2"}, "name": {"x"}, "kind": {"pirate"}, "types": {"utility.*"}},
		{"id": {"water1"}, "name": {"x"}, "kind": {"bank"}, "types": {"credit.*"}},
	} {
		if p := b.post("/console/sources", form(bad)); p.status < 400 || p.status > 499 {
			t.Errorf("a bad form %v: %d, want it refused", bad, p.status)
		}
	}
	if srcs, _ := h.store.Sources(ctx); len(srcs) != 3 {
		t.Errorf("%d sources after the refused forms, want bank7, insp1 and water1", len(srcs))
	}

	p = b.post("/console/relying-parties", form(url.Values{"id": {"lender1"}, "name": {"Lender One"}, "purpose_credit": {"yes"}, "purpose_rental": {"yes"}}))
	if p.status != http.StatusSeeOther {
		t.Fatalf("registering a relying party: %d %s", p.status, p.body)
	}
	rp, err := h.decisions.RelyingParty(ctx, "lender1")
	if err != nil || len(rp.Purposes) != 2 {
		t.Fatalf("stored: %+v %v", rp, err)
	}
	h.landlord.Statutory = []candor.Purpose{candor.PurposeCourtEnforcement}
	h.landlord.Purposes = append(h.landlord.Purposes, candor.PurposeCourtEnforcement)
	if err := h.decisions.PutRelyingParty(ctx, h.landlord); err != nil {
		t.Fatal(err)
	}
	if p := b.post("/console/relying-parties", form(url.Values{"id": {"landlord1"}, "name": {"Landlord One"}, "purpose_rental": {"yes"}, "purpose_court_enforcement": {"yes"}})); p.status != http.StatusSeeOther {
		t.Fatalf("updating a relying party: %d %s", p.status, p.body)
	}
	if rp, _ := h.decisions.RelyingParty(ctx, "landlord1"); len(rp.Statutory) != 1 || !rp.CreatedAt.Equal(h.landlord.CreatedAt) {
		t.Errorf("updating in the console dropped the statutory purposes or the registration time: %+v, registered %v", rp, h.landlord.CreatedAt)
	}
	if p := b.post("/console/relying-parties", form(url.Values{"id": {"x1"}, "name": {"X"}})); p.status < 400 || p.status > 499 {
		t.Errorf("a relying party with no purpose: %d, want it refused", p.status)
	}
	if _, err := h.decisions.RelyingParty(ctx, "x1"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the refused relying party: %v, want ENOTFOUND", err)
	}
}

// cellRe finds a table row's header and cells.
var (
	rowRe  = regexp.MustCompile(`<tr><th scope="row">([A-Z])</th>(.*?)</tr>`)
	cellRe = regexp.MustCompile(`<td class="num[^"]*">([^<]*)</td>`)
)

// table returns the rows of the first table after marker in body, by
// their header: each row's cells' text.
func table(t *testing.T, body, marker string) map[string][]string {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no %q in\n%s", marker, body)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</table>")]
	out := map[string][]string{}
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		for _, c := range cellRe.FindAllStringSubmatch(m[2], -1) {
			out[m[1]] = append(out[m[1]], html.UnescapeString(c[1]))
		}
	}
	return out
}

// near reports whether text is how the console may show exact n under
// noise of 95 % margin m: within 3m of it (a discrete Laplace count
// strays further with probability below 10⁻³), or "<10" for a noisy
// count under 10.
func near(text string, n int, m int) bool {
	if text == "<10" {
		return n < 10+3*m
	}
	got, err := strconv.Atoi(text)
	return err == nil && got >= 10 && got >= n-3*m && got <= n+3*m
}

// grades returns the grade of each person in nids under each of cards,
// scored here from their events.
func (h *harness) grades(t *testing.T, nids []string, at time.Time, cards ...*scoring.Compiled) [][]string {
	t.Helper()
	ctx := context.Background()
	var out [][]string
	for _, nid := range nids {
		id := h.ids[nid]
		if id.IsZero() {
			var err error
			if id, err = h.store.SubjectByIndex(ctx, h.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid})); err != nil {
				t.Fatal(err)
			}
		}
		key, err := h.vault.SubjectKey(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := key.ReadEvents(ctx, h.store)
		if err != nil {
			t.Fatal(err)
		}
		var gs []string
		for _, c := range cards {
			_, g, err := c.Points(id, evs, at)
			if err != nil {
				t.Fatal(err)
			}
			gs = append(gs, g)
		}
		out = append(out, gs)
	}
	return out
}

func (h *harness) card(id string) *scoring.Compiled {
	for _, c := range h.shipped {
		if c.Scorecard().ID == id {
			return c
		}
	}
	return nil
}

func TestConsoleSimulationMatchesScoring(t *testing.T) {
	h := mustHarness(t)
	// 30 persons one instalment 3 days late (D now, C under v2), 12 one
	// 95 days late (E under both), 4 two instalments 3 days late (D under
	// both: a cell under 10).
	nids := append(append(append([]string{"AB1234567", "CD7654321"}, h.population(t, "PA", 30, 3)...), h.population(t, "PB", 12, 95)...), h.population(t, "PC", 4, 3, 3)...)
	h.proposeCreditV2(t)
	b := h.mustConsole(t, candor.RolePolicyAdmin)
	// The default baseline (as the form first offers it): the active
	// version of the same scorecard, whichever is listed first.
	if p := b.post("/console/scorecards/simulate", url.Values{"csrf": {b.csrf("/console/scorecards")}, "candidate": {"consumer-credit/2"}, "baseline": {""}}); p.status != http.StatusSeeOther {
		t.Fatalf("simulate: %d\n%s", p.status, p.body)
	}
	p := b.afterPass("/console/scorecards")
	if !strings.Contains(p.body, "Grade migration from consumer-credit v1 to consumer-credit v2") {
		t.Fatalf("the default baseline is not consumer-credit v1:\n%s", p.body)
	}
	src, _ := os.ReadFile("../scoring/scorecards/consumer-credit.yaml")
	v2, err := scoring.Load("v2.yaml", []byte(strings.Replace(strings.Replace(string(src), "version: 1", "version: 2", 1), "{grade: C, min: 660", "{grade: C, min: 610", 1)), h.cfg.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	moves := map[[2]string]int{}
	for _, g := range h.grades(t, nids, time.Now(), h.card("consumer-credit"), v2) {
		moves[[2]string{g[0], g[1]}]++
	}
	if moves[[2]string{"D", "C"}] < 10 || moves[[2]string{"D", "D"}] == 0 || moves[[2]string{"D", "D"}] >= 10 {
		t.Fatalf("the population does not test what it should: %v", moves)
	}
	got := table(t, p.body, `<table class="matrix">`)
	grades := []string{"A", "B", "C", "D", "E"}
	for _, from := range grades {
		if len(got[from]) != len(grades)+1 {
			t.Fatalf("row %s: %q\n%s", from, got[from], p.body)
		}
		for j, to := range grades {
			// ε 1 per migration, a person in one cell: scale 1, margin 3.
			if want := moves[[2]string{from, to}]; !near(got[from][j], want, int(stats.Margin95(1))) {
				t.Errorf("%s→%s: shown %q, want %d give or take the noise", from, to, got[from][j], want)
			}
		}
	}
	if !strings.Contains(p.body, "<svg") || !strings.Contains(p.body, `class="suppressed"`) {
		t.Errorf("no chart with a suppressed cell")
	}
	if !strings.Contains(p.body, "differential privacy") {
		t.Errorf("the migration does not say its counts carry noise")
	}
}

func TestConsolePopulationSuppressesSmallCounts(t *testing.T) {
	h := mustHarness(t)
	nids := append(append([]string{"AB1234567", "CD7654321"}, h.population(t, "PA", 30, 3)...), h.population(t, "PB", 12, 95)...)
	b := h.mustConsole(t, candor.RoleOperator)
	if p := b.get("/console/population"); !strings.Contains(p.body, "Not computed yet") {
		t.Fatalf("before computing:\n%s", p.body)
	}
	if p := b.post("/console/population/recompute", url.Values{"csrf": {b.csrf("/console/population")}}); p.status != http.StatusSeeOther {
		t.Fatalf("recompute: %d %s", p.status, p.body)
	}
	p := b.afterPass("/console/population")
	counts := map[string]int{}
	for _, g := range h.grades(t, nids, time.Now(), h.card("consumer-credit")) {
		counts[g[0]]++
	}
	if counts["D"] < 10 || counts["E"] < 10 || counts["A"] != 0 {
		t.Fatalf("the population does not test what it should: %v", counts)
	}
	// ε 1 shared by the three active scorecards: scale 3 per count.
	margin := int(stats.Margin95(3))
	got := table(t, p.body, `id="dist-consumer-credit"`)
	for _, g := range []string{"A", "B", "C", "D", "E"} {
		if len(got[g]) != 1 || !near(got[g][0], counts[g], margin) {
			t.Errorf("grade %s: shown %q, want %d give or take the noise", g, got[g], counts[g])
		}
	}
	if !strings.Contains(p.body, "differential privacy") || !strings.Contains(p.body, fmt.Sprintf("±%d", margin)) {
		t.Errorf("the page does not say its counts carry noise of ±%d", margin)
	}
	// One organisation: its counts are noise around 0 and 1; a noisy
	// count under 10 is still not shown, and no column is drawn for it.
	org := table(t, p.body, `id="dist-business-compliance"`)
	for g, cells := range org {
		if !near(cells[0], 0, margin) && !near(cells[0], 1, margin) {
			t.Errorf("business compliance grade %s: %q", g, cells[0])
		}
	}
	// The counts are kept, with their time, for a new server too.
	srv := httptest.NewServer(h.portal(t))
	defer srv.Close()
	b2 := h.browser(t)
	b2.base = srv.URL
	b2.consoleSignIn(h.consoleKey(t, candor.RoleOperator, "otto"))
	if p := b2.get("/console/population"); !strings.Contains(p.body, "Computed ") || !strings.Contains(p.body, `id="dist-consumer-credit"`) {
		t.Errorf("a new server lost the counts:\n%s", p.body)
	}
}

func TestSessionsSurviveARestart(t *testing.T) {
	h := mustHarness(t)
	person := h.browser(t)
	person.signIn("AB1234567")
	op := h.mustConsole(t, candor.RoleOperator)
	csrf := op.csrf("/console/sources")
	// Another server over the same store: the same cookies still work,
	// the CSRF token too.
	srv := httptest.NewServer(h.portal(t))
	defer srv.Close()
	person.base, op.base = srv.URL, srv.URL
	if p := person.get("/me/grades"); p.status != http.StatusOK || !strings.Contains(p.body, "AB1234567") {
		t.Errorf("person after a restart: %d %q", p.status, p.location)
	}
	if p := op.get("/console/sources"); p.status != http.StatusOK {
		t.Errorf("operator after a restart: %d %q", p.status, p.location)
	}
	if p := op.post("/console/sources/bank7/keys", url.Values{"csrf": {csrf}}); p.status != http.StatusOK {
		t.Errorf("a form from before the restart: %d", p.status)
	}
	// Signing out on one ends the session everywhere it is not yet
	// cached: the store holds no session of it.
	if p := person.post("/signout", url.Values{"csrf": {person.csrf("/me/grades")}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.status)
	}
	n := 0
	for _, err := range h.store.AllRecords(context.Background(), candor.RecordSession) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 { // the operator's
		t.Errorf("%d sessions stored after one of two ended, want 1", n)
	}
	// Only a hash of the token is stored.
	for rec := range h.store.AllRecords(context.Background(), candor.RecordSession) {
		for _, c := range op.client.Jar.Cookies(mustURL(srv.URL + "/console/")) {
			if strings.Contains(string(rec.Data), c.Value) || rec.ID == c.Value {
				t.Errorf("session record %s holds the cookie's token", rec.ID)
			}
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSessionsExpireInTheStore(t *testing.T) {
	h := mustHarness(t)
	now := time.Now()
	clock := func() time.Time { return now }
	cfg := h.cfg
	cfg.Now, cfg.SessionIdle = clock, time.Hour
	p, err := ui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	srv := httptest.NewServer(p)
	defer srv.Close()
	b := h.browser(t)
	b.base = srv.URL
	if p := b.consoleSignIn(h.consoleKey(t, candor.RoleOperator, "olga")); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.status)
	}
	now = now.Add(2 * time.Hour)
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("an idle session still works: %d", p.status)
	}
	for rec, err := range h.store.AllRecords(context.Background(), candor.RecordSession) {
		t.Errorf("an ended session is still stored: %v %v", rec.ID, err)
	}
}

// A reviewer's look at a case is recorded as a read of its subject's
// data, which the person then sees; the queue is not.
func TestConsoleReviewCaseIsRecorded(t *testing.T) {
	h := mustHarness(t)
	d, err := h.decide(h.grantConsent(t, "AB1234567"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.decisions.RequestReview(context.Background(), h.ids["AB1234567"], d.ID, "Wrong."); err != nil {
		t.Fatal(err)
	}
	rev := h.mustConsole(t, candor.RoleReviewer)
	if p := rev.get("/console/reviews"); !strings.Contains(p.body, d.ID) || strings.Contains(p.body, "Wrong.") {
		t.Errorf("the queue:\n%s", p.body)
	}
	person := h.browser(t)
	person.signIn("AB1234567")
	if p := person.get("/me/access"); strings.Contains(p.body, "reviewer") {
		t.Fatalf("a reviewer's read before any:\n%s", p.body)
	}
	p := rev.get("/console/reviews/" + d.ID)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Wrong.") {
		t.Fatalf("the case: %d\n%s", p.status, p.body)
	}
	// The reviewer sees the score behind the decision, its contributions
	// and the facts each counted, with their fields and sources.
	for _, want := range []string{"The score it rests on", "grade <strong>" + d.Grade + "</strong>", "Contributions and the facts behind them",
		"Loan instalment 60 or more days late", "Late loan instalment", "days late: 95", "days late: 40", "Bank Seven"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the case lacks %q", want)
		}
	}
	if strings.Contains(p.body, "GET /v1/reviews") {
		t.Error("the case still sends the reviewer to the API")
	}
	if p := person.get("/me/access"); !strings.Contains(p.body, html.EscapeString(candor.ReadHumanReview.Words())) || !strings.Contains(p.body, "a decision about you, for its review") {
		t.Errorf("the reviewer's read is not among the person's reads:\n%s", p.body)
	}
	// Fail closed.
	h.cfg.Access = failing{}
	h.srv.Config.Handler = h.portal(t, h.demo)
	if p := rev.get("/console/reviews/" + d.ID); p.status != http.StatusServiceUnavailable || strings.Contains(p.body, "Wrong.") {
		t.Errorf("a case with a broken access log: %d", p.status)
	}
}

// An erased person's stored sessions go with them: not even a new server
// over the same store lets the old cookie in.
func TestErasureEndsStoredSessions(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	cookies := b.client.Jar.Cookies(mustURL(h.srv.URL + "/me/"))
	if len(cookies) == 0 {
		t.Fatal("no session cookie")
	}
	if p := b.post("/me/erasure", url.Values{"csrf": {b.csrf("/me/erasure")}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("erase: %d %s", p.status, p.body)
	}
	for rec, err := range h.store.AllRecords(context.Background(), candor.RecordSession) {
		if err != nil || rec.Subject == h.ids["AB1234567"] {
			t.Errorf("a session of the erased person is still stored (%v)", err)
		}
	}
	srv := httptest.NewServer(h.portal(t))
	defer srv.Close()
	b.base = srv.URL
	b.client.Jar.SetCookies(mustURL(srv.URL+"/"), cookies) // the cookie the erasure cleared
	if p := b.get("/me/grades"); p.status != http.StatusSeeOther {
		t.Errorf("the erased person's cookie on a new server: %d", p.status)
	}
}

// openDispute disputes the first fact of the person with national ID nid
// and returns the dispute's ID.
func (h *harness) openDispute(t *testing.T, nid string) string {
	t.Helper()
	key, err := h.vault.StoredKey(context.Background(), h.store, h.ids[nid])
	if err != nil {
		t.Fatal(err)
	}
	evs, err := key.ReadEvents(context.Background(), h.store)
	if err != nil || len(evs) == 0 {
		t.Fatalf("the facts of %s: %d, %v", nid, len(evs), err)
	}
	d, err := h.disputes.Open(context.Background(), h.ids[nid], evs[0].ID, "I was never late.")
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// An operator settles a dispute with the answer its source gave by
// letter; opening it is recorded; the person sees the step.
func TestConsoleDisputes(t *testing.T) {
	h := mustHarness(t)
	id := h.openDispute(t, "AB1234567")
	op := h.mustConsole(t, candor.RoleOperator)
	if p := op.get("/console/"); !strings.Contains(p.body, "1 open dispute.") {
		t.Errorf("the console's home does not count the dispute:\n%s", p.body)
	}
	q := op.get("/console/disputes")
	if !strings.Contains(q.body, id) || !strings.Contains(q.body, "Bank Seven") || strings.Contains(q.body, "never late") {
		t.Errorf("the queue (the statement is for the case page only):\n%s", q.body)
	}
	person := h.browser(t)
	person.signIn("AB1234567")
	if p := op.get("/console/disputes/" + id); p.status != http.StatusOK || !strings.Contains(p.body, "I was never late.") {
		t.Fatalf("the case: %d\n%s", p.status, p.body)
	}
	if p := person.get("/me/access"); !strings.Contains(p.body, html.EscapeString(candor.ReadDispute.Words())) || !strings.Contains(p.body, "your dispute and the fact it contests") {
		t.Errorf("the operator's read is not among the person's reads:\n%s", p.body)
	}
	csrf := op.csrf("/console/")
	if p := op.post("/console/disputes/"+id+"/resolve", url.Values{"csrf": {csrf}, "answer": {"correct"}, "note": {"x"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a correction without the correcting event: %d", p.status)
	}
	p := op.post("/console/disputes/"+id+"/resolve", url.Values{"csrf": {csrf}, "answer": {"withdraw"}, "note": {"Bank Seven's letter of 2 December withdraws it."}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d %s", p.status, p.body)
	}
	if q := op.get("/console/disputes"); strings.Contains(q.body, `href="/console/disputes/`+id) || !strings.Contains(q.body, "settled: withdrawn") {
		t.Errorf("the queue after settling:\n%s", q.body)
	}
	if p := person.get("/me/disputes"); !strings.Contains(p.body, "an operator, recording the answer of Bank Seven") || !strings.Contains(p.body, "letter of 2 December") {
		t.Errorf("the person's disputes page:\n%s", p.body)
	}
}

// TestAdminActsOnPublicPages: the scorecard pages list, without sign-in,
// every administrative act with who, which key and when.
func TestAdminActsOnPublicPages(t *testing.T) {
	h := mustHarness(t)
	h.proposeCreditV2(t) // alice, whose key two administrators minted, proposes
	acts, err := admins.New(h.store, h.vault, nil).Acts(context.Background())
	if err != nil || len(acts) != 5 {
		t.Fatalf("acts: %d, %v", len(acts), err)
	}
	alice := acts[2].Key
	b := h.browser(t)
	p := b.get("/scorecards")
	for _, want := range []string{"Who approved what", "administrator&#39;s key minted (one of the first two)", "administrator&#39;s key requested",
		"administrator&#39;s key approved", "key " + alice + " of alice", "root-1", "version proposed", "consumer-credit version 2", acts[4].ByKey} {
		if !strings.Contains(p.body, want) {
			t.Errorf("/scorecards does not show %q", want)
		}
	}
	p = b.get("/scorecards/consumer-credit")
	if !strings.Contains(p.body, "consumer-credit version 2") || strings.Contains(p.body, "key "+alice+" of alice") {
		t.Errorf("/scorecards/consumer-credit does not list its own acts alone:\n%s", p.body)
	}
	if p := b.get("/scorecards/rental-deposit"); strings.Contains(p.body, "Who approved what") {
		t.Errorf("rental-deposit lists acts about other scorecards")
	}
	// An act altered behind the chain's back is shown as such.
	rec, err := h.store.Record(context.Background(), candor.RecordAdminAct, candor.AdminActID(1))
	if err != nil {
		t.Fatal(err)
	}
	rec.Data = bytes.Replace(rec.Data, []byte("root-0"), []byte("root-9"), 1)
	if err := h.store.PutRecord(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/scorecards"); p.status != 200 || !strings.Contains(p.body, "does not verify") || strings.Contains(p.body, "version proposed") {
		t.Errorf("/scorecards with an altered act: %d", p.status)
	}
	// A policy administrator's key written into the store directly does
	// not sign in to the console.
	token, direct := candor.NewAPIKey(candor.RolePolicyAdmin, "mallory", time.Now())
	if err := h.store.PutKey(context.Background(), direct); err != nil {
		t.Fatal(err)
	}
	if p := h.browser(t).consoleSignIn(token); p.status != http.StatusForbidden || !strings.Contains(p.body, "not minted") {
		t.Errorf("a key no act minted signs in: %d %s", p.status, p.location)
	}
}

// TestConsolePolicy: a policy administrator proposes a scorecard version
// in the console and cannot approve it; a second one sees no approve
// button until it is audited (rental rests on consent, so even a rule
// version is), then approves it, as the API and the CLI would; an
// operator may do neither.
func TestConsolePolicy(t *testing.T) {
	h := mustHarness(t)
	signIn := func(name string) (*browser, *candor.APIKey) {
		b := h.browser(t)
		token := h.consoleKey(t, candor.RolePolicyAdmin, name)
		if p := b.consoleSignIn(token); p.status != http.StatusSeeOther {
			t.Fatalf("%s's sign-in: %d %s", name, p.status, p.body)
		}
		key, err := candor.Authenticate(context.Background(), h.store, token)
		if err != nil {
			t.Fatal(err)
		}
		return b, key
	}
	alice, aliceKey := signIn("alice")
	bob, _ := signIn("bob")
	shipped, err := os.ReadFile(filepath.Join("..", "scoring", "scorecards", "rental-deposit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	form := func(b *browser, v url.Values) url.Values { v.Set("csrf", b.csrf("/console/scorecards")); return v }
	if p := alice.post("/console/scorecards/propose", form(alice, url.Values{"file": {"rd2.yaml"}, "source": {"id: ["}})); p.status < 400 || p.status > 499 {
		t.Errorf("proposing a broken file: %d, want it refused", p.status)
	}
	p := alice.post("/console/scorecards/propose", form(alice, url.Values{"file": {"rd2.yaml"}, "source": {v2}}))
	if p.status != http.StatusSeeOther {
		t.Fatalf("proposing: %d %s", p.status, p.body)
	}
	page := alice.get("/console/scorecards").body
	if !strings.Contains(page, "rental-deposit version 2 is proposed") || !strings.Contains(page, "Yours: a second administrator approves it.") || strings.Contains(page, "Approve rental-deposit v2") {
		t.Errorf("the proposer's page after proposing:\n%s", page)
	}
	if p := alice.post("/console/scorecards/approve", form(alice, url.Values{"version": {"rental-deposit/2"}})); p.status != http.StatusForbidden {
		t.Errorf("the proposer approving: %d, want 403", p.status)
	}
	if page := bob.get("/console/scorecards").body; strings.Contains(page, "Approve rental-deposit v2") || !strings.Contains(page, "candor policy audit rental-deposit 2") {
		t.Errorf("the page of an unaudited rule version for rental:\n%s", page)
	}
	if p := bob.post("/console/scorecards/approve", form(bob, url.Values{"version": {"rental-deposit/2"}})); p.status != http.StatusForbidden || !strings.Contains(p.body, "fairness audit") {
		t.Errorf("approving it unaudited: %d, want 403 naming the audit", p.status)
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if _, err := h.cfg.Policy.Audit(context.Background(), aliceKey, "rental-deposit", 2, read("rental-audit-sample.csv"), read("rental-audit-protected.csv")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bob.get("/console/scorecards").body, "Approve rental-deposit v2") {
		t.Error("the second administrator's page has no approve button once the version is audited")
	}
	op := h.mustConsole(t, candor.RoleOperator)
	if p := op.post("/console/scorecards/approve", form(op, url.Values{"version": {"rental-deposit/2"}})); p.status != http.StatusForbidden {
		t.Errorf("an operator approving: %d, want 403", p.status)
	}
	if p := bob.post("/console/scorecards/approve", form(bob, url.Values{"version": {"rental-deposit/2"}})); p.status != http.StatusSeeOther {
		t.Fatalf("the second administrator approving: %d %s", p.status, p.body)
	}
	if page := bob.get("/console/scorecards").body; !strings.Contains(page, "rental-deposit version 2 is approved") {
		t.Errorf("the approver's page after approving:\n%s", page)
	}
	vs, err := h.cfg.History.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	approved := false
	for _, v := range vs {
		approved = approved || v.Scorecard.ID == "rental-deposit" && v.Scorecard.Version == 2 && v.ProposedBy == "alice" && v.ApprovedBy == "bob"
	}
	if !approved {
		t.Error("rental-deposit version 2 is not listed as proposed by alice and approved by bob")
	}
}

// TestConsoleApproveShowsAudit: a fitted consumer-credit version awaits
// an audit, with no approve button and the command to audit it; once
// audited, the second administrator's page shows the audit's verdict and
// its groups' rates beside the approve button.
func TestConsoleApproveShowsAudit(t *testing.T) {
	h := mustHarness(t)
	signIn := func(name string) (*browser, *candor.APIKey) {
		b := h.browser(t)
		token := h.consoleKey(t, candor.RolePolicyAdmin, name)
		if p := b.consoleSignIn(token); p.status != http.StatusSeeOther {
			t.Fatalf("%s's sign-in: %d %s", name, p.status, p.body)
		}
		key, err := candor.Authenticate(context.Background(), h.store, token)
		if err != nil {
			t.Fatal(err)
		}
		return b, key
	}
	alice, aliceKey := signIn("alice")
	bob, _ := signIn("bob")
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	form := func(b *browser, v url.Values) url.Values { v.Set("csrf", b.csrf("/console/scorecards")); return v }
	if p := alice.post("/console/scorecards/propose", form(alice, url.Values{"file": {"cc2.yaml"}, "source": {string(read("consumer-credit-2.yaml"))}})); p.status != http.StatusSeeOther {
		t.Fatalf("proposing: %d %s", p.status, p.body)
	}
	page := bob.get("/console/scorecards").body
	if strings.Contains(page, "Approve consumer-credit v2") || !strings.Contains(page, "candor policy audit consumer-credit 2") || !strings.Contains(page, "Not until it is audited.") {
		t.Errorf("the page of an unaudited fitted version:\n%s", page)
	}
	if p := bob.post("/console/scorecards/approve", form(bob, url.Values{"version": {"consumer-credit/2"}})); p.status != http.StatusForbidden || !strings.Contains(p.body, "fairness audit") {
		t.Errorf("approving it anyway: %d, want 403 naming the audit", p.status)
	}
	if _, err := h.cfg.Policy.Audit(context.Background(), aliceKey, "consumer-credit", 2, read("audit-sample.csv"), read("audit-protected.csv")); err != nil {
		t.Fatal(err)
	}
	page = bob.get("/console/scorecards").body
	for _, want := range []string{"Approve consumer-credit v2", "four-fifths rule <strong>not</strong> met</a>, by alice", "Fairness audit of consumer-credit v2",
		"pre_approval: grade C, score 660 or more (65.0 % approved)", `<td data-label="Group">b</td><td class="num" data-label="Rows">20</td><td class="num" data-label="Approved">50.0 %</td><td class="num" data-label="Adverse-impact ratio">0.62 (below 0.8)</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the audited version's page lacks %q", want)
		}
	}
	if p := bob.post("/console/scorecards/approve", form(bob, url.Values{"version": {"consumer-credit/2"}})); p.status != http.StatusSeeOther {
		t.Errorf("approving once audited: %d %s", p.status, p.body)
	}
}
