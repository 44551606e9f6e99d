package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
)

// TestNodeServesOpsMetricsAndDecisionKeys: a node counts its portal's
// requests by route, exports the log's lag, the open disputes and its
// memory's parts (the block cache at the --cache-size it was given), and
// serves the decision signing key beside the API.
func TestNodeServesOpsMetricsAndDecisionKeys(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(app.StoreConfig{Data: data, CacheSize: 64}, log)
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
	defer node.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get("http://" + node.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("/.well-known/candor-decision-keys"); st != 200 || !strings.Contains(body, `"crv":"Ed25519"`) {
		t.Errorf("decision keys: %d %s", st, body)
	}
	if st, _ := get("/register"); st != 200 {
		t.Errorf("/register: %d", st)
	}
	_, m := get("/metrics")
	for _, want := range []string{`candor_portal_requests_total{route="GET /register",status="200"} 1`, "candor_tlog_lag_commits ", "candor_disputes_open 0",
		"candor_pebble_block_cache_capacity_bytes 7.5497472e+07", // 64 MiB, and the keyring's 8
		"candor_pebble_block_cache_bytes ", "candor_pebble_memtable_bytes ", "candor_ingest_subject_cache_entries ",
		"candor_ingest_filter_bytes ", "candor_decisions_cache_entries 0"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if fi, err := os.Stat(data + ".decision.key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the decision key file: %v %v, want mode 0600 beside the data dir", fi, err)
	}
}
