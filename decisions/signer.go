package decisions

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/candor-project/candor/internal/keyfile"
	"github.com/go-jose/go-jose/v4"
)

// SignatureType is the "typ" of a decision's JWS.
const SignatureType = "candor-decision+json"

// Signer signs decision answers with an Ed25519 key (JWS alg EdDSA),
// so that anyone holding an answer and the published key (JWKS) can
// check that Candor gave it, byte for byte. It is safe for concurrent use.
type Signer struct {
	priv   ed25519.PrivateKey
	kid    string
	header string // the protected header, base64url, with the "." after it
}

// NewSigner wraps an Ed25519 private key.
func NewSigner(priv ed25519.PrivateKey) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("decisions: the decision key must be Ed25519")
	}
	tp, err := (&jose.JSONWebKey{Key: priv.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	kid := base64.RawURLEncoding.EncodeToString(tp[:8])
	h := `{"alg":"EdDSA","kid":"` + kid + `","typ":"` + SignatureType + `"}`
	return &Signer{priv: priv, kid: kid, header: base64.RawURLEncoding.EncodeToString([]byte(h)) + "."}, nil
}

// GenerateSigner returns a signer with a fresh key (for tests and
// benchmarks).
func GenerateSigner() (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewSigner(priv)
}

// LoadOrCreateSigner reads the decision signing key from path (a PEM
// "PRIVATE KEY", PKCS #8, Ed25519), or creates the file with a fresh key
// and mode 0600 if it does not exist. It refuses a key file others may
// read and a key of another type.
func LoadOrCreateSigner(path string) (*Signer, error) {
	k, err := keyfile.LoadOrCreatePKCS8(path, func() (any, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	})
	if err != nil {
		return nil, fmt.Errorf("decisions: decision key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("decisions: decision key %s: not an Ed25519 key", path)
	}
	return NewSigner(priv)
}

// KeyID returns the key's ID: the first 64 bits of its RFC 7638
// thumbprint, base64url.
func (s *Signer) KeyID() string { return s.kid }

// JWKS returns the public key as a JSON Web Key Set, for publishing.
func (s *Signer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: s.priv.Public(), KeyID: s.kid, Algorithm: string(jose.EdDSA), Use: "sig"}}}
}

// SignDetached returns a JWS (RFC 7515) in compact form with a detached
// payload (Appendix F), "header..signature", over body: to verify,
// put base64url(body) between the dots and check it with the key
// KeyID names.
func (s *Signer) SignDetached(body []byte) string {
	enc := base64.RawURLEncoding
	bp := signingInputs.Get().(*[]byte)
	defer signingInputs.Put(bp)
	in := append((*bp)[:0], s.header...)
	in = enc.AppendEncode(in, body)
	*bp = in[:0]
	sig := ed25519.Sign(s.priv, in)
	var out strings.Builder
	out.Grow(len(s.header) + 1 + enc.EncodedLen(len(sig)))
	out.WriteString(s.header)
	out.WriteByte('.')
	var b64 [86]byte // enc.EncodedLen(ed25519.SignatureSize)
	enc.Encode(b64[:], sig)
	out.Write(b64[:])
	return out.String()
}

// signingInputs reuses the buffers signing inputs (a header and a
// base64url answer, about a kilobyte) are assembled in.
var signingInputs = sync.Pool{New: func() any { return new([]byte) }}
