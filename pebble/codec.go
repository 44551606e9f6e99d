package pebble

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/matchlist"
)

// Hot-path records are encoded by hand: a version byte, then fixed-width
// fields, then the variable-length ones. Whatever is in the key (a subject's
// ID, an event's subject, time and ID) is not repeated in the value.
//
//	subject: 0x02 kind(1) created-sec(8) created-nsec(4) sealed
//	   (up to format 3: 0x01 kind(1) created-sec(8) created-nsec(4) uvarint(len wrapped) wrapped sealed)
//	event:   0x01 state(1) dedupe(16) digest(32) sealed
//	   or:   0x03 state(1) dedupe(16) digest(32) uvarint(len sealed) sealed group
//	   or:   0x02 state(1) dedupe(16) digest(32) uvarint(len sealed) sealed matches
//	dedupe:  0x02 subject(16) event(8) occurred(8)
//	   (up to format 4: 0x01 digest(32) subject(16) event(8))
//
// where matches are those the event was stored with, in the event's own
// value (internal/matchlist) rather than a key each: their subject, time,
// event and state are the event's. Since format 6 they are one group
// (0x03: all of them sealed together, candor.MatchRecord.Shared; the
// group is internal/matchlist's, without a list's marker); 0x02 holds a
// list of matches sealed each on its own (written up to format 5, and
// still for matches that are not Shared). An event stored with none is
// written 0x01.
//
// A dedupe entry points at its event (the event's key is made of its
// subject, occurrence time and ID) and does not repeat the event's
// digest: the event's value holds it, and a dedupe entry is read only
// when an event is posted again, so the digest is read from the event
// then (Store.Dedupe). Up to format 4 the entry held the digest too;
// such entries are still read as they are.
const (
	recordV1          = 1
	eventWithMatches2 = 2
	eventWithGroup3   = 3 // the event's matches sealed together (format 6)
	subjectV2         = 2 // a subject without its wrapped key (format 4)
)

var errCorrupt = errors.New("pebble: corrupt record")

const (
	subjectFixedLen = 1 + 1 + 8 + 4
	eventFixedLen   = 1 + 1 + 16 + 32
	dedupeValueLen  = 1 + 16 + 8 + 8
	dedupeV1Len     = 1 + 32 + 16 + 8
	dedupeV2        = 2 // a dedupe entry without the digest (format 5)
)

func subjectValueLen(r *candor.SubjectRecord) int {
	return subjectFixedLen + len(r.Sealed)
}

// putSubject encodes r into buf, which must be subjectValueLen(r) long.
func putSubject(buf []byte, r *candor.SubjectRecord) {
	buf[0] = subjectV2
	buf[1] = byte(r.Kind)
	putTime(buf[2:], r.CreatedAt)
	copy(buf[subjectFixedLen:], r.Sealed)
}

// decodeSubject decodes a subject value into a new record that shares no
// memory with v. A value of format version 3 or older (0x01, with its
// wrapped key) is refused: Open refuses such stores until UpgradeKeys.
func decodeSubject(id candor.SubjectID, v []byte) (*candor.SubjectRecord, error) {
	if len(v) < subjectFixedLen || v[0] != subjectV2 {
		return nil, errCorrupt
	}
	r := &candor.SubjectRecord{ID: id, Kind: candor.SubjectKind(v[1]), CreatedAt: getTime(v[2:])}
	if len(v) > subjectFixedLen {
		r.Sealed = append([]byte(nil), v[subjectFixedLen:]...)
	}
	return r, nil
}

// decodeSubjectV1 decodes a subject value of format version 3 or older,
// whose wrapped data key the store still held, for UpgradeKeys.
func decodeSubjectV1(id candor.SubjectID, v []byte) (*candor.SubjectRecord, []byte, error) {
	if len(v) < subjectFixedLen+1 || v[0] != recordV1 {
		return nil, nil, errCorrupt
	}
	r := &candor.SubjectRecord{ID: id, Kind: candor.SubjectKind(v[1]), CreatedAt: getTime(v[2:])}
	klen, n := binary.Uvarint(v[subjectFixedLen:])
	if n <= 0 || klen > uint64(len(v)-subjectFixedLen-n) {
		return nil, nil, errCorrupt
	}
	rest := v[subjectFixedLen+n:]
	wrapped := append([]byte(nil), rest[:klen]...)
	if len(rest) > int(klen) {
		r.Sealed = append([]byte(nil), rest[klen:]...)
	}
	return r, wrapped, nil
}

