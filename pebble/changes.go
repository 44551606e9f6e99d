package pebble

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Event implements candor.EventStore: one point read of the event and one
// scan of its subject's matches.
func (s *Store) Event(ctx context.Context, ref candor.EventRef) (*candor.EventRecord, []*candor.MatchRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if !s.gate.enter() {
		return nil, nil, errClosed()
	}
	defer s.gate.leave()
	e, err := s.event(ref)
	if err != nil {
		return nil, nil, err
	}
	var own []*candor.MatchRecord
	err = s.eventMatches(ref, func(k, v []byte) error {
		m := new(candor.MatchRecord)
		_, err := decodeMatch(m, k, v, nil) // a buffer of its own
		own = append(own, m)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pebble: matches of event %d: %w", ref.ID, err)
	}
	ms := mergeEventMatches(own, e.Matches)
	e.Matches = nil
	return e, ms, nil
}

// mergeEventMatches returns an event's matches in scorecard key order:
// those of the match table (own) and those kept in its value, one of the
// table replacing one kept for the same scorecard.
func mergeEventMatches(own, kept []*candor.MatchRecord) []*candor.MatchRecord {
	out := slices.Clone(own)
	for _, k := range kept {
		if !slices.ContainsFunc(own, func(m *candor.MatchRecord) bool { return m.Scorecard == k.Scorecard }) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *candor.MatchRecord) int { return cmp.Compare(a.Scorecard, b.Scorecard) })
	return out
}

// event reads one event, with the matches kept in its value (Matches),
// or returns ENOTFOUND.
func (s *Store) event(ref candor.EventRef) (*candor.EventRecord, error) {
	nanos, ok := unixNanos(ref.OccurredAt)
	if !ok {
		return nil, candor.Errorf(candor.ENOTFOUND, "event %d not found", ref.ID)
	}
	k := eventKey(nil, ref.Subject, nanos, ref.ID)
	e := new(candor.EventRecord)
	err := s.view(k, func(v []byte) error {
		if _, err := decodeEvent(e, k, v, nil); err != nil {
			return err
		}
		_, list, _ := eventParts(v)
		var err error
		e.Matches, err = keptOf(e, list)
		return err
	})
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		return nil, candor.Errorf(candor.ENOTFOUND, "event %d not found", ref.ID)
	case err != nil:
		return nil, fmt.Errorf("pebble: event %d: %w", ref.ID, err)
	}
	return e, nil
}

// eventMatches calls fn with the key and value of every match of one
// event, in scorecard key order: one scan of the subject's matches.
func (s *Store) eventMatches(ref candor.EventRef, fn func(k, v []byte) error) error {
	nanos, ok := unixNanos(ref.OccurredAt)
	if !ok {
		return nil
	}
	var suffix [16]byte
	binary.BigEndian.PutUint64(suffix[:], sortableNanos(nanos))
	binary.BigEndian.PutUint64(suffix[8:], uint64(ref.ID))
	lower, upper := subjectRange(tableMatch, ref.Subject)
	return s.each(lower, upper, func(k, v []byte) error {
		if len(k) != matchKeyLen || !bytes.Equal(k[matchPrefixLen:], suffix[:]) {
			return nil
		}
		return fn(k, v)
	})
}

// subjectRange returns the bounds of one subject's keys in a table whose
// keys start with the subject ID.
func subjectRange(table byte, sub candor.SubjectID) (lower, upper []byte) {
	lower = append([]byte{table}, sub[:]...)
	upper = bytes.Clone(lower)
	prefixEnd(upper)
	return lower, upper
}

