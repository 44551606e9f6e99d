package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
)

// TestServerServesWhatSetServes: candor serve hands one holder of the
// served scorecards to the API and the portal, so a Set on it is served
// by both at the next request.
func TestServerServesWhatSetServes(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var vf serverFlags
	vf.register(fs)
	if err := fs.Parse([]string{"--data", filepath.Join(t.TempDir(), "data"), "--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	inst, err := sf.open(log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(inst, vf, log)
	if err != nil {
		inst.store.Close()
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := srv.wait(ctx); err != nil {
			t.Error(err)
		}
	}()
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	const apiV2, portalV2 = `"id":"rental-deposit","title":"Rental deposit","purpose":"rental","subject_kind":"person","version":2`, "Scorecard rental-deposit · version 2,"
	if strings.Contains(get("/v1/scorecards"), apiV2) {
		t.Fatal("version 2 is served before Set")
	}
	snap := srv.scorecards.Snapshot()
	v2 := testenv.NextVersion(t, inst.cat, "rental-deposit")
	var active []*scoring.Compiled
	for _, c := range snap.Active() {
		if c.Scorecard().ID != "rental-deposit" {
			active = append(active, c)
		}
	}
	srv.scorecards.Set(append(active, v2), append(snap.All(), v2))
	if !strings.Contains(get("/v1/scorecards"), apiV2) {
		t.Error("the API does not list version 2 after Set")
	}
	if !strings.Contains(get("/scorecards/rental-deposit"), portalV2) {
		t.Error("the portal does not show version 2 after Set")
	}
}
