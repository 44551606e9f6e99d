package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	domain "github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/vault"
)

// rotationSubjects is how many subjects the store holds before the
// rotations (the clients add more while they run).
const rotationSubjects = 1500

// TestOnlineKeyRotation: candor keys rotate --server rewraps every data
// key on a running server while a source posts batches (new subjects
// among them), a subject reads her facts and a relying party asks for
// decisions, without one failed request; the CLI prints the progress and
// /metrics exports it. A second rotation, paced, is cut short by a
// SIGKILL of the server: the restarted server goes on from where it
// stopped (counted on, not from zero) and the command run again sees it
// through. Afterwards every subject's key opens (audit verify), scores
// are unchanged, and neither retired wrapping key opens any key.
func TestOnlineKeyRotation(t *testing.T) {
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")
	bankToken := strings.Fields(candor(t, bin, "source", "key", "--data", data, "bank1"))[0]
	opKey := writeKeyFile(t, dir, "olga.key", strings.Fields(candor(t, bin, "operator", "key", "--data", data, "olga"))[0])
	candor(t, bin, "rp", "add", "--data", data, "--id", "landlord1", "--name", "Landlord One", "--purposes", "rental")
	rpToken := strings.Fields(candor(t, bin, "rp", "key", "--data", data, "landlord1"))[0]
	events := filepath.Join(dir, "events.ndjson")
	var b bytes.Buffer
	when := time.Now().UTC().AddDate(0, -1, 0).Format(time.RFC3339)
	for i := range rotationSubjects {
		fmt.Fprintf(&b, `{"id":"r-%d","subject":{"kind":"person","scheme":"national_id","value":"RT%07d"},"type":"credit.instalment_paid","occurred_at":%q,"fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`+"\n", i, i, when)
	}
	if err := os.WriteFile(events, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, "import", "--data", data, "--source", "bank1", events)
	scoreBefore := candor(t, bin, "score", "national_id:RT0000007", "--data", data)
	person := strings.Fields(candor(t, bin, "subject", "key", "--data", data, "national_id:RT0000007"))[0]

	logs, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	addr := freeAddr(t)
	server := "http://" + addr
	srv := startServeLogging(t, bin, data, addr, logs)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	client := &http.Client{Timeout: 30 * time.Second}
	var consent struct{ Code string }
	call(t, client, "POST", server+"/v1/me/consents", person, `{"relying_party":"landlord1","purpose":"rental"}`, http.StatusCreated, &consent)

	// First rotation while the clients work, paced so that it lasts a
	// second or two and they work during it.
	stop := workWhile(t, client, addr, bankToken, person, rpToken, consent.Code)
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, "keys", "rotate", "--server", server, "--key-file", opKey, "--keys-per-second", "1000")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "rewrapped") || !strings.Contains(errOut.String(), "data keys rewrapped") {
		t.Fatalf("keys rotate --server: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	posted, reads := stop()
	if posted == 0 || reads == 0 {
		t.Errorf("the clients did nothing during the rotation (%d batches, %d reads and decisions): it proves nothing", posted, reads)
	}
	if metrics := scrape(t, client, server); !strings.Contains(metrics, "candor_key_rotation_keys_done") || !strings.Contains(metrics, "candor_key_rotation_running 0") {
		t.Errorf("/metrics exports no rotation progress:\n%s", metrics)
	}
	firstWrap, err := os.ReadFile(data + ".master.key.wrap")
	if err != nil {
		t.Fatalf("no wrapping key file after the first rotation: %v", err)
	}

	// Second rotation, paced, cut short by a SIGKILL.
	began := time.Now()
	cut := exec.Command(bin, "keys", "rotate", "--server", server, "--key-file", opKey, "--keys-per-second", "400")
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	killedAt := waitRotated(t, client, server, opKey, began, 200)
	srv.Process.Kill()
	srv.Wait()
	if cut.Wait() == nil {
		t.Error("keys rotate --server succeeded though its server was killed mid-way")
	}
	if _, err := os.Stat(data + ".master.key.wrap.next.progress"); err != nil {
		t.Fatalf("no rotation progress kept at the kill: %v", err)
	}
	srv = startServeLogging(t, bin, data, addr, logs)
	var st httpapi.KeyRotation
	call(t, client, "GET", server+"/v1/admin/key-rotation", fileText(t, opKey), "", http.StatusOK, &st)
	if st.State == httpapi.RotationIdle || st.Done < killedAt {
		t.Errorf("after the restart the rotation is %s at %d keys; it stopped at %d and should go on from there", st.State, st.Done, killedAt)
	}
	out.Reset()
	cmd = exec.Command(bin, "keys", "rotate", "--server", server, "--key-file", opKey)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "rewrapped") {
		t.Fatalf("keys rotate --server after the restart: %v\n%s", err, out.String())
	}
	if !strings.Contains(fileText(t, logs.Name()), "going on with the rotation") {
		t.Error("the restarted server did not say it went on with the rotation")
	}
	srv.Process.Signal(os.Interrupt)
	srv.Wait()

	auditVerify(t, bin, data) // every subject's key opens, every commitment accounted for
	if after := candor(t, bin, "score", "national_id:RT0000007", "--data", data); after != scoreBefore {
		t.Errorf("the score changed with the rotations:\n%s\nthen\n%s", scoreBefore, after)
	}
	retiredOpenNothing(t, data, firstWrap)
}

