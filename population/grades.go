package population

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Materialised is an active scorecard version whose matches are stored
// with the events (scoring.Compiled).
type Materialised interface {
	Scorecard() *candor.Scorecard
	Key() candor.ScorecardKey
	PointsFromMatches(ms []candor.Match, at time.Time) (int, string)
}

// Grades counts the subjects of each card's kind by their grade at at,
// computed from the matches stored for them, in one pass over the
// population with workers goroutines. The distributions are in cards'
// order.
func Grades(ctx context.Context, st candor.EventStore, v *vault.Vault, workers int, cards []Materialised, at time.Time) ([]candor.GradeDistribution, error) {
	out := make([]candor.GradeDistribution, len(cards))
	for i, c := range cards {
		sc := c.Scorecard()
		out[i] = candor.GradeDistribution{ID: sc.ID, Version: sc.Version, Grades: map[string]int{}}
	}
	var mu sync.Mutex
	_, err := Keys(ctx, st, v, workers, func(sub *candor.SubjectRecord, key *vault.SubjectKey) error {
		for i, c := range cards {
			if c.Scorecard().SubjectKind != sub.Kind {
				continue
			}
			ms, err := key.ReadMatches(ctx, st, c.Key())
			if err != nil {
				return err
			}
			_, g := c.PointsFromMatches(ms, at)
			mu.Lock()
			out[i].Grades[g]++
			out[i].Total++
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("grade distribution: %w", err)
	}
	return out, nil
}
