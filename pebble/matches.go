package pebble

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Matches stored on their own (and, before format 3, those stored with
// their events) live in their own table, keyed so that one subject's
// matches with one scorecard version are one scan in time order:
//
//	0x08 SubjectID(16) ScorecardKey(8) occurred(8) EventID(8) → version(1) state(1) sealed
//
// where version is 0x01 for a match stored with its event and 0x02 for
// one stored on its own (MatchRecord.Alone). Stores written before 0x02
// existed hold matches stored on their own as 0x01.
const (
	matchAloneV1   = 2
	matchPrefixLen = 1 + 16 + 8
	matchKeyLen    = matchPrefixLen + 8 + 8
	matchFixedLen  = 1 + 1
)

func matchKey(buf []byte, r *candor.MatchRecord, nanos int64) []byte {
	buf = append(buf, tableMatch)
	buf = append(buf, r.Subject[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Scorecard))
	buf = binary.BigEndian.AppendUint64(buf, sortableNanos(nanos))
	return binary.BigEndian.AppendUint64(buf, uint64(r.Event))
}

func putMatch(b *pebble.Batch, r *candor.MatchRecord, nanos int64) {
	op := b.SetDeferred(matchKeyLen, matchFixedLen+len(r.Sealed))
	matchKey(op.Key[:0], r, nanos)
	op.Value[0] = recordV1
	if r.Alone {
		op.Value[0] = matchAloneV1
	}
	op.Value[1] = byte(r.State)
	copy(op.Value[matchFixedLen:], r.Sealed)
	op.Finish()
}

// decodeMatch decodes a match key and value into r; like decodeEvent, it
// copies the sealed bytes into buf, reused across records.
func decodeMatch(r *candor.MatchRecord, k, v, buf []byte) ([]byte, error) {
	if len(k) != matchKeyLen || k[0] != tableMatch || len(v) < matchFixedLen || v[0] != recordV1 && v[0] != matchAloneV1 {
		return buf, errCorrupt
	}
	copy(r.Subject[:], k[1:17])
	r.Scorecard = candor.ScorecardKey(binary.BigEndian.Uint64(k[17:]))
	r.OccurredAt = timeOfNanos(int64(binary.BigEndian.Uint64(k[matchPrefixLen:]) ^ signBit))
	r.Event = candor.EventID(binary.BigEndian.Uint64(k[matchPrefixLen+8:]))
	r.State = candor.EventState(v[1])
	r.Alone = v[0] == matchAloneV1
	buf = append(buf[:0], v[matchFixedLen:]...)
	r.Sealed = buf
	return buf, nil
}

// eventMatch is a match stored with an event of a batch.
type eventMatch struct {
	r     *candor.MatchRecord
	event int // index in the batch
}

// eventMatches returns the matches stored with the batch's events, each
// given its event's subject, time and state (assign gives them its ID).
// They are kept in their events' values.
func eventMatches(events []*candor.EventRecord) []eventMatch {
	var ms []eventMatch
	for i, e := range events {
		for _, m := range e.Matches {
			m.Subject, m.OccurredAt, m.State, m.Alone = e.Subject, e.OccurredAt, e.State, false
			ms = append(ms, eventMatch{m, i})
		}
	}
	return ms
}

// PutMatches stores recs in one synced batch, as matches stored on their
// own (it sets their Alone). It returns EINVALID for a record without a
// subject or event, or with a time the store cannot hold.
func (s *Store) PutMatches(ctx context.Context, recs []*candor.MatchRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nanos := make([]int64, len(recs))
	size := 0
	for i, r := range recs {
		n, ok := unixNanos(r.OccurredAt)
		switch {
		case r.Subject.IsZero() || r.Event == 0:
			return candor.Errorf(candor.EINVALID, "match %d: a subject and an event are required", i)
		case r.Shared:
			return candor.Errorf(candor.EINVALID, "match %d: a match stored on its own is sealed on its own, not Shared", i)
		case !ok:
			return candor.Errorf(candor.EINVALID, "match %d: occurred_at %s is outside the years 1678 to 2262", i, r.OccurredAt.Format("2006-01-02"))
		}
		nanos[i] = n
		size += 8 + matchKeyLen + matchFixedLen + len(r.Sealed)
	}
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	for i, r := range recs {
		r.Alone = true
		putMatch(b, r, nanos[i])
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebble: put matches: %w", err)
	}
	s.touched(&candor.WriteBatch{Matches: recs})
	return nil
}

// Matches yields a subject's matches with one scorecard version in order of
// occurrence, ties in event ID order: those in the match table (stored on
// their own, or with their events before format 3), one range, merged
// with those kept in the events' values, one range of the subject's
// events; a match of the table replaces one kept with its event for the
// same event. The records are the caller's.
func (s *Store) Matches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) iter.Seq2[*candor.MatchRecord, error] {
	return func(yield func(*candor.MatchRecord, error) bool) {
		own, err := s.tableMatches(ctx, id, card)
		if err != nil {
			yield(nil, err)
			return
		}
		kept, err := s.keptMatches(ctx, id, card)
		if err != nil {
			yield(nil, err)
			return
		}
		for len(own) > 0 || len(kept) > 0 {
			var m *candor.MatchRecord
			switch c := compareMatch(own, kept); {
			case c < 0:
				m, own = own[0], own[1:]
			case c > 0:
				m, kept = kept[0], kept[1:]
			default: // the table's replaces the one kept with the event
				m, own, kept = own[0], own[1:], kept[1:]
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

// compareMatch orders the heads of two lists of one subject's matches by
// occurrence and event; an empty list comes last.
func compareMatch(a, b []*candor.MatchRecord) int {
	switch {
	case len(b) == 0:
		return -1
	case len(a) == 0:
		return 1
	}
	return cmp.Or(a[0].OccurredAt.Compare(b[0].OccurredAt), cmp.Compare(a[0].Event, b[0].Event))
}

// tableMatches reads a subject's matches with card in the match table.
func (s *Store) tableMatches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) ([]*candor.MatchRecord, error) {
	lower := make([]byte, 0, matchPrefixLen)
	lower = append(lower, tableMatch)
	lower = append(lower, id[:]...)
	lower = binary.BigEndian.AppendUint64(lower, uint64(card))
	upper := bytes.Clone(lower)
	prefixEnd(upper)
	var out []*candor.MatchRecord
	for m, err := range scanRange(s, ctx, "matches of "+id.String(), lower, upper, func(k, v []byte) (*candor.MatchRecord, error) {
		m := new(candor.MatchRecord)
		_, err := decodeMatch(m, k, v, nil)
		return m, err
	}) {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// keptMatches reads a subject's matches with card kept in its events'
// values.
func (s *Store) keptMatches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) ([]*candor.MatchRecord, error) {
	lower, upper := subjectRange(tableEvent, id)
	var out []*candor.MatchRecord
	for m, err := range scanRange(s, ctx, "matches of "+id.String(), lower, upper, func(k, v []byte) (*candor.MatchRecord, error) {
		_, list, ok := eventParts(v)
		sub, at, event, keyOK := decodeEventKey(k)
		if !ok || !keyOK {
			return nil, errCorrupt
		}
		sealed, found, err := list.find(card)
		if err != nil || !found {
			return nil, err
		}
		return &candor.MatchRecord{Subject: sub, Scorecard: card, OccurredAt: at, Event: event,
			State: candor.EventState(v[1]), Shared: list.group, Sealed: bytes.Clone(sealed)}, nil
	}) {
		if err != nil {
			return nil, fmt.Errorf("pebble: %w", err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// keptOf returns the matches kept in an event's value, as records of
// the event's (those of a group share one copy of it).
func keptOf(e *candor.EventRecord, list kept) ([]*candor.MatchRecord, error) {
	list.b = bytes.Clone(list.b)
	items, err := list.items()
	if err != nil {
		return nil, err
	}
	out := make([]*candor.MatchRecord, len(items))
	for i, it := range items {
		out[i] = &candor.MatchRecord{Subject: e.Subject, Scorecard: it.Card, OccurredAt: e.OccurredAt, Event: e.ID,
			State: e.State, Shared: it.Shared, Sealed: it.Sealed}
	}
	return out, nil
}
