package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/vault"
)

// TestRotateResumes: a rotation cut short leaves its progress beside the
// key files; meanwhile every key opens (old and new wrapping), and a
// subject created then is wrapped with the new key. Run again, it
// finishes from where it stopped; afterwards every key opens, and none
// under the old wrapping key, which is retired.
func TestRotateResumes(t *testing.T) {
	ctx := context.Background()
	cfg := app.StoreConfig{Data: filepath.Join(t.TempDir(), "data")}
	inst, err := app.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []candor.SubjectID
	salts := map[candor.SubjectID]candor.Salt{}
	mint := func(inst *app.Installation, n int) {
		t.Helper()
		var keys []candor.WrappedKey
		for range n {
			id := candor.NewSubjectID()
			k, w := inst.Vault.NewSubjectKey(id)
			ids, salts[id] = append(ids, id), *k.Salt()
			keys = append(keys, w)
		}
		if err := inst.Vault.KeepKeys(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	mint(inst, 25)
	inst.Close()
	checkAll := func(what string) {
		t.Helper()
		inst, err := app.OpenExisting(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		for _, id := range ids {
			k, err := inst.Vault.SubjectKey(ctx, id)
			if err != nil || *k.Salt() != salts[id] {
				t.Fatalf("%s: key of %s: %v", what, id, err)
			}
		}
	}

	stop := errors.New("interrupted")
	cctx, cancel := context.WithCancelCause(ctx)
	var seen []int
	_, err = app.RotateKeys(cctx, cfg, app.RotateOptions{Batch: 10, Progress: func(done, total int) {
		seen = append(seen, done)
		if total != 25 {
			t.Errorf("total %d, want 25", total)
		}
		if done > 0 {
			cancel(stop)
		}
	}})
	if err == nil || len(seen) != 2 || seen[0] != 0 || seen[1] != 10 {
		t.Fatalf("interrupted rotation: %v after %v", err, seen)
	}
	progress := cfg.Data + ".master.key.wrap.next.progress"
	if _, err := os.Stat(progress); err != nil {
		t.Fatalf("no progress kept: %v", err)
	}
	checkAll("mid-rotation")
	inst, err = app.OpenExisting(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mint(inst, 3) // a subject made mid-rotation
	inst.Close()

	seen = nil
	n, err := app.RotateKeys(ctx, cfg, app.RotateOptions{Batch: 10, Progress: func(done, total int) { seen = append(seen, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if n > 18 || len(seen) < 2 || seen[0] != 10 || seen[len(seen)-1] != 10+n {
		t.Errorf("resumed: rewrapped %d (progress %v); want the rest only, counted on from 10", n, seen)
	}
	for _, f := range []string{progress, cfg.Data + ".master.key.wrap.next"} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after the rotation: %v", f, err)
		}
	}
	checkAll("after the rotation")

	// The old wrapping key, the master key's own, opens nothing now.
	master, err := vault.LoadKey(cfg.Data + ".master.key")
	if err != nil {
		t.Fatal(err)
	}
	inst, err = app.OpenExisting(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	old, _ := vault.New(master, inst.Keyring)
	for _, id := range ids {
		if _, err := old.SubjectKey(ctx, id); err == nil {
			t.Fatalf("key of %s opens under the retired wrapping key", id)
		}
	}
}

// TestRotateKeepsPace: the pace a rotation began at is kept with its
// progress, and a run that resumes it without one goes on at that pace.
func TestRotateKeepsPace(t *testing.T) {
	ctx := context.Background()
	cfg := app.StoreConfig{Data: filepath.Join(t.TempDir(), "data")}
	inst, err := app.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys []candor.WrappedKey
	for range 40 {
		_, w := inst.Vault.NewSubjectKey(candor.NewSubjectID())
		keys = append(keys, w)
	}
	if err := inst.Vault.KeepKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	inst.Close()
	cctx, cancel := context.WithCancel(ctx)
	_, err = app.RotateKeys(cctx, cfg, app.RotateOptions{Batch: 5, KeysPerSecond: 50, Progress: func(done, total int) {
		if done > 0 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the interrupted rotation finished")
	}
	raw, err := os.ReadFile(cfg.Data + ".master.key.wrap.next.progress")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(raw)), " 5 50") {
		t.Fatalf("progress %q (%v): want 5 keys done at 50 a second", raw, err)
	}
	began := time.Now()
	n, err := app.RotateKeys(ctx, cfg, app.RotateOptions{Batch: 5})
	if err != nil || n != 35 {
		t.Fatalf("resumed: %d keys, %v", n, err)
	}
	// 35 keys at 50 a second: 0.6 s at least (the first step waits not).
	if took := time.Since(began); took < 600*time.Millisecond {
		t.Errorf("the resumed rotation took %s: it forgot its pace of 50 keys a second", took)
	}
}
