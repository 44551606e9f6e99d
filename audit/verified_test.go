package audit_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
)

// TestVerifiedMark checks a log whole, keeps the mark, checks what was
// appended since against it, finds a store entry recorded as logged where
// the log holds something else in that tail, and ignores marks that are
// edited or signed with another key.
func TestVerifiedMark(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "data"))
	defer s.Close()
	l := mustLog(t, filepath.Join(dir, "log"))
	defer l.Close()
	app := audit.NewAppender(s, l, nil, 0)
	logAll := func() candor.AuditMark {
		t.Helper()
		mark, err := app.Recover(ctx)
		if err == nil {
			_, err = l.WaitCheckpoint(ctx, mark.Size)
		}
		if err != nil {
			t.Fatal(err)
		}
		return mark
	}

	if v, err := audit.KeptVerified(ctx, s, l); v != nil || err != nil {
		t.Fatalf("a new store's mark: %+v, %v", v, err)
	}
	commitWith(t, s, 3)
	mark := logAll()
	problems, v, err := audit.CheckWhole(ctx, s, l, true, false)
	if err != nil || len(problems) > 0 || v.Size != mark.Size || v.Through != mark.Seq {
		t.Fatalf("CheckWhole: %q %+v %v; mark %+v", problems, v, err, mark)
	}
	if err := audit.KeepVerified(ctx, s, l, v); err != nil {
		t.Fatal(err)
	}
	kept, err := audit.KeptVerified(ctx, s, l)
	if err != nil || kept == nil || kept.Size != v.Size || string(kept.Root) != string(v.Root) || kept.Through != v.Through {
		t.Fatalf("KeptVerified: %+v, %v; want %+v", kept, err, v)
	}

	commitWith(t, s, 200) // two bundles
	commitWith(t, s, 1)
	mark = logAll()
	problems, next, err := audit.CheckSince(ctx, s, l, *kept, true, false)
	if err != nil || len(problems) > 0 || next.Size != mark.Size || next.Through != mark.Seq {
		t.Fatalf("CheckSince: %q %+v %v; mark %+v", problems, next, err, mark)
	}
	_, whole, _ := audit.CheckWhole(ctx, s, l, true, false)
	if string(whole.Root) != string(next.Root) {
		t.Fatal("CheckSince and CheckWhole disagree on the root")
	}

	// A commit recorded as logged at an index that holds another bundle.
	seq, _ := commitWith(t, s, 1)
	other := tlog.Split(candor.AuditWrite, seq, []candor.Commitment{{1, 2, 3}})
	idx, err := l.AppendAll(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.WaitCheckpoint(ctx, idx[0]+1); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkLogged(ctx, candor.AuditMark{Seq: seq, Size: idx[0] + 1}, []candor.LoggedEntry{{Seq: seq, Indexes: idx}}); err != nil {
		t.Fatal(err)
	}
	problems, _, err = audit.CheckSince(ctx, s, l, next, true, false)
	if err != nil || !strings.Contains(strings.Join(problems, "\n"), "is recorded as logged at index") {
		t.Fatalf("CheckSince after a false record: %q, %v", problems, err)
	}

	// Marks the log's key did not sign as they are: ignored.
	raw, err := s.GetMeta(ctx, audit.MetaVerified)
	if err != nil {
		t.Fatal(err)
	}
	s.PutMeta(ctx, audit.MetaVerified, []byte(strings.Replace(string(raw), "\nsize ", "\nsize 9", 1)))
	if v, err := audit.KeptVerified(ctx, s, l); v != nil || !errors.Is(err, audit.ErrBadMark) {
		t.Errorf("an edited mark: %+v, %v; want ErrBadMark", v, err)
	}
	foreign := mustLog(t, filepath.Join(t.TempDir(), "log"))
	defer foreign.Close()
	if err := audit.KeepVerified(ctx, s, foreign, v); err != nil {
		t.Fatal(err)
	}
	if v, err := audit.KeptVerified(ctx, s, l); v != nil || !errors.Is(err, audit.ErrBadMark) {
		t.Errorf("a mark signed with another key: %+v, %v; want ErrBadMark", v, err)
	}
}
