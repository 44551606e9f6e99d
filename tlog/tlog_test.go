package tlog_test

// These tests check the log with code that did not produce it: checkpoints
// with golang.org/x/mod/sumdb/note, proofs with
// github.com/transparency-dev/merkle/proof, and the tlog-proof text and the
// bundle bytes by reading them as the specs describe.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// fastOptions makes checkpoints and batches quick, for tests.
func fastOptions() tlog.Options {
	return tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond}
}

func mustOpen(tb testing.TB, dir string, opts tlog.Options) *tlog.Log {
	tb.Helper()
	l, err := tlog.Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// commitments returns n distinct commitments derived from tag.
func commitments(tag string, n int) []candor.Commitment {
	cs := make([]candor.Commitment, n)
	salt := candor.NewSalt()
	for i := range cs {
		cs[i] = candor.NewCommitment(candor.AuditAccess, &salt, fmt.Appendf(nil, "%s/%d", tag, i))
	}
	return cs
}

func mustAppend(tb testing.TB, l *tlog.Log, bs ...tlog.Bundle) []uint64 {
	tb.Helper()
	idx, err := l.AppendAll(context.Background(), bs)
	if err != nil {
		tb.Fatal(err)
	}
	return idx
}

// checkpoint is a checkpoint opened with x/mod's note package.
type checkpoint struct {
	raw    []byte
	origin string
	size   uint64
	root   []byte
}

// mustOpenCheckpoint verifies raw with the published verifier key alone and
// parses its body as C2SP tlog-checkpoint lays it out.
func mustOpenCheckpoint(tb testing.TB, raw []byte, vkey string) checkpoint {
	tb.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		tb.Fatalf("checkpoint does not verify: %v\n%s", err, raw)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[3] != "" {
		tb.Fatalf("checkpoint body %q: want origin, size, root", n.Text)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		tb.Fatalf("root %q: %v", lines[2], err)
	}
	if lines[0] != v.Name() {
		tb.Fatalf("origin %q, want the key's name %q", lines[0], v.Name())
	}
	return checkpoint{raw: raw, origin: lines[0], size: size, root: root}
}

func mustWaitCheckpoint(tb testing.TB, l *tlog.Log, size uint64) checkpoint {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := l.WaitCheckpoint(ctx, size)
	if err != nil {
		tb.Fatal(err)
	}
	return mustOpenCheckpoint(tb, raw, l.VerifierKey())
}

// parsedProof is a tlog-proof read line by line as c2sp.org/tlog-proof says.
type parsedProof struct {
	extra      []byte
	index      uint64
	hashes     [][]byte
	checkpoint []byte
}

func mustParseProof(tb testing.TB, p []byte) parsedProof {
	tb.Helper()
	head, cp, ok := bytes.Cut(p, []byte("\n\n"))
	if !ok {
		tb.Fatalf("no empty line before the checkpoint:\n%s", p)
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		tb.Fatalf("first line %q", lines[0])
	}
	var out parsedProof
	out.checkpoint = cp
	lines = lines[1:]
	if e, ok := strings.CutPrefix(lines[0], "extra "); ok {
		var err error
		if out.extra, err = base64.StdEncoding.DecodeString(e); err != nil {
			tb.Fatal(err)
		}
		lines = lines[1:]
	}
	is, ok := strings.CutPrefix(lines[0], "index ")
	if !ok {
		tb.Fatalf("no index line: %q", lines[0])
	}
	var err error
	if out.index, err = strconv.ParseUint(is, 10, 64); err != nil {
		tb.Fatal(err)
	}
	for _, h := range lines[1:] {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != 32 {
			tb.Fatalf("hash line %q: %v", h, err)
		}
		out.hashes = append(out.hashes, b)
	}
	return out
}

// bundleHolds reads an encoded bundle by its documented layout (16-byte
// header, count at offset 14, then 32-byte commitments) without the
// package's decoder.
func bundleHolds(entry []byte, c candor.Commitment) bool {
	if len(entry) < 16 {
		return false
	}
	n := int(binary.BigEndian.Uint16(entry[14:]))
	if len(entry) != 16+32*n {
		return false
	}
	for i := range n {
		if bytes.Equal(entry[16+32*i:16+32*i+32], c[:]) {
			return true
		}
	}
	return false
}

func TestAppendProveAndVerify(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log"), fastOptions())
	ctx := context.Background()

	// Concurrent callers, and one caller with several bundles.
	writes := commitments("write", 2*tlog.MaxCommitments+68)
	var wg sync.WaitGroup
	idxs := make([][]uint64, 4)
	for w := range 4 {
		wg.Go(func() {
			cs := commitments(fmt.Sprint("reader", w), 10)
			i, err := l.Append(ctx, tlog.Bundle{Kind: candor.AuditAccess, Seq: uint64(w), Commitments: cs})
			if err != nil {
				t.Error(err)
			}
			idxs[w] = []uint64{i}
		})
	}
	split := tlog.Split(candor.AuditWrite, 7, writes)
	if len(split) != 3 || len(split[2].Commitments) != 68 || split[2].Part != 2 {
		t.Fatalf("Split = %d bundles", len(split))
	}
	widx := mustAppend(t, l, split...)
	wg.Wait()
	seen := map[uint64]bool{}
	for _, i := range append(widx, idxs[0][0], idxs[1][0], idxs[2][0], idxs[3][0]) {
		if seen[i] || i >= 7 {
			t.Fatalf("indexes %v %v: duplicate or out of range", widx, idxs)
		}
		seen[i] = true
	}
	if !(widx[0] < widx[1] && widx[1] < widx[2]) {
		t.Errorf("AppendAll indexes %v not in order", widx)
	}

	cp := mustWaitCheckpoint(t, l, 7)
	if cp.size != 7 || cp.origin != tlog.DefaultOrigin {
		t.Errorf("checkpoint size %d origin %q", cp.size, cp.origin)
	}

	for _, tc := range []struct {
		name  string
		index uint64
		c     candor.Commitment
	}{
		{"first of a split commit", widx[0], writes[0]},
		{"last of a split commit", widx[2], writes[len(writes)-1]},
		{"middle", widx[1], writes[tlog.MaxCommitments+5]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := l.Proof(ctx, tc.index, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			pp := mustParseProof(t, p)
			if pp.index != tc.index {
				t.Errorf("proof index %d, want %d", pp.index, tc.index)
			}
			pcp := mustOpenCheckpoint(t, pp.checkpoint, l.VerifierKey())
			if !bundleHolds(pp.extra, tc.c) {
				t.Fatal("the proof's bundle does not hold the commitment")
			}
			leaf := rfc6962.DefaultHasher.HashLeaf(pp.extra)
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, pp.index, pcp.size, leaf, pp.hashes, pcp.root); err != nil {
				t.Fatalf("inclusion: %v", err)
			}
			v, err := tlog.VerifyProof(p, l.VerifierKey(), tc.c)
			if err != nil {
				t.Fatalf("VerifyProof: %v", err)
			}
			if v.Index != tc.index || v.Bundle.Kind != candor.AuditWrite || v.Bundle.Seq != 7 {
				t.Errorf("VerifyProof = %+v", v)
			}
		})
	}

	t.Run("VerifyProof rejects", func(t *testing.T) {
		p, err := l.Proof(ctx, widx[0], writes[3])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tlog.VerifyProof(p, l.VerifierKey(), writes[len(writes)-2]); err == nil {
			t.Error("a commitment from another bundle verified")
		}
		pp := mustParseProof(t, p)
		tampered := bytes.Replace(p, []byte(base64.StdEncoding.EncodeToString(pp.extra)), []byte(base64.StdEncoding.EncodeToString(append(bytes.Clone(pp.extra[:len(pp.extra)-1]), pp.extra[len(pp.extra)-1]^1))), 1)
		if _, err := tlog.VerifyProof(tampered, l.VerifierKey(), writes[3]); err == nil {
			t.Error("a proof with an altered bundle verified")
		}
		_, vkey, _ := note.GenerateKey(rand.Reader, tlog.DefaultOrigin)
		if _, err := tlog.VerifyProof(p, vkey, writes[3]); err == nil {
			t.Error("a proof verified with another key")
		}
	})

	t.Run("errors", func(t *testing.T) {
		if _, err := l.Proof(ctx, 100, writes[0]); !errors.Is(err, tlog.ErrNotPublished) {
			t.Errorf("proof beyond the checkpoint: %v", err)
		}
		if _, err := l.Proof(ctx, widx[0], writes[len(writes)-2]); candor.ErrorCode(err) != candor.ENOTFOUND {
			t.Errorf("proof of a commitment the entry lacks: %v", err)
		}
		if _, err := l.Append(ctx, tlog.Bundle{Kind: candor.AuditWrite}); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("empty bundle: %v", err)
		}
		if _, err := l.Append(ctx, tlog.Bundle{Kind: 9, Commitments: writes[:1]}); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("unknown kind: %v", err)
		}
		if _, err := l.ConsistencyProof(ctx, 3, 2); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("consistency backwards: %v", err)
		}
		if _, err := l.ConsistencyProof(ctx, 3, 100); !errors.Is(err, tlog.ErrNotPublished) {
			t.Errorf("consistency beyond the checkpoint: %v", err)
		}
	})
}

