package vault_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/vault"
)

// subjects is an EventStore holding only subject records.
type subjects struct {
	candor.EventStore
	m map[candor.SubjectID]*candor.SubjectRecord
}

func (s subjects) Subject(_ context.Context, id candor.SubjectID) (*candor.SubjectRecord, error) {
	if rec, ok := s.m[id]; ok {
		return rec, nil
	}
	return nil, candor.Errorf(candor.ENOTFOUND, "no subject %s", id)
}

// A session sealed for one subject under one ID opens only for both.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	v := mustVault(t, 1)
	st := subjects{m: map[candor.SubjectID]*candor.SubjectRecord{}}
	alice, bob := candor.NewSubjectID(), candor.NewSubjectID()
	for _, id := range []candor.SubjectID{alice, bob} {
		_, wrapped := v.NewSubjectKey(id)
		st.m[id] = &candor.SubjectRecord{ID: id, Kind: candor.Person, WrappedKey: wrapped}
	}
	ss := vault.NewSessions(v, st)
	payload := []byte(`{"role":"subject"}`)
	sealed, err := ss.SealSession(ctx, alice, "s1", payload)
	if err != nil || bytes.Contains(sealed, payload) {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if got, err := ss.OpenSession(ctx, alice, "s1", sealed); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("opened %q, %v", got, err)
	}
	if _, err := ss.OpenSession(ctx, alice, "s2", sealed); err == nil {
		t.Error("a session opened under another ID")
	}
	if _, err := ss.OpenSession(ctx, bob, "s1", sealed); err == nil {
		t.Error("a session opened for another subject")
	}
	if _, err := ss.SealSession(ctx, candor.NewSubjectID(), "s3", payload); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("sealing for an unknown subject: %v, want ENOTFOUND", err)
	}
}
