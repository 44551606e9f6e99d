package vault

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/candor-project/candor"
)

// SealRecord seals the data of a record about the key's subject (a
// consent, a decision). The record's kind and ID are authenticated with
// it, so sealed data moved to another record does not open.
func (k *SubjectKey) SealRecord(kind candor.RecordKind, id string, plaintext []byte) *candor.Record {
	return &candor.Record{Kind: kind, ID: id, Subject: k.subject, Data: seal(k.aead(), nil, plaintext, k.recordAAD(kind, id))}
}

// OpenRecord opens a record SealRecord sealed. It fails if the record was
// altered, moved, or is about another subject.
func (k *SubjectKey) OpenRecord(r *candor.Record) ([]byte, error) {
	if r.Subject != k.subject {
		return nil, fmt.Errorf("vault: a record of subject %s opened with the key of %s", r.Subject, k.subject)
	}
	plain, err := open(k.aead(), r.Data, k.recordAAD(r.Kind, r.ID))
	if err != nil {
		return nil, fmt.Errorf("vault: record %s of subject %s does not open: %w", r.ID, r.Subject, err)
	}
	return plain, nil
}

func (k *SubjectKey) recordAAD(kind candor.RecordKind, id string) []byte {
	aad := append([]byte("candor/v1/record/"), k.subject[:]...)
	aad = append(aad, byte(kind))
	return append(aad, id...)
}

// SealJSON seals v, marshalled as JSON, as the record kind/id about the
// key's subject.
func (k *SubjectKey) SealJSON(kind candor.RecordKind, id string, v any) (*candor.Record, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("vault: record %s: %w", id, err)
	}
	return k.SealRecord(kind, id, data), nil
}

// OpenJSON opens a record SealJSON sealed into v.
func (k *SubjectKey) OpenJSON(r *candor.Record, v any) error {
	data, err := k.OpenRecord(r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("vault: record %s: %w", r.ID, err)
	}
	return nil
}

// ReadJSON opens every record of kind about key's subject (SealJSON),
// in ID order.
func ReadJSON[T any](ctx context.Context, st candor.RecordStore, key *SubjectKey, kind candor.RecordKind) ([]*T, error) {
	var out []*T
	for r, err := range st.Records(ctx, kind, key.subject) {
		if err != nil {
			return nil, err
		}
		v := new(T)
		if err := key.OpenJSON(r, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
