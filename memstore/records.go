package memstore

import (
	"bytes"
	"cmp"
	"context"
	"iter"
	"maps"
	"slices"

	"github.com/candor-project/candor"
)

// putRecord stores a copy of r, replacing the record of its kind and ID,
// and bumps the version of its subject's records of its kind.
func (d *data) putRecord(r *candor.Record) {
	byID := d.records[r.Kind]
	if byID == nil {
		byID = map[string]*candor.Record{}
		d.records[r.Kind] = byID
	}
	byID[r.ID] = copyRecord(r)
	owner := recordOwner{r.Kind, r.Subject}
	ids := d.bySubject[owner]
	if ids == nil {
		ids = map[string]struct{}{}
		d.bySubject[owner] = ids
	}
	ids[r.ID] = struct{}{}
	d.bump(r.Subject, r.Kind)
}

// PutRecord implements candor.RecordStore. Errors: EINVALID for an unknown
// kind, an empty or over-long ID, or a replacement about another subject;
// EUNAVAILABLE on a closed handle; the context's.
func (s *Store) PutRecord(ctx context.Context, r *candor.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
		return err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if old := d.records[r.Kind][r.ID]; old != nil && old.Subject != r.Subject {
		return candor.Errorf(candor.EINVALID, "record %s is about another subject", r.ID)
	}
	d.putRecord(r)
	return nil
}

// DeleteRecord implements candor.RecordStore: removing none is no error.
// Errors as PutRecord's, but for the subject.
func (s *Store) DeleteRecord(ctx context.Context, kind candor.RecordKind, id string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.records[kind][id]
	if r == nil {
		return nil
	}
	delete(d.records[kind], id)
	owner := recordOwner{kind, r.Subject}
	delete(d.bySubject[owner], id)
	if len(d.bySubject[owner]) == 0 {
		delete(d.bySubject, owner)
	}
	d.bump(r.Subject, kind)
	return nil
}

// Record implements candor.RecordStore: a copy of the stored record, or
// ENOTFOUND; EINVALID for an unknown kind or a bad ID.
func (s *Store) Record(ctx context.Context, kind candor.RecordKind, id string) (*candor.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return nil, err
	}
	d := s.d
	d.mu.RLock()
	r := d.records[kind][id]
	d.mu.RUnlock()
	if r == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "no such record")
	}
	return copyRecord(r), nil
}

// Records implements candor.RecordStore: copies of the subject's records
// of kind, in ID order, as stored when the iteration began. EINVALID for
// an unknown kind.
func (s *Store) Records(ctx context.Context, kind candor.RecordKind, subject candor.SubjectID) iter.Seq2[*candor.Record, error] {
	return s.yieldRecords(ctx, kind, func(d *data) []*candor.Record {
		var out []*candor.Record
		for id := range d.bySubject[recordOwner{kind, subject}] {
			out = append(out, d.records[kind][id])
		}
		return out
	})
}

// AllRecords implements candor.RecordStore, as Records does for every
// record of kind.
func (s *Store) AllRecords(ctx context.Context, kind candor.RecordKind) iter.Seq2[*candor.Record, error] {
	return s.yieldRecords(ctx, kind, func(d *data) []*candor.Record {
		return slices.Collect(maps.Values(d.records[kind]))
	})
}

// yieldRecords yields copies of the records collect returns under the
// read lock, in ID order.
func (s *Store) yieldRecords(ctx context.Context, kind candor.RecordKind, collect func(*data) []*candor.Record) iter.Seq2[*candor.Record, error] {
	return func(yield func(*candor.Record, error) bool) {
		if !kind.Valid() {
			yield(nil, candor.Errorf(candor.EINVALID, "unknown record kind %d", kind))
			return
		}
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		s.d.mu.RLock()
		recs := collect(s.d)
		s.d.mu.RUnlock()
		slices.SortFunc(recs, func(a, b *candor.Record) int { return cmp.Compare(a.ID, b.ID) })
		yieldCopies(ctx, recs, copyRecord, yield)
	}
}

