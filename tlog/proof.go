package tlog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"

	"github.com/candor-project/candor"
	f_log "github.com/transparency-dev/formats/log"
	f_proof "github.com/transparency-dev/formats/proof"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
	sumdb "golang.org/x/mod/sumdb/tlog"
)

// Proof returns a C2SP tlog-proof (https://c2sp.org/tlog-proof) that
// commitment c is in the entry at index: the latest published checkpoint,
// the Merkle inclusion proof of the entry in it, and, as the proof's extra
// data, the entry itself (the encoded Bundle), so that a verifier can
// recompute the leaf hash and find c in it (VerifyProof).
//
// It fails with ErrNotPublished if no published checkpoint covers index
// yet, and with ENOTFOUND if the entry does not hold c.
func (l *Log) Proof(ctx context.Context, index uint64, c candor.Commitment) ([]byte, error) {
	cpRaw, size, root, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if index >= size {
		return nil, ErrNotPublished
	}
	entries, err := l.entryBundle(ctx, index/layout.EntryBundleWidth, layout.PartialTileSize(0, index/layout.EntryBundleWidth, size))
	if err != nil {
		return nil, err
	}
	i := index % layout.EntryBundleWidth
	if i >= uint64(len(entries)) {
		return nil, fmt.Errorf("tlog: entry %d missing from its bundle", index)
	}
	entry := entries[i]
	var b Bundle
	if err := b.UnmarshalBinary(entry); err != nil {
		return nil, fmt.Errorf("tlog: entry %d: %w", index, err)
	}
	if !b.Contains(c) {
		return nil, candor.Errorf(candor.ENOTFOUND, "tlog: entry %d does not hold commitment %s", index, c)
	}
	pb, err := client.NewProofBuilder(ctx, size, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("tlog: proof: %w", err)
	}
	hashes, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("tlog: inclusion proof of %d in %d: %w", index, size, err)
	}
	// Never hand out a proof that does not verify: it would accuse the log.
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, rfc6962.DefaultHasher.HashLeaf(entry), hashes, root); err != nil {
		return nil, fmt.Errorf("tlog: inclusion proof of %d in %d does not verify: %w", index, size, err)
	}
	p := f_proof.TLogProof{Index: index, Checkpoint: cpRaw, ExtraData: entry}
	for _, h := range hashes {
		p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
	}
	return p.Marshal(), nil
}

// ConsistencyProof returns the RFC 6962 consistency proof (RFC 6962 §2.1.2)
// that the tree of size from is a prefix of the tree of size to, for
// from <= to. It fails with ErrNotPublished if no published checkpoint
// covers to yet, and with EINVALID if from > to. Like Proof it never
// returns a proof that does not verify: it checks it against the roots
// of both sizes, recomputed from tiles that are themselves checked
// against the latest checkpoint's root (RootAt).
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if from > to {
		return nil, candor.Errorf(candor.EINVALID, "tlog: consistency from size %d to smaller size %d", from, to)
	}
	_, size, root, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if to > size {
		return nil, ErrNotPublished
	}
	// Build from the latest checkpoint's size: its tiles are all on disk,
	// while the partial tiles of older sizes may have been collected.
	pb, err := client.NewProofBuilder(ctx, size, l.reader.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("tlog: proof: %w", err)
	}
	hashes, err := pb.ConsistencyProof(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("tlog: consistency proof from %d to %d: %w", from, to, err)
	}
	if from > 0 {
		r := l.hashReader(ctx, size, root)
		a, errA := sumdb.TreeHash(int64(from), r)
		b, errB := sumdb.TreeHash(int64(to), r)
		if err := errors.Join(errA, errB); err != nil {
			return nil, fmt.Errorf("tlog: consistency proof from %d to %d: the log's tiles do not match its checkpoint: %w", from, to, err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, from, to, hashes, a[:], b[:]); err != nil {
			return nil, fmt.Errorf("tlog: consistency proof from %d to %d does not verify: %w", from, to, err)
		}
	}
	return hashes, nil
}

// RootAt returns the root hash of the log's first size entries, from its
// tiles checked against the latest checkpoint: a checkpoint of that size
// MUST have it. It fails with ErrNotPublished for a size beyond the
// latest checkpoint, and with an error if the tiles do not match it.
func (l *Log) RootAt(ctx context.Context, size uint64) ([]byte, error) {
	_, n, root, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	if size > n {
		return nil, ErrNotPublished
	}
	h, err := sumdb.TreeHash(int64(size), l.hashReader(ctx, n, root))
	if err != nil {
		return nil, fmt.Errorf("tlog: root of size %d: the log's tiles do not match its checkpoint: %w", size, err)
	}
	return h[:], nil
}

// hashReader reads the tree's hashes from the log's tiles, each checked
// against the tree of size n with root (x/mod/sumdb/tlog.TileHashReader).
func (l *Log) hashReader(ctx context.Context, n uint64, root []byte) sumdb.HashReader {
	return sumdb.TileHashReader(sumdb.Tree{N: int64(n), Hash: sumdb.Hash(root)}, tileReader{ctx, l})
}

