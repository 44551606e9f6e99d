package vault

import (
	"fmt"
	"sync"

	"github.com/candor-project/candor"
)

// SealAccess encodes an access record about the key's subject
// (candor.Access.MarshalBinary, which its commitment is made of) and seals
// it, returning the record ready for the store and its commitment.
func (k *SubjectKey) SealAccess(a *candor.Access) (*candor.AccessRecord, candor.Commitment, error) {
	if a.Subject != k.subject {
		return nil, candor.Commitment{}, fmt.Errorf("vault: access record about subject %s sealed with the key of %s", a.Subject, k.subject)
	}
	bp := accessBufs.Get().(*[]byte)
	defer accessBufs.Put(bp)
	plain, err := a.AppendBinary((*bp)[:0])
	if err != nil {
		return nil, candor.Commitment{}, err
	}
	*bp = plain[:0]
	sealed := seal(k.aead(), nil, plain, k.accessAAD())
	return &candor.AccessRecord{Subject: k.subject, Sealed: sealed}, candor.AccessCommitment(&k.salt, plain), nil
}

// accessBufs holds buffers for access records' plaintext (at most ~830
// bytes: three strings of at most 256), which is sealed and hashed, then
// dropped.
var accessBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// OpenAccess opens a stored access record and returns its content and
// canonical encoding (from which its commitment is recomputed). It fails
// if the record was altered or is about another subject.
func (k *SubjectKey) OpenAccess(r *candor.AccessRecord) (*candor.Access, []byte, error) {
	if r.Subject != k.subject {
		return nil, nil, fmt.Errorf("vault: access record of subject %s opened with the key of %s", r.Subject, k.subject)
	}
	plain, err := open(k.aead(), r.Sealed, k.accessAAD())
	if err != nil {
		return nil, nil, fmt.Errorf("vault: access record %d of subject %s does not open: %w", r.N, r.Subject, err)
	}
	var a candor.Access
	if err := a.UnmarshalBinary(plain); err != nil {
		return nil, nil, fmt.Errorf("vault: access record %d of subject %s: %w", r.N, r.Subject, err)
	}
	if a.Subject != k.subject {
		return nil, nil, fmt.Errorf("vault: access record %d of subject %s names subject %s", r.N, r.Subject, a.Subject)
	}
	return &a, plain, nil
}

func (k *SubjectKey) accessAAD() []byte {
	if k.warm != nil {
		return k.warm.accessAD
	}
	return appendAccessAAD(nil, k.subject)
}

// appendAccessAAD appends the additional data an access record about
// subject is sealed with.
func appendAccessAAD(dst []byte, subject candor.SubjectID) []byte {
	return append(append(dst, "candor/v1/access/"...), subject[:]...)
}
