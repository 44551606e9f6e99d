package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
)

// TestPolicyAdministrators runs the two-person rule on administrators'
// keys from the command line, and the attack: anyone with the data dir
// mints mallory and approves alone, unseen.
func TestPolicyAdministrators(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	fail := func(text string, args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append(args, "--data", data), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), text) {
			t.Fatalf("candor %s: %v; want an error saying %q", strings.Join(args, " "), err, text)
		}
	}
	// key mints a key (with the key file by, if not empty) and returns the
	// file holding it and its ID.
	key := func(name, by string) (file, id string) {
		t.Helper()
		args := []string{"policy", "key", "--data", data, name}
		if by != "" {
			args = append(args, "--key-file", by)
		}
		out, _ := mustRun(t, args...)
		file = filepath.Join(dir, strings.TrimSpace(name)+".key")
		os.WriteFile(file, []byte(strings.TrimSpace(out)), 0o600)
		id, _ = candor.TokenKeyID(strings.TrimSpace(out))
		return file, id
	}
	alice, _ := key("alice", "")
	fail("alice is an administrator already", "policy", "key", "ALICE ")
	bob, _ := key("Bob", "")
	fail("bootstrapped already", "policy", "key", "mallory")

	shipped, err := os.ReadFile("../../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := filepath.Join(dir, "rental-deposit-v2.yaml")
	os.WriteFile(v2, bytes.Replace(shipped, []byte("version: 1"), []byte("version: 2"), 1), 0o644)
	mustRun(t, "policy", "propose", "--data", data, v2, "--key-file", alice)
	auditRental(t, func(args ...string) string { out, _ := mustRun(t, args...); return out }, "--data", data, "--key-file", alice)

	// Alice asks for a key for "mallory" and tries to approve it, or her
	// own proposal with it, alone.
	mallory, malloryID := key("mallory", alice)
	fail("awaits a second administrator's approval", "policy", "approve", "rental-deposit", "2", "--key-file", mallory)
	fail("cannot also approve it", "policy", "approve-key", malloryID, "--key-file", alice)
	fail("awaits", "policy", "approve-key", malloryID, "--key-file", mallory)
	// Under another spelling of her name, approved by bob, she is still alice.
	alice2, alice2ID := key(" ALICE", alice)
	mustRun(t, "policy", "approve-key", "--data", data, alice2ID, "--key-file", bob)
	fail("cannot also approve it", "policy", "approve", "rental-deposit", "2", "--key-file", alice2)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"source", "revoke", "--data", data, alice2ID}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "policy revoke-key") {
		t.Fatalf("candor source revoke of an administrator's key: %v", err)
	}

	// With the data dir alone: a key written into the store.
	st, err := pebble.Open(data, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	token, direct := candor.NewAPIKey(candor.RolePolicyAdmin, "eve", time.Now())
	if err := st.PutKey(context.Background(), direct); err != nil {
		t.Fatal(err)
	}
	st.Close()
	eve := filepath.Join(dir, "eve.key")
	os.WriteFile(eve, []byte(token), 0o600)
	fail("was not minted by an administrative act", "policy", "approve", "rental-deposit", "2", "--key-file", eve)
	fail("was not minted by an administrative act", "policy", "approve-key", malloryID, "--key-file", eve)

	// A second administrator, seen: every act is listed and logged.
	out, _ := mustRun(t, "policy", "approve", "--data", data, "rental-deposit", "2", "--key-file", bob)
	if !strings.Contains(out, "approved by bob and active") {
		t.Fatalf("approve:\n%s", out)
	}
	out, _ = mustRun(t, "policy", "acts", "--data", data)
	for _, want := range []string{"key_bootstrapped", " of alice", " of bob", "key_requested", "key " + malloryID + " of mallory",
		"key_approved", "scorecard_proposed", "scorecard_audited", "scorecard_approved", "bob (", "rental-deposit v2"} {
		if !strings.Contains(out, want) {
			t.Errorf("policy acts does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "eve") {
		t.Errorf("eve's key is listed as if an act minted it:\n%s", out)
	}
	// The CLI records acts offline; a server's start logs them.
	srv, err := serveFor(t, data)
	if err != nil {
		t.Fatal(err)
	}
	stopServer(t, srv)
	if out, _ := mustRun(t, "audit", "verify", "--data", data); !strings.Contains(out, "OK") {
		t.Fatalf("audit verify:\n%s", out)
	}
}
