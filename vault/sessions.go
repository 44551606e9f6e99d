package vault

import (
	"context"

	"github.com/candor-project/candor"
)

// Sessions seals portal sessions with their subject's data key
// (candor.SessionSealer), as records of kind candor.RecordSession.
type Sessions struct {
	vault *Vault
	store candor.EventStore
}

// NewSessions returns the sealer of sessions of the subjects st holds.
func NewSessions(v *Vault, st candor.EventStore) *Sessions { return &Sessions{vault: v, store: st} }

// SealSession seals payload for subject under id.
func (s *Sessions) SealSession(ctx context.Context, subject candor.SubjectID, id string, payload []byte) ([]byte, error) {
	key, err := s.vault.StoredKey(ctx, s.store, subject)
	if err != nil {
		return nil, err
	}
	return key.SealRecord(candor.RecordSession, id, payload).Data, nil
}

// OpenSession opens what SealSession sealed.
func (s *Sessions) OpenSession(ctx context.Context, subject candor.SubjectID, id string, sealed []byte) ([]byte, error) {
	key, err := s.vault.StoredKey(ctx, s.store, subject)
	if err != nil {
		return nil, err
	}
	return key.OpenRecord(&candor.Record{Kind: candor.RecordSession, ID: id, Subject: subject, Data: sealed})
}
