//go:build cgo

package bench

// cgoAllocates is true when Pebble allocates its block cache and
// memtables with C's malloc, outside the Go heap (a cgo build).
const cgoAllocates = true
