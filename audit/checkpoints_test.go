package audit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
)

// TestKeeper keeps a log's checkpoints in the store, serves them by size,
// and reports a log that no longer extends the one kept.
func TestKeeper(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "data"))
	defer s.Close()
	l := mustLog(t, filepath.Join(dir, "log"))
	defer l.Close()
	app := audit.NewAppender(s, l, nil, 0)
	commitWith(t, s, 3)
	mark, err := app.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := l.WaitCheckpoint(ctx, mark.Size)
	if err != nil {
		t.Fatal(err)
	}
	k, err := audit.NewKeeper(ctx, s, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Keep(ctx); err != nil {
		t.Fatal(err)
	}
	commitWith(t, s, 200) // two bundles
	if mark, err = app.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := l.WaitCheckpoint(ctx, mark.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil || k.Err() != nil {
		t.Fatalf("keeping a grown log: %v %v", err, k.Err())
	}

	kept, err := audit.KeptCheckpoint(ctx, s)
	if err != nil || string(kept) != string(second) {
		t.Fatalf("kept %q, %v; want the latest %q", kept, err, second)
	}
	if vkey, err := audit.KeptVerifierKey(ctx, s); err != nil || vkey != l.VerifierKey() {
		t.Fatalf("kept verifier key %q, %v", vkey, err)
	}
	for _, tc := range []struct {
		size uint64
		want []byte
	}{{1, first}, {mark.Size, second}, {2, nil}, {mark.Size + 1, nil}} {
		got, err := k.CheckpointAt(ctx, tc.size)
		switch {
		case tc.want == nil && candor.ErrorCode(err) != candor.ENOTFOUND:
			t.Errorf("CheckpointAt(%d): %v, want ENOTFOUND", tc.size, err)
		case tc.want != nil && (err != nil || string(got) != string(tc.want)):
			t.Errorf("CheckpointAt(%d): %q %v", tc.size, got, err)
		}
	}

	// The log is replaced by a shorter one with the same key: a rollback.
	l.Close()
	other := filepath.Join(dir, "other")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "log.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	fork := mustLog(t, filepath.Join(other, "log"))
	defer fork.Close()
	if _, err := fork.Append(ctx, tlog.Bundle{Kind: candor.AuditWrite, Seq: 1, Commitments: make([]candor.Commitment, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fork.WaitCheckpoint(ctx, 1); err != nil {
		t.Fatal(err)
	}
	k2, err := audit.NewKeeper(ctx, s, fork, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := k2.Keep(ctx); err == nil || !strings.Contains(err.Error(), "fewer than") || k2.Err() == nil {
		t.Fatalf("a rolled-back log: %v, Err %v", err, k2.Err())
	}
	if kept, _ := audit.KeptCheckpoint(ctx, s); string(kept) != string(second) {
		t.Fatal("the rolled-back log's checkpoint replaced the kept one")
	}
}