// yieldCopies yields a copy of each of recs, checking ctx every
// ctxCheckEvery records; the context's error is yielded once, last.
func yieldCopies[T any](ctx context.Context, recs []*T, copyOf func(*T) *T, yield func(*T, error) bool) {
	for i, r := range recs {
		if i%ctxCheckEvery == ctxCheckEvery-1 && ctx.Err() != nil {
			yield(nil, ctx.Err())
			return
		}
		if !yield(copyOf(r), nil) {
			return
		}
	}
}

// ctxCheckEvery is how many records an iteration yields between checks of
// its context, as pebble's.
const ctxCheckEvery = 256

// PutSource implements candor.Registry: it stores a copy of src. EINVALID
// if the ID is empty.
func (s *Store) PutSource(ctx context.Context, src *candor.Source) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if src.ID == "" {
		return candor.Errorf(candor.EINVALID, "source id is required")
	}
	s.d.mu.Lock()
	s.d.sources[src.ID] = copySource(src)
	s.d.mu.Unlock()
	return nil
}

// Source implements candor.Registry: a copy, or ENOTFOUND.
func (s *Store) Source(ctx context.Context, id string) (*candor.Source, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	src := s.d.sources[id]
	s.d.mu.RUnlock()
	if src == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "source %q not found", id)
	}
	return copySource(src), nil
}

// Sources implements candor.Registry: copies, ordered by ID.
func (s *Store) Sources(ctx context.Context) ([]*candor.Source, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	srcs := make([]*candor.Source, 0, len(s.d.sources))
	for _, src := range s.d.sources {
		srcs = append(srcs, copySource(src))
	}
	s.d.mu.RUnlock()
	slices.SortFunc(srcs, func(a, b *candor.Source) int { return cmp.Compare(a.ID, b.ID) })
	return srcs, nil
}

// copySource copies src as a round trip through pebble's encoding would:
// no empty list of allowed types, no monotonic clock reading.
func copySource(src *candor.Source) *candor.Source {
	c := *src
	c.AllowedTypes = nil
	if len(src.AllowedTypes) > 0 {
		c.AllowedTypes = slices.Clone(src.AllowedTypes)
	}
	c.CreatedAt = src.CreatedAt.Round(0)
	return &c
}

// PutKey implements candor.Registry: it stores a copy of k. EINVALID if
// the ID is empty.
func (s *Store) PutKey(ctx context.Context, k *candor.APIKey) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if k.ID == "" {
		return candor.Errorf(candor.EINVALID, "API key id is required")
	}
	s.d.mu.Lock()
	s.d.keys[k.ID] = copyKey(k)
	s.d.mu.Unlock()
	return nil
}

// Key implements candor.Registry: a copy, or ENOTFOUND.
func (s *Store) Key(ctx context.Context, id string) (*candor.APIKey, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	k := s.d.keys[id]
	s.d.mu.RUnlock()
	if k == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "API key %q not found", id)
	}
	return copyKey(k), nil
}

// Keys implements candor.Registry: copies, ordered by ID.
func (s *Store) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	keys := make([]*candor.APIKey, 0, len(s.d.keys))
	for _, k := range s.d.keys {
		keys = append(keys, copyKey(k))
	}
	s.d.mu.RUnlock()
	slices.SortFunc(keys, func(a, b *candor.APIKey) int { return cmp.Compare(a.ID, b.ID) })
	return keys, nil
}

func copyKey(k *candor.APIKey) *candor.APIKey {
	c := *k
	c.CreatedAt, c.RevokedAt = k.CreatedAt.Round(0), k.RevokedAt.Round(0)
	return &c
}

// GetMeta implements candor.Meta: a copy of the value, or ENOTFOUND.
func (s *Store) GetMeta(ctx context.Context, name string) ([]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	v, ok := s.d.meta[name]
	s.d.mu.RUnlock()
	if !ok {
		return nil, candor.Errorf(candor.ENOTFOUND, "meta value %q not found", name)
	}
	return bytes.Clone(v), nil
}

// PutMeta implements candor.Meta: it stores a copy of value. EINVALID if
// name is empty.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if name == "" {
		return candor.Errorf(candor.EINVALID, "meta name is required")
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	s.d.mu.Lock()
	s.d.meta[name] = v
	s.d.mu.Unlock()
	return nil
}
