package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Keyring is a candor.Keyring in a Pebble database of its own, in a
// directory apart from the store's (the default is <data>.keyring, beside
// the data dir), so that a backup of the data dir holds no key. Its
// methods are safe for concurrent use.
//
// Layout: 0x00 "keyring" → format version (uint32); 0x01 SubjectID(16) →
// the wrapped key; 0x02 SubjectID(16) → an erasure (ledger.go).
type Keyring struct {
	db        *pebble.DB
	dir       string
	gate      gate
	cacheSize int64      // the block cache's capacity (Memory)
	mu        sync.Mutex // serialises DeleteSubjectKey's flush and compaction
}

var (
	_ candor.Keyring      = (*Keyring)(nil)
	_ candor.Checkpointer = (*Keyring)(nil)
)

// KeyringFormatVersion is the keyring format this package reads and writes.
const KeyringFormatVersion = 1

var keyKeyringFormat = []byte("\x00keyring")

const tableWrapped byte = 0x01

// OpenKeyring opens the keyring in dir, creating it if there is none
// (unless opts.MustExist). It refuses a directory that holds a Candor
// store or another Pebble database: a keyring and its data are kept apart.
func OpenKeyring(dir string, opts Options) (*Keyring, error) {
	if opts.CacheSize == 0 {
		opts.CacheSize = 8 << 20 // keys are small and read once per subject
	}
	po := opts.pebbleOptions()
	po.MemTableSize = 4 << 20
	if opts.MustExist {
		if manifests, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*")); len(manifests) == 0 {
			return nil, fmt.Errorf("pebble: no keyring at %s", dir)
		}
		po.ErrorIfNotExists = true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pebble: keyring: %w", err)
	}
	db, err := openDB(dir, po, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("pebble: open keyring %s: %w", dir, err)
	}
	k := &Keyring{db: db, dir: dir, cacheSize: po.CacheSize}
	if err := k.init(); err != nil {
		db.Close()
		return nil, err
	}
	return k, nil
}

func (k *Keyring) init() error {
	v, closer, err := k.db.Get(keyKeyringFormat)
	if err == nil {
		found := bytes.Clone(v)
		closer.Close() // before the scrub: v pins the table that holds it
		if !bytes.Equal(found, u32(KeyringFormatVersion)) {
			return fmt.Errorf("pebble: %s holds keyring format %x; this build supports version %d", k.dir, found, KeyringFormatVersion)
		}
		return k.scrubLedger()
	}
	if !errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("pebble: read keyring format: %w", err)
	}
	it, err := k.db.NewIter(nil)
	if err != nil {
		return err
	}
	empty := !it.First()
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("pebble: %s is a Pebble database but not a Candor keyring (a store's data dir?)", k.dir)
	}
	return k.db.Set(keyKeyringFormat, u32(KeyringFormatVersion), pebble.Sync)
}

func u32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func wrappedKey(id candor.SubjectID) []byte {
	return append([]byte{tableWrapped}, id[:]...)
}

