package pebble_test

import (
	"context"
	"fmt"
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

// TestVersionsApart checks that writes of what no subject's cache rests
// on (meta values, sources, keys) leave subjects' versions alone: the
// stripes are for subjects' data only, so such writes cost no cache a miss.
// (storetest's Versioned cases check the versions' contract.)
func TestVersionsApart(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir())
	defer s.Close()
	id := candor.NewSubjectID()
	versions := func() [3]uint64 {
		return [3]uint64{s.SubjectVersion(id), s.RecordsVersion(candor.RecordConsent, id), s.RecordsVersion(candor.RecordDecision, id)}
	}
	before := versions()
	if err := s.PutMeta(ctx, "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSource(ctx, &candor.Source{ID: "tax", Name: "Tax", Kind: candor.SourceTaxAuthority, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, key := candor.NewAPIKey(candor.RoleSource, "tax", time.Now())
	if err := s.PutKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if versions() != before {
		t.Error("writes of meta, a source and a key changed a subject's versions")
	}
}

// TestDecisionsLeaveCachesAlone: decisions are the records written most,
// one with every answer. Storing them, for many subjects, MUST change no
// other subject's versions that caches rest on (subject data, consents,
// opt-outs, links): when the stripes were shared by every kind, some in
// twenty decisions cost a cache miss for a subject they were not about.
func TestDecisionsLeaveCachesAlone(t *testing.T) {
	ctx := context.Background()
	s := MustOpen(t, t.TempDir())
	defer s.Close()
	watched := make([]candor.SubjectID, 200)
	for i := range watched {
		watched[i] = candor.NewSubjectID()
	}
	versions := func() [][4]uint64 {
		out := make([][4]uint64, len(watched))
		for i, id := range watched {
			out[i] = [4]uint64{s.SubjectVersion(id), s.RecordsVersion(candor.RecordConsent, id),
				s.RecordsVersion(candor.RecordOptOut, id), s.RecordsVersion(candor.RecordLink, id)}
		}
		return out
	}
	before := versions()
	wb := &candor.WriteBatch{}
	for i := range 3000 {
		wb.Records = append(wb.Records, &candor.Record{Kind: candor.RecordDecision, ID: fmt.Sprintf("d%d", i), Subject: candor.NewSubjectID(), Data: []byte("x")})
	}
	if _, err := s.Commit(ctx, wb); err != nil {
		t.Fatal(err)
	}
	after := versions()
	for i := range watched {
		if after[i] != before[i] {
			t.Errorf("3,000 decisions about other subjects changed subject %d's versions: %v → %v", i, before[i], after[i])
		}
	}
	// The decisions' own subjects' decision versions did change.
	if r := wb.Records[0]; s.RecordsVersion(candor.RecordDecision, r.Subject) == 0 {
		t.Error("storing a decision left its subject's decisions version at 0")
	}
}
