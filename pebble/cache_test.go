package pebble_test

import (
	"context"
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
