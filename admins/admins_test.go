package admins_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/vault"
)

var ctx = context.Background()

type env struct {
	store *pebble.Store
	vault *vault.Vault
	acts  *admins.Service
}

func mustEnv(t *testing.T) *env {
	t.Helper()
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, _ := vault.New(bytes.Repeat([]byte{4}, vault.KeySize), memstore.NewKeyring())
	return &env{store: st, vault: v, acts: admins.New(st, v, nil)}
}

func (e *env) mint(t *testing.T, by *candor.APIKey, name string) *candor.APIKey {
	t.Helper()
	_, k, _, err := e.acts.Mint(ctx, by, name)
	if err != nil {
		t.Fatalf("mint %s: %v", name, err)
	}
	return k
}

func wantCode(t *testing.T, err error, code, text string) {
	t.Helper()
	if candor.ErrorCode(err) != code || !strings.Contains(err.Error(), text) {
		t.Fatalf("got %v; want %s saying %q", err, code, text)
	}
}

// TestTwoPersonMint: after two administrators are bootstrapped, a key is
// only requested, and works once a second administrator — not the one who
// asked, not the one it is for — approves it.
func TestTwoPersonMint(t *testing.T) {
	e := mustEnv(t)
	alice := e.mint(t, nil, "alice")
	_, _, _, err := e.acts.Mint(ctx, nil, " ALICE")
	wantCode(t, err, candor.EFORBIDDEN, "alice is an administrator already")
	bob := e.mint(t, nil, "Bob")
	_, _, _, err = e.acts.Mint(ctx, nil, "mallory")
	wantCode(t, err, candor.EFORBIDDEN, "bootstrapped already")

	mallory := e.mint(t, alice, "mallory")
	_, err = e.acts.Stands(ctx, mallory)
	wantCode(t, err, candor.EFORBIDDEN, "awaits a second administrator's approval")
	for _, tc := range []struct {
		name string
		by   *candor.APIKey
		text string
	}{
		{"by who asked for it", alice, "cannot also approve it"},
		{"by the key itself", mallory, "awaits"},
		{"by an operator", func() *candor.APIKey { _, k := candor.NewAPIKey(candor.RoleOperator, "olga", time.Now()); return k }(), "only a policy administrator's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.acts.ApproveKey(ctx, tc.by, mallory.ID)
			wantCode(t, err, candor.EFORBIDDEN, tc.text)
		})
	}
	if _, err := e.acts.ApproveKey(ctx, bob, mallory.ID); err != nil {
		t.Fatal(err)
	}
	if who, err := e.acts.Stands(ctx, mallory); err != nil || who != "mallory" {
		t.Fatalf("mallory approved: %q, %v", who, err)
	}
	_, err = e.acts.ApproveKey(ctx, bob, mallory.ID)
	wantCode(t, err, candor.ECONFLICT, "approved or revoked already")

	// A key for bob, asked by alice: bob may not approve his own.
	bob2 := e.mint(t, alice, "BOB")
	_, err = e.acts.ApproveKey(ctx, bob, bob2.ID)
	wantCode(t, err, candor.EFORBIDDEN, "who cannot approve it")

	// Revoked: at once, in the store too.
	if _, err := e.acts.RevokeKey(ctx, bob, mallory.ID); err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Key(ctx, mallory.ID)
	if err != nil || !stored.Revoked() {
		t.Fatalf("revoked mallory: %+v, %v", stored, err)
	}
	_, err = e.acts.Stands(ctx, stored)
	wantCode(t, err, candor.EFORBIDDEN, "")

	// Every act is in the chain, in order, with who and which key.
	acts, err := e.acts.Acts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acts {
		got = append(got, a.Kind.String()+" "+a.Principal+" by "+a.By+"/"+a.ByKey)
	}
	want := []string{"key_bootstrapped alice by /", "key_bootstrapped bob by /",
		"key_requested mallory by alice/" + alice.ID, "key_approved mallory by bob/" + bob.ID,
		"key_requested bob by alice/" + alice.ID, "key_revoked mallory by bob/" + bob.ID}
	if !slices.Equal(got, want) {
		t.Errorf("acts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// ... each committed, for the log, in the commit that stored it.
	recorded := map[candor.Commitment]bool{}
	for en, err := range e.store.AuditEntries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range en.Write {
			recorded[c] = true
		}
	}
	for _, a := range acts {
		enc, _ := a.MarshalBinary()
		if !recorded[candor.AdminActCommitment(enc)] {
			t.Errorf("act %d has no commitment recorded for the log", a.N)
		}
	}
}

