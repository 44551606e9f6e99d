package audit_test

import (
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/vault"
)

// TestAccessLog records access records from many goroutines, with and
// without the caller's key, and checks they are stored, sealed, numbered
// and committed with their commitments; and the errors.
func TestAccessLog(t *testing.T) {
	st := mustStore(t, t.TempDir())
	defer st.Close()
	v := testVault(t)
	id, key := mustSubject(t, st, v)
	commits := 0
	var mu sync.Mutex
	al := audit.NewAccessLog(st, v, func(n int, err error) {
		mu.Lock()
		commits++
		mu.Unlock()
	})
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := &candor.Access{Subject: id, At: time.Now(), Principal: "op", Role: candor.RoleOperator, Purpose: "p", Action: "GET x"}
			var err error
			if i%2 == 0 {
				b := *a
				b.Action = "GET y"
				err = al.Record(ctx, a, &b) // the log opens the key itself; both in one commit
			} else {
				err = al.RecordWith(ctx, key, a, nil)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	err := al.Record(ctx, &candor.Access{Subject: candor.NewSubjectID(), At: time.Now()})
	if candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("an access record about no subject: %v, want ENOTFOUND", err)
	}
	al.Close()
	mu.Lock()
	if gc, recs := al.Stats(); gc != uint64(commits) || recs != n+n/2 {
		t.Errorf("Stats: %d commits, %d records; want %d (as onCommit counted), %d", gc, recs, commits, n+n/2)
	}
	mu.Unlock()
	if err := al.RecordWith(ctx, key, &candor.Access{Subject: id, At: time.Now()}, nil); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("Record after Close: %v, want EUNAVAILABLE", err)
	}

	recorded := map[candor.Commitment]bool{}
	for e, err := range st.AuditEntries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range e.Access {
			recorded[c] = true
		}
	}
	got := 0
	for rec, err := range st.AccessRecords(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		_, plain, err := key.OpenAccess(rec)
		if err != nil {
			t.Fatal(err)
		}
		if !recorded[candor.AccessCommitment(key.Salt(), plain)] {
			t.Errorf("access record %d: its commitment is not recorded", rec.N)
		}
	}
	if want := n + n/2; got != want || len(recorded) != want {
		t.Fatalf("%d access records stored, %d commitments recorded; want %d", got, len(recorded), want)
	}
	t.Logf("%d records in %d group commits", n, commits)
}

// TestAccessLogRecordWith checks that records given with access records
// are stored in the same commit, and that a bad one fails its group:
// neither it nor the access record is stored.
func TestAccessLogRecordWith(t *testing.T) {
	st := mustStore(t, t.TempDir())
	defer st.Close()
	v := testVault(t)
	id, key := mustSubject(t, st, v)
	al := audit.NewAccessLog(st, v, nil)
	defer al.Close()
	a := &candor.Access{Subject: id, At: time.Now(), Principal: "rp", Role: candor.RoleRelyingParty, Purpose: "p", Action: "POST x"}
	dec := key.SealRecord(candor.RecordDecision, "d_1", []byte(`{"outcome":1}`))
	if err := al.RecordWith(ctx, key, a, []*candor.Record{dec}); err != nil {
		t.Fatal(err)
	}
	r, err := st.Record(ctx, candor.RecordDecision, "d_1")
	if err != nil || r.Subject != id {
		t.Fatalf("the record stored with the access record: %+v, %v", r, err)
	}
	var commit uint64
	for rec, err := range st.AccessRecords(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		commit = rec.Commit
	}
	if commit == 0 {
		t.Fatal("no access record stored")
	}

	bad := &candor.Record{Kind: candor.RecordDecision, ID: "", Subject: id}
	if err := al.RecordWith(ctx, key, a, []*candor.Record{bad}); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Fatalf("RecordWith a bad record: %v, want EUNAVAILABLE", err)
	}
	n := 0
	for _, err := range st.AccessRecords(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d access records after a refused one, want 1", n)
	}
}

// mustSubject stores a new person and returns its ID and data key.
func mustSubject(tb testing.TB, st candor.Store, v *vault.Vault) (candor.SubjectID, *vault.SubjectKey) {
	tb.Helper()
	id := candor.NewSubjectID()
	key, wrapped := v.NewSubjectKey(id)
	if err := v.KeepKeys(ctx, []candor.WrappedKey{wrapped}); err != nil {
		tb.Fatal(err)
	}
	rec := candor.SubjectRecord{ID: id, Kind: candor.Person, CreatedAt: time.Now(), Sealed: key.SealIdentifiers(nil)}
	if _, err := st.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{rec}}); err != nil {
		tb.Fatal(err)
	}
	return id, key
}
