package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/candor-project/candor/internal/cmalloc"
)

// TestServeRefusesABadVariable: candor serve with a malformed interval in
// its environment stops before it opens anything (it used to fall back to
// the default and say nothing).
func TestServeRefusesABadVariable(t *testing.T) {
	for name, value := range map[string]string{"CANDOR_PURGE_EVERY": "weekly", "CANDOR_SUBJECT_CACHE": "1e6", "CANDOR_DRAIN_DELAY": "5", "CANDOR_NATS_ACK_WAIT": "-"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"serve", "--data", t.TempDir()}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("serve with %s=%s: %v, want an error naming %s", name, value, err, name)
			}
		})
	}
}

// TestRefusesABadArenaLimit: in a cgo build, a MALLOC_ARENA_MAX that glibc
// would ignore stops every command with an error naming it, rather than
// letting the operator believe it applies; a good one is kept.
func TestRefusesABadArenaLimit(t *testing.T) {
	if s, _ := cmalloc.Limit(func(string) string { return "" }); s.Arenas == 0 {
		t.Skip("no glibc allocator in this build:", s)
	}
	t.Setenv("GLIBC_TUNABLES", "")
	for _, value := range []string{"0", "two", "-3"} {
		t.Setenv("MALLOC_ARENA_MAX", value)
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"serve", "--data", t.TempDir()}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "MALLOC_ARENA_MAX") {
			t.Errorf("serve with MALLOC_ARENA_MAX=%s: %v, want an error naming MALLOC_ARENA_MAX", value, err)
		}
	}
	t.Setenv("MALLOC_ARENA_MAX", "4")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &stdout, &stderr); err != nil {
		t.Errorf("MALLOC_ARENA_MAX=4: %v", err)
	}
}
