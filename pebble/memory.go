package pebble

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Memory is what a Pebble database holds in memory, from its metrics, and
// the sizes of the store's own read caches. Pebble allocates its block
// cache and memtables outside the Go heap when built with cgo (with
// CGO_ENABLED=0 they are in the Go heap), so they show in the process's
// RSS but not in its heap figures.
type Memory struct {
	// BlockCache is the bytes of blocks cached: at most BlockCacheCap
	// (Options.CacheSize) less the memtables' size, which Pebble reserves
	// in the cache, plus a few blocks in flight.
	BlockCache, BlockCacheCap int64
	BlockCacheEntries         int64
	// MemTables is the bytes allocated to memtables, the mutable one and
	// those waiting to be flushed (each 16 MB in the store, 4 MB in the
	// keyring; writes stall at 4 queued); Zombie those flushed but still
	// read by an open iterator or kept for reuse.
	MemTables, MemTablesZombie int64
	MemTableCount              int64
	// FileCache is Pebble's estimate of the memory held by its open
	// sstable readers; Tables how many are open.
	FileCache, FileCacheTables int64
	// TableIters counts open sstable iterators; Snapshots open snapshots.
	TableIters, Snapshots int64
	// APIKeys, Parties and AccessNumbers count the entries of the
	// store's own caches (each bounded: maxCached, maxCached and
	// maxAccessN); zero for the keyring.
	APIKeys, Parties, AccessNumbers int
}

func memoryOf(db *pebble.DB, capacity int64) Memory {
	m := db.Metrics()
	return Memory{
		BlockCache: m.BlockCache.Size, BlockCacheCap: capacity, BlockCacheEntries: m.BlockCache.Count,
		MemTables: int64(m.MemTable.Size), MemTablesZombie: int64(m.MemTable.ZombieSize), MemTableCount: m.MemTable.Count,
		FileCache: m.FileCache.Size, FileCacheTables: m.FileCache.TableCount,
		TableIters: m.TableIters, Snapshots: int64(m.Snapshots.Count),
	}
}

// Memory reports what the store holds in memory. It reads Pebble's
// metrics, which takes a lock Pebble's commits also take: call it every
// few seconds, not per request.
func (s *Store) Memory() Memory {
	m := memoryOf(s.db, s.cacheSize)
	m.APIKeys, m.Parties = s.keys.len(), s.parties.len()
	s.mu.Lock()
	m.AccessNumbers = len(s.accessN)
	s.mu.Unlock()
	return m
}

// Memory reports what the keyring holds in memory (its own block cache
// and memtables), as Store.Memory does.
func (k *Keyring) Memory() Memory { return memoryOf(k.db, k.cacheSize) }

// len returns the number of values cached.
func (c *readCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values)
}

// Warm reads every key and value of the store once, which fills the block
// cache as far as the store's size or the cache's capacity allows: what
// serving reads does over time. A benchmark warms the store so that its
// memory starts near the steady state; it returns the bytes read.
func (s *Store) Warm(ctx context.Context) (int64, error) {
	if !s.gate.enter() {
		return 0, errClosed()
	}
	defer s.gate.leave()
	it, err := s.db.NewIterWithContext(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("pebble: warm: %w", err)
	}
	var n int64
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return n, fmt.Errorf("pebble: warm: %w", err)
		}
		n += int64(len(it.Key()) + len(v))
		if n&0xfffff < 64 && ctx.Err() != nil {
			it.Close()
			return n, ctx.Err()
		}
	}
	return n, it.Close()
}
