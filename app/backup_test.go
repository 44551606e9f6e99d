package app_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor/app"
)

func archive(entries ...string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		tw.WriteHeader(&tar.Header{Name: entries[i], Mode: 0o600, Size: int64(len(entries[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(entries[i+1]))
	}
	tw.Close()
	return b.Bytes()
}

const manifest = `{"format":"candor-backup/1","files":1}`

// TestExtractBackupRefuses: entries outside store/ and log/, escaping
// names and an archive cut short before its manifest are refused, naming
// the problem.
func TestExtractBackupRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		tar  []byte
		want string
	}{
		{"escape", archive("store/../../x", "a", "backup.json", manifest), "want a file under"},
		{"absolute", archive("/etc/x", "a", "backup.json", manifest), "want a file under"},
		{"other top", archive("keys/master.key", "a", "backup.json", manifest), "want a file under"},
		{"cut short", archive("store/000001.sst", "a"), "cut short"},
		{"not a manifest", archive("store/a", "a", "backup.json", `{"format":"x"}`), "not a candor-backup/1 manifest"},
		{"not tar", []byte("hello, this is not a tar archive at all; it goes on for a while to fill a block"), "archive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.ExtractBackup(bytes.NewReader(tt.tar), filepath.Join(t.TempDir(), "b"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ExtractBackup: %v, want an error saying %q", err, tt.want)
			}
		})
	}
	dir := filepath.Join(t.TempDir(), "b")
	m, err := app.ExtractBackup(bytes.NewReader(archive("store/a", "A", "log/tile/0", "T", "backup.json", manifest)), dir)
	if err != nil || m.Files != 1 {
		t.Fatalf("a good archive: %+v, %v", m, err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "log", "tile", "0")); err != nil || string(got) != "T" {
		t.Errorf("log/tile/0: %q, %v", got, err)
	}
	if _, err := app.ExtractBackup(bytes.NewReader(archive("backup.json", manifest)), dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("into a directory not empty: %v", err)
	}
}

// FuzzExtractBackup: whatever the archive, nothing is written outside the
// directory, and no panic.
func FuzzExtractBackup(f *testing.F) {
	f.Add(archive("store/a", "A", "backup.json", manifest))
	f.Add(archive("store/../x", "A"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "b")
		app.ExtractBackup(bytes.NewReader(raw), dir)
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if e.Name() != "b" {
				t.Fatalf("wrote %s outside the directory", e.Name())
			}
		}
	})
}

// TestRestoreRefusesTheOtherKind: a backup of a PostgreSQL installation's
// log (log only) is refused by the embedded store's restore, and an
// embedded store's backup by the PostgreSQL restore, each saying which
// to use; neither touches the data dir.
func TestRestoreRefusesTheOtherKind(t *testing.T) {
	logOnly, pebbleBackup := t.TempDir(), t.TempDir()
	for dir, m := range map[string]string{
		logOnly:      `{"format":"candor-backup/1","store_kind":"postgres","log_only":true,"log_size":3,"files":1}`,
		pebbleBackup: `{"format":"candor-backup/1","store_kind":"pebble","store_format":6,"files":1}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "backup.json"), []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	if _, _, err := app.Restore(logOnly, app.StoreConfig{Data: data}, io.Discard); err == nil || !strings.Contains(err.Error(), "holds only the transparency log") {
		t.Errorf("Restore of a log-only backup: %v", err)
	}
	cfg := app.StoreConfig{Data: data, Store: "postgres://127.0.0.1:1/nowhere"}
	if _, err := app.RestoreOnPostgres(context.Background(), pebbleBackup, cfg, app.TLogConfig{}, io.Discard); err == nil || !strings.Contains(err.Error(), "restore it without --store") {
		t.Errorf("RestoreOnPostgres of an embedded store's backup: %v", err)
	}
	if _, err := os.Stat(data); err == nil {
		t.Error("a refused restore created the data dir")
	}
}
