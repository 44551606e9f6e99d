package registrar

import (
	"context"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// RelyingParties keeps the relying parties (decisions.Service does).
type RelyingParties interface {
	candor.RelyingParties
	// PutRelyingParty registers or updates rp. Errors: EINVALID.
	PutRelyingParty(ctx context.Context, rp *candor.RelyingParty) error
}

var errNoParties = candor.Errorf(candor.EUNAVAILABLE, "relying parties are not served here")

// Service registers sources and relying parties and issues API keys.
type Service struct {
	store   candor.Store
	cat     *candor.Catalogue
	parties RelyingParties
	now     func() time.Time
}

// New returns a registrar over st, validating sources against cat. parties
// nil serves no relying parties: their methods then fail with
// EUNAVAILABLE. now nil means time.Now.
func New(st candor.Store, cat *candor.Catalogue, parties RelyingParties, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, cat: cat, parties: parties, now: now}
}

// ExpandTypes turns type patterns, where "prefix*" matches every
// catalogue type with that prefix, into catalogue type names, each once.
// Errors: EINVALID for a pattern matching nothing, or no pattern.
func (s *Service) ExpandTypes(patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, pat := range patterns {
		pat = strings.TrimSpace(pat)
		if pat == "" {
			continue
		}
		n := 0
		for _, t := range s.cat.Types() {
			if t.Name == pat || strings.HasSuffix(pat, "*") && strings.HasPrefix(t.Name, strings.TrimSuffix(pat, "*")) {
				if !seen[t.Name] {
					out = append(out, t.Name)
					seen[t.Name] = true
				}
				n++
			}
		}
		if n == 0 {
			return nil, candor.Errorf(candor.EINVALID, "types: %q matches no event type in the catalogue", candor.Clip(pat, 80))
		}
	}
	if len(out) == 0 {
		return nil, candor.Errorf(candor.EINVALID, "types: name at least one event type")
	}
	return out, nil
}

// PutSource registers src, or updates the name and types of the source
// with its ID, keeping its creation time; src.AllowedTypes may hold
// patterns, which it expands (see ExpandTypes). The source may post events
// at once, on every node. Errors: EINVALID for a source the catalogue
// refuses, ECONFLICT for one registered with another kind.
func (s *Service) PutSource(ctx context.Context, src *candor.Source) error {
	types, err := s.ExpandTypes(src.AllowedTypes)
	if err != nil {
		return err
	}
	src.AllowedTypes = types
	if err := src.Validate(s.cat); err != nil {
		return err
	}
	old, err := s.store.Source(ctx, src.ID)
	switch {
	case err == nil && old.Kind != src.Kind:
		return candor.Errorf(candor.ECONFLICT, "source %s exists with kind %s", src.ID, old.Kind)
	case err == nil:
		src.CreatedAt = old.CreatedAt
	case candor.ErrorCode(err) != candor.ENOTFOUND:
		return err
	default:
		src.CreatedAt = s.now().UTC()
	}
	return s.store.PutSource(ctx, src)
}

// Sources lists the registered sources.
func (s *Service) Sources(ctx context.Context) ([]*candor.Source, error) {
	return s.store.Sources(ctx)
}

// PutRelyingParty registers or updates rp. Errors: EINVALID.
func (s *Service) PutRelyingParty(ctx context.Context, rp *candor.RelyingParty) error {
	if s.parties == nil {
		return errNoParties
	}
	return s.parties.PutRelyingParty(ctx, rp)
}

// RelyingParty returns the registered relying party id. Errors:
// ENOTFOUND.
func (s *Service) RelyingParty(ctx context.Context, id string) (*candor.RelyingParty, error) {
	if s.parties == nil {
		return nil, errNoParties
	}
	return s.parties.RelyingParty(ctx, id)
}

// RelyingParties lists the registered relying parties.
func (s *Service) RelyingParties(ctx context.Context) ([]*candor.RelyingParty, error) {
	if s.parties == nil {
		return nil, errNoParties
	}
	return s.parties.RelyingParties(ctx)
}

// Keys lists every API key, revoked ones too.
func (s *Service) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	return s.store.Keys(ctx)
}

// Authenticate returns the valid API key token is. Errors: EUNAUTHORIZED
// for a malformed, unknown or revoked one (see candor.Authenticate).
func (s *Service) Authenticate(ctx context.Context, token string) (*candor.APIKey, error) {
	return candor.Authenticate(ctx, s.store, token)
}

// Source returns the registered source id. Errors: ENOTFOUND.
func (s *Service) Source(ctx context.Context, id string) (*candor.Source, error) {
	return s.store.Source(ctx, id)
}

// Key returns the API key with ID id. Errors: ENOTFOUND.
func (s *Service) Key(ctx context.Context, id string) (*candor.APIKey, error) {
	return s.store.Key(ctx, id)
}

// IssueKey makes an API key for principal in role and returns its token,
// which is shown once and never stored. A source's or relying party's key
// names a registered one; a subject's, a stored subject's ID; an
// operator's, reviewer's or analyst's, a person's name.
//
// Errors: EINVALID for an empty principal or a malformed subject ID,
// ENOTFOUND for a principal not registered, EFORBIDDEN for a policy
// administrator's key (package admins mints those).
func (s *Service) IssueKey(ctx context.Context, role candor.Role, principal string) (token string, key *candor.APIKey, err error) {
	principal = strings.TrimSpace(principal)
	if principal == "" {
		return "", nil, candor.Errorf(candor.EINVALID, "principal: name who the key is for")
	}
	if bad, at := candor.ForbiddenRune(principal, false); at >= 0 {
		return "", nil, candor.Errorf(candor.EINVALID, "principal: character %q at %d is not allowed", bad, at)
	}
	switch role {
	case candor.RoleSource:
		_, err = s.store.Source(ctx, principal)
	case candor.RoleRelyingParty:
		if err = errNoParties; s.parties != nil {
			_, err = s.parties.RelyingParty(ctx, principal)
		}
	case candor.RoleSubject:
		var id candor.SubjectID
		if id, err = candor.ParseSubjectID(principal); err == nil {
			principal = id.String() // one spelling, as the other keys of the subject have
			_, err = s.store.Subject(ctx, id)
		}
	case candor.RolePolicyAdmin:
		err = candor.Errorf(candor.EFORBIDDEN, "a policy administrator's key is minted as an administrative act, under the two-person rule: candor policy key")
	case candor.RoleOperator, candor.RoleReviewer, candor.RoleAnalyst:
	default:
		err = candor.Errorf(candor.EINVALID, "role: no role %q", role)
	}
	if err != nil {
		return "", nil, err
	}
	token, key = candor.NewAPIKey(role, principal, s.now())
	if err := s.store.PutKey(ctx, key); err != nil {
		return "", nil, err
	}
	return token, key, nil
}

// RevokeKey revokes the key with ID id at once, on every node, and returns
// it; revoked is false if it was revoked before. Errors: ENOTFOUND,
// EFORBIDDEN for a policy administrator's key (package admins revokes
// those, as an administrative act).
func (s *Service) RevokeKey(ctx context.Context, id string) (key *candor.APIKey, revoked bool, err error) {
	key, err = s.store.Key(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if key.Role == candor.RolePolicyAdmin {
		return nil, false, candor.Errorf(candor.EFORBIDDEN, "key %s is a policy administrator's: an administrator revokes it, as an administrative act (candor policy revoke-key)", id)
	}
	if key.Revoked() {
		return key, false, nil
	}
	key.RevokedAt = s.now().UTC()
	if err := s.store.PutKey(ctx, key); err != nil {
		return nil, false, err
	}
	return key, true, nil
}
