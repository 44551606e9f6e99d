package pebble

import (
	"encoding/binary"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/registrydoc"
	"github.com/cockroachdb/pebble/v2"
)

// Flush flushes the memtables, so that a benchmark can count the cost of
// getting its writes into sstables.
func (s *Store) Flush() error { return s.db.Flush() }

// Metrics returns Pebble's metrics, for benchmark logs.
func (s *Store) Metrics() *pebble.Metrics { return s.db.Metrics() }

// DecodeAll runs every record decoder on k and v, for the fuzz test; it
// reports how many accepted them.
func DecodeAll(k, v []byte) int {
	n := 0
	var id [16]byte
	copy(id[:], k)
	if _, err := decodeSubject(id, v); err == nil {
		n++
	}
	if _, _, err := decodeSubjectV1(id, v); err == nil {
		n++
	}
	var r candor.EventRecord
	if _, err := decodeEvent(&r, k, v, nil); err == nil {
		n++
		if _, list, ok := eventParts(v); ok {
			if _, err := keptOf(&r, list); err == nil {
				n++
			}
		}
	}
	if _, _, err := decodeDedupe(v); err == nil {
		n++
	}
	if _, err := decodeCounters(v); err == nil {
		n++
	}
	if _, err := registrydoc.DecodeSource(v); err == nil {
		n++
	}
	if _, err := registrydoc.DecodeAPIKey(v); err == nil {
		n++
	}
	return n
}

// EncodeSubject and DecodeSubject expose the subject record codec.
func EncodeSubject(r *candor.SubjectRecord) []byte {
	v := make([]byte, subjectValueLen(r))
	putSubject(v, r)
	return v
}

func DecodeSubject(id candor.SubjectID, v []byte) (*candor.SubjectRecord, error) {
	return decodeSubject(id, v)
}

// EncodeEvent exposes the event codec: e's value.
func EncodeEvent(e *candor.EventRecord) []byte {
	v := make([]byte, eventValueLen(e))
	putEvent(v, e)
	return v
}

// EncodeSubjectV1 encodes a subject record as format 3 and older did, with
// its wrapped key, for the upgrade's tests.
func EncodeSubjectV1(r *candor.SubjectRecord, wrapped []byte) []byte {
	buf := make([]byte, subjectFixedLen, subjectFixedLen+10+len(wrapped)+len(r.Sealed))
	buf[0] = recordV1
	buf[1] = byte(r.Kind)
	putTime(buf[2:], r.CreatedAt)
	buf = binary.AppendUvarint(buf, uint64(len(wrapped)))
	buf = append(buf, wrapped...)
	return append(buf, r.Sealed...)
}

// OpenDBHeld opens a Pebble database as the store and the keyring do,
// but leaves compactions held back until the caller calls release: what
// began before release began within Pebble's Open (schedule.go).
func OpenDBHeld(dir string, po *pebble.Options) (db *pebble.DB, release func(), err error) {
	db, s, err := openHeld(dir, po)
	if err != nil {
		return nil, nil, err
	}
	return db, s.release, nil
}

// EncodeDedupeV1 encodes a dedupe entry as format 4 and older did, with
// the event's digest, for the upgrade's tests.
func EncodeDedupeV1(d candor.DedupeEntry) []byte {
	v := make([]byte, dedupeV1Len)
	v[0] = recordV1
	copy(v[1:33], d.Digest[:])
	copy(v[33:49], d.Subject[:])
	binary.BigEndian.PutUint64(v[49:], uint64(d.Event))
	return v
}

// DedupeKeyOf is the store key of an idempotency key.
func DedupeKeyOf(k candor.DedupeKey) []byte { return dedupeKey(nil, k) }
