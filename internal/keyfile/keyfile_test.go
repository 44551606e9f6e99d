package keyfile_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor/internal/keyfile"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	if _, err := keyfile.Read(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want fs.ErrNotExist", err)
	}
	os.WriteFile(path, []byte("secret\n"), 0o600)
	if data, err := keyfile.Read(path); err != nil || string(data) != "secret\n" {
		t.Fatalf("got %q, %v", data, err)
	}
	for _, mode := range []fs.FileMode{0o640, 0o604, 0o666} {
		os.Chmod(path, mode)
		if _, err := keyfile.Read(path); err == nil || !strings.Contains(err.Error(), "lets others read it; chmod 600 it") {
			t.Errorf("mode %v: %v", mode, err)
		}
	}
}

func TestCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "k")
	if err := keyfile.Create(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if err := keyfile.Create(path, []byte("second")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("replacing a key file: %v, want fs.ErrExist", err)
	}
	if data, err := keyfile.Read(path); err != nil || string(data) != "first" {
		t.Fatalf("got %q, %v; want the first key kept", data, err)
	}
}

func TestLoadOrCreatePKCS8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	generated := 0
	gen := func() (any, error) {
		generated++
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	k1, err := keyfile.LoadOrCreatePKCS8(path, gen)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := keyfile.LoadOrCreatePKCS8(path, gen)
	if err != nil {
		t.Fatal(err)
	}
	if generated != 1 || !k1.(ed25519.PrivateKey).Equal(k2) {
		t.Fatalf("generated %d keys, same key read back: %v; want one key, kept", generated, k1.(ed25519.PrivateKey).Equal(k2))
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := keyfile.LoadOrCreatePKCS8(bad, gen); err == nil || !strings.Contains(err.Error(), "not a PEM private key") {
		t.Fatalf("a file that is not PEM: %v", err)
	}
}
