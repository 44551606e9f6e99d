package pebble_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
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
			wants: []string{"format version 99", "supports versions 1 to 6"},
		},
		{
			name:  "malformed format version",
			kvs:   [][]byte{[]byte("\x00format"), []byte("v1")},
			wants: []string{"malformed store format version", "supports versions 1 to 6"},
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

// TestUpgradeKeys: a store of format 3 (or older), whose subject records
// hold their wrapped keys, is refused by Open with a message that says to
// back up and upgrade; UpgradeKeys moves every key into the keyring, and
// afterwards the store opens, its subjects read as before, and no file of
// the data dir holds a wrapped key.
func TestUpgradeKeys(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := MustOpen(t, dir)
	var subjects []candor.SubjectRecord
	wrapped := map[candor.SubjectID][]byte{}
	for i := range 25 {
		r := candor.SubjectRecord{ID: candor.NewSubjectID(), Kind: candor.Person, Sealed: []byte(fmt.Sprint("sealed identifiers ", i))}
		w := make([]byte, 60)
		rand.Read(w)
		subjects, wrapped[r.ID] = append(subjects, r), w
	}
	if _, err := s.Commit(ctx, &candor.WriteBatch{Subjects: subjects}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// What an older build wrote: format 3, keys in the subject records.
	var kvs [][]byte
	for _, r := range subjects {
		kvs = append(kvs, append([]byte{0x01}, r.ID[:]...), pebble.EncodeSubjectV1(&r, wrapped[r.ID]))
	}
	kvs = append(kvs, []byte("\x00format"), binary.BigEndian.AppendUint32(nil, 3))
	writeRaw(t, dir, kvs...)

	_, err := pebble.Open(dir, pebble.Options{})
	if err == nil || !strings.Contains(err.Error(), "back up the data dir") || !strings.Contains(err.Error(), "candor keys upgrade") {
		t.Fatalf("Open of a format-3 store: %v; want a refusal that says to back up and upgrade", err)
	}
	kr := memstore.NewKeyring()
	n, err := pebble.UpgradeKeys(ctx, dir, pebble.Options{}, kr)
	if err != nil || n != len(subjects) {
		t.Fatalf("UpgradeKeys = %d, %v; want %d keys moved", n, err, len(subjects))
	}
	if n, err := pebble.UpgradeKeys(ctx, dir, pebble.Options{}, kr); err != nil || n != 0 {
		t.Fatalf("UpgradeKeys again = %d, %v; want nothing to do", n, err)
	}
	for _, r := range subjects {
		got, err := kr.SubjectKey(ctx, r.ID)
		if err != nil || !bytes.Equal(got, wrapped[r.ID]) {
			t.Fatalf("keyring: subject %s: %x, %v", r.ID, got, err)
		}
		if found := filesHolding(t, dir, wrapped[r.ID]); len(found) > 0 {
			t.Fatalf("after the upgrade, %v still hold a wrapped key", found)
		}
	}
	s = MustOpen(t, dir)
	defer s.Close()
	for _, r := range subjects {
		got, err := s.Subject(ctx, r.ID)
		if err != nil || !bytes.Equal(got.Sealed, r.Sealed) || got.Kind != r.Kind {
			t.Fatalf("subject %s after the upgrade: %+v, %v", r.ID, got, err)
		}
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
