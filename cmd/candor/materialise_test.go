package main

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// wantMaterialised checks that every active scorecard of the data dir is
// marked materialised and that every subject's stored matches with it are
// exactly those of its events.
func wantMaterialised(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	inst, active := openActive(t, data)
	defer inst.Close()
	reg := scoring.NewRegistry(inst.Store, inst.Catalogue)
	for _, c := range active {
		if ok, err := reg.Materialised(ctx, c); !ok || err != nil {
			t.Fatalf("%s v%d is not marked materialised (%v)", c.Scorecard().ID, c.Scorecard().Version, err)
		}
	}
	var matches atomic.Int64
	_, _, err := population.Each(ctx, inst.Store, inst.Vault, 2, func(sub *candor.SubjectRecord, key *vault.SubjectKey, events []*candor.Event) error {
		for _, c := range active {
			if c.Scorecard().SubjectKind != sub.Kind {
				continue
			}
			got, err := key.ReadMatches(ctx, inst.Store, c.Key())
			if err != nil {
				return err
			}
			c.Resolve(got) // stored with type numbers (or names, if materialised on their own before format 6)
			if want := c.Matches(events); !reflect.DeepEqual(got, want) {
				t.Errorf("subject %s, %s v%d: %d stored matches, %d from its events", sub.ID, c.Scorecard().ID, c.Scorecard().Version, len(got), len(want))
			}
			matches.Add(int64(len(got)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if matches.Load() == 0 {
		t.Fatal("no matches stored at all")
	}
}

// rerunMaterialise runs the materialisation pass of the active scorecards
// again, as after a pass cut short before it marked them.
func rerunMaterialise(t *testing.T, data string) {
	t.Helper()
	inst, active := openActive(t, data)
	defer inst.Close()
	if _, err := inst.Materialise(context.Background(), active, nil, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// openActive opens the data dir and returns its active scorecards.
func openActive(t *testing.T, data string) (*app.Installation, []*scoring.Compiled) {
	t.Helper()
	sf := app.StoreConfig{Data: data}
	inst, err := app.Open(sf, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	active, _, err := inst.Published(context.Background())
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	return inst, active
}
