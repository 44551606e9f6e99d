package admins

import (
	"context"
	"crypto/hmac"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Bootstrap is how many administrators are minted alone, before any act
// needs a second administrator.
const Bootstrap = 2

// Service records and checks administrative acts. It is safe for
// concurrent use; it appends one act at a time.
type Service struct {
	store candor.Store
	vault *vault.Vault
	now   func() time.Time
	mu    sync.Mutex
}

// New returns the service over st, checking acts with v's key. now is the
// clock (nil: time.Now).
func New(st candor.Store, v *vault.Vault, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, vault: v, now: now}
}

// Acts returns every act in chain order, once it has checked the chain:
// each act's MAC, number and the hash of the act before it. Errors:
// EINTERNAL naming the first act that does not verify (an act written or
// altered behind the service's back), which stops every administrative
// act until it is resolved.
func (s *Service) Acts(ctx context.Context) ([]*candor.AdminAct, error) {
	acts, _, err := s.chain(ctx)
	return acts, err
}

// chain returns the verified acts and the hash the next act must name.
func (s *Service) chain(ctx context.Context) ([]*candor.AdminAct, [32]byte, error) {
	var acts []*candor.AdminAct
	var prev [32]byte
	for r, err := range s.store.AllRecords(ctx, candor.RecordAdminAct) {
		if err != nil {
			return nil, prev, err
		}
		broken := fmt.Errorf("admins: administrative act %s does not verify: it was written or altered without the master key; no administrative act is possible until it is resolved", r.ID)
		enc, mac, err := candor.SplitAdminActRecord(r)
		if err != nil || !hmac.Equal(mac, s.vault.ActMAC(enc)) {
			return nil, prev, broken
		}
		a := new(candor.AdminAct)
		if err := a.UnmarshalBinary(enc); err != nil || a.N != uint64(len(acts))+1 || a.Prev != prev || r.ID != candor.AdminActID(a.N) {
			return nil, prev, broken
		}
		acts = append(acts, a)
		prev = candor.AdminActHash(enc)
	}
	return acts, prev, nil
}

// append adds act to the chain, with its number, its predecessor's hash
// and the time, in one store commit with its write commitment. s.mu must
// be held; prev and n come from chain.
func (s *Service) append(ctx context.Context, act *candor.AdminAct, n uint64, prev [32]byte) error {
	act.N, act.Prev, act.At = n, prev, s.now().UTC()
	enc, err := act.MarshalBinary()
	if err != nil {
		return err
	}
	c := candor.AdminActCommitment(enc)
	_, err = s.store.Commit(ctx, &candor.WriteBatch{
		Records: []*candor.Record{candor.AdminActRecord(n, enc, s.vault.ActMAC(enc))},
		Commitments: func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) {
			return []candor.Commitment{c}, nil
		}})
	return err
}

// standing is what the chain says of each key.
type standing struct {
	principal        string
	hash             [32]byte
	minted, approved bool // bootstrapped, or requested (then approved)
	requestedBy      string
	revoked          bool
}

func keysOf(acts []*candor.AdminAct) map[string]*standing {
	keys := map[string]*standing{}
	for _, a := range acts {
		switch a.Kind {
		case candor.ActKeyBootstrapped:
			keys[a.Key] = &standing{principal: a.Principal, hash: a.KeyHash, minted: true, approved: true}
		case candor.ActKeyRequested:
			keys[a.Key] = &standing{principal: a.Principal, hash: a.KeyHash, minted: true, requestedBy: a.By}
		case candor.ActKeyApproved:
			if k := keys[a.Key]; k != nil {
				k.approved = true
			}
		case candor.ActKeyRevoked:
			if k := keys[a.Key]; k != nil {
				k.revoked = true
			}
		}
	}
	return keys
}

// administrators returns the principals that hold a standing key, the
// key but left out, in order.
func administrators(keys map[string]*standing, but string) []string {
	var out []string
	for id, k := range keys {
		if id != but && k.approved && !k.revoked && !slices.Contains(out, k.principal) {
			out = append(out, k.principal)
		}
	}
	slices.Sort(out)
	return out
}

