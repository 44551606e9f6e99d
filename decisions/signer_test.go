package decisions_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestSignDetachedConcurrent: signatures made at once by many goroutines
// (the signing input's buffers are pooled) each verify over their own
// body, and over no other.
func TestSignDetachedConcurrent(t *testing.T) {
	s, err := decisions.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	pub := s.JWKS().Keys[0].Key.(ed25519.PublicKey)
	enc := base64.RawURLEncoding
	verify := func(jws string, body []byte) bool {
		header, sig, ok := strings.Cut(jws, "..")
		raw, err := enc.DecodeString(sig)
		return ok && err == nil && ed25519.Verify(pub, []byte(header+"."+enc.EncodeToString(body)), raw)
	}
	const n = 64
	jws := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			jws[i] = s.SignDetached([]byte(strings.Repeat(string(rune('a'+i%26)), 100+i*13)))
		})
	}
	wg.Wait()
	for i := range n {
		body := []byte(strings.Repeat(string(rune('a'+i%26)), 100+i*13))
		if !verify(jws[i], body) {
			t.Errorf("signature %d does not verify over its body: %s", i, jws[i])
		}
		if verify(jws[i], append(body, 'x')) {
			t.Errorf("signature %d verifies over another body", i)
		}
	}
}
