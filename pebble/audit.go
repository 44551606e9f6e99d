package pebble

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// The audit tables (charter point 6):
//
//	0x0b seq(8)                  → 0x01 uvarint(n write) uvarint(n access) (n write + n access) × commitment(32)
//	                               or 0x02 uvarint(n write) uvarint(n access) uvarint(n retired) (n write + n access + n retired) × commitment(32)
//	0x0c SubjectID(16) N(8)      → 0x01 commit seq(8) pos(4) sealed          (access records)
//	0x0d seq(8)                  → n × log index(8)                          (where an entry's bundles are logged)
//	0x00 "auditmark"             → seq(8) log size(8)
//
// The counters value grows to 24 bytes, last access number appended, the
// first time access records are committed; a 16-byte one reads as no
// access records yet.
const (
	tableAudit       byte = 0x0b
	tableAccess      byte = 0x0c
	tableAuditLogged byte = 0x0d
)

var keyAuditMark = []byte("\x00auditmark")

const (
	auditKeyLen       = 1 + 8
	accessKeyLen      = 1 + 16 + 8
	accessFixedLen    = 1 + 8 + 4
	countersLenAccess = countersLen + 8
)

func seqKey(table byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{table}, seq)
}

func accessKey(buf []byte, sub candor.SubjectID, n uint64) []byte {
	buf = append(buf, tableAccess)
	buf = append(buf, sub[:]...)
	return binary.BigEndian.AppendUint64(buf, n)
}

// auditRetiredV1 is the version byte of an audit entry with retired
// commitments.
const auditRetiredV1 = 2

func putAuditEntry(b *pebble.Batch, seq uint64, write, access, retired []candor.Commitment) {
	var hdr [1 + 3*binary.MaxVarintLen64]byte
	h := append(hdr[:0], recordV1)
	if len(retired) > 0 {
		h[0] = auditRetiredV1
	}
	h = binary.AppendUvarint(h, uint64(len(write)))
	h = binary.AppendUvarint(h, uint64(len(access)))
	if len(retired) > 0 {
		h = binary.AppendUvarint(h, uint64(len(retired)))
	}
	op := b.SetDeferred(auditKeyLen, len(h)+32*(len(write)+len(access)+len(retired)))
	op.Key[0] = tableAudit
	binary.BigEndian.PutUint64(op.Key[1:], seq)
	v := op.Value[copy(op.Value, h):]
	for _, cs := range [][]candor.Commitment{write, access, retired} {
		for i := range cs {
			v = v[copy(v, cs[i][:]):]
		}
	}
	op.Finish()
}

func decodeAuditEntry(k, v []byte) (*candor.AuditEntry, error) {
	if len(k) != auditKeyLen || len(v) < 3 || v[0] != recordV1 && v[0] != auditRetiredV1 {
		return nil, errCorrupt
	}
	counts := 2
	if v[0] == auditRetiredV1 {
		counts = 3
	}
	var n [3]uint64
	rest := v[1:]
	total := uint64(0)
	for i := range counts {
		c, m := binary.Uvarint(rest)
		if m <= 0 || c > uint64(len(rest))/32 {
			return nil, errCorrupt
		}
		n[i], total, rest = c, total+c, rest[m:]
	}
	if uint64(len(rest)) != 32*total || counts == 3 && n[2] == 0 {
		return nil, errCorrupt
	}
	e := &candor.AuditEntry{Seq: binary.BigEndian.Uint64(k[1:]),
		Write: make([]candor.Commitment, n[0]), Access: make([]candor.Commitment, n[1])}
	if n[2] > 0 {
		e.Retired = make([]candor.Commitment, n[2])
	}
	for _, cs := range [][]candor.Commitment{e.Write, e.Access, e.Retired} {
		for i := range cs {
			rest = rest[copy(cs[i][:], rest):]
		}
	}
	return e, nil
}

func putAccess(b *pebble.Batch, r *candor.AccessRecord) {
	op := b.SetDeferred(accessKeyLen, accessFixedLen+len(r.Sealed))
	accessKey(op.Key[:0], r.Subject, r.N)
	op.Value[0] = recordV1
	binary.BigEndian.PutUint64(op.Value[1:], r.Commit)
	binary.BigEndian.PutUint32(op.Value[9:], r.Pos)
	copy(op.Value[accessFixedLen:], r.Sealed)
	op.Finish()
}

func decodeAccess(k, v []byte) (*candor.AccessRecord, error) {
	if len(k) != accessKeyLen || k[0] != tableAccess || len(v) < accessFixedLen || v[0] != recordV1 {
		return nil, errCorrupt
	}
	return &candor.AccessRecord{
		Subject: candor.SubjectID(k[1:17]),
		N:       binary.BigEndian.Uint64(k[17:]),
		Commit:  binary.BigEndian.Uint64(v[1:]),
		Pos:     binary.BigEndian.Uint32(v[9:]),
		Sealed:  bytes.Clone(v[accessFixedLen:]),
	}, nil
}

