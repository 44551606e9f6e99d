package pebble

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/candor-project/candor"
)

// Key layout. Every key starts with a one-byte table prefix; the rest is
// fixed-width and big-endian, so byte order is the order a table is read in.
//
//	0x00 "format"                            → store format version (uint32)
//	0x00 "counters"                          → last event ID (8) + last commit seq (8)
//	0x01 SubjectID(16)                       → subject record
//	0x02 BlindIndex(32)                      → SubjectID(16)
//	0x03 DedupeKey(16)                       → dedupe entry
//	0x04 SubjectID(16) occurred(8) EventID(8) → event record
//	0x05 source ID                           → source (JSON)
//	0x06 key ID                              → API key (JSON)
//	0x07 name                                → meta value
//	0x08 SubjectID(16) ScorecardKey(8) occurred(8) EventID(8) → match (matches.go)
//	0x09, 0x0a                               → records and their index by subject (records.go)
//
// occurred is the event's time in Unix nanoseconds with the sign bit flipped,
// so that times before 1970 sort before later ones. All events of a subject
// share the prefix 0x04 SubjectID and come back from one scan in time order,
// ties in ID order.
const (
	tableInternal    byte = 0x00
	tableSubject     byte = 0x01
	tableIndex       byte = 0x02
	tableDedupe      byte = 0x03
	tableEvent       byte = 0x04
	tableSource      byte = 0x05
	tableKey         byte = 0x06
	tableMeta        byte = 0x07
	tableMatch       byte = 0x08
	tableRecord      byte = 0x09
	tableRecordIndex byte = 0x0a
)

var (
	keyFormat   = []byte("\x00format")
	keyCounters = []byte("\x00counters")
	keyFence    = []byte("\x00fence") // the match generation (fence.go)
)

const (
	subjectKeyLen     = 1 + 16
	indexKeyLen       = 1 + 32
	dedupeKeyLen      = 1 + 16
	eventPrefixLen    = 1 + 16
	eventKeyLen       = eventPrefixLen + 8 + 8
	eventKeyTimeStart = eventPrefixLen
	eventKeyIDStart   = eventPrefixLen + 8
)

func subjectKey(buf []byte, id candor.SubjectID) []byte {
	buf = append(buf, tableSubject)
	return append(buf, id[:]...)
}

func indexKey(buf []byte, bi candor.BlindIndex) []byte {
	buf = append(buf, tableIndex)
	return append(buf, bi[:]...)
}

func dedupeKey(buf []byte, k candor.DedupeKey) []byte {
	buf = append(buf, tableDedupe)
	return append(buf, k[:]...)
}

// eventKey writes the key of the event id of subject sub that occurred at
// nanos (Unix nanoseconds).
func eventKey(buf []byte, sub candor.SubjectID, nanos int64, id candor.EventID) []byte {
	buf = append(buf, tableEvent)
	buf = append(buf, sub[:]...)
	buf = binary.BigEndian.AppendUint64(buf, sortableNanos(nanos))
	return binary.BigEndian.AppendUint64(buf, uint64(id))
}

// eventBounds returns the bounds of the scan over sub's events that occurred
// at or after since (all of them when since is zero). lower is nil when no
// event can match.
func eventBounds(sub candor.SubjectID, since time.Time) (lower, upper []byte) {
	upper = make([]byte, 0, eventPrefixLen)
	upper = append(upper, tableEvent)
	upper = append(upper, sub[:]...)
	lower = make([]byte, 0, eventKeyLen)
	lower = append(lower, upper...)
	prefixEnd(upper)
	if !since.IsZero() {
		switch nanos, ok := unixNanos(since); {
		case ok:
			lower = binary.BigEndian.AppendUint64(lower, sortableNanos(nanos))
		case since.After(maxTime):
			return nil, upper
		}
	}
	return lower, upper
}

// prefixEnd turns p into the smallest key greater than every key with
// prefix p, by incrementing it as a big-endian number. Table prefixes are
// below 0xff, so the carry never runs off the front.
func prefixEnd(p []byte) {
	for i := len(p) - 1; i >= 0; i-- {
		p[i]++
		if p[i] != 0 {
			return
		}
	}
}

// decodeEventKey splits an event key into its parts.
func decodeEventKey(k []byte) (sub candor.SubjectID, occurred time.Time, id candor.EventID, ok bool) {
	if len(k) != eventKeyLen || k[0] != tableEvent {
		return sub, occurred, 0, false
	}
	copy(sub[:], k[1:eventPrefixLen])
	nanos := int64(binary.BigEndian.Uint64(k[eventKeyTimeStart:]) ^ signBit)
	id = candor.EventID(binary.BigEndian.Uint64(k[eventKeyIDStart:]))
	return sub, timeOfNanos(nanos), id, true
}

func timeOfNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

const signBit = 1 << 63

func sortableNanos(n int64) uint64 { return uint64(n) ^ signBit }

// Event times are stored as Unix nanoseconds, which cover 1677 to 2262.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// unixNanos returns t in Unix nanoseconds, or false if t is outside the
// range an int64 of nanoseconds can hold.
func unixNanos(t time.Time) (int64, bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

func sourceKey(id string) []byte { return append([]byte{tableSource}, id...) }
func apiKeyKey(id string) []byte { return append([]byte{tableKey}, id...) }
func metaKey(name string) []byte { return append([]byte{tableMeta}, name...) }

// tableBounds returns the bounds of a scan over a whole table.
func tableBounds(table byte) (lower, upper []byte) {
	return []byte{table}, []byte{table + 1}
}