func putTime(buf []byte, t time.Time) {
	binary.BigEndian.PutUint64(buf, uint64(t.Unix()))
	binary.BigEndian.PutUint32(buf[8:], uint32(t.Nanosecond()))
}

func getTime(buf []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint64(buf)), int64(binary.BigEndian.Uint32(buf[8:]))).UTC()
}

func eventValueLen(e *candor.EventRecord) int {
	if len(e.Matches) == 0 {
		return eventFixedLen + len(e.Sealed)
	}
	n := eventFixedLen + uvarintLen(uint64(len(e.Sealed))) + len(e.Sealed)
	if e.Matches[0].Shared {
		return n + len(e.Matches[0].Sealed)
	}
	return n + matchlist.Len(e.Matches)
}

// EventKVSize returns the size of the key and the value under which the
// store keeps an event whose sealed content is sealed bytes long; for
// benchmarks that compare the store with raw writes of the same size.
func EventKVSize(sealed int) (key, value int) { return eventKeyLen, eventFixedLen + sealed }

// putEvent encodes e's value into buf, which must be eventValueLen(e) long.
// Matches marked Shared must have been checked (matchlist.Shared).
func putEvent(buf []byte, e *candor.EventRecord) {
	buf[0] = recordV1
	buf[1] = byte(e.State)
	copy(buf[2:18], e.Dedupe[:])
	copy(buf[18:50], e.Digest[:])
	if len(e.Matches) == 0 {
		copy(buf[eventFixedLen:], e.Sealed)
		return
	}
	buf[0] = eventWithMatches2
	n := eventFixedLen + binary.PutUvarint(buf[eventFixedLen:], uint64(len(e.Sealed)))
	n += copy(buf[n:], e.Sealed)
	if e.Matches[0].Shared {
		buf[0] = eventWithGroup3
		copy(buf[n:], e.Matches[0].Sealed)
		return
	}
	matchlist.Append(buf[n:n], e.Matches)
}

// kept is the matches an event's value keeps: a list (0x02), a group
// (0x03) or none.
type kept struct {
	b     []byte
	group bool
}

// eventParts splits an event's value after its fixed part into its sealed
// content and the matches stored with it (none for a 0x01 value).
func eventParts(v []byte) (sealed []byte, matches kept, ok bool) {
	switch {
	case len(v) < eventFixedLen:
		return nil, kept{}, false
	case v[0] == recordV1:
		return v[eventFixedLen:], kept{}, true
	case v[0] != eventWithMatches2 && v[0] != eventWithGroup3:
		return nil, kept{}, false
	}
	n, w := binary.Uvarint(v[eventFixedLen:])
	rest := v[eventFixedLen+max(w, 0):]
	if w <= 0 || n > uint64(len(rest)) {
		return nil, kept{}, false
	}
	return rest[:n], kept{rest[n:], v[0] == eventWithGroup3}, true
}

// find returns the sealed bytes of the kept match with card (for a
// group, the whole group), and whether there is one.
func (k kept) find(card candor.ScorecardKey) ([]byte, bool, error) {
	if k.group {
		return matchlist.FindGroup(k.b, card)
	}
	return matchlist.Find(k.b, card)
}

// items decodes the kept matches.
func (k kept) items() ([]matchlist.Item, error) {
	if k.group {
		return matchlist.DecodeGroup(k.b)
	}
	return matchlist.Decode(k.b)
}

