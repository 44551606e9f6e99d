package vault

import (
	"fmt"

	"github.com/candor-project/candor"
)

// SealAccess encodes an access record about the key's subject
// (candor.Access.MarshalBinary, which its commitment is made of) and seals
// it, returning the record ready for the store and its commitment.
func (k *SubjectKey) SealAccess(a *candor.Access) (*candor.AccessRecord, candor.Commitment, error) {
	if a.Subject != k.subject {
		return nil, candor.Commitment{}, fmt.Errorf("vault: access record about subject %s sealed with the key of %s", a.Subject, k.subject)
	}
	plain, err := a.MarshalBinary()
	if err != nil {
		return nil, candor.Commitment{}, err
	}
	sealed := seal(k.aead(), nil, plain, k.accessAAD())
	return &candor.AccessRecord{Subject: k.subject, Sealed: sealed}, candor.AccessCommitment(&k.salt, plain), nil
}

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
	return append([]byte("candor/v1/access/"), k.subject[:]...)
}
