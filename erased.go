package candor

import (
	"encoding/binary"
	"encoding/hex"
	"time"
)

// What is kept of an erased fact (charter point 8, and "erasure stays
// erased"): its idempotency key — the DedupeKey, a keyed hash of its
// source and the source's event ID, which says nothing about its subject
// and cannot be reversed without the installation's key — until the end of
// the fact's retention, so that a source posting the same fact again is
// refused (EERASED) instead of bringing it back under a new subject.

// ErasedRecord returns the record that keeps the idempotency key k of an
// erased fact until the instant until (the end of the fact's retention):
// of kind RecordErased, about no subject, its ID the key in hex and its
// data the instant in Unix seconds, 8 bytes big-endian.
func ErasedRecord(k DedupeKey, until time.Time) *Record {
	return &Record{Kind: RecordErased, ID: hex.EncodeToString(k[:]),
		Data: binary.BigEndian.AppendUint64(nil, uint64(until.Unix()))}
}

// ParseErasedRecord returns what an ErasedRecord keeps. Errors: EINVALID
// for a record that is not one.
func ParseErasedRecord(r *Record) (k DedupeKey, until time.Time, err error) {
	b, herr := hex.DecodeString(r.ID)
	if r.Kind != RecordErased || herr != nil || len(b) != len(k) || len(r.Data) != 8 || r.Subject != (SubjectID{}) {
		return k, until, Errorf(EINVALID, "erased fact record %q: malformed", r.ID)
	}
	copy(k[:], b)
	return k, time.Unix(int64(binary.BigEndian.Uint64(r.Data)), 0).UTC(), nil
}
