package vault_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// A person's session is stored sealed and opens only under its own ID; a
// console's is stored as it is; an ended one is gone, and a sweep removes
// every ended one.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	v := mustVault(t, 1)
	st := memstore.New()
	defer st.Close()
	alice := candor.NewSubjectID()
	_, wrapped := v.NewSubjectKey(alice)
	if err := v.KeepKeys(ctx, []candor.WrappedKey{wrapped}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{{ID: alice, Kind: candor.Person}}}); err != nil {
		t.Fatal(err)
	}
	ss := vault.NewSessions(v, st)
	now := time.Now()
	payload := []byte(`{"role":"subject"}`)
	if err := ss.PutSession(ctx, "s1", alice, now.Add(time.Hour), payload); err != nil {
		t.Fatal(err)
	}
	rec, err := st.Record(ctx, candor.RecordSession, "s1")
	if err != nil || bytes.Contains(rec.Data, payload) {
		t.Fatalf("stored %q, %v: want it sealed", rec.Data, err)
	}
	if sub, got, err := ss.Session(ctx, "s1", now); err != nil || sub != alice || !bytes.Equal(got, payload) {
		t.Errorf("opened %s %q, %v", sub, got, err)
	}
	moved := *rec
	moved.ID = "s2"
	if err := st.PutRecord(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ss.Session(ctx, "s2", now); candor.ErrorCode(err) != candor.EINTERNAL {
		t.Errorf("a session moved to another ID: %v, want EINTERNAL", err)
	}
	if err := ss.PutSession(ctx, "s3", candor.NewSubjectID(), now.Add(time.Hour), payload); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("storing for an unknown subject: %v, want ENOTFOUND", err)
	}
	console := []byte(`{"role":"operator"}`)
	if err := ss.PutSession(ctx, "c1", candor.SubjectID{}, now.Add(time.Minute), console); err != nil {
		t.Fatal(err)
	}
	if sub, got, err := ss.Session(ctx, "c1", now); err != nil || !sub.IsZero() || !bytes.Equal(got, console) {
		t.Errorf("the console's session: %s %q, %v", sub, got, err)
	}
	if _, _, err := ss.Session(ctx, "c1", now.Add(2*time.Minute)); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("an ended session: %v, want ENOTFOUND", err)
	}
	if _, err := st.Record(ctx, candor.RecordSession, "c1"); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("an ended session read is still stored: %v", err)
	}
	if n, err := ss.SweepSessions(ctx, now.Add(2*time.Hour)); n != 2 || err != nil {
		t.Errorf("sweeping after every session ended: %d, %v; want s1 and s2", n, err)
	}
}
