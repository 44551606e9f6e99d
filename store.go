package candor

import (
	"context"
	"iter"
	"time"
)

// BlindIndex is the keyed hash (HMAC-SHA-256) of a normalised external
// identifier. The store maps blind indexes to subjects without ever seeing
// the identifier.
type BlindIndex [32]byte

// DedupeKey is the keyed hash of (source, source event ID): the idempotency
// key of an event, again without storing the source's ID in the clear.
type DedupeKey [16]byte

// Digest is the keyed hash of an event's content, used to tell a repeated
// event (a duplicate, accepted as a no-op) from a conflicting one.
type Digest [32]byte

// SubjectRecord is a subject as the store holds it. Only the kind and the
// creation time are in the clear; the identifiers are sealed with the
// subject's data key, and the data key is wrapped by the master key.
type SubjectRecord struct {
	ID         SubjectID
	Kind       SubjectKind
	CreatedAt  time.Time
	WrappedKey []byte
	Sealed     []byte
}

// IndexEntry maps a blind index to its subject.
type IndexEntry struct {
	Index   BlindIndex
	Subject SubjectID
}

// EventRecord is an event as the store holds it: placement in the clear, the
// content sealed with the subject's data key.
type EventRecord struct {
	Subject    SubjectID
	OccurredAt time.Time
	ID         EventID // assigned by Store.Commit
	State      EventState
	Dedupe     DedupeKey
	Digest     Digest
	Sealed     []byte
	// Matches are the event's matches with the active scorecards, stored
	// with it; Commit gives them the event's subject, time, ID and state.
	Matches []*MatchRecord
}

// DedupeEntry is what the store remembers of an event's idempotency key.
type DedupeEntry struct {
	Digest  Digest
	Subject SubjectID
	Event   EventID
}

// WriteBatch is everything one commit adds. It is applied whole or not at all.
type WriteBatch struct {
	Subjects []SubjectRecord
	Indexes  []IndexEntry
	Events   []*EventRecord
}

// SubjectEvents is one subject with all its stored events, in time order.
type SubjectEvents struct {
	Subject *SubjectRecord
	Events  []*EventRecord
}

// EventFilter narrows a subject's events.
type EventFilter struct {
	Since time.Time // only events that occurred at or after Since (zero: all)
}

// EventStore holds subjects and their events.
type EventStore interface {
	// Commit applies b atomically and durably (synced to stable storage)
	// before it returns. It assigns each event its ID, in order, writing it
	// into b.Events, and returns the commit's sequence number, which grows
	// with every commit. The batch must not contain an index, dedupe key or
	// subject that is already stored; callers resolve those first.
	Commit(ctx context.Context, b *WriteBatch) (commit uint64, err error)
	// SubjectByIndex returns the subject a blind index maps to, or ENOTFOUND.
	SubjectByIndex(ctx context.Context, bi BlindIndex) (SubjectID, error)
	// Subject returns a subject record, or ENOTFOUND.
	Subject(ctx context.Context, id SubjectID) (*SubjectRecord, error)
	// Dedupe returns what is stored under an idempotency key, or ENOTFOUND.
	Dedupe(ctx context.Context, k DedupeKey) (DedupeEntry, error)
	// Events yields a subject's events in order of occurrence (ties in ID
	// order), reading them with one scan. Records yielded are only valid
	// until the next iteration.
	Events(ctx context.Context, id SubjectID, f EventFilter) iter.Seq2[*EventRecord, error]
	// Population yields every subject with all its events, subjects in ID
	// order, in one pass over the store (for rescoring and simulations).
	// What it yields is only valid until the next iteration. An error,
	// including the context's, is yielded once as the last item.
	Population(ctx context.Context) iter.Seq2[*SubjectEvents, error]
	// Matches yields a subject's matches with one scorecard version in order
	// of occurrence (ties in event ID order), reading them with one scan.
	// Records yielded are only valid until the next iteration.
	Matches(ctx context.Context, id SubjectID, card ScorecardKey) iter.Seq2[*MatchRecord, error]
	// PutMatches durably stores matches of stored events, all or none,
	// replacing any stored under the same subject, scorecard, time and
	// event: for materialising a newly activated scorecard version.
	PutMatches(ctx context.Context, recs []*MatchRecord) error
}

// Registry holds sources and API keys. It is written rarely and read on
// every request.
type Registry interface {
	// PutSource creates or replaces a source.
	PutSource(ctx context.Context, s *Source) error
	// Source returns a source, or ENOTFOUND.
	Source(ctx context.Context, id string) (*Source, error)
	// Sources returns every source, ordered by ID.
	Sources(ctx context.Context) ([]*Source, error)
	// PutKey creates or replaces an API key.
	PutKey(ctx context.Context, k *APIKey) error
	// Key returns an API key by its ID, or ENOTFOUND.
	Key(ctx context.Context, id string) (*APIKey, error)
	// Keys returns every API key, ordered by ID.
	Keys(ctx context.Context) ([]*APIKey, error)
}

// Meta holds small named values an installation keeps beside its data, such
// as a marker that the demo population was loaded.
type Meta interface {
	// GetMeta returns the value under name, or ENOTFOUND.
	GetMeta(ctx context.Context, name string) ([]byte, error)
	// PutMeta durably stores value under name.
	PutMeta(ctx context.Context, name string, value []byte) error
}

// Store is everything Candor keeps. Implementations pass storetest.
type Store interface {
	EventStore
	Registry
	Meta
	// Size returns the store's approximate size on disk in bytes.
	Size() int64
	// Close flushes and releases the store.
	Close() error
}

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
