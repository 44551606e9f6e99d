package pebble_test

import (
	"fmt"
	"testing"

	"github.com/candor-project/candor/pebble"
	cpebble "github.com/cockroachdb/pebble/v2"
)

// TestWriteEvents counts a raw Pebble's flushes, compactions and write
// stalls: tiny memtables that may not queue make writes stall while
// flushes catch up.
func TestWriteEvents(t *testing.T) {
	var ev pebble.WriteEvents
	l := ev.Listener()
	db, err := cpebble.Open(t.TempDir(), &cpebble.Options{EventListener: &l, MemTableSize: 256 << 10, MemTableStopWritesThreshold: 2, L0CompactionThreshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 1000)
	for i := range 20_000 {
		if err := db.Set(fmt.Appendf(nil, "k%08d", i*7919%20_000), val, cpebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Compact(t.Context(), []byte("k"), []byte("l"), true); err != nil {
		t.Fatal(err)
	}
	c := ev.Counts()
	t.Log(c)
	if c.Flushes == 0 || c.FlushedBytes == 0 || c.Compactions == 0 || c.CompactedBytes == 0 || c.Stalls == 0 || c.Stalled <= 0 {
		t.Fatalf("counts %+v: want flushes, compactions and stalls", c)
	}
}
