package pebble

import (
	"context"
	"fmt"
	"testing"
)

// TestBlockCacheBounded warms, then reads back 32 MiB of flushed data, twice, through
// a store whose block cache is 4 MiB: the cache fills and stays at its
// capacity, and Memory reports it so (the soak and /metrics rely on it).
func TestBlockCacheBounded(t *testing.T) {
	s, err := Open(t.TempDir(), Options{CacheSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 8192 // of 4 KiB: 32 MiB
	key := func(i int) []byte { return fmt.Appendf(nil, "test/%05d", i) }
	v := make([]byte, 4<<10)
	b := s.db.NewBatch()
	for i := range n {
		v[0], v[1] = byte(i), byte(i>>8) // no two blocks alike
		if err := b.Set(key(i), v, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	// Warm reads it all once: the cache is then full.
	read, err := s.Warm(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m := s.Memory(); read < n*4<<10 || m.BlockCache < m.BlockCacheCap/2 || m.BlockCache > m.BlockCacheCap+m.BlockCacheCap/4 {
		t.Errorf("Warm read %d bytes of %d and left the cache at %d bytes of %d", read, n*4<<10, m.BlockCache, m.BlockCacheCap)
	}
	most := int64(0)
	for round := range 2 {
		for i := range n {
			if _, err := s.get(key(i)); err != nil {
				t.Fatal(err)
			}
			if i%64 == 0 {
				most = max(most, s.Memory().BlockCache)
			}
		}
		m := s.Memory()
		if m.BlockCacheCap != 4<<20 {
			t.Fatalf("capacity %d, want 4 MiB", m.BlockCacheCap)
		}
		// A shard may hold a block over its share while it evicts.
		if most > m.BlockCacheCap+m.BlockCacheCap/4 || m.BlockCache < m.BlockCacheCap/2 {
			t.Errorf("round %d: block cache at most %d bytes, now %d, of a 4 MiB cache after reading 32 MiB", round, most, m.BlockCache)
		}
	}
	if m := s.Memory(); m.MemTables <= 0 || m.MemTableCount < 1 {
		t.Errorf("memtables: %+v", m)
	}
}

// TestMemTablesTakenFromTheCache: Pebble reserves its memtables' memory
// in the block cache, so that blocks and memtables together stay within
// Options.CacheSize (what --cache-size and docs/operations.md promise).
func TestMemTablesTakenFromTheCache(t *testing.T) {
	s, err := Open(t.TempDir(), Options{CacheSize: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := make([]byte, 1<<10)
	for i := range 384 { // 96 MiB in batches of 256 KiB: memtables fill and rotate
		b := s.db.NewBatch()
		for j := range 256 {
			k := i*256 + j
			v[0], v[1], v[2] = byte(k), byte(k>>8), byte(k>>16)
			b.Set(fmt.Appendf(nil, "test/%08d", k), v, nil)
		}
		if err := b.Commit(nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := s.Memory()
	// The memtable written and the one kept for reuse (counted as a
	// zombie) take 32 MiB: blocks get the rest.
	if m.MemTables < 16<<20 || m.BlockCache < 8<<20 || m.BlockCache > m.BlockCacheCap-32<<20+1<<20 {
		t.Errorf("after 96 MiB written and read: blocks %d and memtables %d bytes in a %d-byte cache", m.BlockCache, m.MemTables, m.BlockCacheCap)
	}
	t.Logf("blocks %.1f MiB, memtables %.1f MiB (%d), cache %d MiB", float64(m.BlockCache)/(1<<20), float64(m.MemTables)/(1<<20), m.MemTableCount, m.BlockCacheCap>>20)
}
