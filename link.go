package candor

import (
	"cmp"
	"encoding/binary"
	"slices"
	"time"
)

// Linked identities (issue 20). A registry says that two identifiers name
// one subject; Candor then shows the two subjects as one profile. Nothing
// is moved or re-sealed: each subject keeps its key, facts, commitments
// and blind indexes, and a link only groups them (package identity has
// the design). A Link is one step of that history, stored as a record
// under each of the two subjects (sealed with that subject's key) and
// committed to the transparency log with each one's salt.

// LinkOp is what a Link step does.
type LinkOp uint8

const (
	OpLinked   LinkOp = iota + 1 // the two subjects are one profile from now on
	OpUnlinked                   // the link is undone: two profiles again
)

func (o LinkOp) String() string {
	switch o {
	case OpLinked:
		return "linked"
	case OpUnlinked:
		return "unlinked"
	}
	return "unknown"
}

// Link is one step of a link's history.
type Link struct {
	ID       string    // the link's ID, shared by its linking and unlinking
	Op       LinkOp    // linked or unlinked
	Survivor SubjectID // the subject the profile goes by (the first identifier's)
	Alias    SubjectID // the subject that resolves to it
	Source   string    // the registry source that posted it ("" for a dispute)
	Ref      string    // the source's reference, or the dispute's ID
	At       time.Time
}

// MaxLinkString bounds a link's ID, source and reference.
const MaxLinkString = 64

// LinkRecordID is the ID of the record of step l stored under member: the
// link, the step and the member, so that each record is new.
func LinkRecordID(l *Link, member SubjectID) string {
	return l.ID + "/" + l.Op.String() + "/" + member.String()
}

// auditRecordLink is the first byte of a link step's canonical encoding.
const auditRecordLink byte = 5

// MarshalBinary returns the canonical encoding of l, which its records
// hold and its write commitments are made of:
//
//	5 (link) | 1 (version) | op(1) | survivor(16) | alias(16) |
//	at Unix ns(8) | uvarint len | id | uvarint len | source |
//	uvarint len | ref
func (l *Link) MarshalBinary() ([]byte, error) {
	if l.Op != OpLinked && l.Op != OpUnlinked || len(l.ID) == 0 || len(l.ID) > MaxLinkString || len(l.Source) > MaxLinkString || len(l.Ref) > MaxLinkString {
		return nil, Errorf(EINVALID, "link: an op, an ID and strings of at most %d bytes", MaxLinkString)
	}
	b := []byte{auditRecordLink, auditRecordV1, byte(l.Op)}
	b = append(b, l.Survivor[:]...)
	b = append(b, l.Alias[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(l.At.UnixNano()))
	for _, s := range []string{l.ID, l.Source, l.Ref} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b, nil
}

// UnmarshalBinary reads the encoding MarshalBinary writes: EINVALID for
// anything else.
func (l *Link) UnmarshalBinary(b []byte) error {
	bad := Errorf(EINVALID, "link: not a link record")
	if len(b) < 3+32+8 || b[0] != auditRecordLink || b[1] != auditRecordV1 {
		return bad
	}
	l.Op = LinkOp(b[2])
	copy(l.Survivor[:], b[3:19])
	copy(l.Alias[:], b[19:35])
	l.At = time.Unix(0, int64(binary.BigEndian.Uint64(b[35:43]))).UTC()
	b = b[43:]
	var ss [3]string
	for i := range ss {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > MaxLinkString || uint64(len(b)-k) < n {
			return bad
		}
		ss[i], b = string(b[k:k+int(n)]), b[k+int(n):]
	}
	l.ID, l.Source, l.Ref = ss[0], ss[1], ss[2]
	if len(b) != 0 || (l.Op != OpLinked && l.Op != OpUnlinked) || l.ID == "" {
		return bad
	}
	return nil
}

// LinkCommitment is the write commitment of a link step's record under a
// member, salted with that member's salt, so that erasing the member
// leaves it verifiable and unlinkable.
func LinkCommitment(salt *Salt, encoded []byte) Commitment {
	return NewCommitment(AuditWrite, salt, encoded)
}

// CurrentLinks returns the links of history that stand: those whose last
// step (by time, then linked before unlinked) is OpLinked, in the order
// they were made.
func CurrentLinks(history []*Link) []*Link {
	steps := slices.Clone(history)
	slices.SortStableFunc(steps, func(a, b *Link) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Op, b.Op)
	})
	last := map[string]*Link{}
	var order []string
	for _, s := range steps {
		if last[s.ID] == nil {
			order = append(order, s.ID)
		}
		last[s.ID] = s
	}
	var out []*Link
	for _, id := range order {
		if l := last[id]; l.Op == OpLinked {
			out = append(out, l)
		}
	}
	return out
}
