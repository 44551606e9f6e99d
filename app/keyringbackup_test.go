package app_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
)

// TestKeyringBackupRetention: keyring backups hold the keys of their day;
// once the retention has passed since an erasure, the copies made before
// it are deleted, and no file of any keyring backup holds the erased key.
func TestKeyringBackupRetention(t *testing.T) {
	ctx := t.Context()
	kr, err := pebble.OpenKeyring(filepath.Join(t.TempDir(), "data.keyring"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Close()
	keys := make([]candor.WrappedKey, 3)
	for i := range keys {
		keys[i] = candor.WrappedKey{Subject: candor.NewSubjectID(), Wrapped: make([]byte, 60)}
		rand.Read(keys[i].Wrapped)
	}
	if err := kr.PutSubjectKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "keyring-backups")
	day0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	first, _, err := app.BackupKeyring(ctx, kr, dir, app.DefaultKeyringRetention, day0)
	if err != nil {
		t.Fatal(err)
	}
	if len(filesUnder(t, first, keys[0].Wrapped)) == 0 {
		t.Fatal("the first copy does not hold the key: this test proves nothing")
	}
	erased := day0.Add(12 * time.Hour)
	if err := kr.DeleteSubjectKey(ctx, keys[0].Subject); err != nil { // an erasure
		t.Fatal(err)
	}
	for day := 1; day <= 36; day++ {
		now := day0.AddDate(0, 0, day)
		if _, _, err := app.BackupKeyring(ctx, kr, dir, app.DefaultKeyringRetention, now); err != nil {
			t.Fatal(err)
		}
		found := filesUnder(t, dir, keys[0].Wrapped)
		switch past := now.Sub(erased) > app.DefaultKeyringRetention; {
		case past && len(found) > 0:
			t.Fatalf("%s, more than the retention after the erasure: the erased key is still in %v", now.Format(time.DateOnly), found)
		case !past && len(found) == 0:
			t.Fatalf("%s: the copy from before the erasure is gone before its retention ended", now.Format(time.DateOnly))
		}
	}
	// The latest copy opens as a keyring with the other keys.
	entries, _ := os.ReadDir(dir)
	last, err := pebble.OpenKeyring(filepath.Join(dir, entries[len(entries)-1].Name()), pebble.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer last.Close()
	if got, err := last.SubjectKey(ctx, keys[1].Subject); err != nil || !bytes.Equal(got, keys[1].Wrapped) {
		t.Errorf("a key from the latest copy: %x, %v", got, err)
	}
	if _, _, err := app.BackupKeyring(ctx, memstore.NewKeyring(), dir, app.DefaultKeyringRetention, day0); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a keyring without copies: %v, want EINVALID", err)
	}
}

func filesUnder(t *testing.T, dir string, b []byte) []string {
	t.Helper()
	var found []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if raw, _ := os.ReadFile(p); bytes.Contains(raw, b) {
				found = append(found, p)
			}
		}
		return nil
	})
	return found
}