// TestLastTwoStand: no revocation leaves fewer than two administrators,
// or no one could approve a key or a scorecard again.
func TestLastTwoStand(t *testing.T) {
	e := mustEnv(t)
	alice := e.mint(t, nil, "alice")
	bob := e.mint(t, nil, "bob")
	_, err := e.acts.RevokeKey(ctx, alice, bob.ID)
	wantCode(t, err, candor.ECONFLICT, "would leave 1 administrators (alice)")
	_, err = e.acts.RevokeKey(ctx, alice, alice.ID)
	wantCode(t, err, candor.ECONFLICT, "would leave 1 administrators (bob)")
	// A second key of bob's does not make a third administrator.
	bob2 := e.mint(t, alice, "bob")
	carol := e.mint(t, alice, "carol")
	if _, err := e.acts.ApproveKey(ctx, bob, carol.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acts.ApproveKey(ctx, carol, bob2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acts.RevokeKey(ctx, alice, bob.ID); err != nil {
		t.Fatalf("bob's first key, with bob's second, alice and carol standing: %v", err)
	}
	if _, err := e.acts.RevokeKey(ctx, carol, alice.ID); err != nil {
		t.Fatalf("alice, with bob and carol standing: %v", err)
	}
	_, err = e.acts.RevokeKey(ctx, carol, bob2.ID)
	wantCode(t, err, candor.ECONFLICT, "would leave 1 administrators (carol)")
}

// TestMintedBehindTheChain is the attack: anyone with the data dir mints
// mallory and approves alone, unseen. A key written into the store gives
// no power; nor does an act written there without the master key, or an
// act altered or removed: the chain then stops every administrative act.
func TestMintedBehindTheChain(t *testing.T) {
	setup := func(t *testing.T) (*env, *candor.APIKey) {
		e := mustEnv(t)
		alice := e.mint(t, nil, "alice")
		e.mint(t, nil, "bob")
		return e, alice
	}
	t.Run("key written into the store", func(t *testing.T) {
		e, _ := setup(t)
		_, mallory := candor.NewAPIKey(candor.RolePolicyAdmin, "mallory", time.Now())
		if err := e.store.PutKey(ctx, mallory); err != nil {
			t.Fatal(err)
		}
		_, err := e.acts.Stands(ctx, mallory)
		wantCode(t, err, candor.EFORBIDDEN, "was not minted by an administrative act")
	})
	t.Run("key replaced under a minted key's ID", func(t *testing.T) {
		e, alice := setup(t)
		_, k := candor.NewAPIKey(candor.RolePolicyAdmin, "alice", time.Now())
		k.ID = alice.ID
		if err := e.store.PutKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		_, err := e.acts.Stands(ctx, k)
		wantCode(t, err, candor.EFORBIDDEN, "was not minted")
	})
	forge := func(t *testing.T, e *env, v *vault.Vault, kind candor.AdminActKind) (*candor.APIKey, error) {
		acts, err := e.acts.Acts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last, _ := acts[len(acts)-1].MarshalBinary()
		_, mallory := candor.NewAPIKey(candor.RolePolicyAdmin, "mallory", time.Now())
		a := &candor.AdminAct{N: uint64(len(acts)) + 1, Kind: kind, At: time.Now(), Key: mallory.ID, Principal: "mallory",
			KeyHash: mallory.Hash, Prev: candor.AdminActHash(last)}
		enc, _ := a.MarshalBinary()
		if err := e.store.PutRecord(ctx, candor.AdminActRecord(a.N, enc, v.ActMAC(enc))); err != nil {
			t.Fatal(err)
		}
		if err := e.store.PutKey(ctx, mallory); err != nil {
			t.Fatal(err)
		}
		return mallory, nil
	}
	other, _ := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	for _, tc := range []struct {
		name string
		v    *vault.Vault
		kind candor.AdminActKind
	}{
		{"bootstrap act written without the master key", other, candor.ActKeyBootstrapped},
		{"request act written without the master key", other, candor.ActKeyRequested},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, alice := setup(t)
			mallory, _ := forge(t, e, tc.v, tc.kind)
			_, err := e.acts.Stands(ctx, mallory)
			wantCode(t, err, candor.EINTERNAL, "does not verify")
			// And no one acts until it is resolved.
			_, err = e.acts.Stands(ctx, alice)
			wantCode(t, err, candor.EINTERNAL, "does not verify")
		})
	}
	t.Run("act altered", func(t *testing.T) {
		e, alice := setup(t)
		rec, err := e.store.Record(ctx, candor.RecordAdminAct, candor.AdminActID(2))
		if err != nil {
			t.Fatal(err)
		}
		rec.Data = bytes.Replace(rec.Data, []byte("bob"), []byte("eve"), 1)
		if err := e.store.PutRecord(ctx, rec); err != nil {
			t.Fatal(err)
		}
		_, err = e.acts.Stands(ctx, alice)
		wantCode(t, err, candor.EINTERNAL, "act "+candor.AdminActID(2)+" does not verify")
	})
	t.Run("act removed", func(t *testing.T) {
		e, alice := setup(t)
		e.mint(t, alice, "carol")
		if err := e.store.DeleteRecord(ctx, candor.RecordAdminAct, candor.AdminActID(2)); err != nil {
			t.Fatal(err)
		}
		_, err := e.acts.Stands(ctx, alice)
		wantCode(t, err, candor.EINTERNAL, "does not verify")
	})
}

func TestAdminActEncoding(t *testing.T) {
	a := &candor.AdminAct{N: 7, Kind: candor.ActScorecardApproved, At: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), By: "bob", ByKey: "abcdefgh",
		Scorecard: "rental-deposit", Version: 2, Source: [32]byte{1}, Prev: [32]byte{2}}
	enc, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var b candor.AdminAct
	if err := b.UnmarshalBinary(enc); err != nil || b != *a {
		t.Fatalf("round trip: %+v, %v", b, err)
	}
	for i := range enc { // every truncation is refused
		if err := b.UnmarshalBinary(enc[:i]); err == nil {
			t.Fatalf("a truncation to %d bytes decoded", i)
		}
	}
	if err := b.UnmarshalBinary(append(enc, 0)); err == nil {
		t.Fatal("a trailing byte decoded")
	}
}
