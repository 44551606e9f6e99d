package keyfile_test

import (
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
