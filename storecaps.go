package candor

import (
	"context"
	"strings"
)

// Optional store capabilities. A caller that can use one checks for it
// with a type assertion and works without it (slower, or refusing the one
// operation that needs it, with an error that says so). Each has its cases
// in storetest, which a store that has it must pass; docs/store-contract.md
// lists them. Leaser, the leases of singleton jobs, is in lease.go.

// KeyLister is an optional store capability: listing every stored dedupe
// key and blind index, so the write path can build in-memory filters that
// answer "certainly new" without a store read. The write path checks for it
// with a type assertion and works without it, only slower.
type KeyLister interface {
	// ListKeys calls dedupe for every stored dedupe key and index for every
	// stored blind index, from one consistent snapshot.
	ListKeys(ctx context.Context, dedupe func(DedupeKey), index func(BlindIndex)) error
}

// PipelinedCommitter is an optional EventStore capability that lets the
// write path overlap one batch's sync with the next batch's work.
// CommitAsync checks b, assigns its event IDs and enters it into the
// store's commit order, then returns; wait blocks until b is durable and
// returns what Commit would. Batches become durable in the order CommitAsync
// was called, so a batch never outlives one it depends on. Calls to
// CommitAsync must not overlap; waits may run concurrently with later calls.
type PipelinedCommitter interface {
	CommitAsync(ctx context.Context, b *WriteBatch) (wait func() (uint64, error), err error)
}

// LogResetter is an optional AuditStore capability: forgetting where the
// recorded entries are logged, for a new log after the old one lost or
// altered history (candor audit recover). Without it, recovery is refused.
type LogResetter interface {
	// ResetAuditLog forgets the AuditMark and every entry's log indexes
	// (the mark is zero and LogIndexes ENOTFOUND afterwards), durably, so
	// that every recorded entry is appended again; the entries themselves
	// stay.
	ResetAuditLog(ctx context.Context) error
}

// Compacter is an optional store capability: rewriting the store's files
// so that what deletions and erasures removed leaves them (candor purge
// -compact). A store whose deletions leave no old bytes behind needs none.
type Compacter interface {
	// Compact rewrites the store, keeping everything it holds. It is slow
	// on a large store: for an operator after erasures.
	Compact(ctx context.Context) error
}

// Checkpointer is an optional store capability: a consistent copy of the
// store, online, for backups (candor backup). A store backed up by its
// own tools (PostgreSQL: pg_basebackup) has none.
type Checkpointer interface {
	// Checkpoint writes a consistent copy of the store, as of one
	// moment during the call, into dir, which must not exist. The copy
	// opens as a store of its own.
	Checkpoint(ctx context.Context, dir string) error
}

// CheckCapabilities reports, as one EINTERNAL error naming each, the
// required store interfaces s lacks. A store reached through a narrower
// type (an adapter, a wrapper) could lose one, Versioned above all, whose
// absence would leave caches serving what was erased; so whoever opens a
// store checks it before using it, and refuses to start rather than
// degrade silently.
func CheckCapabilities(s any) error {
	var missing []string
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"EventStore", is[EventStore](s)},
		{"Registry", is[Registry](s)},
		{"RecordStore", is[RecordStore](s)},
		{"Meta", is[Meta](s)},
		{"AuditStore", is[AuditStore](s)},
		{"Versioned", is[Versioned](s)},
		{"Size and Close", is[interface {
			Size() int64
			Close() error
		}](s)},
	} {
		if !c.ok {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return Errorf(EINTERNAL, "store %T lacks required capabilities: %s", s, strings.Join(missing, ", "))
	}
	return nil
}

func is[T any](s any) bool { _, ok := s.(T); return ok }
