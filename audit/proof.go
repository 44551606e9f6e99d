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

// SubjectProofs proves that a subject's facts and access records are in
// the transparency log (profile.Service is one).
type SubjectProofs interface {
	// AccessProof proves the subject's access record n is in the log.
	// Errors: ENOTFOUND, EUNAVAILABLE without a log.
	AccessProof(ctx context.Context, subject candor.SubjectID, n uint64) (*AccessProof, error)
	// WriteProofs proves the subject's facts (or only fact event, if not
	// 0) are in the log, and says how many of its records are not logged
	// yet. Errors: ENOTFOUND, EUNAVAILABLE without a log.
	WriteProofs(ctx context.Context, subject candor.SubjectID, event candor.EventID) ([]WriteProof, int, error)
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

// WriteProof is what anyone needs to check that a stored fact was logged:
// the canonical record its write commitment is made of (for an event,
// candor.AppendEventAudit of the event with the matches stored with it;
// for a match stored on its own, candor.AppendMatchAudit) and the
// subject's salt, from which the commitment is recomputed
// (SHA-256("candor/v1/commitment/write" 0x00 || salt || record)), and a
// C2SP tlog-proof of the log entry holding it.
type WriteProof struct {
	Event       uint64 `json:"event"`  // the fact's event ID
	Fact        string `json:"fact"`   // "event" or "match": which encoding Record is
	Record      []byte `json:"record"` // the canonical record, base64 in JSON
	Salt        []byte `json:"salt"`   // base64 in JSON
	Commitment  string `json:"commitment"`
	Index       uint64 `json:"index"`
	Proof       string `json:"proof"`
	VerifierKey string `json:"verifier_key"`
}

// ProveWrites returns the write proofs of a subject's stored facts (of
// only event if it is not zero), in time order: one for each event and
// one for each match stored on its own, with the matches of the scorecard
// versions cards. A record whose commitment is recorded but not logged
// yet has no proof in the list; notLogged counts them. Finding where each
// commitment was recorded reads the store's audit entries once, so a
// call costs about a scan of them. Errors: ENOTFOUND for an event the
// subject does not have.
func ProveWrites(ctx context.Context, st candor.Store, log Prover, key *vault.SubjectKey, cards []candor.ScorecardKey, event candor.EventID) (proofs []WriteProof, notLogged int, err error) {
	sub := key.Subject()
	salt := key.Salt()
	byEvent, err := subjectMatches(ctx, st, sub, cards)
	if err != nil {
		return nil, 0, err
	}
	type want struct {
		p *WriteProof
		c candor.Commitment
	}
	var wants []want
	for e, err := range st.Events(ctx, sub, candor.EventFilter{}) {
		if err != nil {
			return nil, 0, err
		}
		if event != 0 && e.ID != event {
			continue
		}
		var with []*candor.MatchRecord
		for _, m := range byEvent[e.ID] {
			if !m.Alone {
				with = append(with, m)
			}
		}
		rec := candor.AppendEventAudit(nil, e, with)
		wants = append(wants, want{&WriteProof{Event: uint64(e.ID), Fact: "event", Record: rec}, candor.NewCommitment(candor.AuditWrite, salt, rec)})
		for _, m := range byEvent[e.ID] {
			if m.Alone {
				rec := candor.AppendMatchAudit(nil, m)
				wants = append(wants, want{&WriteProof{Event: uint64(e.ID), Fact: "match", Record: rec}, candor.NewCommitment(candor.AuditWrite, salt, rec)})
			}
		}
	}
	if event != 0 && len(wants) == 0 {
		return nil, 0, candor.Errorf(candor.ENOTFOUND, "no fact %d about this subject", event)
	}
	type at struct {
		seq uint64
		pos int
	}
	where := make(map[candor.Commitment]at, len(wants))
	for _, w := range wants {
		where[w.c] = at{}
	}
	for e, err := range st.AuditEntries(ctx, 0) {
		if err != nil {
			return nil, 0, err
		}
		for i, c := range e.Write {
			if a, ok := where[c]; ok && a.seq == 0 {
				where[c] = at{e.Seq, i}
			}
		}
	}
	for _, w := range wants {
		a := where[w.c]
		if a.seq == 0 {
			notLogged++
			continue
		}
		index, err := LogIndex(ctx, st, a.seq, candor.AuditWrite, a.pos)
		if err == nil {
			var proof []byte
			if proof, err = log.Proof(ctx, index, w.c); err == nil {
				w.p.Index, w.p.Proof = index, string(proof)
			}
		}
		if err == ErrNotLogged || errors.Is(err, tlog.ErrNotPublished) {
			notLogged++
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		w.p.Salt, w.p.Commitment, w.p.VerifierKey = salt[:], w.c.String(), log.VerifierKey()
		proofs = append(proofs, *w.p)
	}
	return proofs, notLogged, nil
}
