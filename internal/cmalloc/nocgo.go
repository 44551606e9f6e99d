//go:build !cgo || !linux

package cmalloc

import "unsafe"

// Without cgo Pebble allocates in the Go heap and nothing calls C's malloc.
const cgoGlibc = false

const noAllocator = "none of glibc's (built without cgo, or not for Linux): Pebble's memory is in the Go heap"

func limitSet() int { return 0 }

func readStats() Stats { return Stats{} }

func touch() {}

func block(int) unsafe.Pointer { return nil }

func free(unsafe.Pointer) {}
