package pebble

import (
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// pebbleOptions returns Pebble's options for Candor's workload: large
// synchronous batches of random-keyed writes (events spread over random
// subjects, dedupe keys that are hashes) and point lookups that mostly miss
// (is this dedupe key or blind index known?), on a small machine.
func (o Options) pebbleOptions() *pebble.Options {
	po := &pebble.Options{
		// An explicit format, so that upgrading Pebble never changes the
		// on-disk format by itself; columnar blocks are its table format.
		FormatMajorVersion: pebble.FormatValueSeparation,

		CacheSize: o.CacheSize,

		// 16 MB memtables: large enough to hold dozens of batches (a
		// 1,000-event batch is ~370 KB) and make few flushes, small enough
		// that inserting random keys into the skiplist mostly hits the CPU
		// cache. At 64 MB, inserts cost twice as much and the store was no
		// faster overall. Up to 4 may queue for flushing before commits
		// stall.
		MemTableSize:                16 << 20,
		MemTableStopWritesThreshold: 4,

		// Let L0 collect 8 sublevels (flushes) before compacting it into
		// LBase: with random keys every L0→LBase compaction rewrites most of
		// LBase, so merging more flushes at once lowers write amplification.
		// Point lookups stay cheap meanwhile thanks to the bloom filters;
		// a subject's scan pays one seek per sublevel. Writes stop at 32.
		L0CompactionThreshold: 8,
		L0StopWritesThreshold: 32,
		// A large LBase: fewer compactions from LBase down, which measured
		// better than sizing it like L0 (128 or 256 MB).
		LBaseMaxBytes: 512 << 20,

		// One compaction normally, a second when L0 reaches 10 sublevels or
		// the compaction debt 1 GB (Pebble's defaults): on 2 cores a second
		// compaction competes with commits for CPU and with WAL syncs for
		// the disk. Holding it back further made ingest ~15% faster but let
		// L0 grow to 30 sublevels, which every subject scan would pay for.
		CompactionConcurrencyRange: func() (int, int) { return 1, 2 },

		// Delete obsolete WAL files instead of recycling them, so that an
		// erasure leaves none of the erased bytes behind (compact.go).
		Cleaner: shredCleaner{},
	}
	if po.CacheSize == 0 {
		po.CacheSize = DefaultCacheSize
	}
	for i := range po.Levels {
		l := &po.Levels[i]
		// Bloom filters on every level, L0 included: a dedupe or blind
		// index miss then costs a filter probe per sstable instead of a
		// block read. 10 bits per key is a ~1% false-positive rate.
		l.FilterPolicy = bloom.FilterPolicy(10)
		l.FilterType = pebble.TableFilter
		// Values are ciphertext and hashes, which do not compress: don't
		// spend CPU trying. (Columnar blocks still prefix-compress keys.)
		l.Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
		// 16 KB blocks instead of 4 KB: Pebble writes sstables a block per
		// write(2), and with 4 KB blocks the system calls were a third of
		// the store's CPU. A subject's events in a level take a block or
		// two, and lookups that miss read no block (bloom filter).
		l.BlockSize = 16 << 10
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
	if o.WriteEvents != nil {
		l := o.WriteEvents.Listener()
		if po.EventListener != nil {
			l = pebble.TeeEventListener(*po.EventListener, l)
		}
		po.EventListener = &l
	}
	return po
}
