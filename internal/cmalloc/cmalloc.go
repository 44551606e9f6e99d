package cmalloc

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultArenas is the number of glibc malloc arenas a cgo build keeps
// when the operator sets none. With one, the memory of the blocks that
// compactions evict is reused for the next ones whichever thread reads
// them: in TestFreedMemoryReused, eight rounds of evicting three blocks in
// four and refilling the cache from other threads grew RSS by 0 % of the
// cache with one arena, 8-51 % with two and 147-176 % with an arena a
// thread (glibc's default, up to eight a core). The allocations under
// the arena's lock are short and rare (a block read from disk; the block
// is cleared and filled outside the lock), so one lock serves the cores
// of a node; an operator can set more with MALLOC_ARENA_MAX.
const DefaultArenas = 1

// Setting is what Limit did.
type Setting struct {
	// Arenas is the limit on glibc's arenas in force: DefaultArenas, the
	// operator's number, or 0 when nothing bounds them (no C allocator, or
	// not glibc).
	Arenas int
	// From says where the limit comes from: "default", "MALLOC_ARENA_MAX",
	// "GLIBC_TUNABLES", or why there is none.
	From string
}

func (s Setting) String() string {
	if s.Arenas == 0 {
		return "C allocator: " + s.From
	}
	if s.Arenas == 1 {
		return fmt.Sprintf("C allocator: one malloc arena (%s)", s.From)
	}
	return fmt.Sprintf("C allocator: at most %d malloc arenas (%s)", s.Arenas, s.From)
}

// Limit reports the limit on glibc's malloc arenas in force, and checks
// the operator's: the package's constructor (C, run when the binary is
// loaded, before the Go runtime starts its threads, as glibc fixes its
// limit when it first needs an arena beyond the eighth) set DefaultArenas
// unless the environment sets MALLOC_ARENA_MAX or glibc.malloc.arena_max
// in GLIBC_TUNABLES, which glibc applied itself. getenv is os.Getenv in
// cmd/candor. It returns an error naming the variable when
// MALLOC_ARENA_MAX is not a positive whole number (glibc ignores such a
// value, and the constructor then applied DefaultArenas). Without cgo or
// glibc there is nothing to limit.
func Limit(getenv func(string) string) (Setting, error) {
	if !cgoGlibc {
		return Setting{From: noAllocator}, nil
	}
	if v := getenv("MALLOC_ARENA_MAX"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || v[0] == '+' {
			return Setting{}, fmt.Errorf("MALLOC_ARENA_MAX %q: not a positive whole number of malloc arenas (unset it for candor's %d)", v, DefaultArenas)
		}
		return Setting{Arenas: n, From: "MALLOC_ARENA_MAX"}, nil
	}
	if n, ok := tunableArenaMax(getenv("GLIBC_TUNABLES")); ok {
		return Setting{Arenas: n, From: "GLIBC_TUNABLES"}, nil
	}
	if n := limitSet(); n > 0 {
		return Setting{Arenas: n, From: "default"}, nil
	}
	return Setting{From: "mallopt(M_ARENA_MAX) refused: glibc's default"}, nil
}

// tunableArenaMax finds glibc.malloc.arena_max in a GLIBC_TUNABLES value
// (name=value pairs separated by colons).
func tunableArenaMax(tunables string) (int, bool) {
	for _, kv := range strings.Split(tunables, ":") {
		if v, ok := strings.CutPrefix(kv, "glibc.malloc.arena_max="); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil && n > 0
		}
	}
	return 0, false
}

// Stats is the C allocator's state, from glibc.
type Stats struct {
	Arenas int    // arenas in use, the main one included
	Free   uint64 // bytes the allocator holds free for reuse (mallinfo2's fordblks; 0 before glibc 2.33)
}

// ReadStats returns the C allocator's arenas and free bytes, or zeros
// without cgo or glibc. It walks every arena under its lock: for samples,
// not for hot paths.
func ReadStats() Stats {
	if !cgoGlibc {
		return Stats{}
	}
	return readStats()
}
