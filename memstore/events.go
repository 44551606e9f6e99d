package memstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"iter"
	"slices"

	"github.com/candor-project/candor"
)

// SubjectByIndex implements candor.EventStore: the subject a blind index
// maps to, or ENOTFOUND.
func (s *Store) SubjectByIndex(ctx context.Context, bi candor.BlindIndex) (candor.SubjectID, error) {
	if err := s.check(ctx); err != nil {
		return candor.SubjectID{}, err
	}
	s.d.mu.RLock()
	id, ok := s.d.indexes[bi]
	s.d.mu.RUnlock()
	if !ok {
		return candor.SubjectID{}, candor.Errorf(candor.ENOTFOUND, "blind index not found")
	}
	return id, nil
}

// IndexesOf implements candor.EventStore.
func (s *Store) IndexesOf(ctx context.Context, subjects []candor.SubjectID) (map[candor.SubjectID][]candor.BlindIndex, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	want := make(map[candor.SubjectID]bool, len(subjects))
	for _, id := range subjects {
		want[id] = true
	}
	out := map[candor.SubjectID][]candor.BlindIndex{}
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	for bi, id := range s.d.indexes {
		if want[id] {
			out[id] = append(out[id], bi)
		}
	}
	return out, nil
}

// Subject implements candor.EventStore: a copy of the subject record, or
// ENOTFOUND.
func (s *Store) Subject(ctx context.Context, id candor.SubjectID) (*candor.SubjectRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.d.mu.RLock()
	r := s.d.subjects[id]
	s.d.mu.RUnlock()
	if r == nil {
		return nil, candor.Errorf(candor.ENOTFOUND, "subject %s not found", id)
	}
	return copySubject(r), nil
}

// Dedupe implements candor.EventStore: what is stored under an
// idempotency key, or ENOTFOUND.
func (s *Store) Dedupe(ctx context.Context, k candor.DedupeKey) (candor.DedupeEntry, error) {
	if err := s.check(ctx); err != nil {
		return candor.DedupeEntry{}, err
	}
	s.d.mu.RLock()
	d, ok := s.d.dedupe[k]
	s.d.mu.RUnlock()
	if !ok {
		return candor.DedupeEntry{}, candor.Errorf(candor.ENOTFOUND, "dedupe key not found")
	}
	return d, nil
}

// Events implements candor.EventStore: the subject's events as stored when
// the iteration began, in order of occurrence (ties in ID order), those
// that occurred at or after f.Since if it is set. As with pebble, the
// yielded record and its Sealed bytes are reused: they are valid until the
// next iteration, and the caller may modify them without touching stored
// data. An error (EUNAVAILABLE, the context's) is yielded once, last.
func (s *Store) Events(ctx context.Context, id candor.SubjectID, f candor.EventFilter) iter.Seq2[*candor.EventRecord, error] {
	return func(yield func(*candor.EventRecord, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		s.d.mu.RLock()
		var evs []*candor.EventRecord
		if h := s.d.held[id]; h != nil {
			from := 0
			if !f.Since.IsZero() {
				from, _ = slices.BinarySearchFunc(h.events, place{f.Since, 0}, cmpEvent)
			}
			evs = slices.Clone(h.events[from:])
		}
		s.d.mu.RUnlock()
		var r candor.EventRecord
		var sealed []byte
		yieldReused(ctx, evs, func(e *candor.EventRecord) *candor.EventRecord {
			r = *e
			sealed = append(sealed[:0], e.Sealed...)
			r.Sealed = sealed
			return &r
		}, yield)
	}
}

// yieldReused yields what decode makes of each of recs, checking ctx as
// yieldCopies does.
func yieldReused[T, R any](ctx context.Context, recs []T, decode func(T) *R, yield func(*R, error) bool) {
	for i, r := range recs {
		if i%ctxCheckEvery == ctxCheckEvery-1 && ctx.Err() != nil {
			yield(nil, ctx.Err())
			return
		}
		if !yield(decode(r), nil) {
			return
		}
	}
}

// Event implements candor.EventStore: a copy of the stored event with
// copies of every match stored for it, in scorecard key order, or
// ENOTFOUND.
func (s *Store) Event(ctx context.Context, ref candor.EventRef) (*candor.EventRecord, []*candor.MatchRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, nil, err
	}
	s.d.mu.RLock()
	defer s.d.mu.RUnlock()
	h, _, e := s.d.event(ref)
	if e == nil {
		return nil, nil, candor.Errorf(candor.ENOTFOUND, "event %d not found", ref.ID)
	}
	var ms []*candor.MatchRecord
	for _, m := range h.eventMatches(place{e.OccurredAt, e.ID}) {
		ms = append(ms, copyMatch(m))
	}
	return copyEvent(e), ms, nil
}

