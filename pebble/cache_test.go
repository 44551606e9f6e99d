package pebble_test

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// TestKeyCacheRevocation revokes a key while readers keep looking it up,
// and checks that every lookup that starts after the revocation returned
// sees it revoked: the cache never serves the key as it was.
func TestKeyCacheRevocation(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir())
	defer s.Close()
	for round := range 20 {
		_, key := candor.NewAPIKey(candor.RoleRelyingParty, "rp1", time.Now())
		if err := s.PutKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		var revoked atomic.Bool
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					after := revoked.Load()
					k, err := s.Key(ctx, key.ID)
					if err != nil {
						t.Error(err)
						return
					}
					if after && !k.Revoked() {
						t.Errorf("round %d: a lookup after the revocation returned the key unrevoked", round)
						return
					}
				}
			})
		}
		time.Sleep(time.Millisecond)
		rk := *key
		rk.RevokedAt = time.Now().UTC()
		if err := s.PutKey(ctx, &rk); err != nil {
			t.Fatal(err)
		}
		revoked.Store(true)
		time.Sleep(time.Millisecond)
		close(stop)
		wg.Wait()
		// What a caller does to a key it got does not reach the cache.
		k, _ := s.Key(ctx, key.ID)
		k.RevokedAt = time.Time{}
		if k, _ := s.Key(ctx, key.ID); !k.Revoked() {
			t.Fatal("changing a returned key changed the cached one")
		}
	}
}

// TestRelyingPartyCache checks that relying parties are read afresh after
// every kind of write of them.
func TestRelyingPartyCache(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir())
	defer s.Close()
	read := func(want string) {
		t.Helper()
		r, err := s.Record(ctx, candor.RecordRelyingParty, "rp1")
		if want == "" {
			if candor.ErrorCode(err) != candor.ENOTFOUND {
				t.Fatalf("after deleting: %+v %v, want ENOTFOUND", r, err)
			}
			return
		}
		if err != nil || string(r.Data) != want {
			t.Fatalf("relying party: %+v %v, want %s", r, err, want)
		}
		r.Data[0] = 'X' // a caller's change does not reach the cache
	}
	put := func(data string) {
		t.Helper()
		if err := s.PutRecord(ctx, &candor.Record{Kind: candor.RecordRelyingParty, ID: "rp1", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	put("v1")
	read("v1")
	read("v1")
	put("v2")
	read("v2")
	if _, err := s.Commit(ctx, &candor.WriteBatch{Records: []*candor.Record{{Kind: candor.RecordRelyingParty, ID: "rp1", Data: []byte("v3")}}}); err != nil {
		t.Fatal(err)
	}
	read("v3")
	if err := s.DeleteRecord(ctx, candor.RecordRelyingParty, "rp1"); err != nil {
		t.Fatal(err)
	}
	read("")
}

// TestSubjectVersion checks that every write of a subject's data changes
// the version that covers it, and that writes of other data do not.
func TestSubjectVersion(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir())
	defer s.Close()
	id := candor.NewSubjectID()
	sub := candor.SubjectRecord{ID: id, Kind: candor.Person, CreatedAt: time.Now(), WrappedKey: []byte("k"), Sealed: []byte("s")}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	event := func() *candor.EventRecord {
		e := &candor.EventRecord{Subject: id, OccurredAt: at, State: candor.StateActive, Sealed: []byte("e"),
			Matches: []*candor.MatchRecord{{Scorecard: 1, Sealed: []byte("m")}}}
		rand.Read(e.Dedupe[:])
		return e
	}
	first := event()
	var ref candor.EventRef
	const subject, consents, decisions = 1, 2, 4 // the versions a write must change
	writes := []struct {
		name    string
		changes int
		write   func() error
	}{
		{"a new subject", subject, func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{sub}})
			return err
		}},
		{"an event", subject, func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Events: []*candor.EventRecord{first}})
			ref = first.Ref()
			return err
		}},
		{"a match on its own", subject, func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Matches: []*candor.MatchRecord{{Subject: id, Scorecard: 2, OccurredAt: at, Event: ref.ID, Sealed: []byte("m")}}})
			return err
		}},
		{"PutMatches", subject, func() error {
			return s.PutMatches(ctx, []*candor.MatchRecord{{Subject: id, Scorecard: 3, OccurredAt: at, Event: ref.ID, Sealed: []byte("m")}})
		}},
		{"a state change", subject, func() error {
			seen := candor.Seen{State: candor.StateActive, Matches: 3}
			_, err := s.Commit(ctx, &candor.WriteBatch{Changes: []candor.StateChange{{Event: ref, Seen: seen, State: candor.StateDisputed}}})
			return err
		}},
		{"a record in a batch", consents, func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Records: []*candor.Record{{Kind: candor.RecordConsent, ID: "c1", Subject: id, Data: []byte("c")}}})
			return err
		}},
		{"PutRecord", consents, func() error {
			return s.PutRecord(ctx, &candor.Record{Kind: candor.RecordConsent, ID: "c1", Subject: id, Data: []byte("revoked")})
		}},
		{"DeleteRecord", consents, func() error { return s.DeleteRecord(ctx, candor.RecordConsent, "c1") }},
		{"a deletion", subject, func() error {
			seen := candor.Seen{State: candor.StateDisputed, Matches: 3}
			_, err := s.Commit(ctx, &candor.WriteBatch{Deletes: []candor.Deletion{{Event: ref, Seen: seen}}})
			return err
		}},
		{"an erasure", subject | consents | decisions, func() error {
			_, err := s.Commit(ctx, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: id}}})
			return err
		}},
	}
	versions := func() [3]uint64 {
		return [3]uint64{s.SubjectVersion(id), s.RecordsVersion(candor.RecordConsent, id), s.RecordsVersion(candor.RecordDecision, id)}
	}
	names := [3]string{"subject", "consents", "decisions"}
	for _, w := range writes {
		before := versions()
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		after := versions()
		for i := range after {
			// (Versions share counters: one may change with another.)
			if w.changes&(1<<i) != 0 && after[i] == before[i] {
				t.Errorf("%s did not change the %s version", w.name, names[i])
			}
		}
	}
	before := versions()
	if err := s.PutMeta(ctx, "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	if versions() != before {
		t.Error("PutMeta changed a subject's versions")
	}
}
