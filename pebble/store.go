package pebble

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// FormatVersion is the store format this package reads and writes. It
// changes whenever the key layout or the record encoding does.
//
// Version 2 added access records, matches marked as stored on their own
// and audit entries with retired commitments (state changes, deletions,
// erasure). Version 3 keeps the matches an event is stored with in the
// event's value (codec.go) rather than a key each. Older versions are read
// as they are (version 2's matches stored with their events are in the
// match table, which is still read): opening one marks it version 3, so
// that older builds refuse it from then on rather than misread what this
// one writes.
//
// Version 4 keeps no wrapped data key: they are in the keyring, apart from
// the data (Keyring). A store of an older version holds its subjects'
// wrapped keys; Open refuses it until UpgradeKeys has moved them into a
// keyring.
//
// Version 5 writes dedupe entries without the event's digest, which the
// event's value holds (codec.go): 24 bytes less a stored event. Version
// 4's entries are read as they are, so opening a version-4 store marks it
// version 5, as opening a version 2 store marked it 3: older builds then
// refuse it rather than misread the entries this one writes.
//
// Version 6 seals the matches an event is stored with together, one group
// in the event's value (codec.go, 0x03), and a match's plaintext names its
// event type by its number in the scorecard version rather than by name
// (vault): about 50 bytes less an event of the demo. Version 4 and 5's
// values are read as they are (0x02 lists of matches sealed each on its
// own), so opening one marks it version 6.
const FormatVersion = 6

// formatReadAsIs is the oldest format Open reads without an upgrade
// (marking it FormatVersion).
const formatReadAsIs = 4

// formatUpgradable is the oldest format UpgradeKeys upgrades.
const formatUpgradable = 1

// ErrNeedsKeyUpgrade is the error Open returns for a store whose subject
// records still hold their wrapped data keys (format 3 or older).
var ErrNeedsKeyUpgrade = errors.New("its subjects' wrapped data keys are still in the store: back up the data dir and the key files first, then run `candor keys upgrade` to move the keys into the keyring")

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Logger receives Pebble's log messages, write stalls and slow-disk
	// warnings. If nil, informational messages are discarded and errors go
	// to slog.Default().
	Logger *slog.Logger
	// CacheSize is the size of the block cache in bytes. Zero means
	// DefaultCacheSize. Pebble takes its memtables' memory out of it (it
	// reserves each memtable's size in the cache): the store's memtables
	// are 16 MB each, two as a rule (the one written and one kept for
	// reuse), so blocks get CacheSize less 32 MB, and less still while
	// flushes lag (up to 4 memtables queue). Below 64 MB little is cached.
	CacheSize int64
	// MustExist refuses to create anything: Open fails, naming dir, if it
	// holds no Candor store.
	MustExist bool
	// WriteEvents, if set, counts Pebble's write stalls, flushes and
	// compactions (for benchmarks).
	WriteEvents *WriteEvents
}

// DefaultCacheSize is the block cache size used when Options.CacheSize is
// zero.
const DefaultCacheSize = 128 << 20

// Store is a candor.Store on Pebble. Its methods are safe for concurrent use.
type Store struct {
	db        *pebble.DB
	dir       string
	gate      gate
	cacheSize int64 // the block cache's capacity (Memory)

	mu       sync.Mutex // serialises ID assignment and entry into Pebble's commit pipeline
	counters counters   // guarded by mu
	fence    uint64     // the match generation, guarded by mu (fence.go)
	// accessN caches the number of each subject's last access record,
	// guarded by mu: assign reads it instead of seeking the subject's
	// last one, enter keeps it once a batch is applied (commit.go).
	accessN map[candor.SubjectID]uint64

	durable atomic.Uint64 // every commit up to this sequence is synced (audit.go)
	markMu  sync.Mutex    // serialises MarkLogged

	versions subjectVersions           // cache.go
	keys     readCache[*candor.APIKey] // by key in the store
	parties  readCache[*candor.Record] // relying parties, by key in the store

	leaseMu sync.Mutex
	leases  leases // lease.go
}

var (
	_ candor.Store              = (*Store)(nil)
	_ candor.KeyLister          = (*Store)(nil)
	_ candor.PipelinedCommitter = (*Store)(nil)
	_ candor.LogResetter        = (*Store)(nil)
	_ candor.Compacter          = (*Store)(nil)
	_ candor.Checkpointer       = (*Store)(nil)
)

// Open opens the store in dir, creating the directory and an empty store if
// there is none (unless opts.MustExist). It fails if dir holds a store of
// another format version, or a Pebble database that is not a Candor store.
func Open(dir string, opts Options) (*Store, error) {
	po := opts.pebbleOptions()
	if opts.MustExist {
		// Pebble's ErrorIfNotExists would still leave a LOCK file behind.
		if manifests, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*")); len(manifests) == 0 {
			return nil, fmt.Errorf("pebble: no store at %s", dir)
		}
		po.ErrorIfNotExists = true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pebble: %w", err)
	}
	db, err := openDB(dir, po, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("pebble: open %s: %w", dir, err)
	}
	s := &Store{db: db, dir: dir, cacheSize: po.CacheSize}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// init checks the format version of an existing store, or writes it into a
