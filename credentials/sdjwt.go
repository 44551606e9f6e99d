package credentials

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The credential types (SD-JWT VC "vct") Candor issues.
const (
	// TypeStatus is a person's or an organisation's status credential:
	// statements the holder picked, each a separate disclosure.
	TypeStatus = "urn:candor:status:1"
	// TypeBadge is an organisation's compliance badge.
	TypeBadge = "urn:candor:compliance-badge:1"
)

// Media types of the signed objects (JOSE "typ").
const (
	typCredential = "dc+sd-jwt"
	typStatusList = "statuslist+jwt"
)

// Limits on what a verifier reads: a credential longer than MaxCredential
// bytes or with more than MaxDisclosures disclosures is refused unread.
const (
	MaxCredential  = 8 << 10
	MaxDisclosures = 16
	saltSize       = 16 // 128 bits, as RFC 9901 §9.3 recommends
)

// Claim is one selectively disclosable claim: a statement, or the identity
// document the holder chose to bind the credential to.
type Claim struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// ClaimDocument is the claim that binds a credential to its holder: the
// identity document ({"type", "number"}) a verifier compares with the
// one in front of them.
const ClaimDocument = "id_document"

// Document is the value of the ClaimDocument claim.
type Document struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// StatusRef points at a credential's entry in a Token Status List.
type StatusRef struct {
	StatusList struct {
		Idx int    `json:"idx"`
		URI string `json:"uri"`
	} `json:"status_list"`
}

// payload is the issuer-signed JWT's claims set. Its fields are in the
// order encoding/json writes them, which compact.go relies on.
type payload struct {
	SD     []string   `json:"_sd"`
	SDAlg  string     `json:"_sd_alg"`
	Exp    int64      `json:"exp"`
	Iat    int64      `json:"iat"`
	Iss    string     `json:"iss"`
	Status *StatusRef `json:"status,omitempty"`
	Vct    string     `json:"vct"`
}

// Unsigned is a credential to be signed.
type Unsigned struct {
	Issuer, Type      string
	IssuedAt, Expires time.Time
	Status            *StatusRef // nil: no status (a short-lived credential)
	Claims            []Claim
}

// Sign issues u as an SD-JWT (RFC 9901) with every claim a separate
// disclosure with a fresh random salt, and all of them disclosed:
// "<issuer-signed JWT>~<disclosure>~…~". Digests are sorted, so their
// order says nothing about the claims'.
func (k *IssuerKey) Sign(u Unsigned) (string, error) {
	disclosures := make([]string, len(u.Claims))
	p := payload{SD: make([]string, len(u.Claims)), SDAlg: "sha-256", Exp: u.Expires.Unix(), Iat: u.IssuedAt.Unix(),
		Iss: u.Issuer, Status: u.Status, Vct: u.Type}
	salts := make([]byte, saltSize*len(u.Claims))
	rand.Read(salts)
	for i, c := range u.Claims {
		d, err := encodeDisclosure(base64.RawURLEncoding.EncodeToString(salts[i*saltSize:(i+1)*saltSize]), c.Name, c.Value)
		if err != nil {
			return "", err
		}
		disclosures[i], p.SD[i] = d, digest(d)
	}
	slices.Sort(p.SD)
	body, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	jws, err := k.signJWS(typCredential, body)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(jws)
	b.WriteByte('~')
	for _, d := range disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	return b.String(), nil
}

func encodeDisclosure(salt, name string, value any) (string, error) {
	raw, err := marshal([]any{salt, name, value})
	if err != nil {
		return "", fmt.Errorf("credentials: claim %s: %w", name, err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// marshal is json.Marshal without HTML escaping, so that what compact.go
// rebuilds is byte for byte what was signed.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// signJWS signs body as a compact JWS with header {"alg","kid","typ"}.
func (k *IssuerKey) signJWS(typ string, body []byte) (string, error) {
	obj, err := k.signers[typ].Sign(body)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// Present returns an SD-JWT with only the disclosures of the claims named
// keep: what a holder hands over when they show less than they hold.
// The issuer's signature still covers the digests of the others.
func Present(sdjwt string, keep ...string) (string, error) {
	parts := strings.Split(sdjwt, "~")
	if len(parts) < 2 || parts[len(parts)-1] != "" {
		return "", fmt.Errorf("credentials: not an SD-JWT without key binding")
	}
	out := []string{parts[0]}
	for _, d := range parts[1 : len(parts)-1] {
		_, name, _, err := decodeDisclosure(d)
		if err != nil {
			return "", err
		}
		if slices.Contains(keep, name) {
			out = append(out, d)
		}
	}
	return strings.Join(out, "~") + "~", nil
}