// stands returns key's normalised principal if the chain acts gives it an
// administrator's power. Errors: EFORBIDDEN saying why not.
func stands(acts []*candor.AdminAct, key *candor.APIKey) (string, error) {
	if key == nil || key.Role != candor.RolePolicyAdmin || key.Revoked() {
		return "", candor.Errorf(candor.EFORBIDDEN, "only a policy administrator's valid key may do this")
	}
	who, err := candor.NormalisePrincipal(key.Principal)
	if err != nil {
		return "", candor.Errorf(candor.EFORBIDDEN, "key %s: %s", key.ID, candor.ErrorMessage(err))
	}
	k := keysOf(acts)[key.ID]
	switch {
	case k == nil || k.principal != who || k.hash != key.Hash:
		return "", candor.Errorf(candor.EFORBIDDEN, "key %s of %s was not minted by an administrative act: it gives no administrator's power", key.ID, who)
	case !k.approved:
		return "", candor.Errorf(candor.EFORBIDDEN, "key %s of %s awaits a second administrator's approval (candor policy approve-key %s)", key.ID, who, key.ID)
	case k.revoked:
		return "", candor.Errorf(candor.EFORBIDDEN, "key %s of %s was revoked", key.ID, who)
	}
	return who, nil
}

// Stands returns the normalised principal of key if it is a policy
// administrator's key the chain minted and approved and did not revoke.
// Errors: EFORBIDDEN saying why not; an error of Acts.
func (s *Service) Stands(ctx context.Context, key *candor.APIKey) (string, error) {
	acts, err := s.Acts(ctx)
	if err != nil {
		return "", err
	}
	return stands(acts, key)
}