// new one, and loads the counters.
func (s *Store) init() error {
	v, err := s.get(keyFormat)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		empty, err := s.isEmpty()
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("pebble: %s is a Pebble database but not a Candor store (it has no format version)", s.dir)
		}
		b := s.db.NewBatch()
		defer b.Close()
		b.Set(keyFormat, binary.BigEndian.AppendUint32(nil, FormatVersion), nil)
		var c [countersLen]byte
		counters{}.put(c[:])
		b.Set(keyCounters, c[:], nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return fmt.Errorf("pebble: initialise %s: %w", s.dir, err)
		}
	case err != nil:
		return fmt.Errorf("pebble: read format version: %w", err)
	case len(v) != 4:
		return fmt.Errorf("pebble: %s has a malformed store format version %x; this build supports versions %d to %d", s.dir, v, formatUpgradable, FormatVersion)
	default:
		switch found := binary.BigEndian.Uint32(v); {
		case found >= formatUpgradable && found < formatReadAsIs:
			return fmt.Errorf("pebble: %s holds store format version %d: %w", s.dir, found, ErrNeedsKeyUpgrade)
		case found >= formatReadAsIs && found < FormatVersion:
			if err := s.db.Set(keyFormat, binary.BigEndian.AppendUint32(nil, FormatVersion), pebble.Sync); err != nil {
				return fmt.Errorf("pebble: %s: mark format version %d: %w", s.dir, FormatVersion, err)
			}
		case found != FormatVersion:
			return fmt.Errorf("pebble: %s holds store format version %d; this build supports versions %d to %d", s.dir, found, formatUpgradable, FormatVersion)
		}
	}
	v, err = s.get(keyCounters)
	if err != nil {
		return fmt.Errorf("pebble: read counters: %w", err)
	}
	if s.counters, err = decodeCounters(v); err != nil {
		return fmt.Errorf("pebble: read counters: %w", err)
	}
	s.durable.Store(s.counters.lastCommit) // what a reopened store reads is on disk
	return s.loadFence()
}

func (s *Store) isEmpty() (bool, error) {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return false, err
	}
	empty := !it.First()
	return empty, errors.Join(it.Error(), it.Close())
}

// get returns a copy of the value under k, or pebble.ErrNotFound.
func (s *Store) get(k []byte) ([]byte, error) {
	v, closer, err := s.db.Get(k)
	if err != nil {
		return nil, err
	}
	v = append([]byte(nil), v...)
	return v, closer.Close()
}

// view calls fn with the value under k, which is valid only during the call.
// It returns pebble.ErrNotFound if there is none.
func (s *Store) view(k []byte, fn func(v []byte) error) error {
	v, closer, err := s.db.Get(k)
	if err != nil {
		return err
	}
	err = fn(v)
	return errors.Join(err, closer.Close())
}

// Size returns the store's size on disk in bytes, or 0 after Close.
func (s *Store) Size() int64 {
	if !s.gate.enter() {
		return 0
	}
	defer s.gate.leave()
	return int64(s.db.Metrics().DiskSpaceUsage())
}

// Close waits for calls in progress (including iterations over Events that
// have not finished), then flushes and closes the store. Calls made after
// Close return an EUNAVAILABLE error; so does a second Close.
func (s *Store) Close() error {
	if !s.gate.close() {
		return errClosed()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebble: close: %w", err)
	}
	return nil
}

func errClosed() error { return candor.Errorf(candor.EUNAVAILABLE, "store is closed") }

// gate counts calls in progress and turns new ones away once the store is
// closing, so that no call reaches Pebble after Close (Pebble panics).
type gate struct{ n atomic.Int64 }

const gateClosed = 1 << 62

// enter registers a call; it returns false if the store is closed.
func (g *gate) enter() bool {
	if g.n.Add(1)&gateClosed != 0 {
		g.n.Add(-1)
		return false
	}
	return true
}

func (g *gate) leave() { g.n.Add(-1) }

// close marks the gate closed and waits for the calls in progress. It
// returns false if the gate was already closed.
func (g *gate) close() bool {
	for {
		v := g.n.Load()
		if v&gateClosed != 0 {
			return false
		}
		if g.n.CompareAndSwap(v, v|gateClosed) {
			break
		}
	}
	for g.n.Load() != gateClosed {
		time.Sleep(100 * time.Microsecond)
	}
	return true
}

