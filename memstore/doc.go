// Package memstore is an in-memory candor.Store, for tests of the services
// and of delivery that need a store but no disk: it passes the conformance
// suite (storetest) as pebble/ and postgres/ do, and holds nothing once its
// last handle is gone.
//
// New returns an empty store. What a store holds outlives Close: Reopen
// returns another handle on the same data, as opening a data directory or
// database again would, with its counters (event IDs, commit sequences,
// access numbers), versions, audit mark and leases carried over. Handles on
// one store's data may be open at the same time, like nodes sharing one
// database: each sees the others' writes at once, in its reads and in its
// versions. A test that opens stores by name (storetest.OpenFunc's dir)
// keeps a map from name to the last handle and reopens from it.
//
// Semantics follow pebble/ wherever the suite checks them, and the
// contract (store.go) where pebble is laxer: a Commit whose batch holds a
// subject, blind index, dedupe key or record already stored (or twice) fails
// whole with ECONFLICT, as on PostgreSQL, where pebble overwrites. Event
// times are kept as pebble keeps them, Unix nanoseconds (1678 to 2262) in
// UTC. Everything handed in is copied in, and everything handed out is a
// copy, so no caller shares memory with what is stored. Commits are
// durable as soon as they are visible: AuditEntries yields every entry
// committed.
//
// Optional capabilities: KeyLister, PipelinedCommitter (CommitAsync commits
// at once; its wait only returns the result), LogResetter and Leaser (timed
// by this process's clock, shared by every handle on the data). Not
// Compacter: deleted and erased data leaves no bytes behind to rewrite.
//
// Its methods are safe for concurrent use. One read-write lock guards the
// data: commits are serialised, reads run in parallel, and iterators copy
// what they yield under the lock and yield without it, so that a caller
// may write to the store from inside a loop over it.
package memstore
