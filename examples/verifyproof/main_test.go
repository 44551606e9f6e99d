package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// TestAgainstLiveServer runs candor serve, posts a person's facts, reads
// them as the person, and checks a write proof and an access proof the
// server gives with this program alone; a proof with a flipped salt or
// under another key fails. candor audit verify-log checks the live log
// over HTTP with the published key.
func TestAgainstLiveServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs candor; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build candor with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "candor")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/candor").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	candor := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("candor %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	candor("source", "add", "--data", data, "--id", "bank1", "--name", "Bank One", "--kind", "bank", "--types", "credit.*")
	source := strings.Fields(candor("source", "key", "--data", data, "bank1"))[0]

	addr := freeAddr(t)
	srv := serve(t, bin, data, addr)
	var events strings.Builder
	for i := range 3 {
		fmt.Fprintf(&events, `{"id":"ex-%d","subject":{"kind":"person","scheme":"national_id","value":"EX1234567"},"type":"credit.instalment_paid","occurred_at":"2026-0%d-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`+"\n", i, i+1)
	}
	if code, body := do(t, "POST", "http://"+addr+"/v1/events", source, events.String()); code != 200 {
		t.Fatalf("posting: %d %s", code, body)
	}
	stop(t, srv)
	person := candor("subject", "key", "--data", data, "national_id:EX1234567")
	srv = serve(t, bin, data, addr)
	defer stop(t, srv)

	_, vkey := do(t, "GET", "http://"+addr+"/.well-known/candor-log-key", "", "")
	vkey = strings.TrimSpace(vkey)
	if code, body := do(t, "GET", "http://"+addr+"/v1/me/events", person, ""); code != 200 {
		t.Fatalf("reading one's facts: %d %s", code, body)
	}

	// A write proof: wait for the next checkpoint.
	var writes struct {
		Proofs    []json.RawMessage `json:"proofs"`
		NotLogged int               `json:"not_logged_yet"`
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body := do(t, "GET", "http://"+addr+"/v1/me/events/proofs", person, "")
		if err := json.Unmarshal([]byte(body), &writes); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if len(writes.Proofs) == 3 && writes.NotLogged == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write proofs of the 3 facts: %s", body)
		}
	}
	// An access proof: the read of the facts above is record 1.
	var access string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body := do(t, "GET", "http://"+addr+"/v1/me/access/1/proof", person, "")
		if code == 200 {
			access = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access proof: %d %s", code, body)
		}
	}

	check := func(name string, proof []byte, key string) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, proof, 0o600); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		err := run([]string{"-key", key, p}, &out)
		if err == nil && !strings.HasPrefix(out.String(), "OK: commitment ") {
			t.Fatalf("%s: no error and %q", name, out.String())
		}
		return err
	}
	for i, w := range writes.Proofs {
		if err := check(fmt.Sprintf("write-%d.json", i), w, vkey); err != nil {
			t.Errorf("write proof %d: %v\n%s", i, err, w)
		}
	}
	if err := check("access.json", []byte(access), vkey); err != nil {
		t.Errorf("access proof: %v\n%s", err, access)
	}

	// What must fail: another salt, another key.
	var m map[string]any
	json.Unmarshal(writes.Proofs[0], &m)
	m["salt"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	bad, _ := json.Marshal(m)
	if err := check("bad-salt.json", bad, vkey); err == nil || !strings.Contains(err.Error(), "does not hold commitment") {
		t.Errorf("a proof with another salt: %v", err)
	}
	_, other, err := note.GenerateKey(rand.Reader, strings.SplitN(vkey, "+", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := check("other-key.json", []byte(access), other); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("an access proof under another key of the same name: %v", err)
	}

	// The whole live log, as an outsider checks it.
	cmd := exec.Command(bin, "audit", "verify-log", "--key", vkey, "http://"+addr+"/log/")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("audit verify-log over HTTP: %v\n%s", err, out)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func serve(t *testing.T, bin, data, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
	}
	cmd.Process.Kill()
	t.Fatal("candor serve did not become ready")
	return nil
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if cmd.ProcessState != nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("candor serve: %v", err)
	}
}

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