// AuditEntries implements candor.AuditStore. Entries become visible to it
// once a wait of their commit, or of a later one, has returned: batches are
// synced in commit order, so that is when they are durable.
func (s *Store) AuditEntries(ctx context.Context, after uint64) iter.Seq2[*candor.AuditEntry, error] {
	through := s.durable.Load()
	if after >= through {
		return func(func(*candor.AuditEntry, error) bool) {}
	}
	return scanRange(s, ctx, "audit entries", seqKey(tableAudit, after+1), seqKey(tableAudit, through+1), decodeAuditEntry)
}

// AuditMark implements candor.AuditStore.
func (s *Store) AuditMark(ctx context.Context) (candor.AuditMark, error) {
	if !s.gate.enter() {
		return candor.AuditMark{}, errClosed()
	}
	defer s.gate.leave()
	v, err := s.get(keyAuditMark)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return candor.AuditMark{}, nil
	case err != nil:
		return candor.AuditMark{}, fmt.Errorf("pebble: audit mark: %w", err)
	case len(v) != 16:
		return candor.AuditMark{}, fmt.Errorf("pebble: audit mark: %w", errCorrupt)
	}
	return candor.AuditMark{Seq: binary.BigEndian.Uint64(v), Size: binary.BigEndian.Uint64(v[8:])}, nil
}

// MarkLogged implements candor.AuditStore, in one batch that is not synced
// by itself: the next synced commit makes it durable (the WAL is written in
// order), and if a crash loses it the Appender's recovery finds the
// bundles in the log and records them again. It spares the log one fsync
// per round competing with the write path's.
func (s *Store) MarkLogged(ctx context.Context, m candor.AuditMark, logged []candor.LoggedEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.markMu.Lock()
	defer s.markMu.Unlock()
	old, err := s.AuditMark(ctx)
	if err != nil {
		return err
	}
	if m.Seq < old.Seq || m.Size < old.Size {
		return candor.Errorf(candor.EINVALID, "audit mark %+v is behind the stored %+v", m, old)
	}
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	b := s.db.NewBatch()
	defer b.Close()
	for _, l := range logged {
		v := make([]byte, 0, 8*len(l.Indexes))
		for _, i := range l.Indexes {
			v = binary.BigEndian.AppendUint64(v, i)
		}
		b.Set(seqKey(tableAuditLogged, l.Seq), v, nil)
	}
	v := binary.BigEndian.AppendUint64(nil, m.Seq)
	b.Set(keyAuditMark, binary.BigEndian.AppendUint64(v, m.Size), nil)
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("pebble: mark logged: %w", err)
	}
	return nil
}

// ResetAuditLog forgets where the recorded entries are logged — the mark
// and every entry's log indexes — so that the Appender appends every
// recorded entry again, to a new log (candor audit recover). The entries
// themselves stay.
func (s *Store) ResetAuditLog(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.markMu.Lock()
	defer s.markMu.Unlock()
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	b := s.db.NewBatch()
	defer b.Close()
	lower, upper := tableBounds(tableAuditLogged)
	b.DeleteRange(lower, upper, nil)
	b.Delete(keyAuditMark, nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebble: reset audit log: %w", err)
	}
	return nil
}

// LogIndexes implements candor.AuditStore.
func (s *Store) LogIndexes(ctx context.Context, seq uint64) ([]uint64, error) {
	if !s.gate.enter() {
		return nil, errClosed()
	}
	defer s.gate.leave()
	var out []uint64
	err := s.view(seqKey(tableAuditLogged, seq), func(v []byte) error {
		if len(v)%8 != 0 {
			return errCorrupt
		}
		for ; len(v) > 0; v = v[8:] {
			out = append(out, binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		return nil, notFound(err, "commit %d is not logged", seq)
	}
	return out, nil
}

// AccessRecords implements candor.AuditStore.
func (s *Store) AccessRecords(ctx context.Context, subject candor.SubjectID) iter.Seq2[*candor.AccessRecord, error] {
	lower, upper := tableBounds(tableAccess)
	if !subject.IsZero() {
		lower = append([]byte{tableAccess}, subject[:]...)
		upper = bytes.Clone(lower)
		prefixEnd(upper)
	}
	return scanRange(s, ctx, "access records", lower, upper, decodeAccess)
}

// AccessRecord implements candor.AuditStore.
func (s *Store) AccessRecord(ctx context.Context, subject candor.SubjectID, n uint64) (*candor.AccessRecord, error) {
	if !s.gate.enter() {
		return nil, errClosed()
	}
	defer s.gate.leave()
	k := accessKey(nil, subject, n)
	var r *candor.AccessRecord
	err := s.view(k, func(v []byte) (err error) {
		r, err = decodeAccess(k, v)
		return err
	})
	if err != nil {
		return nil, notFound(err, "no access record %d about subject %s", n, subject)
	}
	return r, nil
}

// lastAccessN returns the number of sub's last access record, 0 if none.
// Commit calls it under its lock, after every earlier batch is visible.
func (s *Store) lastAccessN(sub candor.SubjectID) (uint64, error) {
	lower := append([]byte{tableAccess}, sub[:]...)
	upper := bytes.Clone(lower)
	prefixEnd(upper)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	if len(it.Key()) != accessKeyLen {
		return 0, errCorrupt
	}
	return binary.BigEndian.Uint64(it.Key()[17:]), nil
}
