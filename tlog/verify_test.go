package tlog_test

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
)

// sampleLog makes a closed log of 600 entries (three entry bundles,
// level-0 tiles and a level-1 tile) that test cases copy and damage.
func sampleLog(tb testing.TB) string {
	tb.Helper()
	dir, err := sampleLogIn(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

func sampleLogIn(dir string) (string, error) {
	l, err := tlog.Open(filepath.Join(dir, "log"), tlog.Options{CheckpointInterval: 100 * 1e6, BatchMaxAge: 5 * 1e6})
	if err != nil {
		return "", err
	}
	var bs []tlog.Bundle
	for i := range 600 {
		bs = append(bs, tlog.Split(candor.AuditWrite, uint64(i+1), commitments("check", 1+i%3))...)
	}
	if _, err := l.AppendAll(context.Background(), bs); err != nil {
		return "", err
	}
	return dir, l.Close()
}

// copyDir copies a directory tree.
func copyDir(tb testing.TB, from, to string) {
	tb.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o600)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func flipByte(tb testing.TB, path string, at int) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if at < 0 {
		at += len(data)
	}
	data[at] ^= 0x40
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	base := sampleLog(t)
	key, err := os.ReadFile(filepath.Join(base, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	vkey := verifierKeyOf(t, string(key))
	for _, tc := range []struct {
		name   string
		damage func(dir string)
		want   []string // substrings of the problems; none: sound
		fatal  string   // substring of Check's error
	}{
		{name: "sound"},
		{name: "level-0 tile", damage: func(d string) { flipByte(t, filepath.Join(d, "tile/0/001"), 32*7+3) },
			want: []string{"tile/0/001: hash 7 is not the leaf hash of entry 263"}},
		{name: "level-1 tile", damage: func(d string) { flipByte(t, filepath.Join(d, "tile/1/000.p/2"), 32+5) },
			want: []string{"tile/1/000.p/2: hash 1 is not the root of tile/0/001 below it"}},
		{name: "entry bundle", damage: func(d string) { flipByte(t, filepath.Join(d, "tile/entries/000"), -3) },
			want: []string{"tile/0/000: hash 255 is not the leaf hash of entry 255", "is not the root of the 600 entries"}},
		{name: "entry bundle header", damage: func(d string) { flipByte(t, filepath.Join(d, "tile/entries/001"), 3) },
			want: []string{"tile/entries/001: entry 256: tlog: bundle"}},
		{name: "truncated bundle", damage: func(d string) {
			p := filepath.Join(d, "tile/entries/002.p/88")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-40], 0o600)
		}, want: []string{"tile/entries/002.p/88: not an entry bundle (truncated or altered)"}},
		{name: "missing tile", damage: func(d string) { os.Remove(filepath.Join(d, "tile/0/000")) },
			want: []string{"tile/0/000: missing"}},
		{name: "deleted", damage: func(d string) { os.RemoveAll(d) }, fatal: "the log has no checkpoint"},
		{name: "checkpoint of another key", damage: func(d string) {
			raw, _ := os.ReadFile(filepath.Join(d, "checkpoint"))
			os.WriteFile(filepath.Join(d, "checkpoint"), []byte(strings.Replace(string(raw), "\n\n", "\n \n", 1)), 0o600)
		}, fatal: "not a checkpoint of " + tlog.DefaultOrigin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			copyDir(t, filepath.Join(base, "log"), dir)
			if tc.damage != nil {
				tc.damage(dir)
			}
			seen := 0
			st, err := tlog.Check(context.Background(), tlog.DirSource(dir), vkey, func(uint64, *tlog.Bundle) error { seen++; return nil })
			if tc.fatal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fatal) {
					t.Fatalf("Check: %v, want an error with %q", err, tc.fatal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Size != 600 {
				t.Fatalf("size %d", st.Size)
			}
			if len(tc.want) == 0 {
				if !st.OK() || seen != 600 || !st.Complete() {
					t.Fatalf("a sound log: %d entries seen, problems %q", seen, st.Problems)
				}
				return
			}
			all := strings.Join(st.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems lack %q:\n%s", w, all)
				}
			}
		})
	}

	// The same over HTTP, from the log's own handler.
	l := mustOpen(t, filepath.Join(base, "log"), fastOptions())
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	st, err := tlog.Check(context.Background(), tlog.HTTPSource{Prefix: srv.URL + tlog.Prefix}, vkey, nil)
	if err != nil || !st.OK() || st.Size != 600 {
		t.Fatalf("over HTTP: %v %+v", err, st)
	}
	root, err := st.RootAt(600)
	if err != nil || string(root) != string(st.Root) {
		t.Fatalf("RootAt(600): %x %v, want %x", root, err, st.Root)
	}
}

// verifierKeyOf derives the verifier key from a note signer key, as
// Log.VerifierKey does, through a fresh log with that key file.
func verifierKeyOf(tb testing.TB, skey string) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "log.key"), []byte(skey), 0o600); err != nil {
		tb.Fatal(err)
	}
	l := mustOpen(tb, filepath.Join(dir, "log"), fastOptions())
	return l.VerifierKey()
}

// FuzzCheck feeds Check an arbitrary entry bundle in place of a log's
// last one: it never panics, and reports a problem unless the bytes are
// the original.
func FuzzCheck(f *testing.F) {
	base := sampleLog(f)
	dir := filepath.Join(base, "log")
	key, err := os.ReadFile(filepath.Join(base, "log.key"))
	if err != nil {
		f.Fatal(err)
	}
	vkey := verifierKeyOf(f, string(key))
	const last = "tile/entries/002.p/88"
	orig, err := os.ReadFile(filepath.Join(dir, last))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add(orig[:len(orig)-1])
	f.Add([]byte{0, 16, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		src := overlay{dir: tlog.DirSource(dir), path: last, data: data}
		st, err := tlog.Check(context.Background(), src, vkey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.OK() != (string(data) == string(orig)) {
			t.Fatalf("OK %v for %d bytes (original %d): %q", st.OK(), len(data), len(orig), st.Problems)
		}
	})
}

// overlay is a Source that serves data at path and dir's files elsewhere.
type overlay struct {
	dir  tlog.Source
	path string
	data []byte
}

func (o overlay) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if p == o.path {
		return o.data, nil
	}
	return o.dir.ReadFile(ctx, p)
}

// TestConsistencyProofChecksItself: a log whose tiles no longer match its
// checkpoint serves no consistency proof, and says why.
func TestConsistencyProofChecksItself(t *testing.T) {
	base := sampleLog(t)
	l := mustOpen(t, filepath.Join(base, "log"), fastOptions())
	ctx := context.Background()
	if _, err := l.ConsistencyProof(ctx, 10, 600); err != nil {
		t.Fatalf("a sound log: %v", err)
	}
	if root, err := l.RootAt(ctx, 600); err != nil || len(root) != 32 {
		t.Fatalf("RootAt(600): %x %v", root, err)
	}
	flipByte(t, filepath.Join(base, "log", "tile/0/000"), 32*3)
	if _, err := l.ConsistencyProof(ctx, 10, 600); err == nil || !strings.Contains(err.Error(), "do not match its checkpoint") {
		t.Fatalf("a damaged tile: %v", err)
	}
}
