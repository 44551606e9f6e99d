package pebble

import (
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// WriteEvents counts what Pebble does beside taking writes that can hold them
// back: write stalls (commits wait: too many memtables queued, or L0 too
// deep) and their time, flushes and compactions and the bytes they wrote.
// Give it to Options.Events (or, for a raw Pebble, its Listener). Safe for
// concurrent use.
type WriteEvents struct {
	mu         sync.Mutex
	c          WriteCounts
	stallSince time.Time
}

// WriteCounts is what WriteEvents counted.
type WriteCounts struct {
	Stalls       int           // write stalls begun
	Stalled      time.Duration // time in write stalls, up to now
	Flushes      int
	FlushedBytes uint64
	Compactions  int // finished, cancelled or failed ones not counted
	// CompactedBytes is the size of the tables the compactions wrote.
	CompactedBytes uint64
	// Compacting is the wall time the compactions took, summed (two may
	// run at once).
	Compacting time.Duration
}

// Counts returns what was counted so far.
func (e *WriteEvents) Counts() WriteCounts {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.c
	if !e.stallSince.IsZero() {
		c.Stalled += time.Since(e.stallSince)
	}
	return c
}

// String is the counts in one line.
func (c WriteCounts) String() string {
	return fmt.Sprintf("write stalls %d (%.2f s), flushes %d (%.0f MB), compactions %d (%.0f MB written, %.1f s)",
		c.Stalls, c.Stalled.Seconds(), c.Flushes, float64(c.FlushedBytes)/1e6, c.Compactions, float64(c.CompactedBytes)/1e6, c.Compacting.Seconds())
}

// Listener returns the Pebble event listener that counts into e.
func (e *WriteEvents) Listener() pebble.EventListener {
	return pebble.EventListener{
		WriteStallBegin: func(pebble.WriteStallBeginInfo) {
			e.mu.Lock()
			e.c.Stalls++
			e.stallSince = time.Now()
			e.mu.Unlock()
		},
		WriteStallEnd: func() {
			e.mu.Lock()
			if !e.stallSince.IsZero() {
				e.c.Stalled += time.Since(e.stallSince)
				e.stallSince = time.Time{}
			}
			e.mu.Unlock()
		},
		FlushEnd: func(info pebble.FlushInfo) {
			if info.Err != nil || info.Ingest {
				return
			}
			e.mu.Lock()
			e.c.Flushes++
			for _, t := range info.Output {
				e.c.FlushedBytes += t.Size
			}
			e.mu.Unlock()
		},
		CompactionEnd: func(info pebble.CompactionInfo) {
			if info.Err != nil {
				return
			}
			e.mu.Lock()
			e.c.Compactions++
			for _, t := range info.Output.Tables {
				e.c.CompactedBytes += t.Size
			}
			e.c.Compacting += info.TotalDuration
			e.mu.Unlock()
		},
	}
}
