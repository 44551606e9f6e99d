package audit_test

import (
	"path/filepath"
	"testing"

	"github.com/candor-project/candor/audit"
)

// TestLag: commits recorded and not appended are the lag; once the
// appender has caught up, there is none.
func TestLag(t *testing.T) {
	dir := t.TempDir()
	s := mustStore(t, filepath.Join(dir, "data"))
	defer s.Close()
	l := mustLog(t, filepath.Join(dir, "log"))
	defer l.Close()
	if c, n, err := audit.Lag(ctx, s); err != nil || c != 0 || n != 0 {
		t.Fatalf("empty store: lag %d commits, %d commitments, %v", c, n, err)
	}
	commitWith(t, s, 3)
	commitWith(t, s, 200)
	if c, n, err := audit.Lag(ctx, s); err != nil || c != 2 || n != 203 {
		t.Fatalf("two commits not logged: lag %d commits, %d commitments, %v; want 2, 203", c, n, err)
	}
	if _, err := audit.NewAppender(s, l, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if c, n, err := audit.Lag(ctx, s); err != nil || c != 0 || n != 0 {
		t.Fatalf("after the appender: lag %d commits, %d commitments, %v", c, n, err)
	}
}
