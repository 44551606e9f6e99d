package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// refusing is a keyring that refuses keys wrapped with generation 0, as
// a PostgreSQL keyring does once a rotation has retired it.
type refusing struct{ *memstore.Keyring }

func (r refusing) PutSubjectKeys(ctx context.Context, keys []candor.WrappedKey) error {
	for _, k := range keys {
		if k.Generation == 0 {
			return candor.ErrWrapRetired
		}
	}
	return r.Keyring.PutSubjectKeys(ctx, keys)
}

// TestStaleWrapReloads: a vault that has not yet learnt of another
// node's rotation keeps a key the keyring refuses as wrapped with a
// retired generation by reloading its wrapping keys and wrapping it
// again (the retired key is no longer among those reads accept), and opens a key wrapped with a generation it did not know after
// reloading them. The generation's secret opens only for its number.
func TestStaleWrapReloads(t *testing.T) {
	ctx := context.Background()
	master := make([]byte, vault.KeySize)
	kr := refusing{memstore.NewKeyring()}
	v, err := vault.New(master, kr)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, vault.KeySize)
	secret[0] = 7
	next, _ := vault.DeriveWrapKey(secret)
	reloads := 0
	v.OnStaleWrap(func(context.Context) error {
		reloads++
		v.UseWrapKeysAt(1, next)
		return nil
	})
	k, w := v.NewSubjectKey(candor.NewSubjectID())
	if w.Generation != 0 {
		t.Fatalf("generation %d before the reload", w.Generation)
	}
	if err := v.KeepKeys(ctx, []candor.WrappedKey{w}); err != nil || reloads != 1 {
		t.Fatalf("KeepKeys after a refusal: %v (%d reloads)", err, reloads)
	}
	got, err := v.SubjectKey(ctx, k.Subject())
	if err != nil || *got.Salt() != *k.Salt() {
		t.Fatalf("the key kept after the reload: %v", err)
	}
	if _, err := v.OpenSubjectKey(k.Subject(), w.Wrapped); err == nil {
		t.Error("a read opens a key wrapped with the generation the reload dropped")
	}

	other, _ := vault.New(master, kr) // another node, still on generation 0
	other.OnStaleWrap(func(context.Context) error { other.UseWrapKeysAt(1, next); return nil })
	wrapped, _ := kr.SubjectKey(ctx, k.Subject())
	if _, err := other.OpenSubjectKey(k.Subject(), wrapped); err != nil {
		t.Fatalf("a key wrapped with a generation the vault learns on reload: %v", err)
	}

	sealed := v.SealWrapSecret(3, secret)
	if s, err := other.OpenWrapSecret(3, sealed); err != nil || s[0] != 7 {
		t.Fatalf("a generation's secret: %v", err)
	}
	if _, err := other.OpenWrapSecret(4, sealed); err == nil {
		t.Error("a generation's secret opens as another generation's")
	}
	stranger, _ := vault.New(append([]byte{1}, make([]byte, vault.KeySize-1)...), kr)
	if _, err := stranger.OpenWrapSecret(3, sealed); err == nil {
		t.Error("a generation's secret opens under another master key")
	}
	if !errors.Is(kr.PutSubjectKeys(ctx, []candor.WrappedKey{{Subject: candor.NewSubjectID(), Wrapped: []byte{1}}}), candor.ErrWrapRetired) {
		t.Fatal("the test keyring refuses nothing")
	}
}
