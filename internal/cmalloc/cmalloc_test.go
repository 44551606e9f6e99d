package cmalloc_test

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/candor-project/candor/internal/cmalloc"
)

// threads is how many OS threads the children allocate from at once: more
// than glibc's default limit on arenas on this machine's cores (eight a
// core) would let each have one of its own, on up to 4 cores.
const threads = 32

// TestChild is the process TestArenas starts (the package's constructor
// limited its arenas, unless its environment set a limit), reports the
// setting as cmd/candor does, makes threads OS threads allocate from C at
// once, and prints the arenas glibc then has.
func TestChild(t *testing.T) {
	mode := os.Getenv("CMALLOC_CHILD")
	if mode == "" {
		t.Skip("started by TestArenas")
	}
	s, err := cmalloc.Limit(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", s)
	if mode == "churn" {
		churn(t)
		return
	}
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	for range threads {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			runtime.LockOSThread() // each goroutine on a thread of its own while it waits
			defer runtime.UnlockOSThread()
			cmalloc.Touch()
			ready.Done()
			<-release
		}()
	}
	ready.Wait()
	st := cmalloc.ReadStats()
	close(release)
	done.Wait()
	os.Stdout.WriteString("arenas=" + strconv.Itoa(st.Arenas) + "\n")
}

// child runs TestChild in a process of its own with env added, and
// returns the number it printed after "arenas=" (or "growth=").
func child(t *testing.T, env ...string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
	cmd.Env = append(withoutArenaVars(os.Environ()), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %v: %v\n%s", env, err, out)
	}
	for line := range strings.Lines(string(out)) {
		if _, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && (strings.HasPrefix(line, "arenas=") || strings.HasPrefix(line, "growth=")) {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("child %v printed %q", env, line)
			}
			return n
		}
	}
	t.Fatalf("child %v printed no arenas:\n%s", env, out)
	return 0
}

func withoutArenaVars(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MALLOC_ARENA_MAX=") && !strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
			kept = append(kept, kv)
		}
	}
	return kept
}

func TestArenas(t *testing.T) {
	if !cmalloc.Glibc {
		t.Skip("no glibc allocator in this build (CGO_ENABLED=0 or not Linux)")
	}
	tests := []struct {
		name     string
		env      []string
		min, max int
	}{
		// Unbounded, glibc gives each of the threads an arena of its own:
		// the count below would show it if the constructor did nothing.
		{"unbounded", []string{"CMALLOC_CHILD=1", "MALLOC_ARENA_MAX=64"}, threads / 2, 64},
		{"limited by candor", []string{"CMALLOC_CHILD=1"}, 1, cmalloc.DefaultArenas},
		// The operator's number wins over candor's, by the variable
		// glibc reads itself, or by its tunable.
		{"MALLOC_ARENA_MAX=4", []string{"CMALLOC_CHILD=1", "MALLOC_ARENA_MAX=4"}, 4, 4},
		{"GLIBC_TUNABLES", []string{"CMALLOC_CHILD=1", "GLIBC_TUNABLES=glibc.malloc.arena_max=3"}, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := child(t, tt.env...)
			t.Logf("%d arenas after %d threads allocated", n, threads)
			if n < tt.min || n > tt.max {
				t.Errorf("%d arenas, want %d to %d", n, tt.min, tt.max)
			}
		})
	}
}

func TestLimitSetting(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}
	if !cmalloc.Glibc {
		s, err := cmalloc.Limit(env(map[string]string{"MALLOC_ARENA_MAX": "junk"}))
		if err != nil || s.Arenas != 0 {
			t.Errorf("without glibc: %v, %v; want nothing done", s, err)
		}
		return
	}
	for _, v := range []string{"0", "-1", "two", "2.5", " 6", "6 ", "+6"} {
		_, err := cmalloc.Limit(env(map[string]string{"MALLOC_ARENA_MAX": v}))
		if err == nil || !strings.Contains(err.Error(), "MALLOC_ARENA_MAX") || !strings.Contains(err.Error(), strconv.Quote(v)) {
			t.Errorf("MALLOC_ARENA_MAX=%q: error %v, want one naming the variable and its value", v, err)
		}
	}
	s, err := cmalloc.Limit(env(map[string]string{"MALLOC_ARENA_MAX": "6"}))
	if err != nil || s.Arenas != 6 || s.From != "MALLOC_ARENA_MAX" {
		t.Errorf("MALLOC_ARENA_MAX=6: %+v, %v", s, err)
	}
	s, err = cmalloc.Limit(env(map[string]string{"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=5"}))
	if err != nil || s.Arenas != 5 || s.From != "GLIBC_TUNABLES" {
		t.Errorf("GLIBC_TUNABLES: %+v, %v", s, err)
	}
	if os.Getenv("MALLOC_ARENA_MAX") != "" || strings.Contains(os.Getenv("GLIBC_TUNABLES"), "arena_max") {
		return // this process's own limit is the environment's
	}
	s, err = cmalloc.Limit(env(nil))
	if err != nil || s.Arenas != cmalloc.DefaultArenas || s.From != "default" {
		t.Errorf("nothing set: %+v, %v", s, err)
	}
	if !strings.Contains(s.String(), "one malloc arena (default)") {
		t.Errorf("String() = %q", s)
	}
}

