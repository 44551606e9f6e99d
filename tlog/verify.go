package tlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	sumdb "golang.org/x/mod/sumdb/tlog"
)

// Source reads a log's public files by their C2SP tlog-tiles path
// ("checkpoint", "tile/0/000", "tile/entries/001.p/7"). ReadFile returns
// an error wrapping fs.ErrNotExist for a file that is not there.
type Source interface {
	ReadFile(ctx context.Context, path string) ([]byte, error)
}

// DirSource reads a log from its directory (Options' dir, <data>/log).
type DirSource string

// ReadFile implements Source.
func (d DirSource) ReadFile(_ context.Context, path string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), filepath.FromSlash(path)))
}

// ReadFile reads one of the log's public files, from its directory
// (Source).
func (l *Log) ReadFile(ctx context.Context, path string) ([]byte, error) {
	return DirSource(l.dir).ReadFile(ctx, path)
}

// maxFile bounds what HTTPSource reads of one file: a full entry bundle
// is at most 256 × (2 + 16 + 32×MaxCommitments) bytes, about 1 MiB.
const maxFile = 2 << 20

// HTTPSource reads a log served at a URL prefix, such as
// "https://candor.example/log/" (Handler's layout).
type HTTPSource struct {
	Prefix string
	Client *http.Client // nil: http.DefaultClient
}

// ReadFile implements Source. A 404 is fs.ErrNotExist; a file larger
// than any the log writes is an error.
func (h HTTPSource) ReadFile(ctx context.Context, path string) ([]byte, error) {
	url := strings.TrimSuffix(h.Prefix, "/") + "/" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: more than %d bytes", url, maxFile)
	}
	return data, nil
}

// State is a log as Check found it: its checkpoint and every hash of its
// tree, recomputed from its entries.
type State struct {
	Checkpoint []byte // the signed checkpoint
	Size       uint64 // its tree size
	Root       []byte // its root hash
	Bundles    int    // entries read and well formed
	// Commitments is the number of commitments in those entries.
	Commitments int
	Tiles       int // hash tiles recomputed and compared
	// Problems names everything found wrong, at most maxProblems of them;
	// ProblemCount counts them all. The log is sound if it is zero.
	Problems     []string
	ProblemCount int

	hashes []sumdb.Hash // the stored hashes (x/mod/sumdb/tlog's layout), if every entry was read
}

const maxProblems = 100

