// Package postgres is Candor's scale-out store: a candor.Store on
// PostgreSQL (via pgx v5) that any number of stateless Candor nodes share.
//
// The schema (migrations/) keeps what belongs to one subject in tables
// keyed by subject ID first and hash-partitioned by it, so that a subject's
// events, matches and access records are one index range, and the tables can
// be distributed by subject ID (docs/scale-out.md). Global unique
// constraints on blind indexes and dedupe keys make two nodes that commit
// the same key store it once: the second commit fails whole with ECONFLICT.
//
// A commit is one transaction: the batch's rows are written with COPY, then
// the commit takes the next commit sequence from a one-row counter whose row
// lock it holds until it commits, so that commits become visible in
// sequence order and the transparency log's appender never skips one. The
// lock is taken as late as possible, after the bulk of the writes, so that
// the next commit's COPY overlaps this one's WAL flush (CommitAsync).
//
// Caches that rest on per-subject versions (candor's versioned capability)
// are kept coherent across nodes with LISTEN/NOTIFY: every transaction that
// writes a subject's data notifies the version stripes it touched, and each
// node's listener bumps its own (versions.go).
package postgres
