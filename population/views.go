package population

import (
	"context"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Views score the population under any two versions the history lists
// (stats.Migrator): the exact grade migrations the console's noisy views
// are computed from. Safe for concurrent use.
type Views struct {
	store   candor.EventStore
	vault   *vault.Vault
	workers int
	history *scoring.History
}

// NewViews returns the views over st's population, each pass with
// workers goroutines, between the versions history lists.
func NewViews(st candor.EventStore, v *vault.Vault, workers int, history *scoring.History) *Views {
	return &Views{store: st, vault: v, workers: workers, history: history}
}

// GradeMigration scores the population under from and under to, each any
// version the history lists.
func (vs *Views) GradeMigration(ctx context.Context, from, to *candor.Scorecard, at time.Time) (*candor.GradeMigration, error) {
	f, err := vs.history.Compiled(ctx, from.ID, from.Version)
	if err != nil {
		return nil, err
	}
	t, err := vs.history.Compiled(ctx, to.ID, to.Version)
	if err != nil {
		return nil, err
	}
	return Migrate(ctx, vs.store, vs.vault, vs.workers, f, t, at, nil)
}
