package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/candor-project/candor/internal/cmalloc"
)

// TestServeLogsTheArenaLimit: candor serve says which limit on glibc's
// malloc arenas is in force, its own or the operator's MALLOC_ARENA_MAX.
func TestServeLogsTheArenaLimit(t *testing.T) {
	bin := mustBinary(t)
	if s, _ := cmalloc.Limit(func(string) string { return "" }); s.Arenas == 0 {
		t.Skip("no glibc allocator in this build:", s)
	}
	t.Setenv("GLIBC_TUNABLES", "")
	for _, tc := range []struct{ env, want string }{
		{"", fmt.Sprintf(`"malloc_arenas":%d,"malloc_arenas_from":"default"`, cmalloc.DefaultArenas)},
		{"3", `"malloc_arenas":3,"malloc_arenas_from":"MALLOC_ARENA_MAX"`},
	} {
		t.Setenv("MALLOC_ARENA_MAX", tc.env) // "" is unset for glibc and candor alike
		dir := t.TempDir()
		log, err := os.Create(filepath.Join(dir, "log"))
		if err != nil {
			t.Fatal(err)
		}
		srv := startServeLogging(t, bin, filepath.Join(dir, "data"), freeAddr(t), log)
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
		log.Close()
		if b, _ := os.ReadFile(log.Name()); !strings.Contains(string(b), tc.want) {
			t.Errorf("MALLOC_ARENA_MAX=%q: the log has no %q:\n%s", tc.env, tc.want, b)
		}
	}
}