func TestConsistency(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log"), fastOptions())
	ctx := context.Background()
	// More than one tile's worth, so full and partial tiles both serve.
	var bs []tlog.Bundle
	for i := range 300 {
		bs = append(bs, tlog.Bundle{Kind: candor.AuditAccess, Seq: uint64(i), Commitments: commitments("a", 1)})
	}
	mustAppend(t, l, bs[:5]...)
	old := mustWaitCheckpoint(t, l, 5)
	mustAppend(t, l, bs[5:]...)
	cur := mustWaitCheckpoint(t, l, 300)

	hashes, err := l.ConsistencyProof(ctx, old.size, cur.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.size, cur.size, hashes, old.root, cur.root); err != nil {
		t.Fatalf("consistency %d→%d: %v", old.size, cur.size, err)
	}
	if err := tlog.VerifyConsistency(l.VerifierKey(), old.raw, cur.raw, hashes); err != nil {
		t.Fatalf("VerifyConsistency: %v", err)
	}
	if err := tlog.VerifyConsistency(l.VerifierKey(), cur.raw, old.raw, hashes); err == nil {
		t.Error("VerifyConsistency accepted checkpoints in the wrong order")
	}
	// An inclusion proof deep in a full tile, against the latest checkpoint.
	c := bs[260].Commitments[0]
	p, err := l.Proof(ctx, 260, c)
	if err != nil {
		t.Fatal(err)
	}
	pp := mustParseProof(t, p)
	pcp := mustOpenCheckpoint(t, pp.checkpoint, l.VerifierKey())
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, 260, pcp.size, rfc6962.DefaultHasher.HashLeaf(pp.extra), pp.hashes, pcp.root); err != nil {
		t.Fatal(err)
	}
}

