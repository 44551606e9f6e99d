package pebble

import "github.com/cockroachdb/pebble/v2"

// Flush flushes the memtables, so that a benchmark can count the cost of
// getting its writes into sstables.
func (s *Store) Flush() error { return s.db.Flush() }

// Metrics returns Pebble's metrics, for benchmark logs.
func (s *Store) Metrics() *pebble.Metrics { return s.db.Metrics() }
