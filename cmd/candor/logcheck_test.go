package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
	"golang.org/x/mod/sumdb/note"
)

// serveConfig is the configuration candor serve would read from its flags
// on data, listening on a free loopback port, with extra flags.
func serveConfig(t *testing.T, data string, extra ...string) app.Config {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings)
	if err := fs.Parse(append([]string{"--data", data, "--addr", "127.0.0.1:0"}, extra...)); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// serveFor starts a server on data with the flags serve takes (and extra
// ones), or returns why it refused to start.
func serveFor(t *testing.T, data string, extra ...string) (*app.Node, error) {
	t.Helper()
	cfg := serveConfig(t, data, append([]string{"--purge-every", "0"}, extra...)...)
	log := slog.New(slog.DiscardHandler)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		return nil, err
	}
	return srv, nil
}

func stopServer(t *testing.T, srv *app.Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// postEvents posts n events one request at a time: a commit, and so a log
// entry, each.
func postOneByOne(t *testing.T, addr, token string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		body := fmt.Sprintf(`{"id":"lc-%d","subject":{"kind":"person","scheme":"national_id","value":"LC%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A1","amount":"%d.00","currency":"EUR"}}`+"\n", i, i%40, i+1)
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/events", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("posting event %d: %s", i, resp.Status)
		}
	}
}

