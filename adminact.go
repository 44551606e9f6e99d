package candor

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// Administrative acts (the two-person rule, charter point 4): every act of
// a policy administrator — a key minted, requested, approved or revoked, a
// scorecard version proposed or approved — is an AdminAct, kept in a hash
// chain (each act names the hash of the one before), stored as a record
// about no subject and committed, as a write, to the transparency log in
// the same store commit. The acts are public: anyone can list them and
// recompute each one's commitment.

// AdminActKind is what an administrative act did.
type AdminActKind uint8

const (
	ActKeyBootstrapped   AdminActKind = iota + 1 // one of the first two administrators' keys, minted alone
	ActKeyRequested                              // an administrator asked for a key for Principal; it is not valid until approved
	ActKeyApproved                               // a second administrator approved a requested key
	ActKeyRevoked                                // an administrator revoked a key
	ActScorecardProposed                         // a scorecard version proposed
	ActScorecardApproved                         // a scorecard version approved, and active
	ActScorecardAudited                          // a fairness audit of a scorecard version recorded (its summary's hash in Audit)
	numAdminActKinds
)

var adminActNames = [numAdminActKinds]string{
	ActKeyBootstrapped: "key_bootstrapped", ActKeyRequested: "key_requested", ActKeyApproved: "key_approved",
	ActKeyRevoked: "key_revoked", ActScorecardProposed: "scorecard_proposed", ActScorecardApproved: "scorecard_approved",
	ActScorecardAudited: "scorecard_audited",
}

func (k AdminActKind) String() string {
	if k == 0 || k >= numAdminActKinds {
		return "unknown"
	}
	return adminActNames[k]
}

// ParseAdminActKind returns the kind String names; ok is false for none.
func ParseAdminActKind(s string) (k AdminActKind, ok bool) {
	for k := ActKeyBootstrapped; k < numAdminActKinds; k++ {
		if adminActNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// AdminAct is one administrative act.
type AdminAct struct {
	N     uint64 // its place in the chain, from 1
	Kind  AdminActKind
	At    time.Time
	By    string // the acting administrator's normalised principal ("" for a bootstrap)
	ByKey string // the ID of the key it acted with ("" for a bootstrap)
	// Key acts: the key acted on, the administrator it is for, and (for a
	// bootstrap or a request) the SHA-256 of its token, so that no other
	// key of the same ID passes for it.
	Key       string
	Principal string
	KeyHash   [32]byte
	// Scorecard acts: the version, and the SHA-256 of its source file.
	Scorecard string
	Version   int
	Source    [32]byte
	// Audit acts: the SHA-256 of the audit's summary as stored
	// (FairnessAudit, group-level rates only), which binds it to the act.
	Audit [32]byte
	Prev  [32]byte // the hash of the act before (AdminActHash; zero for the first)
}

// Limits of an act's strings.
const maxActString = 256

// MarshalBinary encodes a as the canonical record its write commitment
// (AdminActCommitment) and the chain's hashes (AdminActHash) are made of:
//
//	4 (admin act) | 1 (version) | n(8) | kind(1) | at Unix ns(8) | prev(32) |
//	uvarint len | by | uvarint len | by key |
//	uvarint len | key | uvarint len | principal | key hash(32) |
//	uvarint len | scorecard | version(8) | source(32) [| audit(32)]
//
// integers big-endian; the audit hash only for ActScorecardAudited. It fails on an unknown kind, a string longer than
// 256 bytes or a time outside 1678–2262.
func (a *AdminAct) MarshalBinary() ([]byte, error) {
	if a.Kind == 0 || a.Kind >= numAdminActKinds {
		return nil, Errorf(EINVALID, "administrative act: unknown kind %d", a.Kind)
	}
	for _, s := range []string{a.By, a.ByKey, a.Key, a.Principal, a.Scorecard} {
		if len(s) > maxActString {
			return nil, Errorf(EINVALID, "administrative act: a string of %d bytes, more than %d", len(s), maxActString)
		}
	}
	if a.At.Before(time.Unix(0, -1<<63)) || a.At.After(time.Unix(0, 1<<63-1)) || a.Version < 0 {
		return nil, Errorf(EINVALID, "administrative act: time %s or version %d out of range", a.At, a.Version)
	}
	dst := make([]byte, 0, 128+len(a.By)+len(a.ByKey)+len(a.Key)+len(a.Principal)+len(a.Scorecard))
	dst = append(dst, auditRecordAdminAct, auditRecordV1)
	dst = binary.BigEndian.AppendUint64(dst, a.N)
	dst = append(dst, byte(a.Kind))
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.At.UnixNano()))
	dst = append(dst, a.Prev[:]...)
	for _, s := range []string{a.By, a.ByKey, a.Key, a.Principal} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = append(dst, a.KeyHash[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(a.Scorecard)))
	dst = append(dst, a.Scorecard...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.Version))
	dst = append(dst, a.Source[:]...)
	if a.Kind == ActScorecardAudited {
		dst = append(dst, a.Audit[:]...)
	}
	return dst, nil
}