// Churn: a cache of churnBlocks blocks of churnBlock bytes, as Pebble's,
// filled churnRounds times by a different group of churnGroup long-lived
// threads (as the Go runtime's threads take turns running the goroutines
// that read blocks), each time after three of every four blocks were
// evicted, by another thread, as when compactions delete tables: the
// blocks left pin the memory around the holes.
const (
	churnBlock  = 32 << 10
	churnBlocks = 2048 // 64 MiB
	churnGroup  = 4
	churnRounds = 8
)

// churn prints how much RSS grew between the first fill of the cache
// and the last, in percent of the cache.
func churn(t *testing.T) {
	work := make([]chan func(), churnGroup*churnRounds)
	var wg sync.WaitGroup
	for i := range work {
		work[i] = make(chan func())
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // one thread each, for the whole run
			defer runtime.UnlockOSThread()
			for f := range work[i] {
				f()
			}
		}()
	}
	cache := make([]unsafe.Pointer, 0, churnBlocks)
	var mu sync.Mutex
	var first uint64
	for r := range churnRounds {
		var fill sync.WaitGroup
		for g := range churnGroup {
			fill.Add(1)
			work[r*churnGroup+g] <- func() {
				defer fill.Done()
				for {
					mu.Lock()
					if len(cache) == churnBlocks {
						mu.Unlock()
						return
					}
					cache = append(cache, cmalloc.Block(churnBlock))
					mu.Unlock()
				}
			}
		}
		fill.Wait()
		if r == 0 {
			first = rss(t)
		}
		t.Logf("round %d filled: RSS %d MiB, %v", r, rss(t)>>20, cmalloc.ReadStats())
		kept := cache[:0]
		for i, p := range cache {
			if i%4 == 0 {
				kept = append(kept, p)
			} else {
				cmalloc.Free(p)
			}
		}
		cache = kept
	}
	growth := int64(rss(t)) - int64(first) // the last fill's, less the evicted blocks' it has not refilled
	last := rss(t)
	for _, c := range work {
		close(c)
	}
	wg.Wait()
	t.Logf("RSS %d MiB after the first fill, %d MiB after the last round", first>>20, last>>20)
	os.Stdout.WriteString("growth=" + strconv.FormatInt(100*growth/(churnBlocks*churnBlock), 10) + "\n")
}

// rss is the process's resident set (VmRSS).
func rss(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(line)
			}
			return n << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestFreedMemoryReused: with one arena, the memory of evicted blocks is
// reused for the next blocks whichever threads read them, and RSS does
// not grow; with an arena a thread it grows by most of the cache again
// and again (measured: 0 % of the cache over 8 rounds with one arena,
// 8-51 % with two, 147-176 % with an arena a thread).
func TestFreedMemoryReused(t *testing.T) {
	if !cmalloc.Glibc {
		t.Skip("no glibc allocator in this build (CGO_ENABLED=0 or not Linux)")
	}
	unbounded := child(t, "CMALLOC_CHILD=churn", "MALLOC_ARENA_MAX=64")
	two := child(t, "CMALLOC_CHILD=churn", "MALLOC_ARENA_MAX=2")
	limited := child(t, "CMALLOC_CHILD=churn")
	t.Logf("RSS grew by %d %% of the cache with an arena a thread, %d %% with two arenas, %d %% with candor's %d", unbounded, two, limited, cmalloc.DefaultArenas)
	if limited > 10 {
		t.Errorf("with candor's %d arena(s) RSS grew by %d %% of the cache over %d rounds of evictions, want at most 10 %%", cmalloc.DefaultArenas, limited, churnRounds)
	}
	if unbounded < 120 {
		t.Errorf("with an arena a thread RSS grew by only %d %% of the cache: the churn no longer shows what the limit is for", unbounded)
	}
}
