package ui_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ui"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// provider is a minimal OpenID Connect provider: it signs in whoever it
// is told to, at once, without asking.
type provider struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	nid    string // the identifier it vouches for
	claim  string // the ID-token claim it gives it in
	aud    string
	mu     sync.Mutex
	nonces map[string]string // by code
}

func newProvider(t *testing.T, nid string) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key, nid: nid, claim: "national_id", aud: "candor", nonces: map[string]string{}}
	m := http.NewServeMux()
	m.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	m.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	m.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", 400)
			return
		}
		code := "code-" + q.Get("state")[:8]
		p.mu.Lock()
		p.nonces[code] = q.Get("nonce")
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	m.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		code := r.PostFormValue("code")
		p.mu.Lock()
		nonce, ok := p.nonces[code]
		delete(p.nonces, code)
		p.mu.Unlock()
		if !ok || r.PostFormValue("code_verifier") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		now := time.Now()
		idt, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: p.srv.URL, Subject: "user-1", Audience: jwt.Audience{p.aud},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).
			Claims(map[string]any{"nonce": nonce, p.claim: p.nid}).Serialize()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": idt})
	})
	p.srv = httptest.NewServer(m)
	t.Cleanup(p.srv.Close)
	return p
}

func TestOIDCSignIn(t *testing.T) {
	h := mustHarness(t)
	prov := newProvider(t, "ab 123 4567")
	var portal http.Handler
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { portal.ServeHTTP(w, r) }))
	t.Cleanup(front.Close)
	o, err := ui.NewOIDC(context.Background(), ui.OIDCConfig{Issuer: prov.srv.URL, ClientID: "candor", ClientSecret: "s",
		RedirectURL: front.URL + "/signin/oidc/callback",
		Lookup: func(ctx context.Context, id candor.Identifier) (candor.SubjectID, error) {
			if s, ok := h.ids[id.Value]; ok {
				return s, nil
			}
			return candor.SubjectID{}, candor.Errorf(candor.ENOTFOUND, "no")
		}})
	if err != nil {
		t.Fatal(err)
	}
	portal = h.portal(t, o)
	b := h.browser(t)
	b.base = front.URL

	// Off to the provider and back.
	start := b.get("/signin/oidc")
	if start.status != http.StatusFound || !strings.HasPrefix(start.location, prov.srv.URL+"/authorize?") {
		t.Fatalf("start: %d %q", start.status, start.location)
	}
	req, _ := http.NewRequest("GET", start.location, nil)
	back := b.do(req)
	if back.status != http.StatusFound {
		t.Fatalf("provider: %d %s", back.status, back.body)
	}
	cb, _ := url.Parse(back.location)
	req, _ = http.NewRequest("GET", back.location, nil)
	if p := b.do(req); p.status != http.StatusSeeOther || p.location != "/me/grades" {
		t.Fatalf("callback: %d %s", p.status, p.body)
	}
	if p := b.get("/me/data"); p.status != 200 || !strings.Contains(p.body, "days late: 95") {
		t.Errorf("signed in through OIDC, my data: %d", p.status)
	}

	// The answer cannot be used again, nor in another browser.
	req, _ = http.NewRequest("GET", cb.String(), nil)
	if p := h.browser(t).do(req); p.status != http.StatusForbidden { // no pre-session cookie
		t.Errorf("the callback in another browser: %d", p.status)
	}
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("the callback replayed: %d", p.status)
	}

	// A wrong state is refused.
	other := h.browser(t)
	other.base = front.URL
	s := other.get("/signin/oidc")
	req, _ = http.NewRequest("GET", front.URL+"/signin/oidc/callback?"+url.Values{"code": {"code-x"}, "state": {"forged"}}.Encode(), nil)
	if p := other.do(req); p.status != http.StatusForbidden {
		t.Errorf("a forged state: %d", p.status)
	}

	// Someone Candor holds nothing about is told so.
	prov.nid = "ZZ0000000"
	stranger := h.browser(t)
	stranger.base = front.URL
	s = stranger.get("/signin/oidc")
	req, _ = http.NewRequest("GET", s.location, nil)
	back = stranger.do(req)
	req, _ = http.NewRequest("GET", back.location, nil)
	if p := stranger.do(req); p.status != http.StatusNotFound || !strings.Contains(p.body, "holds nothing about you") {
		t.Errorf("an unknown person: %d", p.status)
	}
}

// TestOIDCScheme: a provider that vouches for a SNILS in its own claim
// signs the person in by that scheme, normalised; a scheme for
// organisations is refused at start.
func TestOIDCScheme(t *testing.T) {
	h := mustHarness(t)
	prov := newProvider(t, "112-233-445 95")
	prov.claim = "snils"
	var portal http.Handler
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { portal.ServeHTTP(w, r) }))
	t.Cleanup(front.Close)
	snils, _ := candor.ParseScheme("ru_snils")
	var asked candor.Identifier
	cfg := ui.OIDCConfig{Issuer: prov.srv.URL, ClientID: "candor", RedirectURL: front.URL + "/signin/oidc/callback",
		Claim: "snils", Scheme: snils,
		Lookup: func(ctx context.Context, id candor.Identifier) (candor.SubjectID, error) {
			asked = id
			return h.ids["AB1234567"], nil
		}}
	o, err := ui.NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	portal = h.portal(t, o)
	b := h.browser(t)
	b.base = front.URL
	start := b.get("/signin/oidc")
	req, _ := http.NewRequest("GET", start.location, nil)
	back := b.do(req)
	req, _ = http.NewRequest("GET", back.location, nil)
	if p := b.do(req); p.status != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", p.status, p.body)
	}
	if want := (candor.Identifier{Scheme: snils, Value: "11223344595"}); asked != want {
		t.Errorf("looked up %v, want %v", asked, want)
	}

	cfg.Scheme, _ = candor.ParseScheme("ru_ogrn")
	if _, err := ui.NewOIDC(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "ru_ogrn") {
		t.Errorf("a scheme for organisations: %v", err)
	}
}
