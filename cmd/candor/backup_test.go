package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	domain "github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

// TestBackupRestoreAndErasure: candor backup copies a running server's
// store and log while a source keeps posting; restored into an empty data
// dir, the copy passes candor audit verify. A backup taken before an
// erasure holds the erased subject's records, which today's keyring does
// not open; restored, the erasure is applied again from the keyring's
// ledger: her records are deleted from the restored copy, which verifies
// whole. No file of any backup or restored data dir holds her identifier
// or her wrapped data key, nor any file of a restored one her subject ID.
func TestBackupRestoreAndErasure(t *testing.T) {
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	keys := []string{"--keyring", data + ".keyring", "--master-key-file", data + ".master.key"}
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")
	bankToken := strings.Fields(candor(t, bin, "source", "key", "--data", data, "bank1"))[0]
	keyFile := writeKeyFile(t, dir, "olga.key", strings.Fields(candor(t, bin, "operator", "key", "--data", data, "olga"))[0])
	const aliceNID = "ZQ7319462"
	when := time.Now().UTC().AddDate(0, -2, 0).Format(time.RFC3339)
	events := filepath.Join(dir, "alice.ndjson")
	var lines []string
	for i, nid := range []string{aliceNID, aliceNID, "XW5550123"} {
		lines = append(lines, fmt.Sprintf(`{"id":"al-%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":%q,"fields":{"account":"ACCT-%d","days_late":45,"amount":"120.50","currency":"EUR"}}`, i, nid, when, i))
	}
	if err := os.WriteFile(events, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, "import", "--data", data, "--source", "bank1", events)
	alice, wrapped := aliceOf(t, data, aliceNID)
	aliceToken := strings.Fields(candor(t, bin, "subject", "key", "--data", data, alice.String()))[0]

	addr := freeAddr(t)
	srv := startServe(t, bin, data, addr)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	server := "http://" + addr
	stop := postWhile(t, addr, bankToken)
	backup := func(to string) {
		t.Helper()
		out := candor(t, bin, "backup", to, "--server", server, "--key-file", keyFile)
		if !strings.Contains(out, "holds no key") {
			t.Errorf("candor backup: %s", out)
		}
	}
	before := filepath.Join(dir, "before")
	backup(before)
	var plan map[string]any
	call(t, http.DefaultClient, "POST", server+"/v1/me/erasure", aliceToken, `{"confirm":true}`, 200, &plan)
	after := filepath.Join(dir, "after")
	backup(after)
	if posted := stop(); posted == 0 {
		t.Error("no batch was posted during the backups")
	}
	srv.Process.Kill()
	srv.Wait()

	restored := map[string]string{}
	for _, b := range []string{before, after} {
		to := b + "-restored"
		out := candor(t, bin, append([]string{"restore", b, "--data", to}, keys...)...)
		if !strings.Contains(out, "restored") {
			t.Errorf("candor restore: %s", out)
		}
		if again := strings.Contains(out, "applied again 1 erasures"); again != (b == before) {
			t.Errorf("candor restore of %s: %s; want her erasure applied again to the backup taken before it, and only there", filepath.Base(b), out)
		}
		restored[b] = to
	}
	// The backup taken after the erasure verifies whole.
	out, err := exec.Command(bin, append([]string{"audit", "verify", "--data", restored[after]}, keys...)...).CombinedOutput()
	if err != nil {
		t.Errorf("audit verify of the restored backup: %v\n%s", err, out)
	}
	// A server starts on it (the log and the store agree).
	log, err := os.Create(filepath.Join(dir, "restored.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	t.Cleanup(func() {
		if t.Failed() {
			raw, _ := os.ReadFile(log.Name())
			t.Logf("the restored server's log:\n%s", raw)
		}
	})
	again := startServeLogging(t, bin, restored[after], freeAddr(t), log, append(keys, "--log-key-file", data+".log.key")...)
	again.Process.Kill()
	again.Wait()
	// The backup taken before it held her records, which no key opens;
	// the restore applied her erasure again, from the keyring's ledger:
	// they are deleted, and the restored copy verifies whole.
	out, err = exec.Command(bin, append([]string{"audit", "verify", "--data", restored[before]}, keys...)...).CombinedOutput()
	if err != nil {
		t.Errorf("audit verify of the backup taken before the erasure, restored: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, append([]string{"score", alice.String(), "--data", restored[before]}, keys...)...).CombinedOutput()
	if err == nil {
		t.Errorf("candor score of the erased subject in the older backup: %s; want her unknown", out)
	}
	if found := filesWith(t, restored[before], alice[:]); len(found) > 0 {
		t.Errorf("the restored older backup still holds her subject ID, in %v", found)
	}
	for _, d := range []string{before, after, restored[before], restored[after], data + ".keyring"} {
		for what, b := range map[string][]byte{"identifier": []byte(aliceNID), "wrapped data key": wrapped} {
			if found := filesWith(t, d, b); len(found) > 0 {
				t.Errorf("%s: the erased subject's %s is in %v", filepath.Base(d), what, found)
			}
		}
	}
	if found := filesWith(t, before, alice[:]); len(found) == 0 {
		t.Error("the backup taken before the erasure does not hold her records: this test proves nothing")
	}
}

// aliceOf opens data (the server stopped) and returns the subject an
// identifier names with her wrapped data key, which it checks is in the
// keyring's files and in none of the data dir's.
func aliceOf(t *testing.T, data, nid string) (domain.SubjectID, []byte) {
	t.Helper()
	id, w := subjectKey(t, app.StoreConfig{Data: data}, nid)
	if found := filesWith(t, data, w); len(found) > 0 {
		t.Fatalf("the data dir holds a wrapped key, in %v", found)
	}
	if found := filesWith(t, data+".keyring", w); len(found) == 0 {
		t.Fatal("no file of the keyring holds her key: the scans prove nothing")
	}
	return id, w
}

// postWhile posts batches as bank1 until the returned stop is called,
// which returns how many were accepted.
func postWhile(t *testing.T, addr, token string) (stop func() int) {
	return postWhileFrom(t, addr, token, 0)
}

// postWhileFrom is postWhile with batches numbered from first, so that a
// second round posts new events rather than duplicates.
func postWhileFrom(t *testing.T, addr, token string, first int) (stop func() int) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	n := first
	wg.Go(func() {
		client := &http.Client{Timeout: 30 * time.Second}
		for ; ; n++ {
			select {
			case <-done:
				return
			default:
			}
			if _, status, err := post(client, addr, token, batch(n, 50)); err != nil || status != 200 {
				t.Errorf("batch %d: %d %v", n, status, err)
				return
			}
		}
	})
	return func() int { close(done); wg.Wait(); return n - first }
}

// filesWith returns the files under dir whose bytes contain b.
func filesWith(t *testing.T, dir string, b []byte) []string {
	t.Helper()
	var found []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile (Pebble deletes obsolete files in the background)
		}
		if err != nil || fi.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil && bytes.Contains(raw, b) {
			found = append(found, strings.TrimPrefix(p, dir+"/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestKeysRotate: after candor keys rotate, with the server stopped, the
// data scores as before, under the new wrapping key (app.TestRotateResumes
// checks the old one is retired and an interrupted rotation resumes).
func TestKeysRotate(t *testing.T) {
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")
	events := filepath.Join(dir, "events.ndjson")
	var b bytes.Buffer
	for i := range 40 {
		fmt.Fprintf(&b, `{"id":"r-%d","subject":{"kind":"person","scheme":"national_id","value":"RT%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`+"\n", i, i)
	}
	if err := os.WriteFile(events, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, "import", "--data", data, "--source", "bank1", events)
	before := candor(t, bin, "score", "national_id:RT0000007", "--data", data)
	if out := candor(t, bin, "keys", "rotate", "--data", data); !strings.Contains(out, "rewrapped 40 data keys") {
		t.Errorf("keys rotate: %s", out)
	}
	if _, err := os.Stat(data + ".master.key.wrap"); err != nil {
		t.Errorf("no wrapping key file: %v", err)
	}
	if after := candor(t, bin, "score", "national_id:RT0000007", "--data", data); after != before {
		t.Errorf("scores changed with the rotation:\n%s\nthen\n%s", before, after)
	}
}

// subjectKey opens the installation cfg names (no node running on it)
// and returns the subject a national ID names with its wrapped data key.
func subjectKey(t *testing.T, cfg app.StoreConfig, nid string) (domain.SubjectID, []byte) {
	t.Helper()
	ctx := context.Background()
	inst, err := app.OpenExisting(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(domain.Identifier{Scheme: domain.NationalID, Value: nid}))
	if err != nil {
		t.Fatal(err)
	}
	w, err := inst.Keyring.SubjectKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return id, w
}
