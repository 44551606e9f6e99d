package ingest

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"
)

// keyFilter is a Bloom filter of keys the store holds (dedupe keys, blind
// indexes). A miss means "certainly not stored", which spares the writer a
// store read for nearly every new event. Keys are HMAC outputs, uniformly
// random, so their own bytes serve as the hash.
//
// It grows by stages, each twice the capacity of the one before, so it
// never needs rebuilding; a key is looked up in every stage. Until ready is
// set (the store's keys have all been added) a miss proves nothing.
type keyFilter struct {
	ready  atomic.Bool
	mu     sync.Mutex
	stages []*bloomStage
}

// Each key sets bloomK bits in one 512-bit block (one cache line); at
// bloomBitsPerKey bits per key of capacity the false-positive rate of a full
// stage is about 1%.
const (
	bloomK          = 7
	bloomBitsPerKey = 12
	firstStage      = 1 << 20
)

type bloomStage struct {
	words    []uint64
	blocks   uint64
	n, limit int
}

func newBloomStage(capacity int) *bloomStage {
	blocks := uint64(capacity*bloomBitsPerKey/512 + 1)
	return &bloomStage{words: make([]uint64, blocks*8), blocks: blocks, limit: capacity}
}

// locate returns the block's first word and the bit positions of key k
// (at least 16 bytes).
func (s *bloomStage) locate(k []byte) (uint64, uint64) {
	h1 := binary.LittleEndian.Uint64(k[0:8])
	h2 := binary.LittleEndian.Uint64(k[8:16])
	block, _ := bits.Mul64(h1, s.blocks)
	return block * 8, h2
}

func (s *bloomStage) add(k []byte) {
	base, h := s.locate(k)
	for i := 0; i < bloomK; i++ {
		bit := h & 511
		s.words[base+bit/64] |= 1 << (bit % 64)
		h >>= 9
	}
	s.n++
}

func (s *bloomStage) has(k []byte) bool {
	base, h := s.locate(k)
	for i := 0; i < bloomK; i++ {
		bit := h & 511
		if s.words[base+bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}

func (f *keyFilter) add(k []byte) {
	f.mu.Lock()
	last := len(f.stages) - 1
	if last < 0 || f.stages[last].n >= f.stages[last].limit {
		capacity := firstStage
		if last >= 0 {
			capacity = 2 * f.stages[last].limit
		}
		f.stages = append(f.stages, newBloomStage(capacity))
		last++
	}
	f.stages[last].add(k)
	f.mu.Unlock()
}

// certainlyAbsent reports whether k is certainly not in the store.
func (f *keyFilter) certainlyAbsent(k []byte) bool {
	if !f.ready.Load() {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.stages {
		if s.has(k) {
			return false
		}
	}
	return true
}

// bytes returns the filter's memory size.
func (f *keyFilter) bytes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.stages {
		n += 8 * len(s.words)
	}
	return n
}
