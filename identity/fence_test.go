package identity_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// A node that stalls past the links lease's TTL while holding a checked
// link loses the lease to another node, and its commit is refused
// (candor.ErrFenced): the other node's link of the same identifier
// stands alone, and the store never holds both.
func TestLinkWriteFenced(t *testing.T) {
	st := memstore.New()
	v, err := vault.New(bytes.Repeat([]byte{9}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]candor.SubjectID{}
	for _, id := range []candor.Identifier{{Scheme: candor.NationalID, Value: nid}, {Scheme: candor.NationalID, Value: other}, {Scheme: candor.TaxNumber, Value: "1234567891"}} {
		sid := candor.NewSubjectID()
		key, wrapped := v.NewSubjectKey(sid)
		if err := v.KeepKeys(ctx, []candor.WrappedKey{wrapped}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Commit(ctx, &candor.WriteBatch{Subjects: []candor.SubjectRecord{{ID: sid, Kind: candor.Person, CreatedAt: now, Sealed: key.SealIdentifiers([]candor.Identifier{id})}},
			Indexes: []candor.IndexEntry{{Index: v.BlindIndex(id), Subject: sid}}}); err != nil {
			t.Fatal(err)
		}
		subjects[id.Value] = sid
	}
	slow := identity.New(identity.Config{Store: st, Vault: v, LeaseTTL: 100 * time.Millisecond})
	fast := identity.New(identity.Config{Store: st, Vault: v})
	plan, unlock, err := slow.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	f := identity.Fact{Op: candor.OpLinked, Source: "civil1", Ref: "slow-1", A: subjects[nid], B: subjects["1234567891"], AKind: candor.Person, BKind: candor.Person}
	if _, planned, err := plan.Add(f); err != nil || !planned {
		t.Fatalf("the slow node's plan: %v, %v", planned, err)
	}
	time.Sleep(250 * time.Millisecond) // the slow node stalls; its lease expires
	if _, err := fast.Link(ctx, identity.Request{Source: registry, Ref: "fast-1",
		First:  candor.Identifier{Scheme: candor.NationalID, Value: other},
		Second: candor.Identifier{Scheme: candor.TaxNumber, Value: "1234567891"}}); err != nil {
		t.Fatalf("the other node's link: %v", err)
	}
	b := &candor.WriteBatch{}
	cs, err := plan.Write(b)
	if err != nil {
		t.Fatal(err)
	}
	b.Commitments = func(*candor.WriteBatch, uint64) (write, access []candor.Commitment) { return cs, nil }
	if _, err := st.Commit(ctx, b); !errors.Is(err, candor.ErrFenced) {
		t.Fatalf("the slow node's commit after losing the lease: %v, want ErrFenced", err)
	}
	g, err := fast.Group(ctx, subjects["1234567891"])
	if err != nil || g.Survivor != subjects[other] || len(g.Members) != 2 {
		t.Fatalf("the tax number's group: %+v, %v; want the other node's link alone", g, err)
	}
	if g, _ := fast.Group(ctx, subjects[nid]); len(g.Members) != 1 {
		t.Fatalf("the slow node's link was stored: %+v", g)
	}
}
