package tlog_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
)

// get serves one request with a raw path, as a client could send it, past
// any mux's path cleaning.
func get(h http.Handler, method, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/", nil)
	r.URL.Path = path
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandler(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "log")
	l := mustOpen(t, dir, fastOptions())
	var bs []tlog.Bundle
	for i := range 260 {
		bs = append(bs, tlog.Bundle{Kind: candor.AuditAccess, Seq: uint64(i), Commitments: commitments("h", 2)})
	}
	mustAppend(t, l, bs...)
	mustWaitCheckpoint(t, l, 260)
	h := l.Handler()

	t.Run("checkpoint", func(t *testing.T) {
		w := get(h, "GET", "/log/checkpoint")
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
		}
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=1") {
			t.Errorf("Cache-Control %q", cc)
		}
		mustOpenCheckpoint(t, w.Body.Bytes(), l.VerifierKey())
	})

	for _, path := range []string{"tile/0/000", "tile/0/001.p/4", "tile/1/000.p/1", "tile/entries/000", "tile/entries/001.p/4"} {
		t.Run(path, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, path))
			if err != nil {
				t.Fatal(err)
			}
			w := get(h, "GET", "/log/"+path)
			if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), want) {
				t.Fatalf("%d, %d bytes; want the file's %d", w.Code, w.Body.Len(), len(want))
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}

	// Secrets and private state beside and inside the directory.
	os.WriteFile(filepath.Join(dir, "secret"), []byte("no"), 0o600)
	for _, path := range []string{
		"/log/", "/log", "/log/checkpoint/", "/log/../log.key", "/log/tile/../../log.key",
		"/log/tile/0/../../../log.key", "/log/.state/treeState", "/log/secret", "/log/tile/0/0",
		"/log/tile/00/000", "/log/tile/0/x000/000", "/log/tile/0//000", "/log/tile/0/000.p/0",
		"/log/tile/0/000.p/256", "/log/tile/0/000.p/04", "/log/tile/64/000", "/log/tile/-1/000",
		"/log/tile/entries/000/", "/log/tile/entries/x1/000", "/log/tile/entries", "/log/tile/0/000.p",
		"/log/tile/0/999", "/log/tile/entries/../../log.key", "/checkpoint", "/log.key",
	} {
		if w := get(h, "GET", path); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	if w := get(h, "POST", "/log/checkpoint"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
	if w := get(h, "HEAD", "/log/tile/0/000"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", w.Code, w.Body.Len())
	}

	// A tlog-tiles client (Tessera's, over HTTP) can follow the log and
	// prove inclusion from what the handler serves alone.
	t.Run("client over HTTP", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.Handle(tlog.Prefix, h)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		u, _ := url.Parse(srv.URL + tlog.Prefix)
		f, err := client.NewHTTPFetcher(u, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		raw, err := f.ReadCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp := mustOpenCheckpoint(t, raw, l.VerifierKey())
		eb, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, 1, cp.size)
		if err != nil || len(eb.Entries) != 4 {
			t.Fatalf("entry bundle 1: %d entries, %v", len(eb.Entries), err)
		}
		pb, _ := client.NewProofBuilder(ctx, cp.size, f.ReadTile)
		hashes, err := pb.InclusionProof(ctx, 257)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 257, cp.size, rfc6962.DefaultHasher.HashLeaf(eb.Entries[1]), hashes, cp.root); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Get(srv.URL + "/log/%2e%2e/log.key")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(body, []byte("PRIVATE")) || resp.StatusCode == 200 {
			t.Errorf("encoded traversal: %d %q", resp.StatusCode, body)
		}
	})
}
