package pebble_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/storetest"
)

func TestKeyring(t *testing.T) {
	storetest.RunKeyring(t, func(t *testing.T, dir string) candor.Keyring {
		k, err := pebble.OpenKeyring(dir, pebble.Options{})
		if err != nil {
			t.Fatalf("OpenKeyring: %v", err)
		}
		return k
	})
}

// filesHolding returns the files under dir whose bytes contain b.
func filesHolding(t *testing.T, dir string, b []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, b) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestKeyringDeleteLeavesNoBytes: once DeleteSubjectKey returns, no file of
// the keyring's directory holds the wrapped key, whether the key was still
// in the memtable and WAL or already in a table; the other keys stay.
func TestKeyringDeleteLeavesNoBytes(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	k, err := pebble.OpenKeyring(dir, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	mk := func() candor.WrappedKey {
		w := make([]byte, 60)
		rand.Read(w)
		return candor.WrappedKey{Subject: candor.NewSubjectID(), Wrapped: w}
	}
	var keys []candor.WrappedKey
	for range 200 {
		keys = append(keys, mk())
	}
	if err := k.PutSubjectKeys(ctx, keys[:100]); err != nil {
		t.Fatal(err)
	}
	// Half in tables (a first deletion flushes them), half in the WAL only.
	if err := k.DeleteSubjectKey(ctx, keys[0].Subject); err != nil {
		t.Fatal(err)
	}
	if err := k.PutSubjectKeys(ctx, keys[100:]); err != nil {
		t.Fatal(err)
	}
	for _, w := range []candor.WrappedKey{keys[0], keys[50], keys[150]} {
		if got := filesHolding(t, dir, w.Wrapped); w.Subject != keys[0].Subject && len(got) == 0 {
			t.Fatalf("no file holds a stored key: the scan cannot see keys")
		}
		if err := k.DeleteSubjectKey(ctx, w.Subject); err != nil {
			t.Fatal(err)
		}
		if got := filesHolding(t, dir, w.Wrapped); len(got) > 0 {
			t.Errorf("after deleting %s, its wrapped key is still in %s", w.Subject, strings.Join(got, ", "))
		}
	}
	got, err := k.SubjectKey(ctx, keys[51].Subject)
	if err != nil || !bytes.Equal(got, keys[51].Wrapped) {
		t.Fatalf("a key not deleted: %x, %v", got, err)
	}
}

// TestKeyringApart: a keyring does not open a store's directory, nor a
// store a keyring's.
func TestKeyringApart(t *testing.T) {
	data := t.TempDir()
	MustOpen(t, data).Close()
	if k, err := pebble.OpenKeyring(data, pebble.Options{}); err == nil || !strings.Contains(err.Error(), "not a Candor keyring") {
		if k != nil {
			k.Close()
		}
		t.Errorf("OpenKeyring on a store: %v", err)
	}
	kdir := t.TempDir()
	k, err := pebble.OpenKeyring(kdir, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	if s, err := pebble.Open(kdir, pebble.Options{}); err == nil {
		s.Close()
		t.Error("a store opened in a keyring's directory")
	}
}
