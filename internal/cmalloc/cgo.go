//go:build cgo && linux

package cmalloc

/*
#cgo CFLAGS: -DCANDOR_DEFAULT_ARENAS=1
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
static int candor_glibc(void) { return 1; }

// candor_arenas_set is the limit the constructor set: 0 when the operator
// set one (or glibc refused).
static int candor_arenas_set = 0;

// candor_operator_limit says whether the environment sets glibc's limit on
// arenas, which glibc applied itself: MALLOC_ARENA_MAX, a positive whole
// number, or glibc.malloc.arena_max in GLIBC_TUNABLES.
static int candor_operator_limit(void) {
	const char *v = getenv("MALLOC_ARENA_MAX");
	if (v != NULL && *v >= '0' && *v <= '9') {
		char *end;
		long n = strtol(v, &end, 10);
		if (n > 0 && *end == '\0') return 1;
	}
	const char *t = getenv("GLIBC_TUNABLES");
	return t != NULL && strstr(t, "glibc.malloc.arena_max=") != NULL;
}

// candor_limit_arenas runs when the binary is loaded, before the Go runtime
// starts its threads: glibc fixes its limit on arenas when it first needs
// one beyond the eighth, and the threads that exist by the time main runs
// may already have several.
__attribute__((constructor)) static void candor_limit_arenas(void) {
	if (candor_operator_limit()) return;
	if (mallopt(M_ARENA_MAX, CANDOR_DEFAULT_ARENAS) == 1) candor_arenas_set = CANDOR_DEFAULT_ARENAS;
}

static int candor_limit_set(void) { return candor_arenas_set; }

// candor_arenas counts the <heap nr="..."> elements of malloc_info: one
// for each arena.
static int candor_arenas(void) {
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) return -1;
	int ok = malloc_info(0, f) == 0;
	fclose(f);
	int n = 0;
	if (ok && buf != NULL) {
		for (const char *p = buf; (p = strstr(p, "<heap nr=")) != NULL; p++) n++;
	}
	free(buf);
	return ok ? n : -1;
}

static size_t candor_free_bytes(void) {
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
	return mallinfo2().fordblks;
#else
	return 0;
#endif
}
#else
static int candor_glibc(void) { return 0; }
static int candor_limit_set(void) { return 0; }
static int candor_arenas(void) { return 0; }
static size_t candor_free_bytes(void) { return 0; }
#endif

// candor_block allocates n bytes and writes them, as Pebble reads a block
// into the memory it allocated (tests).
static void *candor_block(size_t n) {
	char *p = malloc(n);
	if (p != NULL) memset(p, 1, n);
	return p;
}

// candor_touch allocates and frees on the calling thread, which gives the
// thread an arena (tests).
static void candor_touch(void) {
	void *p = malloc(64);
	free(p);
}
*/
import "C"

import "unsafe"

var cgoGlibc = C.candor_glibc() == 1

const noAllocator = "not glibc: arenas left to the C library"

// limitSet is the limit the constructor set, 0 if it set none.
func limitSet() int { return int(C.candor_limit_set()) }

func readStats() Stats {
	return Stats{Arenas: int(C.candor_arenas()), Free: uint64(C.candor_free_bytes())}
}

// block allocates n bytes from C and writes them; free releases them.
func block(n int) unsafe.Pointer { return C.candor_block(C.size_t(n)) }

func free(p unsafe.Pointer) { C.free(p) }

// touch makes the calling OS thread allocate from C, as a thread of
// Pebble's does when it caches a block.
func touch() { C.candor_touch() }