// A log rewritten from scratch, even with the same key, cannot prove
// consistency with a checkpoint taken before.
func TestRewrittenLogFailsConsistency(t *testing.T) {
	base := t.TempDir()
	key := filepath.Join(base, "log.key")
	opts := fastOptions()
	opts.KeyFile = key

	l1 := mustOpen(t, filepath.Join(base, "log"), opts)
	var orig []tlog.Bundle
	for i := range 5 {
		orig = append(orig, tlog.Bundle{Kind: candor.AuditWrite, Seq: uint64(i), Commitments: commitments("original", 3)})
	}
	mustAppend(t, l1, orig...)
	old := mustWaitCheckpoint(t, l1, 5)
	if err := l1.Close(); err != nil {
		t.Fatal(err)
	}

	// Same key, new directory, history with one record dropped.
	l2 := mustOpen(t, filepath.Join(base, "log2"), opts)
	if l2.VerifierKey() != l1.VerifierKey() {
		t.Fatal("same key file, different verifier key")
	}
	forged := append(orig[:2:2], orig[3:]...)
	forged = append(forged, tlog.Bundle{Kind: candor.AuditWrite, Seq: 9, Commitments: commitments("filler", 1)}, tlog.Bundle{Kind: candor.AuditWrite, Seq: 10, Commitments: commitments("filler", 1)})
	mustAppend(t, l2, forged...)
	cur := mustWaitCheckpoint(t, l2, 6)

	hashes, err := l2.ConsistencyProof(context.Background(), old.size, cur.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.size, cur.size, hashes, old.root, cur.root); err == nil {
		t.Fatal("a rewritten log proved consistency with the old checkpoint")
	}
	if err := tlog.VerifyConsistency(l2.VerifierKey(), old.raw, cur.raw, hashes); err == nil {
		t.Fatal("VerifyConsistency accepted a rewritten log")
	}
}

func TestReopenContinuesTheTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	l := mustOpen(t, dir, fastOptions())
	first := mustAppend(t, l,
		tlog.Bundle{Kind: candor.AuditWrite, Seq: 1, Commitments: commitments("w1", 2)},
		tlog.Bundle{Kind: candor.AuditAccess, Seq: 1, Commitments: commitments("r1", 2)})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waits for a checkpoint covering everything appended.
	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	old := mustOpenCheckpoint(t, raw, l.VerifierKey())
	if old.size != 2 {
		t.Fatalf("checkpoint after Close has size %d, want 2", old.size)
	}
	if _, err := l.Append(context.Background(), tlog.Bundle{Kind: candor.AuditWrite, Commitments: commitments("late", 1)}); !errors.Is(err, tlog.ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	l2 := mustOpen(t, dir, fastOptions())
	if l2.VerifierKey() != l.VerifierKey() {
		t.Fatal("reopened log has another key")
	}
	next := mustAppend(t, l2, tlog.Bundle{Kind: candor.AuditWrite, Seq: 2, Commitments: commitments("w2", 1)})
	if next[0] != 2 || first[1] != 1 {
		t.Fatalf("indexes %v then %v, want 0,1 then 2", first, next)
	}
	cur := mustWaitCheckpoint(t, l2, 3)
	hashes, err := l2.ConsistencyProof(context.Background(), old.size, cur.size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.size, cur.size, hashes, old.root, cur.root); err != nil {
		t.Fatalf("reopened log inconsistent with its past: %v", err)
	}

	// Scan sees what is logged, for recovery.
	type key struct {
		kind candor.AuditKind
		seq  uint64
	}
	var got []key
	err = l2.Scan(context.Background(), 1, func(i uint64, b *tlog.Bundle) error {
		got = append(got, key{b.Kind, b.Seq})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []key{{candor.AuditAccess, 1}, {candor.AuditWrite, 2}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Scan(1) = %v, want %v", got, want)
	}
	stop := errors.New("stop")
	if err := l2.Scan(context.Background(), 0, func(uint64, *tlog.Bundle) error { return stop }); err != stop {
		t.Errorf("Scan did not return fn's error: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "log")
	l := mustOpen(t, dir, fastOptions())
	vkey := l.VerifierKey()
	l.Close()
	key := dir + ".key"
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s mode %v, %v; want 0600", key, fi.Mode().Perm(), err)
	}
	if _, err := note.NewVerifier(vkey); err != nil || !strings.HasPrefix(vkey, tlog.DefaultOrigin+"+") {
		t.Fatalf("verifier key %q: %v", vkey, err)
	}

	t.Run("readable by others", func(t *testing.T) {
		os.Chmod(key, 0o640)
		defer os.Chmod(key, 0o600)
		if _, err := tlog.Open(dir, fastOptions()); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("Open with a group-readable key: %v", err)
		}
	})
	t.Run("another origin", func(t *testing.T) {
		opts := fastOptions()
		opts.Origin = "candor.other.example/log"
		if _, err := tlog.Open(dir, opts); err == nil || !strings.Contains(err.Error(), "origin") {
			t.Errorf("Open with a key of another origin: %v", err)
		}
	})
	t.Run("not a key", func(t *testing.T) {
		bad := filepath.Join(base, "bad.key")
		os.WriteFile(bad, []byte("hello\n"), 0o600)
		opts := fastOptions()
		opts.KeyFile = bad
		if _, err := tlog.Open(filepath.Join(base, "other"), opts); err == nil {
			t.Error("Open with garbage in the key file succeeded")
		}
	})
	t.Run("inside the log directory", func(t *testing.T) {
		opts := fastOptions()
		opts.KeyFile = filepath.Join(dir, "sub", "log.key")
		if _, err := tlog.Open(dir, opts); err == nil {
			t.Error("Open with the key inside the public directory succeeded")
		}
	})
	t.Run("reopened", func(t *testing.T) {
		l := mustOpen(t, dir, fastOptions())
		if l.VerifierKey() != vkey {
			t.Error("verifier key changed on reopen")
		}
	})
	t.Run("custom origin", func(t *testing.T) {
		opts := fastOptions()
		opts.Origin = "candor.city.example/log"
		l := mustOpen(t, filepath.Join(base, "city"), opts)
		cp := mustWaitCheckpoint(t, l, 0)
		if cp.origin != opts.Origin || l.Origin() != opts.Origin {
			t.Errorf("origin %q", cp.origin)
		}
	})
}

// An operator may bring a key made with note.GenerateKey; the published
// verifier key must be the one note made, whatever base64 characters the
// key holds.
func TestKeyFileFromNote(t *testing.T) {
	base := t.TempDir()
	for _, wantPlus := range []bool{true, false} {
		var skey, vkey string
		for {
			skey, vkey, _ = note.GenerateKey(rand.Reader, "candor.test.example/log")
			if strings.Count(skey, "+") > 4 == wantPlus { // four separate the fields
				break
			}
		}
		key := filepath.Join(base, fmt.Sprint(wantPlus, ".key"))
		if err := os.WriteFile(key, []byte(skey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		l := mustOpen(t, filepath.Join(base, fmt.Sprint(wantPlus)), tlog.Options{Origin: "candor.test.example/log", KeyFile: key})
		if l.VerifierKey() != vkey {
			t.Errorf("verifier key %q, want %q", l.VerifierKey(), vkey)
		}
	}
}
