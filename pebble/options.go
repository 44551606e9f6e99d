package pebble

import (
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// pebbleOptions returns Pebble's options for Candor's workload: large
// synchronous batches of random-keyed writes (events spread over random
// subjects, dedupe keys that are hashes) and point lookups that mostly miss
// (is this dedupe key or blind index known?), on a small machine.
func (o Options) pebbleOptions() *pebble.Options {
	po := &pebble.Options{
		// An explicit format, so that upgrading Pebble never changes the
		// on-disk format by itself. Columnar blocks are the current table
		// format.
		FormatMajorVersion: pebble.FormatValueSeparation,

		CacheSize: o.CacheSize,

		// A large memtable absorbs whole batches (a 1,000-event batch is
		// ~400 KB) and turns random writes into few, large flushes. Pebble
		// grows it from 256 KB, so a small store does not pay for it.
		MemTableSize: 64 << 20,
		// Room for two memtables being flushed while the third fills, so
		// that a flush never stalls a commit.
		MemTableStopWritesThreshold: 4,

		// L0 is compacted once it holds 4 sublevels' worth; writes stop only
		// at 20, so a burst of flushes is absorbed while compactions catch
		// up. Lookups stay cheap meanwhile thanks to the bloom filters.
		L0CompactionThreshold: 4,
		L0StopWritesThreshold: 20,
		// LBase about the size of L0 at its compaction threshold (4 × 64 MB),
		// as RocksDB's tuning guide recommends, so that L0→LBase compactions
		// are not dwarfed by the level they merge into.
		LBaseMaxBytes: 256 << 20,

		// One compaction normally, two when compaction debt or L0 read
		// amplification builds up: this is a 2-core budget, and commits need
		// a core too.
		CompactionConcurrencyRange: func() (int, int) { return 1, 2 },

		// Smooth out sstable writeback so that the kernel never flushes a
		// large amount of dirty data at once, which would delay WAL fsyncs.
		BytesPerSync: 1 << 20,
	}
	if po.CacheSize == 0 {
		po.CacheSize = DefaultCacheSize
	}
	po.TargetFileSizes[0] = 4 << 20
	for i := range po.Levels {
		l := &po.Levels[i]
		// Bloom filters on every level, L0 included: a dedupe or blind
		// index miss then costs a filter probe per sstable instead of a
		// block read. 10 bits per key is a ~1% false-positive rate.
		l.FilterPolicy = bloom.FilterPolicy(10)
		l.FilterType = pebble.TableFilter
	}
	po.Experimental.EnableColumnarBlocks = func() bool { return true }

	switch {
	case o.Logger != nil:
		po.Logger = pebbleLogger{l: o.Logger, info: true}
		po.EventListener = &pebble.EventListener{
			WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
				o.Logger.Warn("pebble: write stall", "reason", info.Reason)
			},
			WriteStallEnd: func() { o.Logger.Info("pebble: write stall ended") },
			DiskSlow: func(info pebble.DiskSlowInfo) {
				o.Logger.Warn("pebble: disk slow", "info", info.String())
			},
		}
	default:
		po.Logger = pebbleLogger{l: slog.Default()}
	}
	return po
}
