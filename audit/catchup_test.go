package audit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/tlog"
)

// TestCatchUp: a log copied while entries 1-6 were logged, restored
// beside a copy of the store taken later — when more entries were logged
// (one of three bundles), and two more appended but not yet marked while
// the store kept a checkpoint covering them — is caught up: CatchUp
// appends again what the store says the log held, in the same order, and
// the log is the original (same root at the original's size), which
// checks against the store whole. Beside a copy of the store taken
// before the log's copy, it is refused as older, and nothing is appended;
// a copy holding an entry the original log lacks fails the check of the
// root against the store's kept checkpoint.
func TestCatchUp(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "store"))
	defer s.Close()
	logDir := filepath.Join(dir, "log")
	l := mustLog(t, logDir)
	a := audit.NewAppender(s, l, nil, 0)
	k, err := audit.NewKeeper(ctx, s, l, nil)
	if err != nil {
		t.Fatal(err)
	}
	round := func(commits ...int) {
		t.Helper()
		for _, n := range commits {
			commitWith(t, s, n)
		}
		mark, err := a.Recover(ctx)
		if err == nil {
			_, err = l.WaitCheckpoint(ctx, mark.Size)
		}
		if err == nil {
			err = k.Keep(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	storeCopy := func(name string) string {
		t.Helper()
		to := filepath.Join(dir, name)
		if err := s.Checkpoint(ctx, to); err != nil {
			t.Fatal(err)
		}
		return to
	}
	round(3, 5, 1)
	older := storeCopy("older")
	round(2, 7, 4)
	_, copySize, _, err := l.Checkpoint(ctx)
	if err == nil {
		err = l.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	logCopy := filepath.Join(dir, "log-copy")
	copyDir(t, logDir, logCopy)

	l = mustLog(t, logDir)
	a = audit.NewAppender(s, l, nil, 0)
	if k, err = audit.NewKeeper(ctx, s, l, nil); err != nil {
		t.Fatal(err)
	}
	round(300, 2) // a commit of three bundles
	// Two entries appended but not marked, their checkpoint kept.
	seq1, _ := commitWith(t, s, 6)
	commitWith(t, s, 1)
	var unmarked []tlog.Bundle
	for e, err := range s.AuditEntries(ctx, seq1-1) {
		if err != nil {
			t.Fatal(err)
		}
		unmarked = append(unmarked, audit.Bundles(e)...)
	}
	got, err := l.AppendAll(ctx, unmarked)
	if err != nil {
		t.Fatal(err)
	}
	size := got[len(got)-1] + 1
	if _, err := l.WaitCheckpoint(ctx, size); err != nil {
		t.Fatal(err)
	}
	if err := k.Keep(ctx); err != nil {
		t.Fatal(err)
	}
	newer := storeCopy("newer")
	root, err := l.RootAt(ctx, size)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if mark, _ := s.AuditMark(ctx); mark.Size >= size || mark.Size <= copySize+3 {
		t.Fatalf("the store marks %d entries logged, the log has %d, the copy %d: the test proves nothing", mark.Size, size, copySize)
	}

	t.Run("older store refused", func(t *testing.T) {
		st, rl := restoredPair(t, older, logCopy, l)
		n, err := audit.CatchUp(ctx, st, rl)
		if candor.ErrorCode(err) != candor.ECONFLICT || !strings.Contains(err.Error(), "older than the log's copy") || n != 0 {
			t.Errorf("CatchUp beside an older store: %d, %v; want ECONFLICT, none appended", n, err)
		}
		if _, n, _, _ := rl.Checkpoint(ctx); n != copySize {
			t.Errorf("the log has %d entries after a refused CatchUp, want %d", n, copySize)
		}
	})
	t.Run("another history", func(t *testing.T) {
		st, rl := restoredPair(t, newer, logCopy, l)
		// An entry the original log never held, after the copy's.
		if _, err := rl.Append(ctx, tlog.Bundle{Kind: candor.AuditWrite, Seq: 1 << 40, Commitments: make([]candor.Commitment, 1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.CatchUp(ctx, st, rl); err == nil || !strings.Contains(err.Error(), "another root") {
			t.Errorf("CatchUp of a log with an entry the original lacks: %v; want its root refused", err)
		}
	})
	t.Run("newer store", func(t *testing.T) {
		st, rl := restoredPair(t, newer, logCopy, l)
		n, err := audit.CatchUp(ctx, st, rl)
		if err != nil || uint64(n) != size-copySize {
			t.Fatalf("CatchUp: %d, %v; want %d appended", n, err, size-copySize)
		}
		if got, err := rl.RootAt(ctx, size); err != nil || !bytes.Equal(got, root) {
			t.Errorf("the caught-up log's root at %d: %x, %v; want the original's %x", size, got, err, root)
		}
		problems, _, err := audit.CheckWhole(ctx, st, rl, true, false)
		if err != nil || len(problems) > 0 {
			t.Errorf("the caught-up log against the store: %v %v", problems, err)
		}
		if n, err := audit.CatchUp(ctx, st, rl); n != 0 || err != nil {
			t.Errorf("CatchUp again: %d, %v; want nothing to do", n, err)
		}
	})
}

// restoredPair opens the store in storeDir and a copy of the log in
// logCopy, as a restore would put them together, until the test ends.
func restoredPair(t *testing.T, storeDir, logCopy string, orig *tlog.Log) (*pebble.Store, *tlog.Log) {
	t.Helper()
	st := mustStore(t, storeDir)
	t.Cleanup(func() { st.Close() })
	to := filepath.Join(t.TempDir(), "log")
	copyDir(t, logCopy, to)
	rl := openCopy(t, to, orig)
	t.Cleanup(func() { rl.Close() })
	return st, rl
}

// openCopy opens a copy of the log orig (with its key).
func openCopy(t *testing.T, dir string, orig *tlog.Log) *tlog.Log {
	t.Helper()
	opts := fastLog()
	opts.KeyFile = orig.Dir() + ".key"
	opts.KeyMustExist = true
	l, err := tlog.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// copyDir copies the files under src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}