// workWhile posts batches as bank (new subjects among them), reads the
// person's facts and asks for decisions on her consent, in a loop each,
// until stop; any failed request fails the test. stop returns the
// batches posted and the reads and decisions answered.
func workWhile(t *testing.T, client *http.Client, addr, bank, person, rp, consent string) (stop func() (int, int)) {
	return workOn(t, client, addr, bank, person, rp, consent, func(n int) []byte { return batch(n, 20) })
}

// workOn is workWhile posting the batches batches returns.
func workOn(t *testing.T, client *http.Client, addr, bank, person, rp, consent string, batches func(n int) []byte) (stop func() (int, int)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var posted, reads atomic.Int64
	wg.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			default:
			}
			if _, status, err := post(client, addr, bank, batches(n)); err != nil || status != 200 {
				t.Errorf("batch %d: %d %v", n, status, err)
				return
			}
			posted.Add(1)
		}
	})
	body := fmt.Sprintf(`{"consent":%q,"purpose":"rental","benefit":"deposit_waived"}`, consent)
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			var facts map[string]any
			call(t, client, "GET", "http://"+addr+"/v1/me/events", person, "", http.StatusOK, &facts)
			var d struct{ Outcome string }
			call(t, client, "POST", "http://"+addr+"/v1/decisions", rp, body, http.StatusOK, &d)
			if t.Failed() {
				return
			}
			if d.Outcome == "" {
				t.Error("a decision without an outcome")
				return
			}
			reads.Add(1)
		}
	})
	return func() (int, int) { close(done); wg.Wait(); return int(posted.Load()), int(reads.Load()) }
}

