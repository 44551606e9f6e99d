package main_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	domain "github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/postgres/pgtest"
)

// TestRestoreReappliesErasuresOnPostgres: a PostgreSQL store restored
// with PostgreSQL's tools (here a copy of the database taken before an
// erasure, with its log dir) holds the erased subject's records, which
// today's keyring, in a database of its own, does not open. candor
// restore --store applies the erasure again from the keyring's ledger —
// refused while a node runs on the restored database — after which the
// subject is gone from it, the other subject is not, and the copy
// passes candor audit verify.
func TestRestoreReappliesErasuresOnPostgres(t *testing.T) {
	store, keyring := pgtest.Database(t), pgtest.Database(t)
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pg := []string{"--store", store, "--keyring", keyring}
	on := func(cmd string, args ...string) []string { // flags before the arguments
		return append(append(append(strings.Fields(cmd), "--data", data), pg...), args...)
	}
	candor(t, bin, on("source add", "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")...)
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