// applyChanges adds wb's state changes, deletions and erasures to b,
// reading what they change. It returns ECONFLICT for an event that is gone
// or not as its caller saw it, and for an erasure whose counts are not
// the store's; EINVALID for an invalid state.
func (s *Store) applyChanges(b *pebble.Batch, wb *candor.WriteBatch) error {
	for _, c := range wb.Changes {
		if c.State != candor.StateActive && c.State != candor.StateDisputed && c.State != candor.StateCorrected && c.State != candor.StateRemoved {
			return candor.Errorf(candor.EINVALID, "event %d: a stored state must be active, disputed, corrected or removed, not %v", c.Event.ID, c.State)
		}
		e, keys, err := s.seen(c.Event, c.Seen)
		if err != nil {
			return err
		}
		e.State = c.State
		nanos, _ := unixNanos(e.OccurredAt)
		op := b.SetDeferred(eventKeyLen, eventValueLen(e))
		eventKey(op.Key[:0], e.Subject, nanos, e.ID)
		putEvent(op.Value, e)
		op.Finish()
		for _, kv := range keys {
			kv.v[0], kv.v[1] = recordV1, byte(c.State)
			if err := b.Set(kv.k, kv.v, nil); err != nil {
				return err
			}
		}
	}
	for _, d := range wb.Deletes {
		e, keys, err := s.seen(d.Event, d.Seen)
		if err != nil {
			return err
		}
		nanos, _ := unixNanos(e.OccurredAt)
		if err := b.Delete(eventKey(nil, e.Subject, nanos, e.ID), nil); err != nil {
			return err
		}
		if err := b.Delete(dedupeKey(nil, e.Dedupe), nil); err != nil {
			return err
		}
		for _, kv := range keys {
			if err := b.Delete(kv.k, nil); err != nil {
				return err
			}
		}
	}
	for _, er := range wb.Erase {
		if err := s.erase(b, er); err != nil {
			return fmt.Errorf("pebble: erasing subject %s: %w", er.Subject, err)
		}
	}
	for _, bi := range wb.Unindex {
		if err := b.Delete(indexKey(nil, bi), nil); err != nil {
			return err
		}
	}
	return nil
}

// kv is a key and value copied out of an iterator.
type kv struct{ k, v []byte }

// seen reads an event and its matches' keys and values, and returns
// ECONFLICT unless they are as the caller saw them.
func (s *Store) seen(ref candor.EventRef, want candor.Seen) (*candor.EventRecord, []kv, error) {
	e, err := s.event(ref)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, nil, candor.Errorf(candor.ECONFLICT, "event %d is no longer stored", ref.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	var ms []kv
	err = s.eventMatches(ref, func(k, v []byte) error {
		ms = append(ms, kv{bytes.Clone(k), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pebble: matches of event %d: %w", ref.ID, err)
	}
	own := make([]*candor.MatchRecord, len(ms))
	for i, kv := range ms {
		own[i] = &candor.MatchRecord{Scorecard: candor.ScorecardKey(binary.BigEndian.Uint64(kv.k[17:]))}
	}
	if n := len(mergeEventMatches(own, e.Matches)); e.State != want.State || n != want.Matches {
		return nil, nil, candor.Errorf(candor.ECONFLICT, "event %d changed since it was read (%v with %d matches, not %v with %d)",
			ref.ID, e.State, n, want.State, want.Matches)
	}
	return e, ms, nil
}

// erase adds the removal of everything stored about sub to b: range
// deletions of its events, matches and access records, and deletions of
// its subject record, dedupe entries and records. After compaction none of
// it is left in the store's files.
func (s *Store) erase(b *pebble.Batch, er candor.Erasure) error {
	sub := er.Subject
	if err := b.Delete(subjectKey(nil, sub), nil); err != nil {
		return err
	}
	events, access := 0, 0
	lower, upper := subjectRange(tableEvent, sub)
	err := s.each(lower, upper, func(k, v []byte) error {
		if len(v) < eventFixedLen {
			return errCorrupt
		}
		events++
		return b.Delete(dedupeKey(nil, candor.DedupeKey(v[2:18])), nil)
	})
	if err != nil {
		return err
	}
	lower, upper = subjectRange(tableAccess, sub)
	if err := s.each(lower, upper, func(_, _ []byte) error { access++; return nil }); err != nil {
		return err
	}
	if events != er.Events || access != er.Access {
		return candor.Errorf(candor.ECONFLICT, "the subject has %d events and %d access records, not the %d and %d read", events, access, er.Events, er.Access)
	}
	for _, table := range []byte{tableEvent, tableMatch, tableAccess} {
		lower, upper := subjectRange(table, sub)
		if err := b.DeleteRange(lower, upper, nil); err != nil {
			return err
		}
	}
	for kind := candor.RecordKind(1); kind.Valid(); kind++ {
		lower := recordIndexKey(kind, sub, "")
		upper := bytes.Clone(lower)
		prefixEnd(upper)
		err := s.each(lower, upper, func(k, _ []byte) error {
			if err := b.Delete(recordKey(kind, string(k[len(lower):])), nil); err != nil {
				return err
			}
			return b.Delete(k, nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// each calls fn with every key and value in [lower, upper), in key order,
// and stops at its first error.
func (s *Store) each(lower, upper []byte, fn func(k, v []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err == nil {
			err = fn(it.Key(), v)
		}
		if err != nil {
			return errors.Join(err, it.Close())
		}
	}
	return it.Close()
}
