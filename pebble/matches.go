package pebble

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Matches live in their own table, keyed so that one subject's matches with
// one scorecard version are one scan in time order:
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
	nanos int64
}

// eventMatches returns the matches stored with the batch's events, each
// given its event's subject, time and state, in key order (the event IDs,
// assigned later, ascend with the batch index).
func eventMatches(events []*candor.EventRecord, nanos []int64) []eventMatch {
	var ms []eventMatch
	for i, e := range events {
		for _, m := range e.Matches {
			m.Subject, m.OccurredAt, m.State = e.Subject, e.OccurredAt, e.State
			ms = append(ms, eventMatch{m, i, nanos[i]})
		}
	}
	slices.SortFunc(ms, func(a, b eventMatch) int {
		return cmp.Or(bytes.Compare(a.r.Subject[:], b.r.Subject[:]), cmp.Compare(a.r.Scorecard, b.r.Scorecard),
			cmp.Compare(a.nanos, b.nanos), cmp.Compare(a.event, b.event))
	})
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
	return nil
}

// Matches yields a subject's matches with one scorecard version in order of
// occurrence, ties in event ID order, from one bounded iterator. The record
// and its Sealed bytes are reused, as with Events.
func (s *Store) Matches(ctx context.Context, id candor.SubjectID, card candor.ScorecardKey) iter.Seq2[*candor.MatchRecord, error] {
	lower := make([]byte, 0, matchPrefixLen)
	lower = append(lower, tableMatch)
	lower = append(lower, id[:]...)
	lower = binary.BigEndian.AppendUint64(lower, uint64(card))
	upper := bytes.Clone(lower)
	prefixEnd(upper)
	var (
		r      candor.MatchRecord
		sealed []byte
	)
	return scanRange(s, ctx, "matches of "+id.String(), lower, upper, func(k, v []byte) (*candor.MatchRecord, error) {
		var err error
		sealed, err = decodeMatch(&r, k, v, sealed)
		return &r, err
	})
}
