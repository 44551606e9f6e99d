package vault

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/candor-project/candor"
)

// Sessions keeps sessions as records of kind candor.RecordSession
// (candor.Sessions): the expiry (Unix seconds, 8 bytes big-endian), then
// the payload, sealed with the subject's data key for a person's.
type Sessions struct {
	vault *Vault
	store SessionStore
}

// SessionStore is what Sessions keeps sessions in: the records, the
// subjects' keys and the erasures version.
type SessionStore interface {
	candor.EventStore
	candor.RecordStore
	candor.Versioned
}

var _ candor.Sessions = (*Sessions)(nil)

// NewSessions returns the sessions kept in st.
func NewSessions(v *Vault, st SessionStore) *Sessions { return &Sessions{vault: v, store: st} }

// PutSession implements candor.Sessions.
func (s *Sessions) PutSession(ctx context.Context, id string, subject candor.SubjectID, expires time.Time, payload []byte) error {
	data := payload
	if !subject.IsZero() {
		key, err := s.vault.StoredKey(ctx, s.store, subject)
		if err != nil {
			return err
		}
		data = key.SealRecord(candor.RecordSession, id, payload).Data
	}
	return s.store.PutRecord(ctx, &candor.Record{Kind: candor.RecordSession, ID: id, Subject: subject,
		Data: append(binary.BigEndian.AppendUint64(nil, uint64(expires.Unix())), data...)})
}

// Session implements candor.Sessions.
func (s *Sessions) Session(ctx context.Context, id string, now time.Time) (candor.SubjectID, []byte, error) {
	rec, err := s.store.Record(ctx, candor.RecordSession, id)
	if err != nil {
		return candor.SubjectID{}, nil, err
	}
	if len(rec.Data) < 8 {
		return candor.SubjectID{}, nil, candor.Errorf(candor.EINTERNAL, "session record %s is truncated", id)
	}
	if !now.Before(time.Unix(int64(binary.BigEndian.Uint64(rec.Data)), 0)) {
		if err := s.store.DeleteRecord(ctx, candor.RecordSession, id); err != nil {
			return candor.SubjectID{}, nil, err
		}
		return candor.SubjectID{}, nil, candor.Errorf(candor.ENOTFOUND, "the session has ended")
	}
	payload := rec.Data[8:]
	if rec.Subject.IsZero() {
		return rec.Subject, payload, nil
	}
	key, err := s.vault.StoredKey(ctx, s.store, rec.Subject)
	if err != nil {
		return candor.SubjectID{}, nil, err
	}
	opened, err := key.OpenRecord(&candor.Record{Kind: candor.RecordSession, ID: id, Subject: rec.Subject, Data: payload})
	if err != nil {
		return candor.SubjectID{}, nil, candor.Errorf(candor.EINTERNAL, "session record %s does not open: %v", id, err)
	}
	return rec.Subject, opened, nil
}

// DeleteSession implements candor.Sessions.
func (s *Sessions) DeleteSession(ctx context.Context, id string) error {
	return s.store.DeleteRecord(ctx, candor.RecordSession, id)
}

// SweepSessions implements candor.Sessions.
func (s *Sessions) SweepSessions(ctx context.Context, now time.Time) (int, error) {
	var ended []string
	for rec, err := range s.store.AllRecords(ctx, candor.RecordSession) {
		if err != nil {
			return 0, err
		}
		if len(rec.Data) < 8 || !now.Before(time.Unix(int64(binary.BigEndian.Uint64(rec.Data)), 0)) {
			ended = append(ended, rec.ID)
		}
	}
	var errs []error
	for _, id := range ended {
		errs = append(errs, s.store.DeleteRecord(ctx, candor.RecordSession, id))
	}
	return len(ended), errors.Join(errs...)
}

// ErasuresVersion implements candor.Sessions.
func (s *Sessions) ErasuresVersion() uint64 {
	return s.store.RecordsVersion(candor.RecordErased, candor.SubjectID{})
}