// copyTree copies the files under from to to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string, at int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at += len(data)
	}
	data[at] ^= 0x20
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedLogIsRefused damages a served data dir's log in each way a
// log can lose or alter history and checks that candor serve refuses it,
// and that candor audit verify-log (with the verifier key alone) and
// candor audit verify report it, each naming the problem. A start checks
// what the log appended since the store's verified mark and the log's
// tiles on the proofs' path (not what lies inside the part checked
// before, so that a start does not grow with the log): serve refuses to
// start on a log that lost history, was rolled back or whose tiles no
// longer prove its checkpoint; damage inside entries checked before is
// found by the whole check run after start, and the node then refuses
// every request but /healthz, /readyz and /metrics. A mark that is
// missing, edited or signed with another key is ignored: the start then
// checks the log whole and refuses it.
func TestDamagedLogIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("serves and posts a few hundred events; skipped with -short")
	}
	base := t.TempDir()
	data := filepath.Join(base, "data")
	mustRun(t, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	out, _ := mustRun(t, "source", "key", "--data", data, "bank1")
	token := strings.Fields(out)[0]

	srv, err := serveFor(t, data)
	if err != nil {
		t.Fatal(err)
	}
	postOneByOne(t, srv.Addr(), token, 0, 40)
	stopServer(t, srv)
	old := filepath.Join(t.TempDir(), "old-log")
	copyTree(t, filepath.Join(data, "log"), old) // the log's files and Tessera's tree state

	srv, err = serveFor(t, data)
	if err != nil {
		t.Fatal(err)
	}
	postOneByOne(t, srv.Addr(), token, 40, 240)
	resp, err := http.Get("http://" + srv.Addr() + "/.well-known/candor-log-key")
	if err != nil {
		t.Fatal(err)
	}
	var key bytes.Buffer
	key.ReadFrom(resp.Body)
	resp.Body.Close()
	vkey := strings.TrimSpace(key.String())
	stopServer(t, srv)
	saved := filepath.Join(t.TempDir(), "saved.checkpoint")
	mustRun(t, "audit", "verify", "--data", data, "--save-checkpoint", saved)
	mustRun(t, "audit", "verify-log", "--key", vkey, "--from-checkpoint", saved, filepath.Join(data, "log"))
	cp, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := strconv.Atoi(strings.Split(string(cp), "\n")[1]); size < 256 || size >= 512 {
		t.Fatalf("the log has %d entries; the cases want one level-1 hash", size)
	}

	flipped0 := func(l string) { flip(t, filepath.Join(l, "tile/0/000"), 32*9) }
	for _, tc := range []struct {
		name   string
		damage func(log string)
		start  string // in serve's refusal
		verify string // in both verify commands' output
		later  bool   // found after start, by the whole check
	}{
		{"DeletedLog", func(l string) { os.RemoveAll(l) }, "holds no log, but the log had published checkpoints", "the log has no checkpoint", false},
		{"RestoredOldLog", func(l string) { os.RemoveAll(l); copyTree(t, old, l) }, "the log was rolled back or deleted", "rolled back", false},
		{"FlippedLevel0Tile", flipped0, "tile/0/000: hash 9 is not the leaf hash of entry 9", "tile/0/000: hash 9 is not the leaf hash of entry 9", true},
		{"FlippedLevel1Tile", func(l string) { flip(t, filepath.Join(l, "tile/1/000.p/1"), 4) }, "tile/1/000.p/1: hash 0 is not the root of tile/0/000", "tile/1/000.p/1: hash 0 is not the root of tile/0/000", false},
		{"FlippedEntryBundleByte", func(l string) { flip(t, filepath.Join(l, "tile/entries/000"), -1) }, "tile/0/000: hash 255 is not the leaf hash of entry 255", "tile/0/000: hash 255 is not the leaf hash of entry 255", true},
		{"TruncatedEntryBundle", func(l string) {
			p := filepath.Join(l, "tile/entries/000")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-7], 0o600)
		}, "tile/entries/000: not an entry bundle (truncated or altered)", "tile/entries/000: not an entry bundle (truncated or altered)", true},
		{"FlippedLevel0TileMarkDeleted", func(l string) { flipped0(l); putMark(t, filepath.Dir(l), nil) },
			"tile/0/000: hash 9 is not the leaf hash of entry 9", "tile/0/000: hash 9 is not the leaf hash of entry 9", false},
		{"FlippedLevel0TileMarkEdited", func(l string) { flipped0(l); editMark(t, filepath.Dir(l), false) },
			"tile/0/000: hash 9 is not the leaf hash of entry 9", "tile/0/000: hash 9 is not the leaf hash of entry 9", false},
		{"FlippedLevel0TileMarkForged", func(l string) { flipped0(l); editMark(t, filepath.Dir(l), true) },
			"tile/0/000: hash 9 is not the leaf hash of entry 9", "tile/0/000: hash 9 is not the leaf hash of entry 9", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, base, dir)
			d := filepath.Join(dir, "data")
			tc.damage(filepath.Join(d, "log"))

			srv, logs, err := serveLogged(t, d)
			switch {
			case tc.later && err != nil:
				t.Fatalf("serve refused to start: %v; want it to start and find the damage after", err)
			case tc.later:
				refusedLater(t, srv, logs, tc.start)
			case err == nil:
				stopServer(t, srv)
				t.Fatal("candor serve started on a damaged log")
			default:
				t.Logf("refused: %v", err)
				if !strings.Contains(err.Error(), tc.start) || !strings.Contains(err.Error(), "refusing to start") {
					t.Errorf("serve refused with %q, want it to say %q", err, tc.start)
				}
			}
			if _, err := os.Stat(filepath.Join(d, "log", "checkpoint")); tc.name == "DeletedLog" && err == nil {
				t.Error("the refused start created a new log")
			}

			for _, args := range [][]string{
				{"audit", "verify-log", "--key", vkey, "--from-checkpoint", saved, filepath.Join(d, "log")},
				{"audit", "verify", "--data", d},
			} {
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), args, &stdout, &stderr)
				if err == nil || !strings.Contains(stdout.String(), "PROBLEM: ") || !strings.Contains(stdout.String(), tc.verify) {
					t.Errorf("candor %s: %v, want a problem saying %q:\n%s%s", args[:2], err, tc.verify, stdout.String(), stderr.String())
				}
			}
		})
	}
	// An operator replaces a damaged log from the store, explicitly: the
	// store holds every entry, so the new log is the same tree.
	t.Run("Recover", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, base, dir)
		d := filepath.Join(dir, "data")
		flip(t, filepath.Join(d, "log", "tile/0/000"), 32*9)
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"audit", "recover", "--data", d}, &stdout, &stderr); err == nil || !strings.Contains(stdout.String(), "PROBLEM: tile/0/000") {
			t.Fatalf("recover without --confirm: %v\n%s", err, stdout.String())
		}
		stdout.Reset()
		if err := run(context.Background(), []string{"audit", "verify", "--data", d}, &stdout, &stderr); err == nil || !strings.Contains(stdout.String(), "PROBLEM: log: tile/0/000") {
			t.Fatalf("recover without --confirm changed something: audit verify: %v\n%s", err, stdout.String())
		}
		out, _ := mustRun(t, "audit", "recover", "--data", d, "--reason", "tile/0/000 damaged on disk", "--confirm")
		if !strings.Contains(out, "moved the old log to") {
			t.Fatalf("recover: %s", out)
		}
		srv, err := serveFor(t, d)
		if err != nil {
			t.Fatalf("serve after recover: %v", err)
		}
		stopServer(t, srv)
		mustRun(t, "audit", "verify", "--data", d)
		mustRun(t, "audit", "verify-log", "--key", vkey, "--from-checkpoint", saved, d)
		if out, _ := mustRun(t, "audit", "recover", "--data", d); !strings.Contains(out, "nothing to recover") {
			t.Errorf("recover on a sound log: %s", out)
		}
	})
	// A new key file in place of the log's: serve refuses to sign with it.
	t.Run("ReplacedKey", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, base, dir)
		d := filepath.Join(dir, "data")
		skey, _, err := note.GenerateKey(rand.Reader, tlog.DefaultOrigin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d+".log.key", []byte(skey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := serveFor(t, d); err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "the key file was replaced") {
			t.Fatalf("serve with a replaced key file: %v", err)
		}
	})
	// audit verify made no key file where there was none.
	t.Run("NoKeyFileCreated", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, base, dir)
		d := filepath.Join(dir, "data")
		if err := os.Remove(d + ".log.key"); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "audit", "verify", "--data", d)
		if _, err := os.Stat(d + ".log.key"); err == nil {
			t.Fatal("audit verify created a log key file")
		}
		if _, err := serveFor(t, d); err == nil || !strings.Contains(err.Error(), "signer key") || !strings.Contains(err.Error(), "is missing") {
			t.Fatalf("serve without the log's key file: %v", err)
		}
		if _, err := os.Stat(d + ".log.key"); err == nil {
			t.Fatal("serve created a new log key file for a log that has published checkpoints")
		}
	})
}

