package credentials

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/candor-project/candor/internal/keyfile"
	"github.com/go-jose/go-jose/v4"
)

// IssuerKey is the key credentials and status lists are signed with
// (ES256, P-256) and its key ID.
type IssuerKey struct {
	priv    *ecdsa.PrivateKey
	kid     string
	signers map[string]jose.Signer // by JOSE "typ"
}

// LoadOrCreateKey reads the issuer's signing key from path (a PEM
// "PRIVATE KEY", PKCS #8, P-256), or creates the file with a fresh key and
// mode 0600 if it does not exist. It refuses a key file that others may
// read, and a key of another type or curve.
func LoadOrCreateKey(path string) (*IssuerKey, error) {
	k, err := keyfile.LoadOrCreatePKCS8(path, func() (any, error) {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
	if err != nil {
		return nil, fmt.Errorf("credentials: issuer key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("credentials: issuer key %s: not a P-256 key (ES256)", path)
	}
	return NewIssuerKey(ec)
}

// NewIssuerKey wraps a P-256 private key.
func NewIssuerKey(priv *ecdsa.PrivateKey) (*IssuerKey, error) {
	if priv == nil || priv.Curve != elliptic.P256() {
		return nil, errors.New("credentials: the issuer key must be P-256 (ES256)")
	}
	jwk := jose.JSONWebKey{Key: priv.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	// The key ID is the first 64 bits of the RFC 7638 thumbprint: short,
	// since it travels in every QR code.
	k := &IssuerKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(tp[:8]), signers: map[string]jose.Signer{}}
	for _, typ := range []string{typCredential, typStatusList} {
		if k.signers[typ], err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: k.kid}},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ))); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// GenerateKey returns a fresh issuer key (for tests and benchmarks).
func GenerateKey() (*IssuerKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewIssuerKey(priv)
}

// KeyID returns the key's ID, as published in the JWKS.
func (k *IssuerKey) KeyID() string { return k.kid }

// Public returns the public key as a JWK for publishing.
func (k *IssuerKey) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// Metadata returns the SD-JWT VC issuer metadata of issuer with this key.
func (k *IssuerKey) Metadata(issuer string) *Metadata {
	return &Metadata{Issuer: issuer, JWKS: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.Public()}}}
}

// Private returns the private key, for a benchmark's bare baseline.
func (k *IssuerKey) Private() *ecdsa.PrivateKey { return k.priv }

// digest is the SD-JWT digest of a disclosure: base64url(SHA-256(ASCII)).
func digest(disclosure string) string {
	h := sha256.Sum256([]byte(disclosure))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
