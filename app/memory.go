package app

import (
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/pebble"
)

// Memory is what a node holds in memory beyond its requests in flight:
// the embedded store's and keyring's Pebble caches and memtables, and the
// services' caches. Every part is bounded except ingestion's key filters,
// which grow with the store (ingest.Memory.Filters).
type Memory struct {
	// Embedded is false on PostgreSQL; Store and Keyring are then zero.
	Embedded       bool
	Store, Keyring pebble.Memory
	Ingest         ingest.Memory
	Decisions      decisions.Memory
	// StoreBytes is the store's size on disk (approximate): what the
	// block cache holds is some of it, and the key filters follow it.
	StoreBytes int64
}

type memoryReporter interface{ Memory() pebble.Memory }

// Memory reports what the node holds in memory. It reads Pebble's
// metrics: call it every few seconds, not per request.
func (s *Node) Memory() Memory {
	var m Memory
	if st, ok := s.inst.Store.(memoryReporter); ok {
		m.Embedded, m.Store = true, st.Memory()
	}
	if kr, ok := s.inst.Keyring.(memoryReporter); ok {
		m.Keyring = kr.Memory()
	}
	m.Ingest, m.Decisions = s.pipeline.Memory(), s.decisions.Memory()
	m.StoreBytes = s.inst.Store.Size()
	return m
}

// registerMemory exports the node's memory on /metrics, so that an
// operator sees the bounded parts fill up to their bounds and the filters
// grow with the store (docs/operations.md, Sizing memory).
func registerMemory(m *httpapi.Metrics, s *Node) {
	embedded := func(f func(pebble.Memory, pebble.Memory) int64) func() float64 {
		return func() float64 {
			mem := s.Memory()
			return float64(f(mem.Store, mem.Keyring))
		}
	}
	if _, ok := s.inst.Store.(memoryReporter); ok {
		m.Gauge("candor_pebble_block_cache_bytes", "Bytes in the embedded store's and keyring's Pebble block caches.",
			embedded(func(st, kr pebble.Memory) int64 { return st.BlockCache + kr.BlockCache }))
		m.Gauge("candor_pebble_block_cache_capacity_bytes", "The capacity of those block caches (--cache-size, plus the keyring's 8 MiB); Pebble takes the memtables out of it: blocks get what they leave.",
			embedded(func(st, kr pebble.Memory) int64 { return st.BlockCacheCap + kr.BlockCacheCap }))
		m.Gauge("candor_pebble_memtable_bytes", "Bytes allocated to the embedded store's and keyring's memtables, those being flushed, still read or kept for reuse included.",
			embedded(func(st, kr pebble.Memory) int64 {
				return st.MemTables + st.MemTablesZombie + kr.MemTables + kr.MemTablesZombie
			}))
	}
	m.Gauge("candor_ingest_subject_cache_entries", "Subjects cached by ingestion with their opened keys (at most twice --subject-cache).",
		func() float64 { return float64(s.pipeline.Memory().Subjects) })
	m.Gauge("candor_ingest_filter_bytes", "Bytes of ingestion's Bloom filters of stored dedupe keys and blind indexes; they grow with the store.",
		func() float64 { return float64(s.pipeline.Memory().Filters) })
	m.Gauge("candor_decisions_cache_entries", "Entries of the decisions service's caches of consents, opt-outs and matches (each at most 8192).",
		func() float64 {
			d := s.decisions.Memory()
			return float64(d.Consents + d.OptOuts + d.Matches)
		})
}