// serveLogged is serveFor with the node's log kept.
func serveLogged(t *testing.T, data string, extra ...string) (*app.Node, *syncBuffer, error) {
	t.Helper()
	cfg := serveConfig(t, data, append([]string{"--purge-every", "0"}, extra...)...)
	logs := new(syncBuffer)
	log := slog.New(slog.NewTextHandler(logs, nil))
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		return nil, logs, err
	}
	return srv, logs, nil
}

// refusedLater waits until srv's background check finds its log damaged,
// saying want, and checks that it then refuses requests (503) but
// /healthz and /metrics, which reports it, and then stops it.
func refusedLater(t *testing.T, srv *app.Node, logs *syncBuffer, want string) {
	t.Helper()
	defer stopServer(t, srv)
	base := "http://" + srv.Addr()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "transparency log damaged") {
		if time.Now().After(deadline) {
			t.Fatalf("no background check found the damage in 30 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), want) {
		t.Errorf("the background check's error does not say %q:\n%s", want, logs.String())
	}
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d, want 503", code)
	}
	if code, body := get("/v1/catalogue"); code != http.StatusServiceUnavailable || !strings.Contains(body, "EUNAVAILABLE") {
		t.Errorf("/v1/catalogue: %d %s, want 503 EUNAVAILABLE", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", code)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "candor_log_check_failed 1") {
		t.Errorf("/metrics: %d, want candor_log_check_failed 1", code)
	}
}

// putMark replaces the store's verified mark of the data dir data (nil:
// deletes it).
func putMark(t *testing.T, data string, raw []byte) {
	t.Helper()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if err := inst.Store.PutMeta(context.Background(), audit.MetaVerified, raw); err != nil {
		t.Fatal(err)
	}
}

// editMark edits the store's verified mark of data: its size, keeping
// the signature, or (forge) its text as it is, signed with a new key for
// the log's origin.
func editMark(t *testing.T, data string, forge bool) {
	t.Helper()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := inst.Store.GetMeta(context.Background(), audit.MetaVerified)
	inst.Close()
	if err != nil || len(raw) == 0 {
		t.Fatalf("no verified mark after a clean stop: %v", err)
	}
	text, _, _ := strings.Cut(string(raw), "\n\n")
	text += "\n"
	if !forge {
		putMark(t, data, []byte(strings.Replace(string(raw), "\nsize ", "\nsize 1", 1)))
		return
	}
	skey, _, err := note.GenerateKey(rand.Reader, tlog.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		t.Fatal(err)
	}
	putMark(t, data, forged)
}

// The commands that check or repair an installation create nothing: not a
// master key beside a mistyped data dir, not an empty store in it.
func TestAuditCommandsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	list := func() []string {
		var names []string
		filepath.WalkDir(dir, func(path string, _ fs.DirEntry, _ error) error {
			names = append(names, path)
			return nil
		})
		return names
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	before := list()
	for _, args := range [][]string{
		{"audit", "verify", "--data", filepath.Join(dir, "mistyped"), "--log-public-key", "x"},
		{"audit", "verify", "--data", empty, "--log-public-key", "x"},
		{"audit", "recover", "--data", empty, "--reason", "test"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "master key") {
			t.Errorf("candor %s: %v; want an error naming the missing master key", strings.Join(args, " "), err)
		}
	}
	// With the key in place, a data dir without a store is named.
	os.WriteFile(empty+".master.key", []byte(base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n"), 0o600)
	before = append(before, empty+".master.key")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--data", empty, "--log-public-key", "x"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "opening "+empty) {
		t.Errorf("audit verify on a data dir without a store: %v", err)
	}
	if after := list(); !slices.Equal(before, after) {
		t.Errorf("files before: %v\nafter: %v", before, after)
	}
}

// TestLogCheckedInBackground checks that a start with the store's verified
// mark does not check the log whole (the first start, with none, does),
// and that the node then checks it whole in the background, as its
// metrics report.
func TestLogCheckedInBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("serves twice")
	}
	data := filepath.Join(t.TempDir(), "data")
	mustRun(t, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	out, _ := mustRun(t, "source", "key", "--data", data, "bank1")
	token := strings.Fields(out)[0]
	srv, logs, err := serveLogged(t, data)
	if err != nil {
		t.Fatal(err)
	}
	postOneByOne(t, srv.Addr(), token, 0, 5)
	stopServer(t, srv)
	if !strings.Contains(logs.String(), "checked_whole=true") {
		t.Errorf("the first start did not check the log whole:\n%s", logs.String())
	}

	srv, logs, err = serveLogged(t, data)
	if err != nil {
		t.Fatal(err)
	}
	defer stopServer(t, srv)
	if !strings.Contains(logs.String(), "checked_whole=false") {
		t.Errorf("a start with a verified mark checked the log whole:\n%s", logs.String())
	}
	whole := regexp.MustCompile(`(?m)^candor_log_whole_check_seconds ([0-9.e-]+)$`)
	verified := regexp.MustCompile(`(?m)^candor_log_verified_entries ([0-9]+)$`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + srv.Addr() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m, v := whole.FindSubmatch(b), verified.FindSubmatch(b)
		if m != nil && string(m[1]) != "0" && v != nil && string(v[1]) != "0" && strings.Contains(string(b), "\ncandor_log_check_failed 0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no whole check reported in 30 s:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "transparency log checked whole") {
		t.Errorf("the background check is not logged:\n%s", logs.String())
	}
}
