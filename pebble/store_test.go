package pebble_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/storetest"
	cpebble "github.com/cockroachdb/pebble/v2"
)

// MustOpen opens the store in dir and fails the test on error.
func MustOpen(tb testing.TB, dir string) *pebble.Store {
	tb.Helper()
	s, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.RunWith(t, func(t *testing.T, dir string) candor.Store { return MustOpen(t, dir) })
}

// writeRaw writes key/value pairs into a Pebble database in dir with the
// raw Pebble API.
func writeRaw(t *testing.T, dir string, kvs ...[]byte) {
	t.Helper()
	db, err := cpebble.Open(dir, &cpebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(kvs); i += 2 {
		if err := db.Set(kvs[i], kvs[i+1], cpebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic("pebble fatal: " + format)
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		kvs   [][]byte
		wants []string // substrings of the error
	}{
		{
			name:  "unknown format version",
			kvs:   [][]byte{[]byte("\x00format"), binary.BigEndian.AppendUint32(nil, 99)},
			wants: []string{"format version 99", "supports versions 1 to 3"},
		},
		{
			name:  "malformed format version",
			kvs:   [][]byte{[]byte("\x00format"), []byte("v1")},
			wants: []string{"malformed store format version", "supports versions 1 to 3"},
		},
		{
			name:  "not a Candor store",
			kvs:   [][]byte{[]byte("some/key"), []byte("value")},
			wants: []string{"not a Candor store"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRaw(t, dir, tt.kvs...)
			s, err := pebble.Open(dir, pebble.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestOpenWritesFormatVersion(t *testing.T) {
	dir := t.TempDir()
	MustOpen(t, dir).Close()
	db, err := cpebble.Open(dir, &cpebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, closer, err := db.Get([]byte("\x00format"))
	if err != nil {
		t.Fatalf("format version not written: %v", err)
	}
	defer closer.Close()
	if len(v) != 4 || binary.BigEndian.Uint32(v) != pebble.FormatVersion {
		t.Errorf("format version = %x, want %d", v, pebble.FormatVersion)
	}
}

// TestOpenUpgradesVersion1: a version-1 store opens and is marked with
// the current version, so that older builds refuse it afterwards.
func TestOpenUpgradesVersion1(t *testing.T) {
	dir := t.TempDir()
	MustOpen(t, dir).Close()
	setFormat := func(v uint32) {
		db, err := cpebble.Open(dir, &cpebble.Options{Logger: quietLogger{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Set([]byte("\x00format"), binary.BigEndian.AppendUint32(nil, v), cpebble.Sync); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	setFormat(1)
	MustOpen(t, dir).Close()
	db, err := cpebble.Open(dir, &cpebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	v, closer, err := db.Get([]byte("\x00format"))
	if err != nil {
		t.Fatal(err)
	}
	got := binary.BigEndian.Uint32(v)
	closer.Close()
	db.Close()
	if got != pebble.FormatVersion {
		t.Errorf("after opening a version-1 store its version is %d, want %d", got, pebble.FormatVersion)
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	dir := t.TempDir() + "/a/b/candor-data"
	MustOpen(t, dir).Close()
	MustOpen(t, dir).Close()
}

func TestCloseTwice(t *testing.T) {
	s := MustOpen(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("second Close = %v, want EUNAVAILABLE", err)
	}
	if n := s.Size(); n != 0 {
		t.Errorf("Size after Close = %d, want 0", n)
	}
}
