package pebble

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Population implements candor.EventStore: it walks the part's range of
// the subject table and of the event table side by side (both are ordered
// by subject ID), so the part is read with two sequential scans. The
// yielded value, its records and their Sealed bytes are reused between
// iterations.
func (s *Store) Population(ctx context.Context, part candor.Part) iter.Seq2[*candor.SubjectEvents, error] {
	return func(yield func(*candor.SubjectEvents, error) bool) {
		if !part.Valid() {
			yield(nil, candor.Errorf(candor.EINVALID, "population part %d of %d does not exist", part.Index, part.Of))
			return
		}
		if !s.gate.enter() {
			yield(nil, errClosed())
			return
		}
		defer s.gate.leave()
		fail := func(err error) { yield(nil, fmt.Errorf("pebble: population: %w", err)) }
		slo, sup := partBounds(tableSubject, part)
		subs, err := s.db.NewIter(&pebble.IterOptions{LowerBound: slo, UpperBound: sup})
		if err != nil {
			fail(err)
			return
		}
		defer subs.Close()
		elo, eup := partBounds(tableEvent, part)
		evs, err := s.db.NewIter(&pebble.IterOptions{LowerBound: elo, UpperBound: eup})
		if err != nil {
			fail(err)
			return
		}
		defer evs.Close()

		var (
			out    candor.SubjectEvents
			recs   []candor.EventRecord
			bufs   [][]byte
			n      int
			evOK   = evs.First()
			subOK  = subs.First()
			prefix = make([]byte, eventPrefixLen)
		)
		for ; subOK; subOK = subs.Next() {
			if n++; n%ctxCheckEvery == 0 && ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
			k := subs.Key()
			if len(k) != subjectKeyLen {
				fail(errCorrupt)
				return
			}
			id := candor.SubjectID(k[1:])
			v, err := subs.ValueAndErr()
			if err != nil {
				fail(err)
				return
			}
			if out.Subject, err = decodeSubject(id, v); err != nil {
				fail(err)
				return
			}
			eventKey(prefix[:0], id, 0, 0)
			if evOK && bytes.Compare(evs.Key()[:min(len(evs.Key()), eventPrefixLen)], prefix[:eventPrefixLen]) < 0 {
				fail(fmt.Errorf("%w: events of a subject that has no record", errCorrupt))
				return
			}
			out.Events = out.Events[:0]
			for i := 0; evOK; i++ {
				ek := evs.Key()
				if len(ek) < eventPrefixLen || string(ek[:eventPrefixLen]) != string(prefix[:eventPrefixLen]) {
					break
				}
				if i == len(recs) {
					recs = append(recs, candor.EventRecord{})
					bufs = append(bufs, nil)
				}
				ev, err := evs.ValueAndErr()
				if err != nil {
					fail(err)
					return
				}
				if bufs[i], err = decodeEvent(&recs[i], ek, ev, bufs[i]); err != nil {
					fail(err)
					return
				}
				recs[i].Sealed = bufs[i]
				out.Events = append(out.Events, &recs[i])
				evOK = evs.Next()
			}
			if !yield(&out, nil) {
				return
			}
		}
		if err := subs.Error(); err != nil {
			fail(err)
			return
		}
		if evOK {
			fail(fmt.Errorf("%w: events of a subject that has no record", errCorrupt))
			return
		}
		if err := evs.Error(); err != nil {
			fail(err)
		}
	}
}

// partBounds returns the bounds of the part of a table keyed by subject ID
// first.
func partBounds(table byte, part candor.Part) (lower, upper []byte) {
	lo, hi, last := part.Bounds()
	lower = binary.BigEndian.AppendUint64([]byte{table}, lo)
	if last {
		return lower, []byte{table + 1}
	}
	return lower, binary.BigEndian.AppendUint64([]byte{table}, hi)
}