// Matches implements candor.EventStore: the subject's matches with one
// scorecard version as stored when the iteration began, in order of
// occurrence (ties in event ID order). The yielded record and its Sealed
// bytes are reused, as with Events.
func (s *Store) Matches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) iter.Seq2[*candor.MatchRecord, error] {
	return func(yield func(*candor.MatchRecord, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		s.d.mu.RLock()
		var ms []*candor.MatchRecord
		if h := s.d.held[id]; h != nil {
			ms = slices.Clone(h.matches[card])
		}
		s.d.mu.RUnlock()
		var r candor.MatchRecord
		var sealed []byte
		yieldReused(ctx, ms, func(m *candor.MatchRecord) *candor.MatchRecord {
			r = *m
			sealed = append(sealed[:0], m.Sealed...)
			r.Sealed = sealed
			return &r
		}, yield)
	}
}

// PutMatches implements candor.EventStore: it stores copies of recs, all
// or none, as matches stored on their own (it sets their Alone),
// replacing any stored under the same subject, scorecard, time and event.
// EINVALID for a record without a subject or event, or with a time outside
// 1678–2262.
func (s *Store) PutMatches(ctx context.Context, recs []*candor.MatchRecord) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	for i, m := range recs {
		if err := checkMatch(i, m); err != nil {
			return err
		}
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range recs {
		m.Alone = true
		d.heldFor(m.Subject).putMatch(m)
		d.bump(m.Subject, 0)
	}
	return nil
}

// Population implements candor.EventStore: the part's subjects as stored
// when the pass began, in ID order, each with its events in the order
// Events yields them. The yielded value, its records and their Sealed
// bytes are reused between iterations. Events of a subject without a
// subject record are an error (EINTERNAL), as pebble reports them.
func (s *Store) Population(ctx context.Context, part candor.Part) iter.Seq2[*candor.SubjectEvents, error] {
	return func(yield func(*candor.SubjectEvents, error) bool) {
		if !part.Valid() {
			yield(nil, candor.Errorf(candor.EINVALID, "population part %d of %d does not exist", part.Index, part.Of))
			return
		}
		if err := s.check(ctx); err != nil {
			yield(nil, err)
			return
		}
		subjects, err := s.d.population(part)
		if err != nil {
			yield(nil, err)
			return
		}
		var (
			out  candor.SubjectEvents
			recs []candor.EventRecord
		)
		yieldReused(ctx, subjects, func(p partSubject) *candor.SubjectEvents {
			out.Subject = copySubject(p.subject)
			out.Events = out.Events[:0]
			for len(recs) < len(p.events) {
				recs = append(recs, candor.EventRecord{})
			}
			for i, e := range p.events {
				sealed := recs[i].Sealed
				recs[i] = *e
				recs[i].Sealed = append(sealed[:0], e.Sealed...)
				out.Events = append(out.Events, &recs[i])
			}
			return &out
		}, yield)
	}
}

// partSubject is a subject of a population pass with its events.
type partSubject struct {
	subject *candor.SubjectRecord
	events  []*candor.EventRecord
}

// population returns part's subjects in ID order with their events.
func (d *data) population(part candor.Part) ([]partSubject, error) {
	lo, hi, last := part.Bounds()
	in := func(id candor.SubjectID) bool {
		n := binary.BigEndian.Uint64(id[:8])
		return n >= lo && (last || n < hi)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []partSubject
	for id, r := range d.subjects {
		if in(id) {
			p := partSubject{subject: r}
			if h := d.held[id]; h != nil {
				p.events = slices.Clone(h.events)
			}
			out = append(out, p)
		}
	}
	for id, h := range d.held {
		if len(h.events) > 0 && d.subjects[id] == nil && in(id) {
			return nil, candor.Errorf(candor.EINTERNAL, "memstore: population: events of subject %s, which has no record", id)
		}
	}
	slices.SortFunc(out, func(a, b partSubject) int { return bytes.Compare(a.subject.ID[:], b.subject.ID[:]) })
	return out, nil
}

// ListKeys implements candor.KeyLister: every stored dedupe key and blind
// index, as stored when it began. The callbacks run without the lock.
func (s *Store) ListKeys(ctx context.Context, dedupe func(candor.DedupeKey), index func(candor.BlindIndex)) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.d.mu.RLock()
	dks := make([]candor.DedupeKey, 0, len(s.d.dedupe))
	for k := range s.d.dedupe {
		dks = append(dks, k)
	}
	bis := make([]candor.BlindIndex, 0, len(s.d.indexes))
	for bi := range s.d.indexes {
		bis = append(bis, bi)
	}
	s.d.mu.RUnlock()
	for i, k := range dks {
		if i%4096 == 4095 && ctx.Err() != nil {
			return ctx.Err()
		}
		dedupe(k)
	}
	for _, bi := range bis {
		index(bi)
	}
	return nil
}
