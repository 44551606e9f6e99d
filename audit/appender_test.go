package audit_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/tlog"
	"k8s.io/klog/v2"
)

var ctx = context.Background()

func TestMain(m *testing.M) {
	klog.SetSlogLogger(slog.New(slog.DiscardHandler)) // Tessera's chatter
	os.Exit(m.Run())
}

func mustStore(tb testing.TB, dir string) *pebble.Store {
	tb.Helper()
	s, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func fastLog() tlog.Options {
	return tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond}
}

func mustLog(tb testing.TB, dir string) *tlog.Log {
	tb.Helper()
	l, err := tlog.Open(dir, fastLog())
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// commitWith commits n access-free write commitments of random content
// and returns the commit's sequence and commitments.
func commitWith(tb testing.TB, s candor.Store, n int) (uint64, []candor.Commitment) {
	tb.Helper()
	cs := make([]candor.Commitment, n)
	for i := range cs {
		rand.Read(cs[i][:])
	}
	seq, err := s.Commit(ctx, &candor.WriteBatch{Commitments: func(*candor.WriteBatch, uint64) ([]candor.Commitment, []candor.Commitment) {
		return cs, nil
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return seq, cs
}

// logged returns every commitment in the log with how often it is there.
func logged(tb testing.TB, l *tlog.Log) (map[candor.Commitment]int, int) {
	tb.Helper()
	out := map[candor.Commitment]int{}
	n := 0
	err := l.Scan(ctx, 0, func(_ uint64, b *tlog.Bundle) error {
		n++
		for _, c := range b.Commitments {
			out[c]++
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out, n
}

// TestAppenderLogsEveryEntryOnce records entries, has some of them logged
// as if a crash had struck between the append and the mark, and checks
// that recovery logs every commitment exactly once, in bundles as
// tlog.Split cuts them, and that the mark survives a reopen.
func TestAppenderLogsEveryEntryOnce(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "data"))
	l := mustLog(t, filepath.Join(dir, "log"))
	var all []candor.Commitment
	var last uint64
	for _, n := range []int{1, 300, 128} { // one bundle, three, one
		seq, cs := commitWith(t, s, n)
		all, last = append(all, cs...), seq
	}
	// A crash after the append but before the mark: the first two
	// entries' bundles are in the log, the store does not know it.
	var first []tlog.Bundle
	for e, err := range s.AuditEntries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq < last {
			first = append(first, audit.Bundles(e)...)
		}
	}
	if _, err := l.AppendAll(ctx, first); err != nil {
		t.Fatal(err)
	}
	a := audit.NewAppender(s, l, nil, 0)
	mark, err := a.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mark.Seq != last || mark.Size != 5 {
		t.Fatalf("mark %+v, want through commit %d at log size 5", mark, last)
	}
	got, bundles := logged(t, l)
	if bundles != 5 {
		t.Errorf("%d bundles logged, want 5", bundles)
	}
	for i, c := range all {
		if got[c] != 1 {
			t.Fatalf("commitment %d logged %d times, want once", i, got[c])
		}
	}
	// Proofs find their bundle through the store.
	idx, err := audit.LogIndex(ctx, s, last, candor.AuditWrite, 5)
	if err != nil || idx != 4 {
		t.Fatalf("LogIndex of the last entry: %d, %v; want 4", idx, err)
	}

	// In the background: a new entry is logged after a Kick.
	a.Start()
	seq, cs := commitWith(t, s, 3)
	a.Kick()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.WaitLogged(wctx, seq); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ = logged(t, l)
	for _, c := range cs {
		if got[c] != 1 {
			t.Fatalf("a commitment logged in the background %d times", got[c])
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustStore(t, filepath.Join(dir, "data"))
	defer s.Close()
	if m, err := s.AuditMark(ctx); err != nil || m.Seq != seq || m.Size != 6 {
		t.Fatalf("after a reopen, mark %+v, %v; want through %d at size 6", m, err, seq)
	}
}

func TestLogIndexNotLogged(t *testing.T) {
	s := mustStore(t, t.TempDir())
	defer s.Close()
	seq, _ := commitWith(t, s, 1)
	if _, err := audit.LogIndex(ctx, s, seq, candor.AuditWrite, 0); err != audit.ErrNotLogged {
		t.Fatalf("LogIndex of an unlogged entry: %v, want ErrNotLogged", err)
	}
}

// TestAppendersTakeTurnsUnderALease: two nodes share a store and a log
// directory, each with its own Appender; only the one holding the lease
// appends. The other follows the mark (its WaitLogged returns), and when
// the lease moves, the new holder first finds what the last one appended
// without marking it: every commitment is logged exactly once.
func TestAppendersTakeTurnsUnderALease(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "data"))
	defer s.Close()
	logA, logB := mustLog(t, filepath.Join(dir, "log")), mustLog(t, filepath.Join(dir, "log"))
	var holder atomic.Value
	holder.Store("a")
	a, b := audit.NewAppender(s, logA, nil, 5*time.Millisecond), audit.NewAppender(s, logB, nil, 5*time.Millisecond)
	a.OnlyWhile(func() bool { return holder.Load() == "a" })
	b.OnlyWhile(func() bool { return holder.Load() == "b" })
	a.Start()
	b.Start()
	wait := func(ap *audit.Appender, seq uint64) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := ap.WaitLogged(wctx, seq); err != nil {
			t.Fatalf("waiting for commit %d: %v", seq, err)
		}
	}
	var all []candor.Commitment
	seq, cs := commitWith(t, s, 200)
	all = append(all, cs...)
	wait(a, seq)
	wait(b, seq) // b follows the mark a records

	// a appends a commit's bundles and "dies" before marking them; the
	// lease moves to b.
	holder.Store("")
	seq, cs = commitWith(t, s, 300)
	all = append(all, cs...)
	for e, err := range s.AuditEntries(ctx, seq-1) {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := logA.AppendAll(ctx, audit.Bundles(e)); err != nil {
			t.Fatal(err)
		}
	}
	holder.Store("b")
	seq, cs = commitWith(t, s, 5)
	all = append(all, cs...)
	wait(b, seq)
	wait(a, seq)
	for _, ap := range []*audit.Appender{a, b} {
		if err := ap.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := logB.WaitCheckpoint(ctx, b.Mark().Size); err != nil {
		t.Fatal(err)
	}
	got, bundles := logged(t, logB)
	for i, c := range all {
		if got[c] != 1 {
			t.Fatalf("commitment %d logged %d times, want once", i, got[c])
		}
	}
	if m := b.Mark(); m.Size != uint64(bundles) {
		t.Errorf("mark at size %d, log of %d bundles", m.Size, bundles)
	}
	for _, l := range []*tlog.Log{logA, logB} {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
