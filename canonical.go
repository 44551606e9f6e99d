package candor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// This file holds the canonical encodings that the transparency log's
// commitments are made of (charter point 6): of a stored event, a match,
// a list of retired commitments, an access record (Access). The store
// interfaces that keep them are in store.go; the commitment function in
// commitment.go.
//
// A commitment records a write or an access in the same atomic store commit
// as the write or the access record itself (fail closed); a background
// appender carries the recorded commitments into the log later, and after a
// crash recovers whatever was recorded but not yet logged.

// Record types inside the write commitments' canonical encodings; the first
// byte of every write record, so an event can never pass for a match.
const (
	auditRecordEvent        byte = 1
	auditRecordMatch        byte = 2
	auditRecordRetire       byte = 3
	auditRecordAdminAct     byte = 4 // AdminAct.MarshalBinary
	auditRecordPrivacySpend byte = 5 // PrivacySpend.MarshalBinary
	auditRecordV1           byte = 1
)

// AppendEventAudit appends the canonical encoding of a stored event with the
// matches stored with it, which its write commitment is made of:
//
//	1 (event) | 1 (version) | subject(16) | occurred_at Unix ns(8) |
//	event ID(8) | state(1) | dedupe(16) | digest(32) |
//	uvarint len | sealed | uvarint n |
//	n × ( scorecard(8) | state(1) | uvarint len | sealed )
//
// integers big-endian, matches in ascending scorecard key order (ties in
// the order given). The event's ID must be assigned. A verifier
// recomputes the same bytes from the store.
func AppendEventAudit(dst []byte, e *EventRecord, matches []*MatchRecord) []byte {
	dst = append(dst, auditRecordEvent, auditRecordV1)
	dst = append(dst, e.Subject[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.OccurredAt.UnixNano()))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.ID))
	dst = append(dst, byte(e.State))
	dst = append(dst, e.Dedupe[:]...)
	dst = append(dst, e.Digest[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(e.Sealed)))
	dst = append(dst, e.Sealed...)
	if !slices.IsSortedFunc(matches, cmpMatchCard) {
		matches = slices.Clone(matches)
		slices.SortStableFunc(matches, cmpMatchCard)
	}
	dst = binary.AppendUvarint(dst, uint64(len(matches)))
	for _, m := range matches {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Scorecard))
		dst = append(dst, byte(m.State))
		dst = binary.AppendUvarint(dst, uint64(len(m.Sealed)))
		dst = append(dst, m.Sealed...)
	}
	return dst
}

func cmpMatchCard(a, b *MatchRecord) int {
	switch {
	case a.Scorecard < b.Scorecard:
		return -1
	case a.Scorecard > b.Scorecard:
		return 1
	}
	return 0
}

// AppendMatchAudit appends the canonical encoding of a match stored on its
// own (WriteBatch.Matches: a scorecard version materialised after its
// event was stored), which its write commitment is made of:
//
//	2 (match) | 1 (version) | subject(16) | scorecard(8) |
//	occurred_at Unix ns(8) | event ID(8) | state(1) | uvarint len | sealed
func AppendMatchAudit(dst []byte, m *MatchRecord) []byte {
	dst = append(dst, auditRecordMatch, auditRecordV1)
	dst = append(dst, m.Subject[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.Scorecard))
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.OccurredAt.UnixNano()))
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.Event))
	dst = append(dst, byte(m.State))
	dst = binary.AppendUvarint(dst, uint64(len(m.Sealed)))
	return append(dst, m.Sealed...)
}

// EventCommitment is the write commitment of a stored event with the
// matches stored with it (AppendEventAudit).
func EventCommitment(salt *Salt, e *EventRecord, matches []*MatchRecord) Commitment {
	var buf [512]byte
	return NewCommitment(AuditWrite, salt, AppendEventAudit(buf[:0], e, matches))
}

// MatchCommitment is the write commitment of a match stored on its own
// (AppendMatchAudit).
func MatchCommitment(salt *Salt, m *MatchRecord) Commitment {
	var buf [256]byte
	return NewCommitment(AuditWrite, salt, AppendMatchAudit(buf[:0], m))
}

// StoredCommitments returns the write commitments that account for a
// stored event and its stored matches: the event's, with the matches
// stored with it, and one for each match stored on its own. A change or
// removal of the event retires them.
func StoredCommitments(salt *Salt, e *EventRecord, matches []*MatchRecord) []Commitment {
	with := make([]*MatchRecord, 0, len(matches))
	var alone []*MatchRecord
	for _, m := range matches {
		if m.Alone {
			alone = append(alone, m)
		} else {
			with = append(with, m)
		}
	}
	out := make([]Commitment, 0, 1+len(alone))
	out = append(out, EventCommitment(salt, e, with))
	for _, m := range alone {
		out = append(out, MatchCommitment(salt, m))
	}
	return out
}

// noSalt salts retirement commitments: what they hash are commitments,
// already salted and meaningless without their subjects' salts.
var noSalt Salt