// UnmarshalBinary decodes exactly what MarshalBinary produces. Errors:
// EINVALID.
func (a *AdminAct) UnmarshalBinary(data []byte) error {
	bad := Errorf(EINVALID, "administrative act: malformed encoding")
	if len(data) < 2+8+1+8+32 || data[0] != auditRecordAdminAct || data[1] != auditRecordV1 {
		return bad
	}
	var out AdminAct
	out.N = binary.BigEndian.Uint64(data[2:10])
	out.Kind = AdminActKind(data[10])
	out.At = time.Unix(0, int64(binary.BigEndian.Uint64(data[11:19]))).UTC()
	copy(out.Prev[:], data[19:51])
	rest := data[51:]
	str := func(s *string) bool {
		n, k := binary.Uvarint(rest)
		if k <= 0 || k != len(binary.AppendUvarint(nil, n)) || n > maxActString || n > uint64(len(rest)-k) {
			return false
		}
		*s = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
		return true
	}
	for _, s := range []*string{&out.By, &out.ByKey, &out.Key, &out.Principal} {
		if !str(s) {
			return bad
		}
	}
	if len(rest) < 32 {
		return bad
	}
	copy(out.KeyHash[:], rest)
	rest = rest[32:]
	tail := 8 + 32
	if out.Kind == ActScorecardAudited {
		tail += 32
	}
	if !str(&out.Scorecard) || len(rest) != tail {
		return bad
	}
	v := binary.BigEndian.Uint64(rest)
	if v > 1<<31 || out.Kind == 0 || out.Kind >= numAdminActKinds {
		return bad
	}
	out.Version = int(v)
	copy(out.Source[:], rest[8:])
	if out.Kind == ActScorecardAudited {
		copy(out.Audit[:], rest[8+32:])
	}
	*a = out
	return nil
}

// AdminActHash is the hash that the next act in the chain names as Prev:
// SHA-256 of the act's canonical encoding.
func AdminActHash(encoded []byte) [32]byte { return sha256.Sum256(encoded) }

// AdminActCommitment is the write commitment of an administrative act
// whose canonical encoding (AdminAct.MarshalBinary) is encoded, unsalted
// as the act is public:
//
//	SHA-256( "candor/v1/commitment/write" || 0x00 || 32 zero bytes || encoded )
func AdminActCommitment(encoded []byte) Commitment {
	return NewCommitment(AuditWrite, &noSalt, encoded)
}

// AdminActID is the record ID of act n, so that records in ID order are
// acts in chain order.
func AdminActID(n uint64) string { return fmt.Sprintf("%020d", n) }

// AdminActMAC is the size of the MAC an administrative act is stored with.
const AdminActMAC = 32

// AdminActRecord returns the record of an act whose canonical encoding is
// encoded, stored with mac (of AdminActMAC bytes, made with a key the data
// dir does not hold, so that an act written into the store directly does
// not verify): of kind RecordAdminAct, about no subject, its ID
// AdminActID(n), its data encoded followed by mac.
func AdminActRecord(n uint64, encoded, mac []byte) *Record {
	return &Record{Kind: RecordAdminAct, ID: AdminActID(n), Data: append(append([]byte(nil), encoded...), mac...)}
}

// SplitAdminActRecord returns the canonical encoding and the MAC an act's
// record holds. Errors: EINVALID for a record that is not one.
func SplitAdminActRecord(r *Record) (encoded, mac []byte, err error) {
	if r.Kind != RecordAdminAct || r.Subject != (SubjectID{}) || len(r.Data) <= AdminActMAC {
		return nil, nil, Errorf(EINVALID, "administrative act record %q: malformed", r.ID)
	}
	cut := len(r.Data) - AdminActMAC
	return r.Data[:cut], r.Data[cut:], nil
}
