//go:build !cgo

package bench

// cgoAllocates is false: without cgo, Pebble's block cache and memtables
// are in the Go heap.
const cgoAllocates = false
