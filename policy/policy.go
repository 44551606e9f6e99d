package policy

import (
	"context"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/scoring"
)

// Service is candor.Policy on a store's registry of scorecard versions
// and chain of administrative acts.
type Service struct {
	acts     *admins.Service
	registry *scoring.Registry
	history  candor.VersionHistory
	now      func() time.Time
}

var _ candor.Policy = (*Service)(nil)

// New returns the service recording acts through acts, keeping versions in
// registry (which must record its acts through the same chain:
// scoring.Registry.WithActs) and listing them through history. now nil
// means time.Now.
func New(acts *admins.Service, registry *scoring.Registry, history candor.VersionHistory, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{acts: acts, registry: registry, history: history, now: now}
}

// Versions lists every published version and every proposal.
func (s *Service) Versions(ctx context.Context) ([]*candor.ScorecardVersion, error) {
	return s.history.Versions(ctx)
}

// Propose implements candor.Policy.
func (s *Service) Propose(ctx context.Context, by *candor.APIKey, file string, source []byte) (*candor.ScorecardVersion, error) {
	c, err := s.registry.Propose(ctx, file, source, by, s.now())
	if err != nil {
		return nil, err
	}
	return s.version(ctx, c.Scorecard())
}

// Approve implements candor.Policy. The version is approved at once; the
// node holding the jobs' lease activates it (stores its matches behind
// the store's match fence) and every node then serves it.
func (s *Service) Approve(ctx context.Context, by *candor.APIKey, id string, version int) (*candor.ScorecardVersion, error) {
	c, err := s.registry.Approve(ctx, id, version, by, s.now())
	if err != nil {
		return nil, err
	}
	return s.version(ctx, c.Scorecard())
}

// version returns sc's version as the history lists it.
func (s *Service) version(ctx context.Context, sc *candor.Scorecard) (*candor.ScorecardVersion, error) {
	vs, err := s.history.Versions(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Scorecard.ID == sc.ID && v.Scorecard.Version == sc.Version {
			return v, nil
		}
	}
	return nil, candor.Errorf(candor.EINTERNAL, "%s version %d was stored but is not listed", sc.ID, sc.Version)
}

// MintKey implements candor.Policy.
func (s *Service) MintKey(ctx context.Context, by *candor.APIKey, name string) (string, *candor.APIKey, *candor.AdminAct, error) {
	return s.acts.Mint(ctx, by, name)
}

// ApproveKey implements candor.Policy.
func (s *Service) ApproveKey(ctx context.Context, by *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	return s.acts.ApproveKey(ctx, by, keyID)
}

// RevokeKey implements candor.Policy.
func (s *Service) RevokeKey(ctx context.Context, by *candor.APIKey, keyID string) (*candor.AdminAct, error) {
	return s.acts.RevokeKey(ctx, by, keyID)
}
