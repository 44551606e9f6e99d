package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	sumdb "golang.org/x/mod/sumdb/tlog"
)

// Tail is the log as CheckTail found it: its checkpoint, and the entries
// from From on, checked against it.
type Tail struct {
	Checkpoint []byte // the signed checkpoint
	Size       uint64 // its tree size
	Root       []byte // its root hash
	From       uint64 // the first entry checked
	Bundles    int    // entries read and well formed
	// Commitments is the number of commitments in those entries.
	Commitments int
	// Problems names everything found wrong, at most maxProblems of them;
	// ProblemCount counts them all. The tail is sound if it is zero.
	Problems     []string
	ProblemCount int

	leaves []sumdb.Hash // recomputed leaf hashes of entries From to Size-1
	hr     sumdb.HashReader
}

func (t *Tail) problem(format string, args ...any) {
	t.ProblemCount++
	if len(t.Problems) < maxProblems {
		t.Problems = append(t.Problems, fmt.Sprintf(format, args...))
	}
}

// OK reports whether CheckTail found nothing wrong.
func (t *Tail) OK() bool { return t.ProblemCount == 0 }

// Complete reports whether every entry of the tail could be read.
func (t *Tail) Complete() bool { return t.OK() }

// TreeSize is the size of the checked tree.
func (t *Tail) TreeSize() uint64 { return t.Size }

// LeafHash returns the leaf hash of entry index: recomputed from the entry
// in the tail, or, before From, read from the log's tiles and proved in
// the checkpoint's tree (O(log n) tile reads). False if there is no such
// entry or its hash cannot be read.
func (t *Tail) LeafHash(index uint64) ([]byte, bool) {
	switch {
	case index >= t.Size || t.hr == nil:
		return nil, false
	case index >= t.From && index-t.From < uint64(len(t.leaves)):
		h := t.leaves[index-t.From]
		return h[:], true
	}
	hs, err := t.hr.ReadHashes([]int64{sumdb.StoredHashIndex(0, int64(index))})
	if err != nil {
		return nil, false
	}
	return hs[0][:], true
}

// RootAt returns the root hash of the first size entries, from the log's
// tiles proved in the checkpoint's tree.
func (t *Tail) RootAt(size uint64) ([]byte, error) {
	if size > t.Size || t.hr == nil {
		return nil, fmt.Errorf("tlog: no tree of size %d in a checked log of %d entries", size, t.Size)
	}
	h, err := sumdb.TreeHash(int64(size), t.hr)
	if err != nil {
		return nil, err
	}
	return h[:], nil
}

// CheckTail checks the log as Check does, but only what it appended since
// a tree of size from with root fromRoot that was checked whole before:
// the latest checkpoint's signature; that the checkpoint's tree extends
// that tree (its root at size from, from the log's tiles, is fromRoot);
// and every entry from from on, each a well-formed Bundle whose leaf hash
// is the one the log's tiles hold, every tile read proved in the
// checkpoint's tree (x/mod/sumdb/tlog.TileHashReader). It reads the
// entries appended since from and O(log n) tiles, so its cost does not
// grow with the log. What it does not read, the entries and the tiles
// inside the tree of size from, only Check checks.
//
// What is wrong is in the Tail's Problems; it returns an error only when
// it cannot check at all (no signed checkpoint).
func (l *Log) CheckTail(ctx context.Context, from uint64, fromRoot []byte) (*Tail, error) {
	raw, n, root, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	t := &Tail{Checkpoint: raw, Size: n, Root: root, From: from}
	if from > n {
		t.problem("the log holds %d entries, but %d were checked before: the log was rolled back or deleted", n, from)
		return t, nil
	}
	t.hr = l.hashReader(ctx, n, root)
	if from > 0 {
		got, err := sumdb.TreeHash(int64(from), t.hr)
		switch {
		case err != nil:
			t.problem("the log's tiles do not match its checkpoint: %v", err)
			return t, nil
		case !bytes.Equal(got[:], fromRoot):
			t.problem("the log is not consistent with the tree of size %d checked before: its history was rewritten", from)
			return t, nil
		}
	}
	t.leaves = make([]sumdb.Hash, 0, n-from)
	for r := range layout.Range(from, n-from, n) {
		if err := t.checkBundle(ctx, l, r.Index, r.Partial, uint64(r.First), uint64(r.N)); err != nil {
			return nil, err
		}
		if !t.OK() {
			t.leaves = nil
			return t, nil
		}
	}
	return t, nil
}

// checkBundle checks entries first to first+count-1 of entry bundle k
// (partial width p) against the tiles.
func (t *Tail) checkBundle(ctx context.Context, l *Log, k uint64, p uint8, first, count uint64) error {
	path := layout.EntriesPath(k, p)
	data, err := l.reader.ReadEntryBundle(ctx, k, p)
	if errors.Is(err, fs.ErrNotExist) && p != 0 {
		path = layout.EntriesPath(k, 0)
		data, err = l.reader.ReadEntryBundle(ctx, k, 0)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		t.problem("%s: missing (entries %d to %d)", path, k*layout.EntryBundleWidth+first, k*layout.EntryBundleWidth+first+count-1)
		return nil
	case err != nil:
		return fmt.Errorf("tlog: %s: %w", path, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(data); err != nil {
		t.problem("%s: not an entry bundle (truncated or altered): %v", path, err)
		return nil
	}
	if uint64(len(eb.Entries)) < first+count {
		t.problem("%s: holds %d entries, want at least %d (truncated or altered)", path, len(eb.Entries), first+count)
		return nil
	}
	idx := make([]int64, count)
	for i := range count {
		index := k*layout.EntryBundleWidth + first + i
		e := eb.Entries[first+i]
		if n, err := checkEntry(e); err != nil {
			t.problem("%s: entry %d: %v", path, index, err)
		} else {
			t.Bundles++
			t.Commitments += n
		}
		t.leaves = append(t.leaves, sumdb.RecordHash(e))
		idx[i] = sumdb.StoredHashIndex(0, int64(index))
	}
	stored, err := t.hr.ReadHashes(idx)
	if err != nil {
		t.problem("%s: the log's tiles do not match its checkpoint: %v", layout.TilePath(0, k, p), err)
		return nil
	}
	got := t.leaves[len(t.leaves)-int(count):]
	for i := range stored {
		if stored[i] != got[i] {
			index := k*layout.EntryBundleWidth + first + uint64(i)
			t.problem("%s: hash %d is not the leaf hash of entry %d: the tile or the entry bundle was altered", layout.TilePath(0, k, p), first+uint64(i), index)
			return nil
		}
	}
	return nil
}

// Sign signs text with the log's key, as a signed note: a statement the
// log's operator makes about the log (that it was checked, up to a size),
// which anyone can check with the verifier key and no one without the
// signer key can make. text must end in a newline and its first line MUST
// NOT be the log's origin, so that no statement can be taken for a
// checkpoint.
func (l *Log) Sign(text string) ([]byte, error) {
	if first, _, _ := strings.Cut(text, "\n"); first == l.origin || !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("tlog: sign: a statement must end in a newline and not start with the origin")
	}
	return note.Sign(&note.Note{Text: text}, l.signer)
}

// OpenSigned checks that raw is a note signed by verifierKey and returns
// its text.
func OpenSigned(raw []byte, verifierKey string) (string, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return "", fmt.Errorf("tlog: verifier key: %w", err)
	}
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		return "", fmt.Errorf("tlog: not signed by the log's key: %w", err)
	}
	return n.Text, nil
}