// Act records act, done with key, once key stands: it fills in who did it
// (By, ByKey), when, and its place in the chain. For the acts of other
// services (scoring.Registry's proposals and approvals), which check
// their own rules before, and audits. Errors: those of Stands; EINVALID for a key
// act (which Mint, ApproveKey and RevokeKey record).
func (s *Service) Act(ctx context.Context, key *candor.APIKey, act *candor.AdminAct) error {
	if act.Kind != candor.ActScorecardProposed && act.Kind != candor.ActScorecardApproved && act.Kind != candor.ActScorecardAudited {
		return candor.Errorf(candor.EINVALID, "admins: a %s act is recorded by the key operations only", act.Kind)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, prev, err := s.chain(ctx)
	if err != nil {
		return err
	}
	who, err := stands(acts, key)
	if err != nil {
		return err
	}
	act.By, act.ByKey = who, key.ID
	return s.append(ctx, act, uint64(len(acts))+1, prev)
}

// Mint makes a policy administrator's key for name, normalised
// (candor.NormalisePrincipal), and returns its token, shown once. With
// by nil it bootstraps: allowed only while fewer than Bootstrap
// administrators were ever bootstrapped, for a new one, and before any key
// was requested; the key works at once. Otherwise by, a standing
// administrator's key, requests it: the key is stored but gives no power
// until a second administrator approves it (ApproveKey). Errors: EINVALID
// for a name that does not normalise; EFORBIDDEN when bootstrapping is
// over or by does not stand; an error of Acts.
func (s *Service) Mint(ctx context.Context, by *candor.APIKey, name string) (token string, key *candor.APIKey, act *candor.AdminAct, err error) {
	who, err := candor.NormalisePrincipal(name)
	if err != nil {
		return "", nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, prev, err := s.chain(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	token, key = candor.NewAPIKey(candor.RolePolicyAdmin, who, s.now())
	act = &candor.AdminAct{Kind: candor.ActKeyRequested, Key: key.ID, Principal: who, KeyHash: key.Hash}
	if by == nil {
		var boot []string
		for _, a := range acts {
			if a.Kind == candor.ActKeyRequested {
				return "", nil, nil, candor.Errorf(candor.EFORBIDDEN, "the first %d administrators are bootstrapped already: an administrator requests a key for %s with --key-file, and a second approves it", Bootstrap, who)
			}
			if a.Kind == candor.ActKeyBootstrapped && !slices.Contains(boot, a.Principal) {
				boot = append(boot, a.Principal)
			}
		}
		switch {
		case slices.Contains(boot, who):
			return "", nil, nil, candor.Errorf(candor.EFORBIDDEN, "%s is an administrator already: another key for %s is requested by an administrator with --key-file and approved by a second", who, who)
		case len(boot) >= Bootstrap:
			return "", nil, nil, candor.Errorf(candor.EFORBIDDEN, "the first %d administrators (%v) are bootstrapped already: an administrator requests a key for %s with --key-file, and a second approves it", Bootstrap, boot, who)
		}
		act.Kind = candor.ActKeyBootstrapped
	} else {
		if act.By, err = stands(acts, by); err != nil {
			return "", nil, nil, err
		}
		act.ByKey = by.ID
	}
	// The act first: a key stored without its act gives no power.
	if err := s.append(ctx, act, uint64(len(acts))+1, prev); err != nil {
		return "", nil, nil, err
	}
	if err := s.store.PutKey(ctx, key); err != nil {
		return "", nil, nil, err
	}
	return token, key, act, nil
}

// ApproveKey approves a requested key, with by, the key of a standing
// administrator who neither requested it nor is the one it is for.
// Errors: ENOTFOUND for no such request; ECONFLICT if it was approved or
// revoked already; EFORBIDDEN for by (see Stands) or the two-person rule;
// an error of Acts.
func (s *Service) ApproveKey(ctx context.Context, by *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, prev, err := s.chain(ctx)
	if err != nil {
		return nil, err
	}
	who, err := stands(acts, by)
	if err != nil {
		return nil, err
	}
	k := keysOf(acts)[keyID]
	switch {
	case k == nil || k.requestedBy == "":
		return nil, candor.Errorf(candor.ENOTFOUND, "no administrator's key %s was requested", keyID)
	case k.approved || k.revoked:
		return nil, candor.Errorf(candor.ECONFLICT, "key %s was approved or revoked already", keyID)
	case who == k.requestedBy:
		return nil, candor.Errorf(candor.EFORBIDDEN, "%s requested key %s and cannot also approve it: a second administrator must", who, keyID)
	case who == k.principal:
		return nil, candor.Errorf(candor.EFORBIDDEN, "key %s is for %s, who cannot approve it: an administrator other than %s and %s must", keyID, who, who, k.requestedBy)
	}
	act := &candor.AdminAct{Kind: candor.ActKeyApproved, By: who, ByKey: by.ID, Key: keyID, Principal: k.principal}
	return act, s.append(ctx, act, uint64(len(acts))+1, prev)
}

// RevokeKey revokes an administrator's key at once (with its act), with
// by, a standing administrator's key (which may be the key itself). It
// refuses to leave fewer than two administrators standing, for then no
// one could approve anything again. Errors: ENOTFOUND for a key no act
// minted; ECONFLICT if it was revoked already or is one of the last two
// administrators'; EFORBIDDEN for by; an error of Acts or of the store.
func (s *Service) RevokeKey(ctx context.Context, by *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, prev, err := s.chain(ctx)
	if err != nil {
		return nil, err
	}
	who, err := stands(acts, by)
	if err != nil {
		return nil, err
	}
	keys := keysOf(acts)
	k := keys[keyID]
	switch {
	case k == nil:
		return nil, candor.Errorf(candor.ENOTFOUND, "no administrator's key %s was minted", keyID)
	case k.revoked:
		return nil, candor.Errorf(candor.ECONFLICT, "key %s was revoked already", keyID)
	}
	if left := administrators(keys, keyID); len(left) < 2 {
		return nil, candor.Errorf(candor.ECONFLICT, "revoking key %s would leave %d administrators (%s), and no one could then approve a new one or a scorecard: have a new administrator approved first", keyID, len(left), strings.Join(left, ", "))
	}
	act := &candor.AdminAct{Kind: candor.ActKeyRevoked, By: who, ByKey: by.ID, Key: keyID, Principal: k.principal}
	if err := s.append(ctx, act, uint64(len(acts))+1, prev); err != nil {
		return nil, err
	}
	stored, err := s.store.Key(ctx, keyID)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return act, nil
	}
	if err != nil {
		return nil, err
	}
	if !stored.Revoked() {
		stored.RevokedAt = act.At
		err = s.store.PutKey(ctx, stored)
	}
	return act, err
}
