package credentials

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/go-jose/go-jose/v4"
)

// Metadata is the issuer's SD-JWT VC metadata, served at
// /.well-known/jwt-vc-issuer: its identifier and its keys.
type Metadata struct {
	Issuer string             `json:"issuer"`
	JWKS   jose.JSONWebKeySet `json:"jwks"`
}

// Trust is what a verifier needs to check credentials offline: the
// issuer's published metadata and the status lists it fetched.
type Trust struct {
	Issuer string
	Keys   jose.JSONWebKeySet
	// Lists are verified status lists by URI.
	Lists map[string]*StatusList
}

// NewTrust returns a Trust in the issuer of m, with m's keys. Errors:
// EINVALID if m names no issuer or no usable ES256 key.
func NewTrust(m *Metadata) (*Trust, error) {
	if m.Issuer == "" {
		return nil, candor.Errorf(candor.EINVALID, "the issuer metadata names no issuer")
	}
	t := &Trust{Issuer: m.Issuer, Lists: map[string]*StatusList{}}
	for _, k := range m.JWKS.Keys {
		if k.Valid() && k.IsPublic() && k.KeyID != "" && (k.Algorithm == "" || k.Algorithm == string(jose.ES256)) {
			t.Keys.Keys = append(t.Keys.Keys, k)
		}
	}
	if len(t.Keys.Keys) == 0 {
		return nil, candor.Errorf(candor.EINVALID, "the issuer metadata has no usable public ES256 key")
	}
	return t, nil
}

// Result is what a verified credential says, and what it does not.
type Result struct {
	Issuer   string
	Type     string
	IssuedAt time.Time
	Expires  time.Time
	// Claims are the disclosed claims, in the order received.
	Claims []Claim
	// Withheld is how many claims the credential holds that were not
	// disclosed: the verifier cannot tell what they are.
	Withheld int
	// HasStatus tells whether the credential has a status list entry;
	// StatusAsOf is when the list that gave its status was issued.
	HasStatus  bool
	Status     Status
	StatusAsOf time.Time
}

// Claim returns the disclosed claim named name, if any.
func (r *Result) Claim(name string) (any, bool) {
	for _, c := range r.Claims {
		if c.Name == name {
			return c.Value, true
		}
	}
	return nil, false
}

// Verify checks an SD-JWT credential offline, with only t's keys and
// status lists, at instant now, and returns what it discloses. It MUST
// refuse, with an EINVALID error naming the problem: text over
// MaxCredential bytes or otherwise malformed; a key-binding JWT (not
// supported); a signature that does not verify; a key the issuer does not
// publish; another issuer; an unknown type; an expired credential (or one
// issued in the future); a disclosure whose digest is not in the signed
// credential (altered, or from another credential), repeated, or naming a
// claim twice; a credential revoked or suspended in its status list, or
// whose status list t lacks.
func (t *Trust) Verify(sdjwt string, now time.Time) (*Result, error) {
	if len(sdjwt) > MaxCredential {
		return nil, candor.Errorf(candor.EINVALID, "the credential is %d bytes long; the limit is %d", len(sdjwt), MaxCredential)
	}
	parts := strings.Split(sdjwt, "~")
	if len(parts) < 2 {
		return nil, candor.Errorf(candor.EINVALID, "this is not an SD-JWT credential (no ~ separators)")
	}
	if parts[len(parts)-1] != "" {
		return nil, candor.Errorf(candor.EINVALID, "the credential ends in a key-binding JWT, which Candor does not use; the holder is bound by the identity document instead")
	}
	disclosures := parts[1 : len(parts)-1]
	if len(disclosures) > MaxDisclosures {
		return nil, candor.Errorf(candor.EINVALID, "the credential has %d disclosures; the limit is %d", len(disclosures), MaxDisclosures)
	}
	body, err := t.verifyJWS(parts[0], typCredential, "credential")
	if err != nil {
		return nil, err
	}
	var p payload
	if err := strictJSON(body, &p); err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the credential's claims are malformed: %v", err)
	}
	r := &Result{Issuer: p.Iss, Type: p.Vct, IssuedAt: time.Unix(p.Iat, 0).UTC(), Expires: time.Unix(p.Exp, 0).UTC()}
	switch {
	case p.Iss != t.Issuer:
		return nil, candor.Errorf(candor.EINVALID, "the credential is from issuer %q, not %q", p.Iss, t.Issuer)
	case p.Vct != TypeStatus && p.Vct != TypeBadge:
		return nil, candor.Errorf(candor.EINVALID, "the credential is of an unknown type %q", p.Vct)
	case p.SDAlg != "sha-256":
		return nil, candor.Errorf(candor.EINVALID, "the credential's digests use %q; only sha-256 is accepted", p.SDAlg)
	case !now.Before(r.Expires):
		return nil, candor.Errorf(candor.EINVALID, "the credential expired at %s", r.Expires.Format(time.RFC3339))
	case r.IssuedAt.After(now.Add(time.Minute)):
		return nil, candor.Errorf(candor.EINVALID, "the credential claims to be issued in the future, at %s", r.IssuedAt.Format(time.RFC3339))
	}
	seen := make(map[string]bool, len(disclosures))
	for i, d := range disclosures {
		dg := digest(d)
		if !slices.Contains(p.SD, dg) {
			return nil, candor.Errorf(candor.EINVALID, "disclosure %d does not belong to this credential: it was altered, or taken from another credential", i+1)
		}
		if seen[dg] {
			return nil, candor.Errorf(candor.EINVALID, "disclosure %d is given twice", i+1)
		}
		seen[dg] = true
		_, name, value, err := decodeDisclosure(d)
		if err != nil {
			return nil, candor.Errorf(candor.EINVALID, "disclosure %d: %v", i+1, err)
		}
		if _, dup := r.Claim(name); dup {
			return nil, candor.Errorf(candor.EINVALID, "the claim %q is disclosed twice", name)
		}
		r.Claims = append(r.Claims, Claim{Name: name, Value: value})
	}
	r.Withheld = len(p.SD) - len(disclosures)
	if p.Status != nil {
		r.HasStatus = true
		l := t.Lists[p.Status.StatusList.URI]
		if l == nil {
			return nil, candor.Errorf(candor.EINVALID, "the credential has a status, in the list at %s, which was not fetched", p.Status.StatusList.URI)
		}
		if r.Status, err = l.Get(p.Status.StatusList.Idx); err != nil {
			return nil, err
		}
		r.StatusAsOf = l.IssuedAt
		switch r.Status {
		case StatusValid:
		case StatusRevoked:
			return nil, candor.Errorf(candor.EINVALID, "the credential was revoked (status list of %s)", l.IssuedAt.Format(time.RFC3339))
		case StatusSuspended:
			return nil, candor.Errorf(candor.EINVALID, "the credential is suspended: a statement in it is no longer true (status list of %s)", l.IssuedAt.Format(time.RFC3339))
		default:
			return nil, candor.Errorf(candor.EINVALID, "the credential has the unknown status %d", uint8(r.Status))
		}
	}
	return r, nil
}