// notFound turns pebble.ErrNotFound into an ENOTFOUND error and wraps others.
func notFound(err error, format string, args ...any) error {
	if _, ok := errors.AsType[*candor.Error](err); ok {
		return err
	}
	if errors.Is(err, pebble.ErrNotFound) {
		return candor.Errorf(candor.ENOTFOUND, format, args...)
	}
	return fmt.Errorf("pebble: %s: %w", fmt.Sprintf(format, args...), err)
}

// SubjectByIndex returns the subject a blind index maps to, or ENOTFOUND.
func (s *Store) SubjectByIndex(ctx context.Context, bi candor.BlindIndex) (candor.SubjectID, error) {
	var id candor.SubjectID
	if !s.gate.enter() {
		return id, errClosed()
	}
	defer s.gate.leave()
	var k [indexKeyLen]byte
	err := s.view(indexKey(k[:0], bi), func(v []byte) error {
		if len(v) != len(id) {
			return errCorrupt
		}
		copy(id[:], v)
		return nil
	})
	if err != nil {
		return candor.SubjectID{}, notFound(err, "blind index not found")
	}
	return id, nil
}

// IndexesOf reads the whole index table once.
func (s *Store) IndexesOf(ctx context.Context, subjects []candor.SubjectID) (map[candor.SubjectID][]candor.BlindIndex, error) {
	if !s.gate.enter() {
		return nil, errClosed()
	}
	defer s.gate.leave()
	want := make(map[candor.SubjectID]bool, len(subjects))
	for _, id := range subjects {
		want[id] = true
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{tableIndex}, UpperBound: []byte{tableIndex + 1}})
	if err != nil {
		return nil, err
	}
	out := map[candor.SubjectID][]candor.BlindIndex{}
	for ok := it.First(); ok; ok = it.Next() {
		var id candor.SubjectID
		var bi candor.BlindIndex
		if len(it.Key()) != indexKeyLen || len(it.Value()) != len(id) {
			return nil, errors.Join(errCorrupt, it.Close())
		}
		if copy(id[:], it.Value()); want[id] {
			copy(bi[:], it.Key()[1:])
			out[id] = append(out[id], bi)
		}
	}
	if err := errors.Join(it.Error(), it.Close(), ctx.Err()); err != nil {
		return nil, fmt.Errorf("pebble: reading the index: %w", err)
	}
	return out, nil
}

// Subject returns a subject record, or ENOTFOUND.
func (s *Store) Subject(ctx context.Context, id candor.SubjectID) (*candor.SubjectRecord, error) {
	if !s.gate.enter() {
		return nil, errClosed()
	}
	defer s.gate.leave()
	var k [subjectKeyLen]byte
	var r *candor.SubjectRecord
	err := s.view(subjectKey(k[:0], id), func(v []byte) (err error) {
		r, err = decodeSubject(id, v)
		return err
	})
	if err != nil {
		return nil, notFound(err, "subject %s not found", id)
	}
	return r, nil
}

// Dedupe returns what is stored under an idempotency key, or ENOTFOUND.
// The entry points at its event, whose value holds the digest: two reads
// from one snapshot (one read for an entry written by format 4 or older,
// which holds the digest).
func (s *Store) Dedupe(ctx context.Context, dk candor.DedupeKey) (candor.DedupeEntry, error) {
	if !s.gate.enter() {
		return candor.DedupeEntry{}, errClosed()
	}
	defer s.gate.leave()
	// A removal deletes an event and its entry in one batch: read both
	// from one snapshot, so that the entry's event is there.
	snap := s.db.NewSnapshot()
	defer snap.Close()
	var k [dedupeKeyLen]byte
	var d candor.DedupeEntry
	var event []byte
	err := viewIn(snap, dedupeKey(k[:0], dk), func(v []byte) (err error) {
		d, event, err = decodeDedupe(v)
		return err
	})
	if err != nil {
		return candor.DedupeEntry{}, notFound(err, "dedupe key not found")
	}
	if event == nil {
		return d, nil
	}
	if err := viewIn(snap, event, func(v []byte) (err error) {
		d.Digest, err = eventDigest(v)
		return err
	}); err != nil {
		return candor.DedupeEntry{}, fmt.Errorf("pebble: the event of a dedupe entry: %w", err)
	}
	return d, nil
}

// viewIn calls fn with the value under k in r, valid only during the
// call, or returns pebble.ErrNotFound.
func viewIn(r pebble.Reader, k []byte, fn func(v []byte) error) error {
	v, closer, err := r.Get(k)
	if err != nil {
		return err
	}
	err = fn(v)
	return errors.Join(err, closer.Close())
}

// pebbleLogger adapts a *slog.Logger to pebble.Logger.
type pebbleLogger struct {
	l    *slog.Logger
	info bool // pass on informational messages
}

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.info {
		p.l.Info(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf logs and panics: Pebble calls it when it cannot go on (a corrupt
// WAL, a failed sync) and expects it not to return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	panic("pebble: " + msg)
}

var _ pebble.Logger = pebbleLogger{}
