package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCConfig configures sign-in with an OpenID Connect provider.
type OIDCConfig struct {
	Issuer       string // the provider's issuer URL; its discovery document is read at start-up
	ClientID     string
	ClientSecret string
	RedirectURL  string // this portal's /signin/oidc/callback, as registered with the provider
	// Claim is the ID-token claim that holds the person's identifier
	// (default "national_id").
	Claim string
	// Scheme is the identifier scheme the claim's value is written in
	// (default candor.NationalID); it must name persons.
	Scheme candor.Scheme
	// Label is the sign-in page's link text (default "Sign in with your
	// identity provider").
	Label string
	// Lookup finds the subject with an identifier: through the vault's
	// blind index. Errors: ENOTFOUND when Candor holds nothing about them.
	Lookup func(ctx context.Context, id candor.Identifier) (candor.SubjectID, error)
	// Client is the HTTP client for the provider (nil: http.DefaultClient).
	Client *http.Client
}

// OIDC signs people in with an OpenID Connect provider: the authorisation
// code flow with PKCE, a state bound to the browser's pre-session token and
// a nonce checked in the verified ID token. Safe for concurrent use.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	mu       sync.Mutex
	pending  map[string]oidcPending // by the browser's pre-session token
}

type oidcPending struct {
	state, nonce, verifier string
	expires                time.Time
}

// oidcWait is how long a person has at the provider.
const oidcWait = 10 * time.Minute

// NewOIDC reads the provider's discovery document and returns the method.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" || cfg.Lookup == nil {
		return nil, errors.New("oidc: issuer, client ID, redirect URL and Lookup are required")
	}
	if cfg.Claim == "" {
		cfg.Claim = "national_id"
	}
	if cfg.Scheme == 0 {
		cfg.Scheme = candor.NationalID
	}
	if !cfg.Scheme.AppliesTo(candor.Person) {
		return nil, fmt.Errorf("oidc: identifier scheme %s does not name persons", cfg.Scheme)
	}
	if cfg.Label == "" {
		cfg.Label = "Sign in with your identity provider"
	}
	if cfg.Client != nil {
		ctx = oidc.ClientContext(ctx, cfg.Client)
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return &OIDC{cfg: cfg, pending: map[string]oidcPending{},
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID}},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID})}, nil
}

func (o *OIDC) Name() string  { return "oidc" }
func (o *OIDC) Label() string { return o.cfg.Label }

// Register serves GET /signin/oidc (off to the provider) and GET
// /signin/oidc/callback (back from it).
func (o *OIDC) Register(mux *http.ServeMux, p Portal) {
	mux.HandleFunc("GET /signin/oidc", func(w http.ResponseWriter, r *http.Request) {
		pre := p.PreToken(w, r)
		pd := oidcPending{state: randomToken(), nonce: randomToken(), verifier: oauth2.GenerateVerifier(),
			expires: time.Now().Add(oidcWait)}
		o.mu.Lock()
		for k, v := range o.pending {
			if time.Now().After(v.expires) {
				delete(o.pending, k)
			}
		}
		o.pending[pre] = pd
		o.mu.Unlock()
		http.Redirect(w, r, o.oauth.AuthCodeURL(pd.state, oidc.Nonce(pd.nonce), oauth2.S256ChallengeOption(pd.verifier)), http.StatusFound)
	})
	mux.HandleFunc("GET /signin/oidc/callback", func(w http.ResponseWriter, r *http.Request) {
		subject, err := o.finish(r)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		p.SignIn(w, r, subject)
	})
}

// finish checks the provider's answer and returns the subject it names.
func (o *OIDC) finish(r *http.Request) (candor.SubjectID, error) {
	var none candor.SubjectID
	retry := candor.Errorf(candor.EFORBIDDEN, "Signing in did not work. Please start again from the sign-in page.")
	c, err := r.Cookie(preCookie)
	if err != nil {
		return none, retry
	}
	o.mu.Lock()
	pd, ok := o.pending[c.Value]
	delete(o.pending, c.Value) // one answer per attempt
	o.mu.Unlock()
	q := r.URL.Query()
	if !ok || time.Now().After(pd.expires) || !sameToken(q.Get("state"), pd.state) {
		return none, retry
	}
	if e := q.Get("error"); e != "" {
		return none, candor.Errorf(candor.EFORBIDDEN, "The identity provider did not sign you in (%s).", candor.Clip(e, 60))
	}
	ctx := r.Context()
	if o.cfg.Client != nil {
		ctx = oidc.ClientContext(ctx, o.cfg.Client)
	}
	tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pd.verifier))
	if err != nil {
		return none, retry
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil || !sameToken(idt.Nonce, pd.nonce) {
		return none, retry
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return none, retry
	}
	value, _ := claims[o.cfg.Claim].(string)
	id, err := candor.NormaliseIdentifier(o.cfg.Scheme, value)
	if err != nil {
		return none, candor.Errorf(candor.EFORBIDDEN, "The identity provider did not give a national ID, so Candor cannot tell who you are.")
	}
	subject, err := o.cfg.Lookup(ctx, id)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return none, candor.Errorf(candor.ENOTFOUND, "Candor holds nothing about you.")
	}
	return subject, err
}
