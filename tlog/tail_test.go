package tlog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor/tlog"
)

// TestCheckTail checks the sample log's tail after a tree of size 300
// checked before, sound and damaged in each way inside and outside the
// tail: damage in the tail, in a tile the proofs read, a rollback or a
// rewritten prefix is found; damage only inside the prefix's own entries
// is not (it is Check's).
func TestCheckTail(t *testing.T) {
	base := sampleLog(t)
	ctx := context.Background()
	key, err := os.ReadFile(filepath.Join(base, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	vkey := verifierKeyOf(t, string(key))
	st, err := tlog.Check(ctx, tlog.DirSource(filepath.Join(base, "log")), vkey, nil)
	if err != nil || !st.OK() {
		t.Fatal(err, st.Problems)
	}
	root300, err := st.RootAt(300)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		from   uint64
		root   []byte
		damage func(dir string)
		want   string // a problem's substring; "": sound
	}{
		{name: "sound", from: 300, root: root300},
		{name: "sound from empty", from: 0},
		{name: "sound at the end", from: 600, root: st.Root},
		{name: "entry in the tail", from: 300, root: root300, damage: func(d string) { flipByte(t, filepath.Join(d, "tile/entries/002.p/88"), -3) },
			want: "tile/0/002.p/88: hash 87 is not the leaf hash of entry 599"},
		{name: "entry header in the tail", from: 300, root: root300, damage: func(d string) { flipByte(t, filepath.Join(d, "tile/entries/002.p/88"), 3) },
			want: "tile/entries/002.p/88: entry 512: tlog: bundle"},
		{name: "truncated bundle in the tail", from: 300, root: root300, damage: func(d string) {
			p := filepath.Join(d, "tile/entries/002.p/88")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-40], 0o600)
		}, want: "tile/entries/002.p/88: not an entry bundle"},
		{name: "level-0 tile in the tail", from: 300, root: root300, damage: func(d string) { flipByte(t, filepath.Join(d, "tile/0/001"), 32*200+3) },
			want: "the log's tiles do not match its checkpoint: downloaded inconsistent tile"},
		{name: "level-1 tile", from: 300, root: root300, damage: func(d string) { flipByte(t, filepath.Join(d, "tile/1/000.p/2"), 5) },
			want: "the log's tiles do not match its checkpoint"},
		{name: "rolled back", from: 700, root: st.Root, want: "the log holds 600 entries, but 700 were checked before"},
		{name: "rewritten prefix", from: 300, root: st.Root, want: "not consistent with the tree of size 300"},
		// Inside the prefix and off the proofs' path: only Check finds it.
		{name: "entry in the prefix", from: 300, root: root300, damage: func(d string) { flipByte(t, filepath.Join(d, "tile/entries/000"), -3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			copyDir(t, filepath.Join(base, "log"), dir)
			os.WriteFile(filepath.Join(filepath.Dir(dir), "log.key"), key, 0o600)
			if tc.damage != nil {
				tc.damage(dir)
			}
			l := mustOpen(t, dir, fastOptions())
			tail, err := l.CheckTail(ctx, tc.from, tc.root)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(tail.Problems, "\n")
			if tc.want == "" {
				if !tail.OK() || tail.Size != 600 || tail.Bundles != int(600-tc.from) {
					t.Fatalf("sound: size %d, %d bundles, problems %q", tail.Size, tail.Bundles, all)
				}
				for _, i := range []uint64{0, 299, 300, 599} {
					if leaf, ok := tail.LeafHash(i); !ok || string(leaf) != string(mustLeaf(t, st, i)) {
						t.Errorf("LeafHash(%d) = %x, %v, want Check's", i, leaf, ok)
					}
				}
				if r, err := tail.RootAt(300); err != nil || string(r) != string(root300) {
					t.Errorf("RootAt(300) = %x, %v", r, err)
				}
				return
			}
			if tail.OK() || !strings.Contains(all, tc.want) {
				t.Fatalf("problems %q, want one with %q", all, tc.want)
			}
		})
	}
}

func mustLeaf(tb testing.TB, st *tlog.State, i uint64) []byte {
	tb.Helper()
	h, ok := st.LeafHash(i)
	if !ok {
		tb.Fatalf("no leaf %d", i)
	}
	return h
}

// TestSign checks that a statement signed with the log's key opens with
// its verifier key and not another's, and that the log refuses to sign
// anything that could pass for one of its checkpoints.
func TestSign(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log"), fastOptions())
	other := mustOpen(t, filepath.Join(t.TempDir(), "log"), fastOptions())
	raw, err := l.Sign("candor test statement\nsize 3\n")
	if err != nil {
		t.Fatal(err)
	}
	if text, err := tlog.OpenSigned(raw, l.VerifierKey()); err != nil || text != "candor test statement\nsize 3\n" {
		t.Fatalf("OpenSigned: %q, %v", text, err)
	}
	if _, err := tlog.OpenSigned(raw, other.VerifierKey()); err == nil {
		t.Fatal("a statement opened with another log's key")
	}
	edited := strings.Replace(string(raw), "size 3", "size 4", 1)
	if _, err := tlog.OpenSigned([]byte(edited), l.VerifierKey()); err == nil {
		t.Fatal("an edited statement opened")
	}
	for _, text := range []string{l.Origin() + "\n600\nAAAA\n", "no newline"} {
		if _, err := l.Sign(text); err == nil {
			t.Errorf("Sign(%q) signed", text)
		}
	}
}
