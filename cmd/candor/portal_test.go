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

	"github.com/candor-project/candor/tlog"
)

// TestServerRoutes checks what the root handler sends where: the API, the
// transparency log and the health endpoints to the API, everything else
// to the portal.
func TestServerRoutes(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var vf serverFlags
	vf.register(fs)
	if err := fs.Parse([]string{"--data", filepath.Join(t.TempDir(), "data"), "--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	vf.demoSignIn = true
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
	for _, tc := range []struct{ path, contentType, want string }{
		{"/", "text/html", "Sign in"},
		{"/signin", "text/html", "demo link"},
		{"/scorecards", "text/html", "rental-deposit"},
		{"/v1/scorecards", "application/json", `"rental-deposit"`},
		{"/v1/nope", "application/json", "not_found"},
		{"/log/checkpoint", "text/plain", tlog.DefaultOrigin + "\n"},
		{"/healthz", "application/json", "ok"},
		{"/console/signin", "text/html", "API key"},
	} {
		resp, err := http.Get("http://" + srv.addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s %.200s", tc.path, resp.StatusCode, ct, body)
		}
	}
}