// waitRotated waits until the server's rotation started after began has
// rewrapped at least n keys and returns how many.
func waitRotated(t *testing.T, client *http.Client, server, opKey string, began time.Time, n int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var st httpapi.KeyRotation
		call(t, client, "GET", server+"/v1/admin/key-rotation", fileText(t, opKey), "", http.StatusOK, &st)
		if st.State == httpapi.RotationRunning && st.Done >= n && st.Done < st.Total {
			return st.Done
		}
		if st.State == httpapi.RotationDone && st.StartedAt != nil && st.StartedAt.After(began) {
			t.Fatalf("the paced rotation finished before it could be cut short: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the rotation did not get going")
	return 0
}

// retiredOpenNothing checks that neither the master key's own wrapping
// key (before the first rotation) nor the first rotation's (firstWrap)
// opens any data key, and that the current one opens every one.
func retiredOpenNothing(t *testing.T, data string, firstWrap []byte) {
	t.Helper()
	ctx := context.Background()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	master, err := vault.LoadKey(data + ".master.key")
	if err != nil {
		t.Fatal(err)
	}
	older := filepath.Join(t.TempDir(), "first.wrap")
	if err := os.WriteFile(older, firstWrap, 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := vault.LoadKey(older)
	if err != nil {
		t.Fatal(err)
	}
	firstKEK, _ := vault.DeriveWrapKey(first)
	byMaster, _ := vault.New(master, inst.Keyring)
	byFirst, _ := vault.New(master, inst.Keyring)
	byFirst.UseWrapKeys(firstKEK)
	keys := 0
	for w, err := range inst.Keyring.SubjectKeys(ctx, domain.SubjectID{}) {
		if err != nil {
			t.Fatal(err)
		}
		keys++
		if _, err := inst.Vault.OpenSubjectKey(w.Subject, w.Wrapped); err != nil {
			t.Fatalf("the key of %s does not open under the current wrapping key: %v", w.Subject, err)
		}
		for name, v := range map[string]*vault.Vault{"the master key's": byMaster, "the first rotation's": byFirst} {
			if _, err := v.OpenSubjectKey(w.Subject, w.Wrapped); err == nil {
				t.Fatalf("the key of %s opens under %s retired wrapping key", w.Subject, name)
			}
		}
	}
	if keys <= rotationSubjects {
		t.Errorf("%d keys in the keyring; want the %d imported and those the source's batches added", keys, rotationSubjects)
	}
}

// scrape returns the server's /metrics.
func scrape(t *testing.T, client *http.Client, server string) string {
	t.Helper()
	resp, err := client.Get(server + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

// fileText returns the text of a file, trimmed.
func fileText(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}

// dying is a store whose process dies, as far as an erasure can tell,
// when it commits one: after the key was shredded, before the commit.
type dying struct{ domain.Store }

func (d dying) Commit(ctx context.Context, b *domain.WriteBatch) (uint64, error) {
	if len(b.Erase) > 0 {
		return 0, domain.Errorf(domain.EUNAVAILABLE, "killed")
	}
	return d.Store.Commit(ctx, b)
}

// TestServeFinishesErasureCutShort: an erasure cut short between the
// shredding of the key and its commit leaves the subject stored; candor
// serve finishes it at its start, and the store passes audit verify.
func TestServeFinishesErasureCutShort(t *testing.T) {
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")
	var b bytes.Buffer
	for i := range 5 {
		fmt.Fprintf(&b, `{"id":"e-%d","subject":{"kind":"person","scheme":"national_id","value":"ER%07d"},"type":"credit.instalment_paid","occurred_at":"2026-03-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`+"\n", i, i%2)
	}
	events := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(events, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	candor(t, bin, "import", "--data", data, "--source", "bank1", events)
	alice, _ := aliceOf(t, data, "ER0000000")

	ctx := context.Background()
	inst, err := app.OpenExisting(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cut := erasure.New(erasure.Config{Store: dying{inst.Store}, Vault: inst.Vault, Catalogue: inst.Catalogue})
	if _, err := cut.Erase(ctx, alice); err == nil {
		t.Fatal("the erasure into a dying store succeeded")
	}
	if _, err := inst.Store.Subject(ctx, alice); err != nil {
		t.Fatalf("she is gone though the commit never happened: %v; the test proves nothing", err)
	}
	inst.Close()

	logs, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	srv := startServeLogging(t, bin, data, freeAddr(t), logs)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(fileText(t, logs.Name()), "erasures cut short") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	srv.Process.Signal(os.Interrupt)
	srv.Wait()
	if l := fileText(t, logs.Name()); !strings.Contains(l, "erasures cut short") || !strings.Contains(l, `"done":1`) {
		t.Errorf("the server did not say it finished the erasure:\n%s", l)
	}
	if inst, err = app.OpenExisting(app.StoreConfig{Data: data}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	_, err = inst.Store.Subject(ctx, alice)
	inst.Close()
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("after the restart she is still stored: %v", err)
	}
	auditVerify(t, bin, data)
}
