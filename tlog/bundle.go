package tlog

import (
	"encoding/binary"
	"fmt"

	"github.com/candor-project/candor"
)

// MaxCommitments is the most commitments one bundle holds: 4 KiB of
// commitments per entry. Tessera's POSIX driver rewrites the last, partial
// file of 256 entries on every batch it writes, so the entry size sets the
// write amplification: measured at 150,000 commitments/s, bundles of 128
// write 4.8 MB/s, of 256 8.5 MB/s and of 1,024 19 MB/s (BENCHMARKS.md). A
// proof carries its whole bundle, so this also keeps proofs near 6 KB.
const MaxCommitments = 128

// bundleVersion is the first byte of every encoded bundle.
const bundleVersion = 1

// headerSize is the encoded size of a bundle without its commitments.
const headerSize = 16

// Bundle is one log entry: commitments of one kind from one commit of the
// caller's store. The log never interprets Seq and Part; they let the
// caller tell, after a restart, which of its commits are already logged.
type Bundle struct {
	Kind candor.AuditKind
	// Seq is the caller's sequence number for the commit the commitments
	// were recorded in (for example the store's commit sequence).
	Seq uint64
	// Part numbers the bundles of one commit that did not fit in one
	// bundle, from 0 (see Split).
	Part uint32
	// Commitments holds 1 to MaxCommitments commitments, in the caller's
	// order.
	Commitments []candor.Commitment
}

// Split cuts a commit's commitments into bundles of at most MaxCommitments,
// numbered from Part 0 in order. The split depends only on its arguments,
// so recovery after a restart can recompute it from the store. It returns
// nil for no commitments.
func Split(kind candor.AuditKind, seq uint64, cs []candor.Commitment) []Bundle {
	var bs []Bundle
	for part := uint32(0); len(cs) > 0; part++ {
		n := min(len(cs), MaxCommitments)
		bs = append(bs, Bundle{Kind: kind, Seq: seq, Part: part, Commitments: cs[:n:n]})
		cs = cs[n:]
	}
	return bs
}

// Contains reports whether c is one of b's commitments.
func (b *Bundle) Contains(c candor.Commitment) bool {
	for i := range b.Commitments {
		if b.Commitments[i] == c {
			return true
		}
	}
	return false
}

func (b *Bundle) check() error {
	if !b.Kind.Valid() {
		return fmt.Errorf("unknown kind %d", b.Kind)
	}
	if n := len(b.Commitments); n == 0 || n > MaxCommitments {
		return fmt.Errorf("%d commitments, want 1 to %d", n, MaxCommitments)
	}
	return nil
}

// MarshalBinary encodes b as the log entry it becomes:
//
//	version  1 byte  (1)
//	kind     1 byte  (candor.AuditKind)
//	seq      8 bytes big-endian
//	part     4 bytes big-endian
//	count    2 bytes big-endian, 1 to MaxCommitments
//	count × 32-byte commitments
//
// It fails on an unknown kind or a count out of range.
func (b *Bundle) MarshalBinary() ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("tlog: bundle: %w", err)
	}
	out := make([]byte, headerSize, headerSize+32*len(b.Commitments))
	out[0] = bundleVersion
	out[1] = byte(b.Kind)
	binary.BigEndian.PutUint64(out[2:], b.Seq)
	binary.BigEndian.PutUint32(out[10:], b.Part)
	binary.BigEndian.PutUint16(out[14:], uint16(len(b.Commitments)))
	for i := range b.Commitments {
		out = append(out, b.Commitments[i][:]...)
	}
	return out, nil
}

// UnmarshalBinary decodes an entry written by MarshalBinary. It accepts
// exactly that encoding: a known version and kind, a count from 1 to
// MaxCommitments and no byte more or less than the count implies. The
// commitments are copied; b keeps no reference to data.
func (b *Bundle) UnmarshalBinary(data []byte) error {
	n, err := checkEntry(data)
	if err != nil {
		return err
	}
	nb := Bundle{
		Kind:        candor.AuditKind(data[1]),
		Seq:         binary.BigEndian.Uint64(data[2:]),
		Part:        binary.BigEndian.Uint32(data[10:]),
		Commitments: make([]candor.Commitment, n),
	}
	for i := range nb.Commitments {
		copy(nb.Commitments[i][:], data[headerSize+32*i:])
	}
	*b = nb
	return nil
}

// checkEntry checks that data is an encoded bundle, as UnmarshalBinary
// accepts it, and returns its count of commitments.
func checkEntry(data []byte) (int, error) {
	if len(data) < headerSize {
		return 0, fmt.Errorf("tlog: bundle: %d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if data[0] != bundleVersion {
		return 0, fmt.Errorf("tlog: bundle: unknown version %d", data[0])
	}
	n := int(binary.BigEndian.Uint16(data[14:]))
	if len(data) != headerSize+32*n {
		return 0, fmt.Errorf("tlog: bundle: %d bytes, want %d for %d commitments", len(data), headerSize+32*n, n)
	}
	if k := candor.AuditKind(data[1]); !k.Valid() {
		return 0, fmt.Errorf("tlog: bundle: unknown kind %d", k)
	}
	if n == 0 || n > MaxCommitments {
		return 0, fmt.Errorf("tlog: bundle: %d commitments, want 1 to %d", n, MaxCommitments)
	}
	return n, nil
}
