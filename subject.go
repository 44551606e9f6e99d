package candor

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// SubjectKind says whether a subject is a person or an organisation.
type SubjectKind uint8

const (
	Person SubjectKind = iota + 1
	Organisation
)

var subjectKindNames = [...]string{Person: "person", Organisation: "organisation"}

func (k SubjectKind) String() string {
	if k == 0 || int(k) >= len(subjectKindNames) {
		return "unknown"
	}
	return subjectKindNames[k]
}

// Noun returns the kind with its article: "a person", "an organisation".
func (k SubjectKind) Noun() string {
	switch k {
	case Person:
		return "a person"
	case Organisation:
		return "an organisation"
	}
	return "an unknown kind of subject"
}

// ParseSubjectKind returns the kind named s.
func ParseSubjectKind(s string) (SubjectKind, bool) {
	for k, name := range subjectKindNames {
		if name != "" && name == s {
			return SubjectKind(k), true
		}
	}
	return 0, false
}

// SubjectID is a subject's pseudonymous identifier: 128 random bits that say
// nothing about the subject.
type SubjectID [16]byte

// NewSubjectID returns a fresh random SubjectID.
func NewSubjectID() SubjectID {
	var id SubjectID
	rand.Read(id[:]) // never fails (crypto/rand contract)
	return id
}

func (id SubjectID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero ID, which no subject has.
func (id SubjectID) IsZero() bool { return id == SubjectID{} }

// MarshalText writes the ID as String does, so that JSON holds it as 32 hex
// digits.
func (id SubjectID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalJSON reads the ID from 32 hex digits, or from the array of 16
// numbers records written before MarshalText existed hold.
func (id *SubjectID) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var legacy []int
		if err := json.Unmarshal(data, &legacy); err != nil || len(legacy) != len(id) {
			return Errorf(EINVALID, "subject id must be 32 hex digits")
		}
		for i, b := range legacy {
			if b < 0 || b > 255 {
				return Errorf(EINVALID, "subject id must be 32 hex digits")
			}
			id[i] = byte(b)
		}
		return nil
	}
	if len(s) != 32 {
		return Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	return nil
}

// ParseSubjectID parses the 32-hex-digit form produced by String.
func ParseSubjectID(s string) (SubjectID, error) {
	var id SubjectID
	if len(s) != 32 {
		return id, Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, Errorf(EINVALID, "subject id must be 32 hex digits")
	}
	if id.IsZero() {
		return id, Errorf(EINVALID, "subject id must not be zero")
	}
	return id, nil
}

// Subject is a person or organisation Candor holds facts about, as read back
// with its identifiers decrypted.
type Subject struct {
	ID          SubjectID
	Kind        SubjectKind
	Identifiers []Identifier
	CreatedAt   time.Time
}
