package app_test

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
)

// TestStartServesAndCloses: a node started on a fresh data dir answers
// /readyz, and Close stops it and closes its store, so the data dir can
// be opened again.
func TestStartServesAndCloses(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(app.StoreConfig{Data: data}, log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.Store.Data, cfg.Server.Addr = data, "127.0.0.1:0"
	node, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + node.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %s", resp.Status)
	}
	if err := node.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := app.OpenExisting(app.StoreConfig{Data: data}, log)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

// TestBadSettingCreatesNothing: Open and Start refuse a bad setting,
// naming it, before they create a key file or a store.
func TestBadSettingCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if _, err := app.Open(app.StoreConfig{Data: data, Store: "mysql://x"}, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Open took a mysql:// store")
	}
	if _, err := os.Stat(filepath.Join(dir, "data.master.key")); err == nil {
		t.Error("a refused Open created the master key file")
	}
	inst, err := app.Open(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	cfg := app.Defaults()
	cfg.Server.Addr, cfg.Server.LeaseTTL = "127.0.0.1:0", time.Millisecond
	if _, err := app.Start(inst, cfg, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("Start took a lease TTL of 1ms")
	}
	for _, f := range []string{"data.log.key", "data.issuer.key", filepath.Join("data", "log")} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a refused start created %s", f)
		}
	}
}
