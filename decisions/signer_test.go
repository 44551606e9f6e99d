package decisions_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/decisions"
)

func TestDecisionKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "candor-data.decision.key")
	a, err := decisions.LoadOrCreateSigner(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", fi, err)
	}
	b, err := decisions.LoadOrCreateSigner(path)
	if err != nil || b.KeyID() != a.KeyID() || a.SignDetached([]byte("x")) != b.SignDetached([]byte("x")) {
		t.Fatalf("reloaded: %v, key %s, want %s", err, b.KeyID(), a.KeyID())
	}
	os.Chmod(path, 0o644)
	if _, err := decisions.LoadOrCreateSigner(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file others may read: %v", err)
	}
	// A P-256 key (the credential issuer's) is not a decision key.
	p256 := filepath.Join(t.TempDir(), "issuer.key")
	if _, err := credentials.LoadOrCreateKey(p256); err != nil {
		t.Fatal(err)
	}
	if _, err := decisions.LoadOrCreateSigner(p256); err == nil || !strings.Contains(err.Error(), "not an Ed25519 key") {
		t.Errorf("a P-256 key: %v", err)
	}
}
