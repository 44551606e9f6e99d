package candor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
)

// SourceKind is what kind of data provider a source is.
type SourceKind uint8

const (
	SourceTaxAuthority SourceKind = iota + 1
	SourceBank
	SourceUtility
	SourceLandlord
	SourceCourt
	SourceInspectorate
	SourceRegistry
	SourceLicensingAuthority
	numSourceKinds
)

var sourceKindNames = [numSourceKinds]string{
	SourceTaxAuthority: "tax_authority", SourceBank: "bank", SourceUtility: "utility",
	SourceLandlord: "landlord", SourceCourt: "court", SourceInspectorate: "inspectorate",
	SourceRegistry: "registry", SourceLicensingAuthority: "licensing_authority",
}

func (k SourceKind) String() string {
	if k == 0 || k >= numSourceKinds {
		return "unknown"
	}
	return sourceKindNames[k]
}

// ParseSourceKind returns the source kind named s.
func ParseSourceKind(s string) (SourceKind, bool) {
	for k := SourceKind(1); k < numSourceKinds; k++ {
		if sourceKindNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// SourceKinds returns every source kind in declaration order.
func SourceKinds() []SourceKind {
	ks := make([]SourceKind, 0, numSourceKinds-1)
	for k := SourceKind(1); k < numSourceKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// Source is a data provider allowed to post some event types.
type Source struct {
	ID           string // short, stable, lower-case: "bank7"
	Name         string
	Kind         SourceKind
	AllowedTypes []string
	CreatedAt    time.Time
}

// Allows reports whether the source may post events of the named type.
func (s *Source) Allows(typeName string) bool {
	for _, t := range s.AllowedTypes {
		if t == typeName {
			return true
		}
	}
	return false
}

// Validate checks the source against the catalogue: a valid ID and name, a
// known kind, known allowed types, and court-only categories allowed only to
// court sources. It returns an EINVALID *Error naming every problem.
func (s *Source) Validate(c *Catalogue) error {
	var ps []string
	if !validFieldName(s.ID) {
		ps = append(ps, fmt.Sprintf("id %q must be lower-case letters, digits and '_', starting with a letter", s.ID))
	}
	if strings.TrimSpace(s.Name) == "" || len(s.Name) > 200 || !printable(s.Name) {
		ps = append(ps, "name must be 1 to 200 printable characters")
	}
	if s.Kind == 0 || s.Kind >= numSourceKinds {
		ps = append(ps, "unknown source kind")
	}
	seen := map[string]bool{}
	for _, name := range s.AllowedTypes {
		t := c.Type(name)
		switch {
		case t == nil:
			ps = append(ps, fmt.Sprintf("unknown event type %q", name))
		case seen[name]:
			ps = append(ps, fmt.Sprintf("event type %q listed twice", name))
		case t.Category.Policy().CourtOnly && s.Kind != SourceCourt:
			ps = append(ps, fmt.Sprintf("event type %s is in category %s, which only court sources may post", name, t.Category))
		}
		seen[name] = true
	}
	if len(ps) > 0 {
		return Errorf(EINVALID, "source %s: %s", s.ID, strings.Join(ps, "; "))
	}
	return nil
}

// Role is what an API key lets its holder do.
type Role uint8

const (
	RoleOperator     Role = iota + 1 // runs the installation: reads profiles, manages sources
	RoleSource                       // posts events for one source
	RolePolicyAdmin                  // proposes and approves scorecard versions, and nothing else
	RoleRelyingParty                 // asks for decisions, with a subject's consent, for its purposes
	RoleSubject                      // a person or organisation seeing and managing what is about it
	RoleReviewer                     // examines and closes human reviews of decisions
	RoleAnalyst                      // asks aggregate questions, answered with differential privacy from a budget
	numRoles
)

var roleNames = [numRoles]string{RoleOperator: "operator", RoleSource: "source", RolePolicyAdmin: "policy_admin",
	RoleRelyingParty: "relying_party", RoleSubject: "subject", RoleReviewer: "reviewer", RoleAnalyst: "analyst"}

func (r Role) String() string {
	if r == 0 || r >= numRoles {
		return "unknown"
	}
	return roleNames[r]
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for r := Role(1); r < numRoles; r++ {
		if roleNames[r] == s {
			return r, true
		}
	}
	return 0, false
}

// APIKey is a stored API key. The token itself is shown once when the key is
// made and never stored: only its SHA-256 hash is (tokens carry 256 random
// bits, so a fast hash is enough).
type APIKey struct {
	ID        string // public: appears in the token and in listings
	Role      Role
	Principal string // the source or relying party ID, the subject ID, or a person's name
	Hash      [32]byte
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is valid
}

const tokenPrefix = "cndr_"

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewAPIKey makes a key for principal in role and returns it with its token.
func NewAPIKey(role Role, principal string, now time.Time) (token string, key *APIKey) {
	var id [5]byte
	var secret [32]byte
	rand.Read(id[:])
	rand.Read(secret[:])
	key = &APIKey{
		ID:        strings.ToLower(tokenEncoding.EncodeToString(id[:])),
		Role:      role,
		Principal: principal,
		CreatedAt: now.UTC(),
	}
	token = tokenPrefix + key.ID + "_" + strings.ToLower(tokenEncoding.EncodeToString(secret[:]))
	key.Hash = sha256.Sum256([]byte(token))
	return token, key
}

// TokenKeyID returns the key ID embedded in a token, or false if the token is
// not in Candor's format.
func TokenKeyID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 8 || len(secret) != 52 {
		return "", false
	}
	return id, true
}

// Matches reports, in constant time, whether token is this key's token.
func (k *APIKey) Matches(token string) bool {
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], k.Hash[:]) == 1
}

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Authenticate returns the key token is a token of, looked up in reg.
// Errors: EUNAUTHORIZED for a malformed, unknown or revoked token, with the
// same message for each, so that a caller learns nothing about which.
func Authenticate(ctx context.Context, reg Registry, token string) (*APIKey, error) {
	token = strings.TrimSpace(token)
	unknown := func() error { return Errorf(EUNAUTHORIZED, "unknown or revoked API key") } // made only when refused
	id, ok := TokenKeyID(token)
	if !ok {
		return nil, unknown()
	}
	key, err := reg.Key(ctx, id)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil, unknown()
	case err != nil:
		return nil, err
	case !key.Matches(token) || key.Revoked():
		return nil, unknown()
	}
	return key, nil
}
