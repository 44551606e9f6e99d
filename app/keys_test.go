package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

// TestSweepKeys: a key kept for a subject never committed is deleted by
// the sweep; the keys of stored subjects stay.
func TestSweepKeys(t *testing.T) {
	ctx := context.Background()
	inst, err := app.Open(app.StoreConfig{Data: filepath.Join(t.TempDir(), "data")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	var keys []candor.WrappedKey
	var subjects []candor.SubjectRecord
	for i := range 3 {
		id := candor.NewSubjectID()
		_, w := inst.Vault.NewSubjectKey(id)
		keys = append(keys, w)
		if i < 2 {
			subjects = append(subjects, candor.SubjectRecord{ID: id, Kind: candor.Person, CreatedAt: time.Now()})
		}
	}
	if err := inst.Vault.KeepKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Store.Commit(ctx, &candor.WriteBatch{Subjects: subjects}); err != nil {
		t.Fatal(err)
	}
	n, err := app.SweepKeys(ctx, inst)
	if err != nil || n != 1 {
		t.Fatalf("SweepKeys = %d, %v; want the one orphan", n, err)
	}
	if _, err := inst.Keyring.SubjectKey(ctx, keys[2].Subject); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the orphan's key: %v, want ENOTFOUND", err)
	}
	for _, w := range keys[:2] {
		if _, err := inst.Vault.SubjectKey(ctx, w.Subject); err != nil {
			t.Errorf("a stored subject's key: %v", err)
		}
	}
}
