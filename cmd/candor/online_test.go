package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAdministrationWhileServing: with candor serve running on its
// embedded store, which no other process can open, the CLI administers
// through the API (--server, --key-file): it registers a source and
// issues its key, which posts at once, registers a relying party, lists
// and revokes — while another source keeps posting, none of its requests
// refused, and no restart.
func TestAdministrationWhileServing(t *testing.T) {
	bin := mustBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	candor(t, bin, "source", "add", "--data", data, "--id", "bank1", "--name", "Bank", "--kind", "bank", "--types", "credit.*")
	bankToken := strings.TrimSpace(candor(t, bin, "source", "key", "--data", data, "bank1"))
	bankToken = strings.Fields(bankToken)[0]
	opToken := strings.Fields(candor(t, bin, "operator", "key", "--data", data, "olga"))[0]
	keyFile := filepath.Join(dir, "olga.key")
	if err := os.WriteFile(keyFile, []byte(opToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	srv := startServe(t, bin, data, addr)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	server := "http://" + addr

	// bank1 posts throughout.
	var posted, refused atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 10 * time.Second}
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, status, err := post(client, addr, bankToken, batch(n, 20)); err != nil || status != 200 {
				refused.Add(1)
				t.Errorf("bank1's batch %d: %d %v", n, status, err)
				return
			}
			posted.Add(1)
		}
	}()

	online := func(args ...string) string {
		t.Helper()
		return candor(t, bin, append(args, "--server", server, "--key-file", keyFile)...)
	}
	online("source", "add", "--id", "water1", "--name", "Water", "--kind", "utility", "--types", "utility.*")
	waterToken := strings.Fields(online("source", "key", "water1"))[0]
	bill := fmt.Sprintf(`{"id":"w1","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"utility.bill_paid","occurred_at":%q,"fields":{"service":"water","amount":"30","currency":"EUR"}}`,
		time.Now().UTC().AddDate(0, 0, -2).Format(time.RFC3339))
	if r, status, err := post(http.DefaultClient, addr, waterToken, []byte(bill)); err != nil || status != 200 || r.Accepted != 1 {
		t.Fatalf("the new source's first post: %d %v %+v", status, err, r)
	}
	online("rp", "add", "--id", "landlord1", "--name", "Landlord", "--purposes", "rental")
	rpToken := strings.Fields(online("rp", "key", "landlord1"))[0]
	var notices map[string]any
	call(t, http.DefaultClient, "GET", server+"/v1/notices", rpToken, "", 200, &notices)
	list := online("source", "list")
	waterKey := strings.Split(waterToken, "_")[1]
	if !strings.Contains(list, "water1") || !strings.Contains(list, waterKey) || strings.Contains(list, waterToken) {
		t.Errorf("source list over the API:\n%s", list)
	}
	if out := online("rp", "list"); !strings.Contains(out, "landlord1") {
		t.Errorf("rp list over the API:\n%s", out)
	}
	online("source", "revoke", waterKey)
	if _, status, _ := post(http.DefaultClient, addr, waterToken, []byte(bill)); status != 401 {
		t.Errorf("a key revoked over the API posts: %d, want 401", status)
	}
	approveWhileServing(t, bin, dir, server, online)
	close(stop)
	wg.Wait()
	if posted.Load() == 0 || refused.Load() > 0 {
		t.Errorf("bank1 posted %d batches, %d refused", posted.Load(), refused.Load())
	}

	// Refusals name the problem.
	fail := func(want string, args ...string) {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("candor %s: %v %s; want an error saying %q", strings.Join(args, " "), err, out, want)
		}
	}
	fail("--server needs --key-file", "source", "list", "--server", server)
	os.Chmod(keyFile, 0o644)
	fail("must be private", "source", "list", "--server", server, "--key-file", keyFile)
	os.Chmod(keyFile, 0o600)
	fail("name the subject by its ID", "subject", "key", "national_id:AB1234567", "--server", server, "--key-file", keyFile)
	fail("not found", "source", "revoke", "nokey", "--server", server, "--key-file", keyFile)
	srv.Process.Kill()
	srv.Wait()
	// The matches stored by the activation are in the log's account.
	candor(t, bin, "audit", "verify", "--data", data)
}

// approveWhileServing administers policy through the running server: the
// operator's key (online) bootstraps two administrators, one proposes a
// rental-deposit version 2 and the other approves it; the server then
// serves it within seconds, with no restart.
func approveWhileServing(t *testing.T, bin, dir, server string, online func(args ...string) string) {
	t.Helper()
	alice := writeKeyFile(t, dir, "alice", strings.Fields(online("policy", "key", "alice"))[0])
	bob := writeKeyFile(t, dir, "bob", strings.Fields(online("policy", "key", "bob"))[0])
	as := func(file string, args ...string) string {
		t.Helper()
		return candor(t, bin, append(args, "--server", server, "--key-file", file)...)
	}
	if out := as(alice, "policy", "propose", nextRentalVersion(t, dir)); !strings.Contains(out, "rental-deposit version 2 proposed by alice") {
		t.Errorf("propose over the API:\n%s", out)
	}
	auditRental(t, func(args ...string) string { return as(alice, args...) })
	as(bob, "policy", "approve", "rental-deposit", "2")
	waitServed(t, server, "rental-deposit", 2, time.Now().Add(30*time.Second))
	if out := as(alice, "policy", "list"); !regexp.MustCompile(`rental-deposit\s+2\s+active\s+alice .*bob`).MatchString(out) {
		t.Errorf("policy list over the API after activation:\n%s", out)
	}
	if out := as(bob, "policy", "acts"); !strings.Contains(out, "scorecard_approved") {
		t.Errorf("policy acts over the API:\n%s", out)
	}
}

// writeKeyFile writes token to dir/name.key, readable by its owner only,
// and returns the file's name.
func writeKeyFile(t *testing.T, dir, name, token string) string {
	t.Helper()
	file := filepath.Join(dir, name+".key")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// nextRentalVersion writes the shipped rental-deposit scorecard as
// version 2 into dir and returns the file's name.
func nextRentalVersion(t *testing.T, dir string) string {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("..", "..", "scoring", "scorecards", "rental-deposit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "rental-deposit-2.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(string(shipped), "version: 1", "version: 2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// waitServed waits until the server at base lists version v of
// scorecard id among those it serves, failing the test at deadline.
func waitServed(t *testing.T, base, id string, v int, deadline time.Time) {
	t.Helper()
	type card struct {
		ID      string
		Version int
	}
	for {
		var list struct{ Scorecards []card }
		call(t, http.DefaultClient, "GET", base+"/v1/scorecards", "", "", http.StatusOK, &list)
		if slices.Contains(list.Scorecards, card{id, v}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not serve %s version %d in time: %+v", base, id, v, list.Scorecards)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// auditRental audits rental-deposit version 2 (a rule version for rental,
// which rests on consent, so approved only once audited) with the rule
// sample of policy/testdata, running candor with the given flags.
func auditRental(t *testing.T, run func(args ...string) string, flags ...string) {
	t.Helper()
	fixture := func(name string) string { return filepath.Join("..", "..", "policy", "testdata", name) }
	out := run(append([]string{"policy", "audit", "rental-deposit", "2", "--sample", fixture("rental-audit-sample.csv"),
		"--protected", fixture("rental-audit-protected.csv")}, flags...)...)
	if !strings.Contains(out, "Fairness audit of rental-deposit version 2") {
		t.Fatalf("policy audit of the rule version:\n%s", out)
	}
}
