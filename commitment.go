package candor

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// AuditKind says what a commitment in the transparency log records: a write
// (an event stored, corrected, removed, a score materialised) or an access
// (a profile or event read, a score served, a decision, an export).
type AuditKind uint8

const (
	AuditWrite AuditKind = iota + 1
	AuditAccess
	numAuditKinds
)

var auditKindNames = [numAuditKinds]string{AuditWrite: "write", AuditAccess: "access"}

func (k AuditKind) String() string {
	if k == 0 || k >= numAuditKinds {
		return "unknown"
	}
	return auditKindNames[k]
}

// Valid reports whether k is one of the defined kinds.
func (k AuditKind) Valid() bool { return k > 0 && k < numAuditKinds }

// Salt is a subject's commitment salt: 32 pseudo-random bytes, kept with
// the subject's encrypted data (vault derives it from the subject's data
// key). It makes a commitment unguessable from the
// record alone (records are low-entropy: who, which subject, when), and
// erasing the subject erases the salt, so its commitments can no longer be
// linked to anything while the log stays verifiable.
type Salt [32]byte

// NewSalt returns a fresh random salt.
func NewSalt() Salt {
	var s Salt
	rand.Read(s[:]) // never fails (crypto/rand contract)
	return s
}

// Commitment is what the transparency log holds for one record: a salted
// hash, never the record or anything personal.
type Commitment [32]byte

func (c Commitment) String() string { return hex.EncodeToString(c[:]) }

// commitTags separate the kinds' hash domains, so a write record can never
// be passed off as an access record with the same bytes. Each ends with a
// NUL, which no tag contains, and the salt that follows has a fixed size,
// so the hash input parses one way only.
var commitTags = [numAuditKinds]string{
	AuditWrite:  "candor/v1/commitment/write\x00",
	AuditAccess: "candor/v1/commitment/access\x00",
}

// NewCommitment is the one commitment function:
//
//	SHA-256( "candor/v1/commitment/<kind>" || 0x00 || salt || record )
//
// where record is the record's canonical encoding (the caller's; the same
// bytes MUST be reproducible from the store to verify). Anyone given the
// salt and the record can recompute it; no one can find the record from the
// commitment without the salt. It panics on an invalid kind, a programming
// error.
func NewCommitment(kind AuditKind, salt *Salt, record []byte) Commitment {
	if !kind.Valid() {
		panic("candor: NewCommitment with invalid audit kind")
	}
	h := sha256.New()
	h.Write([]byte(commitTags[kind]))
	h.Write(salt[:])
	h.Write(record)
	var c Commitment
	h.Sum(c[:0])
	return c
}
