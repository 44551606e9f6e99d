package audit

import (
	"context"
	"errors"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

// Prover is the log as proofs need it. *tlog.Log is one.
type Prover interface {
	Proof(ctx context.Context, index uint64, c candor.Commitment) ([]byte, error)
	VerifierKey() string
}

// AccessProof is what anyone needs to check that an access record is in
// the log: the record's canonical encoding and the subject's salt, from
// which the commitment is recomputed (SHA-256("candor/v1/commitment/access"
// 0x00 || salt || record)), and a C2SP tlog-proof of the log entry holding
// it, checkable with the verifier key alone.
type AccessProof struct {
	N           uint64 `json:"n"`
	Record      []byte `json:"record"` // base64 in JSON
	Salt        []byte `json:"salt"`   // base64 in JSON
	Commitment  string `json:"commitment"`
	Index       uint64 `json:"index"`
	Proof       string `json:"proof"`
	VerifierKey string `json:"verifier_key"`
}

// ProveAccess returns the proof of the subject's access record n. Errors:
// ENOTFOUND for no such record, ErrNotLogged until it is in the log
// (about a second).
func ProveAccess(ctx context.Context, st candor.Store, log Prover, key *vault.SubjectKey, n uint64) (*AccessProof, error) {
	rec, err := st.AccessRecord(ctx, key.Subject(), n)
	if err != nil {
		return nil, err
	}
	_, plain, err := key.OpenAccess(rec)
	if err != nil {
		return nil, err
	}
	c := candor.AccessCommitment(key.Salt(), plain)
	index, err := LogIndex(ctx, st, rec.Commit, candor.AuditAccess, int(rec.Pos))
	if err != nil {
		return nil, err
	}
	proof, err := log.Proof(ctx, index, c)
	if errors.Is(err, tlog.ErrNotPublished) {
		err = ErrNotLogged
	}
	if err != nil {
		return nil, err
	}
	salt := key.Salt()
	return &AccessProof{N: n, Record: plain, Salt: salt[:], Commitment: c.String(), Index: index,
		Proof: string(proof), VerifierKey: log.VerifierKey()}, nil
}