// RetireCommitment is the write commitment of a list of retired
// commitments (WriteBatch.Retire):
//
//	SHA-256( "candor/v1/commitment/write" || 0x00 || 32 zero bytes ||
//	         3 (retire) | 1 (version) | uvarint n | n × commitment(32) )
//
// Logged with the commit that retires them, it lets a verifier tell a
// record changed or removed on purpose (a dispute answered, a fact past
// its retention, a subject erased) from one deleted behind the log's back.
func RetireCommitment(retired []Commitment) Commitment {
	buf := make([]byte, 0, 2+binary.MaxVarintLen64+32*len(retired))
	buf = append(buf, auditRecordRetire, auditRecordV1)
	buf = binary.AppendUvarint(buf, uint64(len(retired)))
	for _, c := range retired {
		buf = append(buf, c[:]...)
	}
	return NewCommitment(AuditWrite, &noSalt, buf)
}

// Access says who read what about a subject, when and why: the content of
// an access record. It holds no personal data beyond the subject's
// pseudonymous ID and the reader's key ID; what was returned is identified
// by its endpoint and a hash of the response.
type Access struct {
	Subject   SubjectID
	At        time.Time
	Principal string // the reader's API key ID (or another principal's name)
	Role      Role
	Purpose   string // why: the endpoint's purpose, or the relying party's declared purpose
	Action    string // what: the operation, e.g. "GET /v1/subjects/{id}/events"
	Response  Digest // SHA-256 of the response body served
}

// Limits of an Access's strings, so that an encoded record stays small.
const maxAccessString = 256

// MarshalBinary encodes a as the canonical record its access commitment is
// made of (and that is sealed in the store):
//
//	1 (version) | subject(16) | at Unix ns(8) | role(1) |
//	uvarint len | principal | uvarint len | purpose |
//	uvarint len | action | response(32)
//
// It fails on a string longer than 256 bytes or a time outside 1678–2262.
func (a *Access) MarshalBinary() ([]byte, error) {
	return a.AppendBinary(make([]byte, 0, 1+16+8+1+3+len(a.Principal)+len(a.Purpose)+len(a.Action)+32))
}

// AppendBinary appends MarshalBinary's encoding of a to dst, or fails as
// MarshalBinary does (dst unchanged), so that a caller can encode into a
// buffer it reuses.
func (a *Access) AppendBinary(dst []byte) ([]byte, error) {
	for _, s := range []string{a.Principal, a.Purpose, a.Action} {
		if len(s) > maxAccessString {
			return nil, Errorf(EINVALID, "access record: a string of %d bytes, more than %d", len(s), maxAccessString)
		}
	}
	if a.At.Before(time.Unix(0, -1<<63)) || a.At.After(time.Unix(0, 1<<63-1)) {
		return nil, Errorf(EINVALID, "access record: time %s out of range", a.At)
	}
	dst = append(dst, auditRecordV1)
	dst = append(dst, a.Subject[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.At.UnixNano()))
	dst = append(dst, byte(a.Role))
	for _, s := range []string{a.Principal, a.Purpose, a.Action} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return append(dst, a.Response[:]...), nil
}

var errAccessCorrupt = errors.New("access record: malformed encoding")

// UnmarshalBinary decodes exactly what MarshalBinary produces, and nothing
// else: every byte must be accounted for.
func (a *Access) UnmarshalBinary(data []byte) error {
	if len(data) < 1+16+8+1 || data[0] != auditRecordV1 {
		return errAccessCorrupt
	}
	var out Access
	copy(out.Subject[:], data[1:17])
	out.At = time.Unix(0, int64(binary.BigEndian.Uint64(data[17:25]))).UTC()
	out.Role = Role(data[25])
	rest := data[26:]
	for _, s := range []*string{&out.Principal, &out.Purpose, &out.Action} {
		n, k := binary.Uvarint(rest)
		if k <= 0 || k != len(binary.AppendUvarint(nil, n)) || n > maxAccessString || n > uint64(len(rest)-k) {
			return errAccessCorrupt
		}
		*s = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(rest) != len(out.Response) {
		return errAccessCorrupt
	}
	copy(out.Response[:], rest)
	*a = out
	return nil
}

// AccessCommitment is the access commitment of an access record whose
// canonical encoding (Access.MarshalBinary) is record.
func AccessCommitment(salt *Salt, record []byte) Commitment {
	return NewCommitment(AuditAccess, salt, record)
}

// BundleRef names one bundle of an entry: its kind, the entry's sequence
// and its part (as tlog.Split numbers them).
type BundleRef struct {
	Kind AuditKind
	Seq  uint64
	Part uint32
}

// Bundles returns the references of e's bundles in log order, given the
// bundle size max (tlog.MaxCommitments).
func (e *AuditEntry) Bundles(max int) []BundleRef {
	var out []BundleRef
	for _, k := range []struct {
		kind AuditKind
		n    int
	}{{AuditWrite, len(e.Write)}, {AuditAccess, len(e.Access)}} {
		for p := 0; p*max < k.n; p++ {
			out = append(out, BundleRef{k.kind, e.Seq, uint32(p)})
		}
	}
	return out
}

func (r BundleRef) String() string { return fmt.Sprintf("%v/%d/%d", r.Kind, r.Seq, r.Part) }