// verifyJWS checks a compact JWS of type typ against t's keys and returns
// its payload; what names the object in messages. The header MUST be
// exactly {"alg":"ES256","kid","typ"}: what Candor signs, nothing to
// interpret (no "crit", no embedded keys).
func (t *Trust) verifyJWS(token, typ, what string) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, candor.Errorf(candor.EINVALID, "the %s is not a signed JWT: it has %d parts, not 3", what, len(parts))
	}
	enc := base64.RawURLEncoding.Strict()
	header, err1 := enc.DecodeString(parts[0])
	body, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the %s is not a signed JWT: a part is not base64url", what)
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	if err := strictJSON(header, &h); err != nil {
		return nil, candor.Errorf(candor.EINVALID, "the %s is not a signed JWT: its header is not Candor's: %v", what, err)
	}
	if h.Typ != typ {
		return nil, candor.Errorf(candor.EINVALID, "the %s has type %q, not %q", what, h.Typ, typ)
	}
	if h.Alg != string(jose.ES256) || len(sig) != 64 {
		return nil, candor.Errorf(candor.EINVALID, "the %s is signed with %q; only ES256 is accepted", what, h.Alg)
	}
	keys := t.Keys.Key(h.Kid)
	var pub *ecdsa.PublicKey
	if len(keys) > 0 {
		pub, _ = keys[0].Key.(*ecdsa.PublicKey)
	}
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, candor.Errorf(candor.EINVALID, "the %s is signed with key %q, which issuer %s does not publish (wrong issuer key)", what, h.Kid, t.Issuer)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, candor.Errorf(candor.EINVALID, "the %s signature does not verify: it was tampered with, or signed by someone else", what)
	}
	return body, nil
}

// decodeDisclosure decodes one disclosure: a base64url JSON array of salt,
// claim name and value.
func decodeDisclosure(d string) (salt, name string, value any, err error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(d)
	if err != nil {
		return "", "", nil, errors.New("not base64url")
	}
	var arr []json.RawMessage
	if err := strictJSON(raw, &arr); err != nil || len(arr) != 3 {
		return "", "", nil, errors.New("not a [salt, name, value] array")
	}
	if json.Unmarshal(arr[0], &salt) != nil || len(salt) < 16 {
		return "", "", nil, errors.New("the salt is not a string of at least 16 characters")
	}
	if json.Unmarshal(arr[1], &name) != nil || name == "" || name == "_sd" || name == "..." || strings.HasPrefix(name, "_") {
		return "", "", nil, errors.New("the claim name is missing or reserved")
	}
	if err := json.Unmarshal(arr[2], &value); err != nil {
		return "", "", nil, errors.New("the value is not JSON")
	}
	return salt, name, value, nil
}

// strictJSON decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}
