package pebble

import (
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Compact flushes the memtable and rewrites every table into the bottom
// level, which drops what deletions, range deletions and erasures removed
// from the files. Together with WAL files that are deleted rather than
// recycled (shredCleaner), that leaves no file of the store holding bytes
// of an erased subject once Pebble has removed the obsolete files, which
// it does in the background shortly after (at once by Close). One
// exception: the MANIFEST lists each table's smallest and largest key and
// keeps the entries of deleted tables until it rolls over (Pebble's
// MaxManifestFileSize, 128 MB): an erased subject's key that bounded a
// table — its pseudonymous ID or a blind index, never sealed data or its
// wrapped data key — can stay there until then. Compact is slow on a
// large store: for an operator after erasures, not for every request.
func (s *Store) Compact(ctx context.Context) error {
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("pebble: compact: flush: %w", err)
	}
	// Every key starts with a table byte below 0xff.
	if err := s.db.Compact(ctx, []byte{0x00}, []byte{0xff}, true); err != nil {
		return fmt.Errorf("pebble: compact: %w", err)
	}
	return nil
}

// shredCleaner deletes obsolete files, as Pebble's default cleaner does,
// and turns off WAL recycling. A recycled WAL is an old log file renamed
// and overwritten from its start: the bytes of the old batches beyond
// what was rewritten stay in it, and so would an erased subject's sealed
// events and wrapped data key. Pebble recycles no WAL when its cleaner
// needs the files' contents, which ArchiveCleaner declares with an
// unexported method; embedded one level deeper than DeleteCleaner, it
// lends that method while DeleteCleaner's Clean (delete the file) wins.
// It costs a file creation per memtable (16 MB of writes).
type shredCleaner struct {
	pebble.DeleteCleaner
	needsContents
}

type needsContents struct{ pebble.ArchiveCleaner }

// Checkpoint writes a consistent copy of the store into dir, which must
// not exist, with the WAL flushed first, so that every commit returned
// before the call is in it. Tables are hard-linked where the file system
// allows (dir on the same file system as the store), else copied.
func (s *Store) Checkpoint(ctx context.Context, dir string) error {
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("pebble: checkpoint: %w", err)
	}
	return nil
}
