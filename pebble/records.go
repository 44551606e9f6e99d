package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Records live in two tables: the records by kind and ID, and an index of
// each subject's records:
//
//	0x09 kind(1) id          → SubjectID(16) data
//	0x0a kind(1) SubjectID(16) id → (empty)

func recordKey(kind candor.RecordKind, id string) []byte {
	return append([]byte{tableRecord, byte(kind)}, id...)
}

func recordIndexKey(kind candor.RecordKind, sub candor.SubjectID, id string) []byte {
	k := append([]byte{tableRecordIndex, byte(kind)}, sub[:]...)
	return append(k, id...)
}

// PutRecord implements candor.RecordStore.
func (s *Store) PutRecord(ctx context.Context, r *candor.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
		return err
	}
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	err := s.view(recordKey(r.Kind, r.ID), func(v []byte) error {
		if len(v) < 16 {
			return errCorrupt
		}
		if candor.SubjectID(v[:16]) != r.Subject {
			return candor.Errorf(candor.EINVALID, "record %s is about another subject", r.ID)
		}
		return nil
	})
	if err != nil && !errors.Is(err, pebble.ErrNotFound) {
		return err
	}
	b := s.db.NewBatch()
	defer b.Close()
	b.Set(recordKey(r.Kind, r.ID), append(r.Subject[:], r.Data...), nil)
	b.Set(recordIndexKey(r.Kind, r.Subject, r.ID), nil, nil)
	if err := s.applyOrdered(b); err != nil {
		return fmt.Errorf("pebble: put record: %w", err)
	}
	s.recordWritten(r.Kind, r.ID, r.Subject)
	return nil
}

// applyOrdered commits b durably, entering it into the commit order under
// the commit lock as Commit does, so that an erasure, which reads a
// subject's records under that lock, either sees b or comes before it.
func (s *Store) applyOrdered(b *pebble.Batch) error {
	s.mu.Lock()
	err := s.db.ApplyNoSyncWait(b, pebble.Sync)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return b.SyncWait()
}

// DeleteRecord implements candor.RecordStore.
func (s *Store) DeleteRecord(ctx context.Context, kind candor.RecordKind, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return err
	}
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	var sub candor.SubjectID
	err := s.view(recordKey(kind, id), func(v []byte) error {
		if len(v) < 16 {
			return errCorrupt
		}
		sub = candor.SubjectID(v[:16])
		return nil
	})
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("pebble: delete record: %w", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	b.Delete(recordKey(kind, id), nil)
	b.Delete(recordIndexKey(kind, sub, id), nil)
	if err := s.applyOrdered(b); err != nil {
		return fmt.Errorf("pebble: delete record: %w", err)
	}
	s.recordWritten(kind, id, sub)
	return nil
}

// recordWritten invalidates what is cached of a record just written.
func (s *Store) recordWritten(kind candor.RecordKind, id string, sub candor.SubjectID) {
	s.versions.of(sub, kind).Add(1)
	if kind == candor.RecordRelyingParty {
		s.parties.invalidate(recordKey(kind, id))
	}
}

// Record implements candor.RecordStore.
func (s *Store) Record(ctx context.Context, kind candor.RecordKind, id string) (*candor.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return nil, err
	}
	k := recordKey(kind, id)
	if kind != candor.RecordRelyingParty {
		return s.record(kind, id, k)
	}
	r, err := s.parties.get(k, func() (*candor.Record, error) { return s.record(kind, id, k) })
	if err != nil {
		return nil, err
	}
	c := *r
	c.Data = bytes.Clone(r.Data)
	return &c, nil
}

func (s *Store) record(kind candor.RecordKind, id string, k []byte) (*candor.Record, error) {
	v, err := s.getValue(k)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return nil, candor.Errorf(candor.ENOTFOUND, "no such record")
	case err != nil:
		return nil, fmt.Errorf("pebble: record: %w", err)
	case len(v) < 16:
		return nil, fmt.Errorf("pebble: record: %w", errCorrupt)
	}
	return &candor.Record{Kind: kind, ID: id, Subject: candor.SubjectID(v[:16]), Data: v[16:]}, nil
}

// Records implements candor.RecordStore: one scan of the subject's index,
// and a point read per record.
func (s *Store) Records(ctx context.Context, kind candor.RecordKind, subject candor.SubjectID) iter.Seq2[*candor.Record, error] {
	prefix := recordIndexKey(kind, subject, "")
	return s.scanRecords(ctx, kind, prefix, func(k, _ []byte) (*candor.Record, error) {
		return s.Record(ctx, kind, string(k[len(prefix):]))
	})
}

// AllRecords implements candor.RecordStore.
func (s *Store) AllRecords(ctx context.Context, kind candor.RecordKind) iter.Seq2[*candor.Record, error] {
	prefix := recordKey(kind, "")
	return s.scanRecords(ctx, kind, prefix, func(k, v []byte) (*candor.Record, error) {
		if len(v) < 16 {
			return nil, errCorrupt
		}
		return &candor.Record{Kind: kind, ID: string(k[len(prefix):]), Subject: candor.SubjectID(v[:16]), Data: bytes.Clone(v[16:])}, nil
	})
}

func (s *Store) scanRecords(ctx context.Context, kind candor.RecordKind, prefix []byte, decode func(k, v []byte) (*candor.Record, error)) iter.Seq2[*candor.Record, error] {
	if !kind.Valid() {
		return func(yield func(*candor.Record, error) bool) {
			yield(nil, candor.Errorf(candor.EINVALID, "unknown record kind %d", kind))
		}
	}
	upper := bytes.Clone(prefix)
	prefixEnd(upper)
	return scanRange(s, ctx, "records", prefix, upper, decode)
}
