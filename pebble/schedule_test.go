package pebble_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-project/candor/pebble"
	cpebble "github.com/cockroachdb/pebble/v2"
)

// compactionCounter counts the compactions a Pebble database begins and
// ends.
type compactionCounter struct{ began, ended atomic.Int64 }

func (c *compactionCounter) options() *cpebble.Options {
	return &cpebble.Options{
		Logger:                quietLogger{},
		MemTableSize:          4 << 20, // flushed by the test only
		L0CompactionThreshold: 2,
		L0StopWritesThreshold: 100,
		EventListener: &cpebble.EventListener{
			CompactionBegin: func(cpebble.CompactionInfo) { c.began.Add(1) },
			CompactionEnd:   func(cpebble.CompactionInfo) { c.ended.Add(1) },
		},
	}
}

// crashedWithDeepL0 leaves in dir what a crash during ingest leaves: six
// overlapping flushes in L0 that no compaction has merged yet (with
// compactions on, two would be merged), and writes in the WAL that the
// next Open replays and flushes.
func crashedWithDeepL0(t *testing.T, dir string) {
	t.Helper()
	var c compactionCounter
	o := c.options()
	o.DisableAutomaticCompactions = true
	db, err := cpebble.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	val := make([]byte, 100)
	for round := range 7 {
		for i := range 2000 {
			if err := db.Set(fmt.Appendf(nil, "k%08d", (i*7919+round)%100_000), val, cpebble.NoSync); err != nil {
				t.Fatal(err)
			}
		}
		if round < 6 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := db.Metrics().Levels[0].TablesCount; n < 6 {
		t.Fatalf("L0 holds %d tables, want at least 6", n)
	}
	if err := db.Close(); err != nil { // Close does not flush: the WAL keeps the last round
		t.Fatal(err)
	}
}

// TestOpenDefersCompactions: opening a store that needs a compaction,
// Pebble's own scheduler starts it while Open runs and Open waits for it
// to end (its scan for obsolete files does); with openDB's scheduler none
// begins before Open returns, and the compaction runs once released.
func TestOpenDefersCompactions(t *testing.T) {
	// The control: Pebble's default scheduler compacts within Open.
	var plain compactionCounter
	dir := t.TempDir()
	crashedWithDeepL0(t, dir)
	db, err := cpebble.Open(dir, plain.options())
	if err != nil {
		t.Fatal(err)
	}
	if plain.ended.Load() == 0 {
		t.Fatal("the control compacted nothing within Open: the test does not set up what it means to")
	}
	db.Close()

	var held compactionCounter
	dir = t.TempDir()
	crashedWithDeepL0(t, dir)
	db, release, err := pebble.OpenDBHeld(dir, held.options())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := held.began.Load(); n != 0 {
		t.Fatalf("%d compactions began within Open", n)
	}
	release()
	for deadline := time.Now().Add(20 * time.Second); held.ended.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no compaction ran in 20 s after Open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := db.Metrics().Levels[0].Sublevels; n > 2 {
		t.Errorf("L0 still has %d sublevels after the compaction", n)
	}
}
