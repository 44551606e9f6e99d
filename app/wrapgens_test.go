package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/vault"
)

// TestRotateResumesOnPostgres: on PostgreSQL the wrapping key's
// generations are kept in the keyring. The first start takes the
// wrapping key of an earlier offline rotation (<master key file>.wrap) as
// generation 0; candor keys rotate, cut short, leaves the rotation in the
// keyring with its pace, a subject made meanwhile is wrapped with the
// next generation, and run again it finishes from where it stopped: every
// key is under generation 1 and opens, and neither the old wrapping key
// nor the master key's own opens any.
func TestRotateResumesOnPostgres(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := app.StoreConfig{Data: filepath.Join(dir, "data"), Store: pgtest.Database(t)}
	if _, err := vault.LoadOrCreateKey(cfg.Data + ".master.key"); err != nil {
		t.Fatal(err)
	}
	oldSecret, err := vault.LoadOrCreateKey(cfg.Data + ".master.key.wrap")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := app.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mint := func(inst *app.Installation, n int) {
		t.Helper()
		var keys []candor.WrappedKey
		for range n {
			_, w := inst.Vault.NewSubjectKey(candor.NewSubjectID())
			keys = append(keys, w)
		}
		if err := inst.Vault.KeepKeys(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	mint(inst, 25)
	oldKEK, _ := vault.DeriveWrapKey(oldSecret)
	master, _ := vault.LoadKey(cfg.Data + ".master.key")
	byOld, _ := vault.New(master, inst.Keyring)
	byOld.UseWrapKeys(oldKEK)
	byMaster, _ := vault.New(master, inst.Keyring)
	for w, err := range inst.Keyring.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := byOld.OpenSubjectKey(w.Subject, w.Wrapped); err != nil {
			t.Fatalf("a key is not wrapped with the earlier rotation's wrapping key: %v", err)
		}
	}
	inst.Close()

	cctx, cancel := context.WithCancel(ctx)
	_, err = app.RotateKeys(cctx, cfg, app.RotateOptions{Batch: 10, KeysPerSecond: 1000, Progress: func(done, total int) {
		if total != 25 {
			t.Errorf("total %d, want 25", total)
		}
		if done > 0 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted rotation: %v", err)
	}
	inst, err = app.OpenExisting(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := inst.Vault.WrapGeneration(); g != 1 {
		t.Errorf("opened mid-rotation, the vault wraps with generation %d, not the next one", g)
	}
	mint(inst, 3) // a subject made mid-rotation
	gens, rot, err := inst.Keyring.(candor.WrapKeyring).WrapGenerations(ctx)
	if err != nil || len(gens) != 2 || rot == nil || rot.Done != 10 || rot.KeysPerSecond != 1000 {
		t.Fatalf("mid-rotation: %+v %+v %v", gens, rot, err)
	}
	inst.Close()

	var seen []int
	n, err := app.RotateKeys(ctx, cfg, app.RotateOptions{Batch: 10, Progress: func(done, total int) { seen = append(seen, done) }})
	if err != nil || n != 15 || seen[0] != 10 || seen[len(seen)-1] != 25 {
		t.Fatalf("resumed: rewrapped %d (progress %v), %v; want the 15 left, counted on from 10", n, seen, err)
	}
	if inst, err = app.OpenExisting(cfg, nil); err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	keys := 0
	for w, err := range inst.Keyring.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			t.Fatal(err)
		}
		keys++
		if _, err := inst.Vault.OpenSubjectKey(w.Subject, w.Wrapped); err != nil || w.Generation != 1 {
			t.Fatalf("key of %s: generation %d, %v", w.Subject, w.Generation, err)
		}
		for _, v := range []*vault.Vault{byOld, byMaster} {
			if _, err := v.OpenSubjectKey(w.Subject, w.Wrapped); err == nil {
				t.Fatalf("key of %s opens under a retired wrapping key", w.Subject)
			}
		}
	}
	if keys != 28 {
		t.Errorf("%d keys, want 28", keys)
	}
	if _, err := os.Stat(cfg.Data + ".master.key.wrap.next"); !os.IsNotExist(err) {
		t.Errorf("a rotation on PostgreSQL wrote a next wrapping key file: %v", err)
	}
}
