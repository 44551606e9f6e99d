package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
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
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
	"go.yaml.in/yaml/v3"
)

type harness struct {
	srv       *httptest.Server
	store     candor.Store
	log       *tlog.Log        // the transparency log (audit_test.go)
	keeper    *audit.Keeper    // keeps its checkpoints
	access    *audit.AccessLog // records reads
	decisions *decisions.Service
	disputes  *disputes.Service
	published *scoring.Published // the served scorecards
	bank      string             // token of a bank source
	court     string             // token of a court source
	operator  string
	revoked   string
	landlord  string // token of a relying party registered for rental
	metrics   *httpapi.Metrics
	reviewer  string
	policy    string // a policy administrator's, alice's, bootstrapped
	policyKey *candor.APIKey
	admins    *admins.Service
	analyst   string
}

// key stores a new API key and returns its token.
func (h *harness) key(t *testing.T, role candor.Role, principal string) string {
	t.Helper()
	token, key := candor.NewAPIKey(role, principal, time.Now())
	if err := h.store.PutKey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	return token
}

func mustHarness(t *testing.T) *harness {
	t.Helper()
	shipped, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	return mustHarnessWith(t, shipped, shipped)
}

// mustHarnessWith serves the active scorecard versions and every version
// published, as candor serve does: events are stored with their matches
// with the active ones, and with matchAlso (versions materialised before
// a test activates them).
func mustHarnessWith(t *testing.T, active, all []*scoring.Compiled, matchAlso ...*scoring.Compiled) *harness {
	t.Helper()
	st := testenv.Store(t)
	v, _ := vault.New(bytes.Repeat([]byte{3}, vault.KeySize), testenv.Keyring(t))
	cat := catalogue.Default()
	ctx := context.Background()
	h := &harness{store: st}
	for _, s := range []*candor.Source{
		{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late", "credit.instalment_paid"}},
		{ID: "court1", Name: "District Court", Kind: candor.SourceCourt, AllowedTypes: []string{"court.restriction_imposed"}},
	} {
		if err := s.Validate(cat); err != nil {
			t.Fatal(err)
		}
		if err := st.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(role candor.Role, principal string) (string, *candor.APIKey) {
		token, key := candor.NewAPIKey(role, principal, time.Now())
		if err := st.PutKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		return token, key
	}
	h.bank, _ = mk(candor.RoleSource, "bank7")
	h.court, _ = mk(candor.RoleSource, "court1")
	h.operator, _ = mk(candor.RoleOperator, "ops")
	var rk *candor.APIKey
	h.revoked, rk = mk(candor.RoleSource, "bank7")
	rk.RevokedAt = time.Now()
	st.PutKey(ctx, rk)

	h.published = scoring.NewPublished(active, all)
	h.decisions = decisions.New(st, v, cat, h.published, nil)
	if err := h.decisions.PutRelyingParty(ctx, &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		t.Fatal(err)
	}
	h.landlord = h.key(t, candor.RoleRelyingParty, "landlord1")
	h.reviewer = h.key(t, candor.RoleReviewer, "rita")
	h.analyst = h.key(t, candor.RoleAnalyst, "ada")
	metrics := httpapi.NewMetrics(st.Size)
	links := identity.New(identity.Config{Store: st, Vault: v})
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Links: links, Matcher: scoring.NewMatcher(append(slices.Clone(active), matchAlso...)), OnCommit: func(cs ingest.CommitStats) {
		metrics.IngestCommitted(cs.Requests, cs.Events, cs.Duplicates, cs.Duration, cs.Err)
	}})
	access, closeAudit := h.startAudit(t, v)
	h.decisions.RecordDisclosures(access)
	h.disputes = disputes.New(st, v, cat, nil)
	links.WithDisputes(h.disputes)
	h.disputes.UndoLinks(links)
	h.disputes.OnStatus(metrics.DisputeEntered)
	metrics.WatchDisputesOpen(h.disputes.OpenCount)
	metrics.WatchLogLag(func(ctx context.Context) (int, int, error) { return audit.Lag(ctx, st) })
	h.metrics = metrics
	h.admins = admins.New(st, v, nil)
	var err error
	if h.policy, h.policyKey, _, err = h.admins.Mint(ctx, nil, "alice"); err != nil {
		t.Fatal(err)
	}
	profiles := profile.New(profile.Config{Store: st, Vault: v, Catalogue: cat, Scorecards: h.published, Log: h.log, Groups: links})
	signer, serr := decisions.GenerateSigner()
	if serr != nil {
		t.Fatal(serr)
	}
	api := httpapi.New(httpapi.Config{Catalogue: cat, Ingester: p, Metrics: metrics, Admin: h.admins, DecisionSigner: signer,
		Profiles: profiles, Proofs: profiles,
		Scorecards: h.published, Register: register.New(st, v, h.published, nil), Decisions: h.decisions, Disputes: h.disputes, Access: access, Log: h.log,
		Checkpoints: h.keeper, Health: h.keeper.Err,
		Erasure:     erasure.New(erasure.Config{Store: st, Vault: v, Catalogue: cat}),
		Credentials: h.credentials(t, st, v, cat, access),
		Registrar:   registrar.New(st, cat, h.decisions, nil),
		Policy:      h.policyService(st, cat),
		Statistics: stats.New(stats.Options{Store: st, Vault: v, Catalogue: cat, AnalystEpsilon: candor.MicroEpsilon / 2,
			Scorecards: func() []stats.Card { return materialised(h.published) }}),
		Identity: links})
	api.SetReady(true)
	h.srv = httptest.NewServer(api)
	t.Cleanup(func() {
		h.srv.Close()
		closeAudit()
		p.Close()
		st.Close()
	})
	return h
}