func (s *State) problem(format string, args ...any) {
	s.ProblemCount++
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

// TreeSize is the size of the checked tree.
func (s *State) TreeSize() uint64 { return s.Size }

// OK reports whether Check found nothing wrong.
func (s *State) OK() bool { return s.ProblemCount == 0 }

// Complete reports whether every entry could be read, so that LeafHash and
// RootAt can answer.
func (s *State) Complete() bool { return s.hashes != nil || s.Size == 0 }

func (s *State) reader() sumdb.HashReader {
	return sumdb.HashReaderFunc(func(idx []int64) ([]sumdb.Hash, error) {
		out := make([]sumdb.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(s.hashes)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = s.hashes[x]
		}
		return out, nil
	})
}

// LeafHash returns the RFC 6962 leaf hash of entry index, recomputed from
// the entry, or false if the state has no such entry.
func (s *State) LeafHash(index uint64) ([]byte, bool) {
	if index >= s.Size || !s.Complete() {
		return nil, false
	}
	h := s.hashes[sumdb.StoredHashIndex(0, int64(index))]
	return h[:], true
}

// RootAt returns the root hash of the tree of the first size entries,
// recomputed from them: an earlier checkpoint of this log of that size
// MUST have this root.
func (s *State) RootAt(size uint64) ([]byte, error) {
	if size > s.Size || !s.Complete() {
		return nil, fmt.Errorf("tlog: no tree of size %d in a checked log of %d entries", size, s.Size)
	}
	h, err := sumdb.TreeHash(int64(size), s.reader())
	if err != nil {
		return nil, err
	}
	return h[:], nil
}

// Check verifies a log from its public files with nothing but its
// verifier key, as an outsider can: the checkpoint's signature; every
// entry bundle up to the checkpoint's size, each entry a well-formed
// Bundle (UnmarshalBinary); every hash tile, recomputed from the entries
// and compared byte for byte; and the checkpoint's root, recomputed from
// the entries. fn, if not nil, is called with each entry in index order
// (its bundle is only valid during the call).
//
// What Check finds wrong in the log is in the State's Problems, each
// naming the file and what is wrong with it. It returns an error only
// when it cannot check at all: no checkpoint, one not signed by the key,
// or a Source that fails other than with fs.ErrNotExist.
func Check(ctx context.Context, src Source, verifierKey string, fn func(index uint64, b *Bundle) error) (*State, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return nil, fmt.Errorf("tlog: verifier key: %w", err)
	}
	raw, err := src.ReadFile(ctx, "checkpoint")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tlog: the log has no checkpoint: it is missing or was never started")
	}
	if err != nil {
		return nil, fmt.Errorf("tlog: checkpoint: %w", err)
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return nil, fmt.Errorf("tlog: checkpoint: not a checkpoint of %s signed by its key: %w", v.Name(), err)
	}
	s := &State{Checkpoint: raw, Size: cp.Size, Root: cp.Hash}
	n := int64(cp.Size)
	hashes := make([]sumdb.Hash, 0, sumdb.StoredHashCount(n))
	r := sumdb.HashReaderFunc(func(idx []int64) ([]sumdb.Hash, error) {
		out := make([]sumdb.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	var b Bundle
	for k := uint64(0); k*layout.EntryBundleWidth < cp.Size; k++ {
		width := min(cp.Size-k*layout.EntryBundleWidth, layout.EntryBundleWidth)
		path, data, err := readTile(ctx, src, layout.EntriesPath(k, partial(width)), layout.EntriesPath(k, 0))
		if err != nil {
			return nil, err
		}
		if data == nil {
			s.problem("%s: missing (entries %d to %d)", path, k*layout.EntryBundleWidth, k*layout.EntryBundleWidth+width-1)
			return s, nil
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(data); err != nil {
			s.problem("%s: not an entry bundle (truncated or altered): %v", path, err)
			return s, nil
		}
		if want := fileWidth(path, layout.EntriesPath(k, 0), width); uint64(len(eb.Entries)) != want {
			s.problem("%s: holds %d entries, want %d (truncated or altered)", path, len(eb.Entries), want)
			return s, nil
		}
		for i, e := range eb.Entries[:width] {
			index := k*layout.EntryBundleWidth + uint64(i)
			if count, err := checkEntry(e); err != nil {
				s.problem("%s: entry %d: %v", path, index, err)
			} else {
				s.Bundles++
				s.Commitments += count
				if fn != nil {
					if err := b.UnmarshalBinary(e); err != nil {
						return nil, err
					}
					if err := fn(index, &b); err != nil {
						return nil, err
					}
				}
			}
			hs, err := sumdb.StoredHashesForRecordHash(int64(index), sumdb.RecordHash(e), r)
			if err != nil {
				return nil, err
			}
			hashes = append(hashes, hs...)
		}
	}
	s.hashes = hashes

	// Every tile of the tree, against the entries.
	for _, t := range sumdb.NewTiles(8, 0, n) {
		want, err := sumdb.ReadTileData(t, r)
		if err != nil {
			return nil, err
		}
		full := layout.TilePath(uint64(t.L), uint64(t.N), 0)
		path, got, err := readTile(ctx, src, layout.TilePath(uint64(t.L), uint64(t.N), partial(uint64(t.W))), full)
		if err != nil {
			return nil, err
		}
		s.Tiles++
		switch {
		case got == nil:
			s.problem("%s: missing", path)
		case uint64(len(got)) != sumdb.HashSize*fileWidth(path, full, uint64(t.W)):
			s.problem("%s: %d bytes, want %d (truncated or altered)", path, len(got), sumdb.HashSize*fileWidth(path, full, uint64(t.W)))
		case !bytes.Equal(got[:len(want)], want):
			i := firstDiff(got, want) / sumdb.HashSize
			if t.L == 0 {
				s.problem("%s: hash %d is not the leaf hash of entry %d: the tile or the entry bundle was altered", path, i, int64(t.N)*256+int64(i))
			} else {
				s.problem("%s: hash %d is not the root of %s below it: a hash tile was altered", path, i, layout.TilePath(uint64(t.L-1), uint64(t.N)*layout.TileWidth+uint64(i), 0))
			}
		}
	}
	root, err := sumdb.TreeHash(n, r)
	if err != nil {
		return nil, err
	}
	if n > 0 && !bytes.Equal(root[:], cp.Hash) {
		s.problem("checkpoint: its root hash is not the root of the %d entries: the entries or the checkpoint were altered", n)
	}
	return s, nil
}

// fileWidth is how many entries or hashes the file at path must hold: w
// for a partial file, a full tile's width for the full one.
func fileWidth(path, full string, w uint64) uint64 {
	if path == full {
		return layout.TileWidth
	}
	return w
}

// partial is the partial width of a tile of w hashes (0: full).
func partial(w uint64) uint8 { return uint8(w % layout.TileWidth) }

// readTile reads path, or the full tile if the partial one is gone (a log
// may collect partial tiles once full ones exist). It returns the path it
// read, and nil data if neither exists.
func readTile(ctx context.Context, src Source, path, full string) (string, []byte, error) {
	data, err := src.ReadFile(ctx, path)
	if errors.Is(err, fs.ErrNotExist) && path != full {
		path = full
		data, err = src.ReadFile(ctx, full)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil, nil
	}
	if err != nil {
		return path, nil, fmt.Errorf("tlog: %w", err)
	}
	return path, data, nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Consistent checks that old, a checkpoint saved earlier, is signed by
// verifierKey and that the checked log extends it: it is no larger and
// its root is the root of the log's first entries. The error names the
// problem.
func (s *State) Consistent(old []byte, verifierKey string) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("tlog: verifier key: %w", err)
	}
	cp, _, _, err := f_log.ParseCheckpoint(old, v.Name(), v)
	if err != nil {
		return fmt.Errorf("the saved checkpoint is not one of this log: %w", err)
	}
	if cp.Size > s.Size {
		return fmt.Errorf("the log shrank from %d entries (saved checkpoint) to %d: it was rolled back", cp.Size, s.Size)
	}
	root, err := s.RootAt(cp.Size)
	if err != nil {
		return err
	}
	if !bytes.Equal(root, cp.Hash) {
		return fmt.Errorf("the log is not consistent with the saved checkpoint of size %d: its history was rewritten", cp.Size)
	}
	return nil
}

// LeafHash returns the RFC 6962 leaf hash of a log entry (an encoded
// Bundle): SHA-256(0x00 || entry).
func LeafHash(entry []byte) []byte {
	h := sumdb.RecordHash(entry)
	return h[:]
}
