package candor

import (
	"context"
	"iter"
	"math/bits"
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
// subject's data key, which the store does not hold: it is wrapped by the
// master key and kept in the Keyring, apart from the data.
type SubjectRecord struct {
	ID        SubjectID
	Kind      SubjectKind
	CreatedAt time.Time
	Sealed    []byte
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

// EventRef names a stored event.
type EventRef struct {
	Subject    SubjectID
	OccurredAt time.Time
	ID         EventID
}

// Ref returns the reference of a stored event.
func (e *EventRecord) Ref() EventRef { return EventRef{e.Subject, e.OccurredAt, e.ID} }

// Seen is what a caller read of a stored event before changing or
// removing it: its state and how many matches it had. Commit applies the
// change only if the event is still stored so, and returns ECONFLICT
// otherwise (the caller reads again), so that the commitments a caller
// retires are exactly those of what is stored.
type Seen struct {
	State   EventState
	Matches int
}

// StateChange sets the state of a stored event and of all its matches.
type StateChange struct {
	Event EventRef
	Seen  Seen
	State EventState
}

// Deletion removes a stored event with its matches and dedupe entry.
type Deletion struct {
	Event EventRef
	Seen  Seen
}

// Erasure removes a subject whole. Events and Access are how many events
// and access records the caller read: Commit returns ECONFLICT if the
// store holds others.
type Erasure struct {
	Subject        SubjectID
	Events, Access int
}

// WriteBatch is everything one commit adds, changes and removes. It is
// applied whole or not at all.
type WriteBatch struct {
	Subjects []SubjectRecord
	Indexes  []IndexEntry
	Events   []*EventRecord
	// Matches are matches of events already stored (a scorecard version
	// materialised after them), replacing any stored under the same
	// subject, scorecard, time and event.
	Matches []*MatchRecord
	// Access are access records; Commit numbers them.
	Access []*AccessRecord
	// Records are new records (of random IDs, such as a decision's),
	// stored as PutRecord stores them, so that a record and the access
	// record of its disclosure are durable together. Unlike PutRecord,
	// Commit does not read to check that a stored record of the same kind
	// and ID is about the same subject: they MUST be new. Commit returns
	// EINVALID for an unknown kind or an empty or over-long ID.
	Records []*Record
	// Changes set the state of stored events and of all their matches,
	// which are then all stored with their event (MatchRecord.Alone
	// false), as if committed together. Deletes remove stored events with
	// their matches and dedupe entries (retention, erasure). Each is
	// checked against what is stored, atomically with the commit:
	// ECONFLICT if the event is gone or is not as Seen.
	Changes []StateChange
	Deletes []Deletion
	// Erase removes subjects whole: the subject record, the subject's
	// events, matches, dedupe entries, records and access records
	// (ECONFLICT if the counts seen are not those stored); the caller
	// deletes the subject's data key from the Keyring first.
	// Unindex removes blind indexes (an erased subject's).
	Erase   []Erasure
	Unindex []BlindIndex
	// Retire are the commitments of what the batch changes or removes: the
	// stored records they were made of no longer exist. Commit records
	// them in the batch's AuditEntry (Retired) with their RetireCommitment
	// among its write commitments, so that the log says what was retired
	// and a verifier can account for every logged commitment.
	Retire []Commitment
	// Commitments, if set, is called by Commit once it has assigned the
	// batch's event IDs, access numbers and commit sequence (in b.Events,
	// b.Access and seq), before anything is applied. What it returns is
	// recorded as the AuditEntry of the commit, in the same atomic commit
	// (nothing when both are empty): the write path's way to make a write
	// and its commitment durable together (fail closed). It runs while
	// the store serialises commits, so it SHOULD only hash. If access
	// records are given, access[i] MUST be the commitment of Access[i]
	// (Commit records its position for proofs).
	Commitments func(b *WriteBatch, seq uint64) (write, access []Commitment)
	// Generation, with Events, is the match generation (MatchFence) the
	// events' matches were computed at: Commit refuses the batch whole
	// with ErrStaleMatches if the store's is another. Batches without
	// events are not checked.
	Generation uint64
	// Fence, if set, is the lease (Leaser) the batch is written under,
	// as its writer acquired it: Commit refuses the batch whole with
	// ErrFenced unless, at the point where commits are ordered, the
	// store's lease of that name is held by Fence.Holder with
	// Fence.Token and has not expired; a shared store holds off the
	// lease's passing to another holder until the commit is done. So a
	// holder that lost its lease (it stalled past the TTL, and another
	// took the lease over) cannot commit what it checked under it. Only
	// stores that are Leasers are given a fence.
	Fence *Lease
}

// ErrFenced is Commit's error for a batch whose Fence no longer holds:
// nothing of it is stored; the writer takes the lease again, checks
// again and retries.
var ErrFenced = Errorf(EUNAVAILABLE, "this node no longer holds the lease it checked the write under; nothing was stored, try again")

// CheckFence returns ErrFenced unless cur, the store's lease of fence's
// name (held false when there is none), is fence's holder's with fence's
// token and has not expired at now: for stores to share one check.
func CheckFence(fence *Lease, cur Lease, held bool, now time.Time) error {
	if !held || cur.Holder != fence.Holder || cur.Token != fence.Token || !now.Before(cur.Expires) {
		return ErrFenced
	}
	return nil
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
	// IndexesOf returns the blind indexes that map to each of subjects, in
	// one pass over the index (it may read all of it): for an erasure
	// applied again to a restored store, without the subject's key that
	// computes them. A subject with none is absent from the map.
	IndexesOf(ctx context.Context, subjects []SubjectID) (map[SubjectID][]BlindIndex, error)
	// Subject returns a subject record, or ENOTFOUND.
	Subject(ctx context.Context, id SubjectID) (*SubjectRecord, error)
	// Dedupe returns what is stored under an idempotency key, or ENOTFOUND.
	Dedupe(ctx context.Context, k DedupeKey) (DedupeEntry, error)
	// Events yields a subject's events in order of occurrence (ties in ID
	// order), reading them with one scan. Records yielded are only valid
	// until the next iteration.
	Events(ctx context.Context, id SubjectID, f EventFilter) iter.Seq2[*EventRecord, error]
	// Population yields every subject of part p with all its events,
	// subjects in ID order, in one pass over that part of the store (for
	// rescoring and simulations; passes over different parts can run in
	// parallel). What it yields is only valid until the next iteration. An
	// error, including the context's and EINVALID for an invalid part, is
	// yielded once as the last item.
	Population(ctx context.Context, p Part) iter.Seq2[*SubjectEvents, error]
	// Matches yields a subject's matches with one scorecard version in order
	// of occurrence (ties in event ID order), reading them with one scan.
	// Records yielded are only valid until the next iteration.
	Matches(ctx context.Context, id SubjectID, card ScorecardKey) iter.Seq2[*MatchRecord, error]
	// Event returns a stored event with every match stored for it (of
	// any scorecard version, in scorecard key order), or ENOTFOUND.
	Event(ctx context.Context, ref EventRef) (*EventRecord, []*MatchRecord, error)
	// PutMatches durably stores matches of stored events, all or none,
	// replacing any stored under the same subject, scorecard, time and
	// event: for materialising a newly activated scorecard version.
	// It records no commitment, so audit verify reports what it stores:
	// the write path commits matches with WriteBatch.Matches instead.
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

// MaxRecordID is the longest record ID a store must accept.
const MaxRecordID = 128

// CheckRecordID returns EINVALID for a record kind that is not one of the
// closed set, or an ID that is empty or longer than MaxRecordID: what every
// store refuses before it stores or reads a record.
func CheckRecordID(kind RecordKind, id string) error {
	if !kind.Valid() {
		return Errorf(EINVALID, "unknown record kind %d", kind)
	}
	if id == "" || len(id) > MaxRecordID {
		return Errorf(EINVALID, "a record ID must have 1 to %d bytes", MaxRecordID)
	}
	return nil
}

// RecordStore keeps Records.
type RecordStore interface {
	// PutRecord creates or replaces the record of its kind and ID,
	// durably. A replacement may not change the subject. Errors: EINVALID
	// for an unknown kind, an empty or over-long ID, or a changed subject.
	PutRecord(ctx context.Context, r *Record) error
	// DeleteRecord removes a record, durably; removing none is no error.
	DeleteRecord(ctx context.Context, kind RecordKind, id string) error
	// Record returns a record by kind and ID, or ENOTFOUND.
	Record(ctx context.Context, kind RecordKind, id string) (*Record, error)
	// Records yields a subject's records of one kind (with the zero
	// subject, the records about no subject), in ID order. What it yields
	// is only valid until the next iteration.
	Records(ctx context.Context, kind RecordKind, subject SubjectID) iter.Seq2[*Record, error]
	// AllRecords yields every record of one kind, in ID order, with the
	// same validity.
	AllRecords(ctx context.Context, kind RecordKind) iter.Seq2[*Record, error]
}

// AccessRecord is an access record as the store holds it: the Access
// sealed with the subject's data key, so that erasing the subject erases
// who looked at it too.
type AccessRecord struct {
	Subject SubjectID
	N       uint64 // assigned by Commit: numbers the subject's access records, from 1
	Commit  uint64 // assigned by Commit: the sequence of the commit that recorded it
	Pos     uint32 // assigned by Commit: the position of its commitment in that commit's AuditEntry.Access
	Sealed  []byte
}

// AuditEntry is what one commit recorded for the log: the commitments of
// its writes and of its access records, in the order the batch's
// Commitments function returned them (then, if the commit retired
// commitments, their RetireCommitment among the writes), and the retired
// commitments themselves (kept in the store only; the log holds their
// RetireCommitment). Its bundles in the log are
// tlog.Split(AuditWrite, Seq, Write) followed by
// tlog.Split(AuditAccess, Seq, Access).
type AuditEntry struct {
	Seq     uint64
	Write   []Commitment
	Access  []Commitment
	Retired []Commitment
}

// AuditMark says how far the recorded entries are in the log: every entry
// with a sequence up to Seq is logged, and the log had Size entries after
// the last of them was appended.
type AuditMark struct {
	Seq  uint64
	Size uint64
}

// LoggedEntry gives the log indexes of one entry's bundles, in the order
// AuditEntry describes.
type LoggedEntry struct {
	Seq     uint64
	Indexes []uint64
}

// AuditStore keeps the audit entries recorded by Commit, how far they are
// logged, and the access records.
type AuditStore interface {
	// AuditEntries yields the recorded entries with a sequence above
	// after, in sequence order, and only those already durable, so that
	// nothing reaches the log that a crash could still undo. What it
	// yields is only valid until the next iteration.
	AuditEntries(ctx context.Context, after uint64) iter.Seq2[*AuditEntry, error]
	// AuditMark returns how far the entries are logged (zero at first).
	AuditMark(ctx context.Context) (AuditMark, error)
	// MarkLogged records the indexes of logged entries' bundles and, with
	// them, the new mark, atomically; it need not be durable at once (a
	// lost mark is recovered from the log), but MUST be by the next
	// Commit's return. The mark must not go back: EINVALID.
	MarkLogged(ctx context.Context, m AuditMark, logged []LoggedEntry) error
	// LogIndexes returns the log indexes of the bundles of the entry with
	// sequence seq, or ENOTFOUND if it is not logged (yet).
	LogIndexes(ctx context.Context, seq uint64) ([]uint64, error)
	// AccessRecords yields a subject's access records in the order they
	// were recorded (with the zero subject, every access record, in
	// subject then N order). What it yields is only valid until the next
	// iteration.
	AccessRecords(ctx context.Context, subject SubjectID) iter.Seq2[*AccessRecord, error]
	// AccessRecord returns a subject's access record number n, or
	// ENOTFOUND.
	AccessRecord(ctx context.Context, subject SubjectID, n uint64) (*AccessRecord, error)
}

// Versioned is the store's account of change, on which callers' caches
// rest (the ingest pipeline's subjects and keys, the decisions service's
// consents, opt-outs and matches, the portal's sessions). Every store has
// it: a store without it would leave those caches serving what was
// erased or revoked (CheckCapabilities).
//
// Contract: a version only grows, and every write that could make a
// cached read of what it covers stale changes it after the write is
// visible to reads and before the write returns to its writer. So a
// caller that takes a version, then reads, and keeps both, may reuse what
// it read for as long as the version is unchanged: it is then what a read
// would return, or differs from it only by a write that has not yet
// returned. Versions of different subjects, kinds or keys may change
// together (a store may share counters); that costs a cache miss, never a
// stale read. A store shared by several processes (several nodes on one
// database) MUST see the others' writes in its versions too, so that an
// erasure through one node reaches every node's caches.
type Versioned interface {
	// SubjectVersion covers subject id's subject record, blind
	// indexes, events and matches: it changes
	// with every Commit of subjects, events, matches, state changes,
	// deletions or an erasure of id, and with PutMatches.
	SubjectVersion(id SubjectID) uint64
	// RecordsVersion covers subject id's records of kind: it changes with
	// every PutRecord, DeleteRecord or Commit of one of them, and with the
	// subject's erasure. With the zero subject it covers the records of
	// kind about no subject, and writes of subjects' data do not change
	// it; RecordsVersion(RecordErased, SubjectID{}) also changes with
	// every erasure of a subject (a Commit with WriteBatch.Erase), so that
	// what is cached by identifier can be dropped after an erasure on any
	// node.
	RecordsVersion(kind RecordKind, id SubjectID) uint64
}

// ErrStaleMatches is Commit's error for events matched at a match
// generation that is no longer the store's: nothing of the batch is
// stored; the writer matches the events again with the scorecards of the
// current generation and retries.
var ErrStaleMatches = Errorf(ECONFLICT, "the events were matched with scorecards that are no longer the approved ones; match them again")

// MatchFence orders the approval of scorecard versions with the writes of
// events. An event is stored with its matches with the scorecard versions
// its writer knew of; a version approved while writers run is matched with
// the events stored before it by a pass over them (backfill), and with the
// events stored after it by the writers. The fence says which is which:
// every writer names the generation its matcher was built at
// (WriteBatch.Generation), and advancing the generation returns a bound
// between the events the backfill must cover and those the writers do.
type MatchFence interface {
	// MatchGeneration returns the store's match generation: 0 at first,
	// and only growing.
	MatchGeneration(ctx context.Context) (uint64, error)
	// AdvanceMatchGeneration increments the match generation, durably,
	// and returns it with bound, an event ID at or above that of every
	// event stored at an earlier generation. Once it returns, Commit
	// refuses events matched at an earlier generation, so every event
	// stored afterwards has a higher ID than bound and was matched at the
	// new generation or a later one. A writer that reads the generation
	// and then what is approved builds a matcher at least as new as that
	// generation.
	AdvanceMatchGeneration(ctx context.Context) (gen uint64, bound EventID, err error)
}

// Store is everything Candor keeps: the interfaces above, all required.
// Optional capabilities are in storecaps.go. Implementations pass
// storetest (storetest.RunWith), and docs/store-contract.md says what
// that takes.
type Store interface {
	EventStore
	Registry
	RecordStore
	Meta
	AuditStore
	Versioned
	MatchFence
	// Size returns the store's approximate size on disk in bytes.
	Size() int64
	// Close flushes and releases the store.
	Close() error
}

// A Part is one of Of equal slices of the subject ID space, for passes
// over the population in parallel: part Index (0 ≤ Index < Of) holds the
// subjects whose IDs' first eight bytes, read as a big-endian number n,
// satisfy Index·2⁶⁴/Of ≤ n < (Index+1)·2⁶⁴/Of. IDs are random, so the parts
// hold about as many subjects each. The zero Part is the whole population.
type Part struct {
	Index, Of int
}

// Whole reports whether p is the whole population.
func (p Part) Whole() bool { return p.Of <= 1 }

// Valid reports whether p names a part: Of is 0 or 1 (the whole), or
// 0 ≤ Index < Of.
func (p Part) Valid() bool {
	return p.Of <= 1 && p.Index == 0 || p.Of > 1 && p.Index >= 0 && p.Index < p.Of
}

// Bounds returns the first eight bytes of the lowest ID in p and, unless p
// runs to the end of the ID space (last is then true), of the lowest ID
// after it. p must be Valid.
func (p Part) Bounds() (lo, hi uint64, last bool) {
	if p.Whole() {
		return 0, 0, true
	}
	start := func(i int) uint64 { q, _ := bits.Div64(uint64(i), 0, uint64(p.Of)); return q }
	if p.Index == p.Of-1 {
		return start(p.Index), 0, true
	}
	return start(p.Index), start(p.Index + 1), false
}