// decodeEvent decodes an event key and value into r. The sealed bytes are
// appended to buf[:0] and the buffer returned, so that the caller can reuse
// one buffer across records (whatever it does to r.Sealed).
func decodeEvent(r *candor.EventRecord, k, v, buf []byte) ([]byte, error) {
	sub, occurred, id, ok := decodeEventKey(k)
	sealed, _, partsOK := eventParts(v)
	if !ok || !partsOK {
		return buf, errCorrupt
	}
	r.Subject, r.OccurredAt, r.ID = sub, occurred, id
	r.State = candor.EventState(v[1])
	copy(r.Dedupe[:], v[2:18])
	copy(r.Digest[:], v[18:50])
	buf = append(buf[:0], sealed...)
	r.Sealed = buf
	return buf, nil
}

// putDedupe encodes the dedupe entry of event e, occurred at nanos (Unix
// nanoseconds), into buf, which must be dedupeValueLen long.
func putDedupe(buf []byte, e *candor.EventRecord, nanos int64) {
	buf[0] = dedupeV2
	copy(buf[1:17], e.Subject[:])
	binary.BigEndian.PutUint64(buf[17:], uint64(e.ID))
	binary.BigEndian.PutUint64(buf[25:], sortableNanos(nanos))
}

// decodeDedupe decodes a dedupe entry. For an entry of format 5 (0x02) it
// returns the key of its event, whose value holds the digest, and leaves
// the entry's Digest zero; for one of format 4 or older (0x01), which
// holds the digest, it returns no key.
func decodeDedupe(v []byte) (d candor.DedupeEntry, event []byte, err error) {
	switch {
	case len(v) == dedupeValueLen && v[0] == dedupeV2:
		copy(d.Subject[:], v[1:17])
		d.Event = candor.EventID(binary.BigEndian.Uint64(v[17:]))
		event = make([]byte, 0, eventKeyLen)
		event = append(event, tableEvent)
		event = append(event, v[1:17]...)
		event = append(event, v[25:33]...)
		return d, append(event, v[17:25]...), nil
	case len(v) == dedupeV1Len && v[0] == recordV1:
		copy(d.Digest[:], v[1:33])
		copy(d.Subject[:], v[33:49])
		d.Event = candor.EventID(binary.BigEndian.Uint64(v[49:]))
		return d, nil, nil
	}
	return d, nil, errCorrupt
}

// eventDigest returns the digest an event's value holds.
func eventDigest(v []byte) (candor.Digest, error) {
	if _, _, ok := eventParts(v); !ok {
		return candor.Digest{}, errCorrupt
	}
	return candor.Digest(v[18:50]), nil
}

// counters are the store's persisted sequence numbers.
type counters struct {
	lastEvent  candor.EventID
	lastCommit uint64
	lastAccess uint64 // access records ever committed; stored only once there are some (audit.go)
}

const countersLen = 16

// len is the stored size of c: 16 bytes, or 24 with access records.
func (c counters) len() int {
	if c.lastAccess == 0 {
		return countersLen
	}
	return countersLenAccess
}

// put encodes c into buf, which must be c.len() long.
func (c counters) put(buf []byte) {
	binary.BigEndian.PutUint64(buf, uint64(c.lastEvent))
	binary.BigEndian.PutUint64(buf[8:], c.lastCommit)
	if len(buf) == countersLenAccess {
		binary.BigEndian.PutUint64(buf[16:], c.lastAccess)
	}
}

func decodeCounters(v []byte) (counters, error) {
	if len(v) != countersLen && len(v) != countersLenAccess {
		return counters{}, errCorrupt
	}
	c := counters{
		lastEvent:  candor.EventID(binary.BigEndian.Uint64(v)),
		lastCommit: binary.BigEndian.Uint64(v[8:]),
	}
	if len(v) == countersLenAccess {
		c.lastAccess = binary.BigEndian.Uint64(v[16:])
	}
	return c, nil
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// EventKeyRange returns the key range of the event table's part p, for
// benchmarks that scan it with Pebble directly.
func EventKeyRange(p candor.Part) (lower, upper []byte) { return partBounds(tableEvent, p) }