// tileReader reads hash tiles for x/mod/sumdb/tlog, which lays them out
// as C2SP tlog-tiles does.
type tileReader struct {
	ctx context.Context
	l   *Log
}

func (tileReader) Height() int                      { return 8 }
func (tileReader) SaveTiles([]sumdb.Tile, [][]byte) {}

func (t tileReader) ReadTiles(tiles []sumdb.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tl := range tiles {
		data, err := t.l.reader.ReadTile(t.ctx, uint64(tl.L), uint64(tl.N), partial(uint64(tl.W)))
		if errors.Is(err, fs.ErrNotExist) && partial(uint64(tl.W)) != 0 {
			data, err = t.l.reader.ReadTile(t.ctx, uint64(tl.L), uint64(tl.N), 0)
		}
		if err != nil {
			return nil, err
		}
		if len(data) < tl.W*sumdb.HashSize {
			return nil, fmt.Errorf("tile %d/%d: %d bytes, want %d", tl.L, tl.N, len(data), tl.W*sumdb.HashSize)
		}
		out[i] = data[:tl.W*sumdb.HashSize]
	}
	return out, nil
}

// entryBundle reads and splits the entry bundle (tile) at bundle index n,
// partial width p (0 for a full bundle).
func (l *Log) entryBundle(ctx context.Context, n uint64, p uint8) ([][]byte, error) {
	raw, err := l.reader.ReadEntryBundle(ctx, n, p)
	if err != nil {
		return nil, fmt.Errorf("tlog: entry bundle %d: %w", n, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("tlog: entry bundle %d: %w", n, err)
	}
	return eb.Entries, nil
}

// Verified is what VerifyProof established.
type Verified struct {
	Index      uint64 // the entry's index
	Size       uint64 // the size of the checkpointed tree
	Root       []byte // its root hash
	Checkpoint []byte // the checkpoint as carried by the proof
	Bundle     Bundle // the entry
}

// VerifyProof checks a tlog-proof made by Proof offline, with nothing but
// the log's published verifier key: the checkpoint's signature by that key
// (the origin is the key's name), the inclusion of the entry carried as
// extra data at the proof's index, and commitment c in that entry. A
// verifier SHOULD also check the checkpoint's consistency with any earlier
// checkpoint it holds (VerifyConsistency).
func VerifyProof(tlogProof []byte, verifierKey string, c candor.Commitment) (*Verified, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return nil, fmt.Errorf("tlog: verifier key: %w", err)
	}
	var p f_proof.TLogProof
	if err := p.Unmarshal(tlogProof); err != nil {
		return nil, fmt.Errorf("tlog: proof: %w", err)
	}
	cp, _, _, err := f_log.ParseCheckpoint(p.Checkpoint, v.Name(), v)
	if err != nil {
		return nil, fmt.Errorf("tlog: proof checkpoint: %w", err)
	}
	hashes := make([][]byte, len(p.Hashes))
	for i := range p.Hashes {
		hashes[i] = p.Hashes[i][:]
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(p.ExtraData)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, cp.Size, leaf, hashes, cp.Hash); err != nil {
		return nil, fmt.Errorf("tlog: entry %d is not in the checkpointed tree of size %d: %w", p.Index, cp.Size, err)
	}
	out := &Verified{Index: p.Index, Size: cp.Size, Root: cp.Hash, Checkpoint: p.Checkpoint}
	if err := out.Bundle.UnmarshalBinary(p.ExtraData); err != nil {
		return nil, err
	}
	if !out.Bundle.Contains(c) {
		return nil, fmt.Errorf("tlog: entry %d does not hold commitment %s", p.Index, c)
	}
	return out, nil
}

// VerifyConsistency checks that the log signed both checkpoints with the
// key verifierKey and that hashes prove the newer tree extends the older
// one. An error means one of the checkpoints is not the log's, or the log
// rewrote its history (or the proof is wrong).
func VerifyConsistency(verifierKey string, older, newer []byte, hashes [][]byte) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("tlog: verifier key: %w", err)
	}
	a, _, _, err := f_log.ParseCheckpoint(older, v.Name(), v)
	if err != nil {
		return fmt.Errorf("tlog: older checkpoint: %w", err)
	}
	b, _, _, err := f_log.ParseCheckpoint(newer, v.Name(), v)
	if err != nil {
		return fmt.Errorf("tlog: newer checkpoint: %w", err)
	}
	if a.Size > b.Size {
		return fmt.Errorf("tlog: older checkpoint has size %d, more than the newer's %d", a.Size, b.Size)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, a.Size, b.Size, hashes, a.Hash, b.Hash); err != nil {
		return fmt.Errorf("tlog: checkpoint of size %d is not consistent with the older one of size %d: %w", b.Size, a.Size, err)
	}
	return nil
}
