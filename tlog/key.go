package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-project/candor/internal/keyfile"
	"golang.org/x/mod/sumdb/note"
)

// loadOrCreateKey reads the log's signer key from path, or creates the file
// with a fresh Ed25519 key named origin and mode 0600 if it does not exist
// and create is set.
// The file holds one line, the signer key in the format of
// golang.org/x/mod/sumdb/note ("PRIVATE+KEY+<origin>+<hash>+<key>"). It
// refuses a key file that others may read, or whose key is named for
// another origin: a log's identity is its origin and key together.
func loadOrCreateKey(path, origin string, create bool) (note.Signer, string, error) {
	data, err := keyfile.Read(path)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, "", fmt.Errorf("tlog: signer key %s is missing: this log has published checkpoints with its key, and a new key would sign a new history; restore the key file", path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKey(path, origin)
	}
	if err != nil {
		return nil, "", fmt.Errorf("tlog: signer key: %w", err)
	}
	skey := strings.TrimSpace(string(data))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("tlog: signer key %s: not a note signer key", path)
	}
	if signer.Name() != origin {
		return nil, "", fmt.Errorf("tlog: signer key %s is for origin %q, not %q: a new origin is a new log, with a new key file", path, signer.Name(), origin)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, "", fmt.Errorf("tlog: signer key %s: %w", path, err)
	}
	return signer, vkey, nil
}

func createKey(path, origin string) ([]byte, error) {
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("origin %q: %w", origin, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return []byte(skey), nil
}

// verifierKey derives the public verifier key from a note signer key of
// type Ed25519 ("PRIVATE+KEY+<name>+<hash>+base64(0x01 || seed)").
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5) // the base64 key may hold "+"
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("not a note signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 note signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// ReadVerifierKey returns the verifier key of the signer key file at path,
// which it only reads: it never creates one.
func ReadVerifierKey(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	vkey, err := verifierKey(strings.TrimSpace(string(data)))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return vkey, nil
}
