// Package cmalloc bounds the C allocator's memory in a binary built with
// cgo. Pebble then allocates its block cache and memtables with C's
// calloc and free, outside the Go heap, and glibc gives each OS thread
// that calls into C an arena of its own, up to eight a core: memory that
// one thread's arena frees when compactions delete tables and their
// cached blocks is not reused by the arenas of the threads that read the
// next blocks, so a node's RSS crept above its cache (BENCHMARKS.md, the
// soak). The package's C constructor, run when the binary is loaded and
// before the Go runtime starts its threads, caps the arenas at
// DefaultArenas unless the operator chose a number (MALLOC_ARENA_MAX or
// GLIBC_TUNABLES' glibc.malloc.arena_max, which glibc reads itself);
// Limit, called first thing by cmd/candor, reports the limit in force and
// refuses a MALLOC_ARENA_MAX that glibc would ignore. Linking the package
// is what sets the limit: only cmd/candor (and bench, which it runs)
// imports it.
//
// Built without cgo (CGO_ENABLED=0, as deploy/Containerfile builds),
// Pebble's memory is in the Go heap, there is no C allocator to bound,
// and Limit does nothing; likewise with a C library other than glibc.
package cmalloc