// PutSubjectKeys stores keys in one synced batch.
func (k *Keyring) PutSubjectKeys(ctx context.Context, keys []candor.WrappedKey) error {
	if !k.gate.enter() {
		return errClosed()
	}
	defer k.gate.leave()
	if err := candor.CheckWrappedKeys(keys); err != nil {
		return err
	}
	if len(keys) == 0 {
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := k.db.NewBatch()
	defer b.Close()
	for _, w := range keys {
		if err := b.Set(wrappedKey(w.Subject), w.Wrapped, nil); err != nil {
			return err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("pebble: keyring: %w", err)
	}
	return nil
}

// SubjectKey returns a copy of a subject's wrapped key, or ENOTFOUND.
func (k *Keyring) SubjectKey(ctx context.Context, id candor.SubjectID) ([]byte, error) {
	if !k.gate.enter() {
		return nil, errClosed()
	}
	defer k.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, closer, err := k.db.Get(wrappedKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, candor.Errorf(candor.ENOTFOUND, "no data key for subject %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("pebble: keyring: %w", err)
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}

// DeleteSubjectKey deletes the key with a synced tombstone, then flushes
// the memtable (the WAL that held the key is deleted, never recycled:
// shredCleaner) and compacts the key's range to the bottom level, where
// the tombstone and the value it shadows are both dropped; it returns once
// Pebble has deleted the obsolete files (at most a few seconds). The
// MANIFEST may keep the subject's ID as a table bound, never the key.
func (k *Keyring) DeleteSubjectKey(ctx context.Context, id candor.SubjectID) error {
	if !k.gate.enter() {
		return errClosed()
	}
	defer k.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	key := wrappedKey(id)
	if _, closer, err := k.db.Get(key); errors.Is(err, pebble.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("pebble: keyring: %w", err)
	} else {
		closer.Close()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.db.Delete(key, pebble.Sync); err != nil {
		return fmt.Errorf("pebble: keyring: delete: %w", err)
	}
	if err := k.db.Flush(); err != nil {
		return fmt.Errorf("pebble: keyring: flush: %w", err)
	}
	end := append(bytes.Clone(key), 0)
	if err := k.db.Compact(ctx, key, end, false); err != nil {
		return fmt.Errorf("pebble: keyring: compact: %w", err)
	}
	return k.awaitObsolete(ctx)
}

// awaitObsolete waits until Pebble has deleted the files compactions and
// flushes made obsolete (it does so in the background), or 10 seconds.
func (k *Keyring) awaitObsolete(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := k.db.Metrics()
		if m.Table.ObsoleteCount == 0 && m.WAL.ObsoleteFiles == 0 && m.Table.ZombieCount == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pebble: keyring: obsolete files not deleted after 10s (an open iteration pins them): %d tables, %d WAL files, %d zombies", m.Table.ObsoleteCount, m.WAL.ObsoleteFiles, m.Table.ZombieCount)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// SubjectKeys yields the keys above after in subject ID order, from one
// consistent view.
func (k *Keyring) SubjectKeys(ctx context.Context, after candor.SubjectID) iter.Seq2[candor.WrappedKey, error] {
	return func(yield func(candor.WrappedKey, error) bool) {
		if !k.gate.enter() {
			yield(candor.WrappedKey{}, errClosed())
			return
		}
		defer k.gate.leave()
		lower := append(wrappedKey(after), 0)
		it, err := k.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: []byte{tableWrapped + 1}})
		if err != nil {
			yield(candor.WrappedKey{}, err)
			return
		}
		for ok := it.First(); ok; ok = it.Next() {
			if err := ctx.Err(); err != nil {
				it.Close()
				yield(candor.WrappedKey{}, err)
				return
			}
			var w candor.WrappedKey
			if len(it.Key()) != 1+len(w.Subject) {
				it.Close()
				yield(w, fmt.Errorf("pebble: keyring: malformed key %x", it.Key()))
				return
			}
			copy(w.Subject[:], it.Key()[1:])
			w.Wrapped = it.Value()
			if !yield(w, nil) {
				it.Close()
				return
			}
		}
		if err := errors.Join(it.Error(), it.Close()); err != nil {
			yield(candor.WrappedKey{}, fmt.Errorf("pebble: keyring: %w", err))
		}
	}
}

// Dir returns the keyring's directory.
func (k *Keyring) Dir() string { return k.dir }

// Close closes the keyring; calls after it return EUNAVAILABLE.
func (k *Keyring) Close() error {
	if !k.gate.close() {
		return errClosed()
	}
	if err := k.db.Close(); err != nil {
		return fmt.Errorf("pebble: close keyring: %w", err)
	}
	return nil
}

// Checkpoint writes a consistent copy of the keyring into dir, which must
// not exist, for the keyring's own backups (app.BackupKeyring).
func (k *Keyring) Checkpoint(ctx context.Context, dir string) error {
	if !k.gate.enter() {
		return errClosed()
	}
	defer k.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	k.mu.Lock() // not while a deletion is reaching the files
	defer k.mu.Unlock()
	if err := k.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("pebble: keyring checkpoint: %w", err)
	}
	return nil
}
