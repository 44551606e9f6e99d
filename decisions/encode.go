package decisions

import (
	"context"
	"fmt"
	"sync"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// plainBufs holds buffers for decisions' plaintext, which SealRecord
// copies into the record.
var plainBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// sealDecision seals d's stored form (binary: candor.Decision.AppendBinary)
// with its subject's key.
func sealDecision(key *vault.SubjectKey, d *candor.Decision) (*candor.Record, error) {
	bp := plainBufs.Get().(*[]byte)
	defer plainBufs.Put(bp)
	data, err := d.AppendBinary((*bp)[:0])
	*bp = data[:0]
	if err != nil {
		return nil, err
	}
	return key.SealRecord(candor.RecordDecision, d.ID, data), nil
}

// openDecision opens a stored decision, binary or (stored before issue
// 16) JSON.
func openDecision(key *vault.SubjectKey, r *candor.Record) (*candor.Decision, error) {
	plain, err := key.OpenRecord(r)
	if err != nil {
		return nil, err
	}
	d := new(candor.Decision)
	if err := candor.DecodeDecision(plain, d); err != nil {
		return nil, fmt.Errorf("decisions: record %s: %w", r.ID, err)
	}
	return d, nil
}

// putDecision stores d, sealed, on its own (a review asked for or closed).
func putDecision(ctx context.Context, st candor.RecordStore, key *vault.SubjectKey, d *candor.Decision) error {
	r, err := sealDecision(key, d)
	if err != nil {
		return err
	}
	return st.PutRecord(ctx, r)
}
