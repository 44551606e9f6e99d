package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/tlog"
)

// TestServerRoutes checks what the root handler sends where: the API, the
// transparency log and the health endpoints to the API, everything else
// to the portal; and that an operator's key signs in to the console.
func TestServerRoutes(t *testing.T) {
	cfg := serveConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.Server.DemoSignIn = true
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	operator, err := newKey(context.Background(), inst, candor.RoleOperator, "olga")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := srv.Wait(ctx); err != nil {
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
		resp, err := http.Get("http://" + srv.Addr() + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s %.200s", tc.path, resp.StatusCode, ct, body)
		}
	}

	// The console, with an operator's key.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get("http://" + srv.Addr() + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("console sign-in form:\n%s", body)
	}
	resp, err = c.PostForm("http://"+srv.Addr()+"/console/signin", url.Values{"csrf": {string(m[1])}, "key": {operator}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/" || !strings.Contains(string(body), "olga") {
		t.Errorf("signing in to the console: %d %s\n%.300s", resp.StatusCode, resp.Request.URL, body)
	}
}
