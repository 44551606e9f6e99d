package population

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// Pointer scores a subject's events under one scorecard version
// (scoring.Compiled).
type Pointer interface {
	Scorecard() *candor.Scorecard
	Points(subject candor.SubjectID, events []*candor.Event, at time.Time) (int, string, error)
}

// Migrate scores every subject of from's kind under from and under to at
// at, in one pass over the population with workers goroutines. progress,
// if set, is called after each subject with its number of events.
// Errors: EINVALID if the versions are for different kinds of subject.
func Migrate(ctx context.Context, st Store, v *vault.Vault, workers int, from, to Pointer, at time.Time, progress func(events int)) (*candor.GradeMigration, error) {
	fs, ts := from.Scorecard(), to.Scorecard()
	if fs.SubjectKind != ts.SubjectKind {
		return nil, candor.Errorf(candor.EINVALID, "%s v%d is for %ss, %s v%d for %ss", fs.ID, fs.Version, fs.SubjectKind, ts.ID, ts.Version, ts.SubjectKind)
	}
	m := &candor.GradeMigration{From: fs, To: ts, At: at, Moves: map[[2]string]int{}}
	var mu sync.Mutex
	_, _, err := Each(ctx, st, v, workers, func(sub *candor.SubjectRecord, _ *vault.SubjectKey, events []*candor.Event) error {
		if sub.Kind != fs.SubjectKind {
			return nil
		}
		_, a, err := from.Points(sub.ID, events, at)
		if err != nil {
			return err
		}
		_, b, err := to.Points(sub.ID, events, at)
		if err != nil {
			return err
		}
		mu.Lock()
		m.Moves[[2]string{a, b}]++
		mu.Unlock()
		if progress != nil {
			progress(len(events))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("grade migration: %w", err)
	}
	for mv, n := range m.Moves {
		m.Total += n
		switch a, b := fs.GradeRank(mv[0]), fs.GradeRank(mv[1]); {
		case b < 0:
		case b < a:
			m.Up += n
		case b > a:
			m.Down += n
		}
	}
	return m, nil
}
