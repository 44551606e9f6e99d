package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	domain "github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/postgres/pgtest"
)

// pgInstallation makes an installation on a database of its own, with
// its keyring in another, and the source bank1. It returns the two
// databases' URLs, the binary, a directory for the test, the data dir,
// the flags naming the databases, and on, which makes a command line of
// a subcommand on the installation (flags before the arguments).
func pgInstallation(t *testing.T) (store, keyring, bin, dir, data string, pg []string, on func(cmd string, args ...string) []string) {
	store, keyring = pgtest.Database(t), pgtest.Database(t)
	bin = mustBinary(t)
	dir = t.TempDir()
	data = filepath.Join(dir, "data")
	pg = []string{"--store", store, "--keyring", keyring}
	on = func(cmd string, args ...string) []string {
		return append(append(append(strings.Fields(cmd), "--data", data), pg...), args...)
	}
	candor(t, bin, on("source add", "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")...)
	return store, keyring, bin, dir, data, pg, on
}

// TestRestoreReappliesErasuresOnPostgres: a PostgreSQL store restored
// with PostgreSQL's tools (here a copy of the database taken before an
// erasure, with its log dir) holds the erased subject's records, which
// today's keyring, in a database of its own, does not open. candor
// restore --store applies the erasure again from the keyring's ledger —
// refused while a node runs on the restored database — after which the
// subject is gone from it, the other subject is not, and the copy
// passes candor audit verify.
func TestRestoreReappliesErasuresOnPostgres(t *testing.T) {
	store, keyring, bin, dir, data, pg, on := pgInstallation(t)
	when := time.Now().UTC().AddDate(0, -2, 0).Format(time.RFC3339)
	var lines []string
	for i, nid := range []string{"ZQ7319462", "ZQ7319462", "XW5550123"} {
		lines = append(lines, fmt.Sprintf(`{"id":"al-%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":%q,"fields":{"account":"ACCT-%d","days_late":45,"amount":"120.50","currency":"EUR"}}`, i, nid, when, i))
	}
	events := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(events, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, on("import", "--source", "bank1", events)...)
	cfg := app.StoreConfig{Data: data, Store: store, Keyring: keyring}
	alice, _ := subjectKey(t, cfg, "ZQ7319462")
	bob, _ := subjectKey(t, cfg, "XW5550123")
	aliceToken := strings.Fields(candor(t, bin, on("subject key", alice.String())...))[0]

	// The backup: the database copied and the log dir with it, while no
	// node runs.
	restoredDB := pgtest.Copy(t, store)
	restoredData := filepath.Join(dir, "restored")
	if out, err := exec.Command("cp", "-a", data, restoredData).CombinedOutput(); err != nil {
		t.Fatalf("copy the log dir: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	srv := startServe(t, bin, data, addr, pg...)
	var plan map[string]any
	call(t, http.DefaultClient, "POST", "http://"+addr+"/v1/me/erasure", aliceToken, `{"confirm":true}`, 200, &plan)
	srv.Process.Signal(os.Interrupt)
	srv.Wait()

	restored := []string{"--data", restoredData, "--store", restoredDB, "--keyring", keyring, "--master-key-file", data + ".master.key"}
	running := startServe(t, bin, restoredData, freeAddr(t), append(restored[2:], "--log-key-file", data+".log.key")...)
	out, err := exec.Command(bin, append([]string{"restore"}, restored...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "a node is running on this database") {
		t.Errorf("candor restore --store with a node running on it: %v\n%s\nwant it refused", err, out)
	}
	running.Process.Signal(os.Interrupt)
	running.Wait()
	if out := candor(t, bin, append([]string{"restore"}, restored...)...); !strings.Contains(out, "applied again 1 erasures") {
		t.Errorf("candor restore --store: %s; want her erasure applied again", out)
	}
	if out := candor(t, bin, append([]string{"restore"}, restored...)...); !strings.Contains(out, "applied again 0 erasures") {
		t.Errorf("candor restore --store, a second time: %s; want nothing left to apply", out)
	}
	if out, err := exec.Command(bin, append([]string{"audit", "verify"}, restored...)...).CombinedOutput(); err != nil {
		t.Errorf("audit verify of the restored database: %v\n%s", err, out)
	}
	inst, err := app.OpenExisting(app.StoreConfig{Data: restoredData, Store: restoredDB, Keyring: keyring, MasterKeyFile: data + ".master.key"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if _, err := inst.Store.Subject(context.Background(), alice); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("the erased subject in the restored database: %v, want ENOTFOUND", err)
	}
	if _, err := inst.Store.Subject(context.Background(), bob); err != nil {
		t.Errorf("the other subject in the restored database: %v", err)
	}
}

// TestBackupRestoreOnPostgres: on PostgreSQL, candor backup copies the
// running server's transparency log, online, while a source posts, with
// a manifest saying it holds the log only; the database's copy is taken
// after more events were posted and logged. candor restore DIR --store
// refuses a database older than the log's copy (events the log proves
// were recorded are missing from it), naming the problem, and leaves the
// log directory empty; with the newer database it appends again what the
// database recorded as logged since the copy, after which the restored
// log is the original one (same size and root), candor audit verify
// passes and a node starts on it. A second node, which does not append
// to the log, refuses to back it up.
func TestBackupRestoreOnPostgres(t *testing.T) {
	store, keyring, bin, dir, data, pg, on := pgInstallation(t)
	bankToken := strings.Fields(candor(t, bin, on("source key", "bank1")...))[0]
	keyFile := writeKeyFile(t, dir, "olga.key", strings.Fields(candor(t, bin, on("operator key", "olga")...))[0])
	serve := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		return startServe(t, bin, data, addr, pg...), addr
	}
	stopServe := func(srv *exec.Cmd) {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}

	// A database copy older than the log's backup.
	srv, addr := serve()
	stop := postWhileFrom(t, addr, bankToken, 0)
	time.Sleep(500 * time.Millisecond)
	stop()
	stopServe(srv)
	olderDB := pgtest.Copy(t, store)

	// The log's backup, online, while the source posts; then more events,
	// logged, before the database's copy.
	srv, addr = serve()
	stop = postWhileFrom(t, addr, bankToken, 100_000)
	time.Sleep(300 * time.Millisecond)
	otherAddr := freeAddr(t)
	other := startServe(t, bin, data, otherAddr, pg...)
	out, err := exec.Command(bin, "backup", filepath.Join(dir, "refused"), "--server", "http://"+otherAddr, "--key-file", keyFile).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "does not append to the transparency log") {
		t.Errorf("candor backup from a node that does not append: %v\n%s\nwant it refused, saying so", err, out)
	}
	stopServe(other)
	backup := filepath.Join(dir, "backup")
	start := time.Now()
	if out := candor(t, bin, "backup", backup, "--server", "http://"+addr, "--key-file", keyFile); !strings.Contains(out, "transparency log only") {
		t.Errorf("candor backup on PostgreSQL: %s; want it to say it holds the log only", out)
	}
	took := time.Since(start)
	time.Sleep(time.Second)
	if posted := stop(); posted == 0 {
		t.Error("no batch was posted during the backup")
	}
	stopServe(srv)
	newerDB := pgtest.Copy(t, store)
	m := readManifest(t, backup)
	if !m.LogOnly || m.StoreKind != app.StoreKindPostgres || m.LogSize == 0 || m.Checkpoint == "" {
		t.Errorf("manifest %+v: want the log only, of a postgres store, with its size and checkpoint", m)
	}
	if _, err := os.Stat(filepath.Join(backup, "store")); err == nil {
		t.Error("the log's backup holds a store/ directory")
	}
	origSize, origRoot := checkpointOf(t, app.LogDir(data))
	if origSize <= m.LogSize {
		t.Fatalf("the original log has %d entries, the backup %d: nothing was logged after it, and this test proves nothing", origSize, m.LogSize)
	}

	t.Logf("the log's backup: %d entries, %d files, in %v under ingest; the original log when the database was copied: %d", m.LogSize, m.Files, took.Round(time.Millisecond), origSize)
	restoredData := filepath.Join(dir, "restored")
	restore := func(db string) ([]byte, error) {
		return exec.Command(bin, "restore", "--data", restoredData, "--store", db, "--keyring", keyring,
			"--master-key-file", data+".master.key", "--log-key-file", data+".log.key", backup).CombinedOutput()
	}
	out, err = restore(olderDB)
	if err == nil || !strings.Contains(string(out), "the database is older than the log's copy") {
		t.Errorf("candor restore with a database older than the log's backup: %v\n%s\nwant it refused, saying so", err, out)
	}
	if entries, _ := os.ReadDir(app.LogDir(restoredData)); len(entries) > 0 {
		t.Errorf("a refused restore left %d files in the log directory", len(entries))
	}

	out, err = restore(newerDB)
	if err != nil {
		t.Fatalf("candor restore with the newer database: %v\n%s", err, out)
	}
	var appended int
	_, said, _ := strings.Cut(string(out), "appended again ")
	if _, err := fmt.Sscanf(said, "%d entries", &appended); err != nil || uint64(appended) != origSize-m.LogSize {
		t.Errorf("candor restore: %s\nwant %d entries appended again", out, origSize-m.LogSize)
	}
	if size, root := checkpointOf(t, app.LogDir(restoredData)); size != origSize || root != origRoot {
		t.Errorf("the restored log: %d entries, root %s; the original: %d, %s", size, root, origSize, origRoot)
	}
	restored := []string{"--data", restoredData, "--store", newerDB, "--keyring", keyring, "--master-key-file", data + ".master.key"}
	if out, err := exec.Command(bin, append([]string{"audit", "verify"}, restored...)...).CombinedOutput(); err != nil {
		t.Errorf("audit verify of the restored installation: %v\n%s", err, out)
	}
	stopServe(startServe(t, bin, restoredData, freeAddr(t), append(restored[2:], "--log-key-file", data+".log.key")...))
}

// readManifest reads the manifest of the backup in dir.
func readManifest(t *testing.T, dir string) app.Manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "backup.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m app.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkpointOf returns the size and root hash (base64) of the checkpoint
// in the log directory dir.
func checkpointOf(t *testing.T, dir string) (uint64, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 4)
	if len(lines) < 4 {
		t.Fatalf("checkpoint %q", raw)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("checkpoint %q: %v", raw, err)
	}
	return size, lines[2]
}