// materialised returns the active versions p serves, as the statistics
// count their grades.
func materialised(p *scoring.Published) []stats.Card {
	var out []stats.Card
	for _, c := range p.Snapshot().Active() {
		out = append(out, c)
	}
	return out
}

type response struct {
	status int
	body   map[string]any
	raw    string
}

// do sends a request to the harness's server and checks the response
// against the OpenAPI document (checkResponse, openapi_test.go): every
// response of the suite is one the document describes.
func (h *harness) do(t *testing.T, method, path, token, contentType string, body []byte) response {
	t.Helper()
	req := h.request(method, path, token, contentType, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	if _, err := checkResponse(req, body, resp, raw, false); err != nil {
		t.Errorf("%s %s: %d %s\ndoes not match the OpenAPI document: %v", method, path, r.status, truncate(r.raw), err)
	}
	return r
}

// request is the request do sends.
func (h *harness) request(method, path, token, contentType string, body []byte) *http.Request {
	req, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// Operators and reviewers state a purpose (TestReadPurpose tests
	// reads without one).
	switch token {
	case h.operator:
		req.Header.Set(httpapi.PurposeHeader, "subject_request")
	case h.reviewer:
		req.Header.Set(httpapi.PurposeHeader, "human_review")
	}
	return req
}

func event(id, nid, occurred string, fields string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":%q,"fields":%s}`, id, nid, occurred, fields)
}

const okFields = `{"days_late":45,"amount":"120.50","currency":"EUR"}`

func TestPostEventsBadInput(t *testing.T) {
	h := mustHarness(t)
	ts := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	future := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(event("stored", "AB1234567", ts, okFields))); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.raw)
	}
	nd := "application/x-ndjson"
	good := event("g1", "CD7654321", ts, okFields)
	big := bytes.Repeat([]byte(" "), ingest.MaxBodyBytes+1)
	tooMany := strings.Repeat(good+"\n", ingest.MaxEvents+1)
	tests := []struct {
		name        string
		token, ct   string
		body        string
		status      int
		code, field string // field: expected in a problem
	}{
		{"malformed JSON", h.bank, "application/json", `[` + good, 400, candor.EMALFORMED, ""},
		{"wrong content type", h.bank, "text/plain", good, 415, candor.EUNSUPPORTED, ""},
		{"empty body", h.bank, nd, "", 400, candor.EMALFORMED, ""},
		{"unknown event type", h.bank, nd, good + "\n" + strings.Replace(good, "credit.instalment_late", "credit.social_score", 1), 422, candor.EINVALID, "type"},
		{"unknown field", h.bank, nd, event("g2", "CD7654321", ts, `{"days_late":45,"amount":"1","currency":"EUR","mood":"sad"}`), 422, candor.EINVALID, "fields.mood"},
		{"field out of bounds", h.bank, nd, event("g2", "CD7654321", ts, `{"days_late":4500,"amount":"1","currency":"EUR"}`), 422, candor.EINVALID, "fields.days_late"},
		{"missing identifier", h.bank, nd, strings.Replace(good, `"value":"CD7654321"`, `"value":""`, 1), 422, candor.EINVALID, "subject.value"},
		{"bad identifier format", h.bank, nd, event("g2", "12345", ts, okFields), 422, candor.EINVALID, "subject.value"},
		{"no key", "", nd, good, 401, candor.EUNAUTHORIZED, ""},
		{"unknown key", "cndr_aaaaaaaa_" + strings.Repeat("a", 52), nd, good, 401, candor.EUNAUTHORIZED, ""},
		{"revoked key", h.revoked, nd, good, 401, candor.EUNAUTHORIZED, ""},
		{"operator may not post", h.operator, nd, good, 403, candor.EFORBIDDEN, ""},
		{"type not allowed for source", h.court, nd, good, 403, candor.EFORBIDDEN, ""},
		{"oversize body", h.bank, nd, string(big), 413, candor.ETOOLARGE, ""},
		{"too many events", h.bank, nd, tooMany, 413, candor.ETOOLARGE, ""},
		{"same id two contents in one batch", h.bank, nd, good + "\n" + event("g1", "CD7654321", ts, `{"days_late":46,"amount":"120.50","currency":"EUR"}`), 422, candor.EINVALID, "id"},
		{"same id as stored, other content", h.bank, nd, good + "\n" + event("stored", "AB1234567", ts, `{"days_late":99,"amount":"120.50","currency":"EUR"}`), 422, candor.EINVALID, "id"},
		{"future timestamp", h.bank, nd, event("g3", "CD7654321", future, okFields), 422, candor.EINVALID, "occurred_at"},
		{"invalid UTF-8", h.bank, nd, strings.Replace(good, "g1", "g\xff1", 1), 400, candor.EMALFORMED, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/events", tt.token, tt.ct, []byte(tt.body))
			if r.status != tt.status || r.body["code"] != tt.code || r.body["message"] == "" {
				t.Fatalf("got %d %s, want %d %s", r.status, truncate(r.raw), tt.status, tt.code)
			}
			if tt.field != "" && !strings.Contains(r.raw, `"field":"`+tt.field+`"`) {
				t.Errorf("no problem names field %s: %s", tt.field, truncate(r.raw))
			}
			// Nothing stored: the subject of the good event is still unknown.
			lk := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=CD7654321", h.operator, "", nil)
			if lk.status != 404 {
				t.Fatalf("after a refused request the subject exists: %d %s", lk.status, lk.raw)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func TestReadProfile(t *testing.T) {
	h := mustHarness(t)
	old := time.Now().UTC().Add(-400 * 24 * time.Hour).Format(time.RFC3339)
	recent := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	body := event("e1", "AB1234567", recent, okFields) + "\n" + event("e0", "AB1234567", old, `{"days_late":30,"amount":"5","currency":"EUR"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 || r.body["accepted"] != 2.0 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	lk := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=ab+123+4567", h.operator, "", nil)
	id, _ := lk.body["id"].(string)
	if lk.status != 200 || len(id) != 32 || lk.body["kind"] != "person" {
		t.Fatalf("lookup: %d %s", lk.status, lk.raw)
	}
	sub := h.do(t, "GET", "/v1/subjects/"+id, h.operator, "", nil)
	if sub.status != 200 || !strings.Contains(sub.raw, `"value":"AB1234567"`) {
		t.Fatalf("subject: %d %s", sub.status, sub.raw)
	}
	evs := h.do(t, "GET", "/v1/subjects/"+id+"/events", h.operator, "", nil)
	list, _ := evs.body["events"].([]any)
	if evs.status != 200 || len(list) != 2 {
		t.Fatalf("events: %d %s", evs.status, evs.raw)
	}
	first := list[0].(map[string]any)
	if first["source_event_id"] != "e0" || first["category"] != "credit" || first["state"] != "active" {
		t.Errorf("events not in time order or incomplete: %v", first)
	}
	if f := first["fields"].(map[string]any); f["amount"] != "5.00" || f["days_late"] != 30.0 {
		t.Errorf("fields: %v", f)
	}
	since := h.do(t, "GET", "/v1/subjects/"+id+"/events?since="+time.Now().UTC().Add(-30*24*time.Hour).Format(time.DateOnly)+"&type=credit.instalment_late", h.operator, "", nil)
	if l, _ := since.body["events"].([]any); since.status != 200 || len(l) != 1 {
		t.Fatalf("since filter: %d %s", since.status, since.raw)
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/v1/subjects/" + id, h.bank, 403},
		{"/v1/subjects/" + id, "", 401},
		{"/v1/subjects/" + id + "/events", h.bank, 403},
		{"/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.bank, 403},
		{"/v1/subjects/" + strings.Repeat("0", 31) + "1", h.operator, 404},
		{"/v1/subjects/zz", h.operator, 422},
		{"/v1/subjects/" + id + "/events?since=yesterday", h.operator, 422},
		{"/v1/subjects/" + id + "/events?type=nope", h.operator, 422},
		{"/v1/subjects:lookup?scheme=passport&value=1", h.operator, 422},
		{"/v1/nothing", h.operator, 404},
	} {
		if r := h.do(t, "GET", tc.path, tc.token, "", nil); r.status != tc.status || r.body["code"] == nil {
			t.Errorf("GET %s: got %d %s, want %d in the error shape", tc.path, r.status, truncate(r.raw), tc.status)
		}
	}
}

func TestPublicEndpoints(t *testing.T) {
	h := mustHarness(t)
	cat := h.do(t, "GET", "/v1/catalogue", "", "", nil)
	types, _ := cat.body["types"].([]any)
	if cat.status != 200 || len(types) < 25 || !strings.Contains(cat.raw, `"court_only":true`) {
		t.Fatalf("catalogue: %d %s", cat.status, truncate(cat.raw))
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := h.do(t, "GET", p, "", "", nil); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(event("m1", "AB1234567", time.Now().UTC().Format(time.RFC3339), okFields)))
	m := h.do(t, "GET", "/metrics", "", "", nil)
	for _, want := range []string{`candor_ingest_events_total{result="accepted"} 1`, "candor_store_size_bytes", "candor_ingest_commit_duration_seconds_bucket", `route="POST /v1/events"`} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestScorecardsAndScores(t *testing.T) {
	h := mustHarness(t)
	list := h.do(t, "GET", "/v1/scorecards", "", "", nil)
	if cards, _ := list.body["scorecards"].([]any); list.status != 200 || len(cards) != 3 {
		t.Fatalf("scorecards: %d %s", list.status, truncate(list.raw))
	}
	card := h.do(t, "GET", "/v1/scorecards/rental-deposit/versions/1", "", "", nil)
	if rules, _ := card.body["rules"].([]any); card.status != 200 || len(rules) == 0 || card.body["purpose"] != "rental" {
		t.Fatalf("rental-deposit v1: %d %s", card.status, truncate(card.raw))
	}
	for _, p := range []string{"/v1/scorecards/rental-deposit/versions/9", "/v1/scorecards/social-credit/versions/1"} {
		if r := h.do(t, "GET", p, "", "", nil); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}

	// A late instalment 60 days ago: it costs points now and none once it
	// has aged out of every window.
	when := time.Now().UTC().Add(-60 * 24 * time.Hour).Format(time.RFC3339)
	body := event("s1", "AB1234567", when, `{"days_late":95,"amount":"300","currency":"EUR"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	all := h.do(t, "GET", "/v1/subjects/"+id+"/scores", h.operator, "", nil)
	scores, _ := all.body["scores"].([]any)
	if all.status != 200 || len(scores) != 2 { // rental-deposit and consumer-credit; not the organisations' card
		t.Fatalf("scores: %d %s", all.status, truncate(all.raw))
	}
	now := h.do(t, "GET", "/v1/subjects/"+id+"/scores/rental-deposit", h.operator, "", nil)
	later := h.do(t, "GET", "/v1/subjects/"+id+"/scores/rental-deposit?at="+time.Now().UTC().AddDate(6, 0, 0).Format(time.DateOnly), h.operator, "", nil)
	if now.status != 200 || later.status != 200 {
		t.Fatalf("explain: %d %s / %d %s", now.status, truncate(now.raw), later.status, truncate(later.raw))
	}
	if reasons, _ := now.body["reasons"].([]any); len(reasons) == 0 || !strings.Contains(now.raw, `"contributions":[{`) {
		t.Errorf("no reasons or contributions for a late payment: %s", truncate(now.raw))
	}
	if now.body["points"].(float64) >= later.body["points"].(float64) {
		t.Errorf("points now %v, after the late payment aged out %v: want now lower", now.body["points"], later.body["points"])
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/v1/subjects/" + id + "/scores", h.bank, 403},
		{"/v1/subjects/" + id + "/scores", "", 401},
		{"/v1/subjects/" + id + "/scores/business-compliance", h.operator, 422},
		{"/v1/subjects/" + id + "/scores/nope", h.operator, 404},
		{"/v1/subjects/" + id + "/scores?at=soon", h.operator, 422},
	} {
		if r := h.do(t, "GET", tc.path, tc.token, "", nil); r.status != tc.status {
			t.Errorf("GET %s: %d %s, want %d", tc.path, r.status, truncate(r.raw), tc.status)
		}
	}
}

// TestOpenAPIPathsAreServed checks every path and method the published
// OpenAPI document lists reaches a handler (and none is a 404 for want of a
// route).
func TestOpenAPIPathsAreServed(t *testing.T) {
	h := mustHarness(t)
	doc := h.do(t, "GET", "/v1/openapi.yaml", "", "", nil)
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal([]byte(doc.raw), &spec); err != nil || doc.status != 200 || len(spec.Paths) < 10 {
		t.Fatalf("openapi.yaml: %d, %v, %d paths", doc.status, err, len(spec.Paths))
	}
	fill := strings.NewReplacer("{id}", strings.Repeat("ab", 16), "{scorecard}", "rental-deposit", "{v}", "1", "{n}", "1")
	for path, methods := range spec.Paths {
		for method := range methods {
			r := h.do(t, strings.ToUpper(method), fill.Replace(path), h.operator, "application/json", []byte("[]"))
			if strings.Contains(r.raw, "no such endpoint") || r.status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is documented but not served", strings.ToUpper(method), path)
			}
		}
	}
}

// TestScorecardVersions serves an active version 2 beside version 1: both
// are published, scores use version 2 unless version 1 is asked for, and
// version 1's score, computed from the events, is the one version 2 (the
// same rules) computes from the matches stored on ingest.
func TestScorecardVersions(t *testing.T) {
	cat := catalogue.Default()
	v1, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := scoring.Load("v2.yaml", []byte(strings.Replace(string(src), "version: 1", "version: 2", 1)), cat)
	if err != nil {
		t.Fatal(err)
	}
	var active []*scoring.Compiled
	for _, c := range v1 {
		if c.Scorecard().ID != "rental-deposit" {
			active = append(active, c)
		}
	}
	h := mustHarnessWith(t, append(active, v2), append(v1, v2))
	for _, path := range []string{"/v1/scorecards/rental-deposit/versions/1", "/v1/scorecards/rental-deposit/versions/2"} {
		if r := h.do(t, "GET", path, "", "", nil); r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	list := h.do(t, "GET", "/v1/scorecards", "", "", nil)
	if !strings.Contains(list.raw, `"id":"rental-deposit","title":"Rental deposit","purpose":"rental","subject_kind":"person","version":2`) {
		t.Errorf("the listing does not show version 2 as the active one: %s", truncate(list.raw))
	}

	when := time.Now().UTC().Add(-60 * 24 * time.Hour).Format(time.RFC3339)
	body := event("s1", "AB1234567", when, `{"days_late":95,"amount":"300","currency":"EUR"}`)
	if r := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	id := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	at := "&at=" + time.Now().UTC().Format(time.DateOnly)
	fromEvents := h.do(t, "GET", "/v1/subjects/"+id+"/scores/rental-deposit?version=1"+at, h.operator, "", nil)
	fromMatches := h.do(t, "GET", "/v1/subjects/"+id+"/scores/rental-deposit?version=2"+at, h.operator, "", nil)
	if fromEvents.status != 200 || fromMatches.status != 200 || fromMatches.body["version"] != 2.0 {
		t.Fatalf("scores: %d %s / %d %s", fromEvents.status, truncate(fromEvents.raw), fromMatches.status, truncate(fromMatches.raw))
	}
	same := strings.Replace(fromEvents.raw, `"version":1`, `"version":2`, 1)
	if same != fromMatches.raw || !strings.Contains(same, `"contributions":[{`) {
		t.Errorf("version 1 from the events:\n%s\nversion 2 from the matches:\n%s", fromEvents.raw, fromMatches.raw)
	}
}
