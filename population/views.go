package population

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Views are the console's passes over the population
// (candor.PopulationViews): grade censuses of the active scorecards,
// kept in the store's meta table, and grade migrations between any two
// versions the history lists. Safe for concurrent use.
type Views struct {
	store   ViewStore
	vault   *vault.Vault
	workers int
	served  *scoring.Published
	history *scoring.History
}

// ViewStore is what Views read and keep a census in.
type ViewStore interface {
	candor.EventStore
	candor.Meta
}

// censusKey is where the last census is kept in the store's meta table.
const censusKey = "console/grade-distribution"

// NewViews returns the views over st's population, each pass with
// workers goroutines: censuses under the versions served active when the
// census is counted (served's set then: it follows Set), migrations
// between the versions history lists.
func NewViews(st ViewStore, v *vault.Vault, workers int, served *scoring.Published, history *scoring.History) *Views {
	return &Views{store: st, vault: v, workers: workers, served: served, history: history}
}

// Census returns the census CountGrades stored last, or nil.
func (vs *Views) Census(ctx context.Context) (*candor.GradeCensus, error) {
	data, err := vs.store.GetMeta(ctx, censusKey)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c candor.GradeCensus
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("population: %s: %w", censusKey, err)
	}
	return &c, nil
}

// CountGrades counts the grades under every version served active when
// it starts, at at, and stores the census.
func (vs *Views) CountGrades(ctx context.Context, at time.Time) (*candor.GradeCensus, error) {
	start := time.Now()
	active := vs.served.Snapshot().Active()
	ms := make([]Materialised, len(active))
	for i, c := range active {
		ms[i] = c
	}
	dists, err := Grades(ctx, vs.store, vs.vault, vs.workers, ms, at)
	if err != nil {
		return nil, err
	}
	c := &candor.GradeCensus{At: at, Took: time.Since(start), Cards: dists}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := vs.store.PutMeta(ctx, censusKey, data); err != nil {
		return nil, err
	}
	return c, nil
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
