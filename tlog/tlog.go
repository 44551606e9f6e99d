package tlog

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/candor-project/candor"
	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the checkpoint origin when Options.Origin is empty. The
// .example domain is reserved (RFC 2606), so a log left at the default can
// never be mistaken for a real operator's log. C2SP tlog-tiles says the
// origin SHOULD be the log's URL prefix without the scheme; an operator
// serving Handler at https://candor.city.example/log/ sets
// "candor.city.example/log".
const DefaultOrigin = "candor.example/log"

// Defaults for Options. The checkpoint interval is Tessera's minimum for
// POSIX storage: a start after a crash waits for the first checkpoint
// that covers what was integrated but not published, so it bounds that
// start (500 ms made half the starts after SIGKILL take 1 s).
const (
	DefaultCheckpointInterval = 100 * time.Millisecond
	DefaultBatchMaxAge        = 250 * time.Millisecond
	DefaultBatchMaxSize       = 256
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Origin is the log's identity, the first line of its checkpoints and the
	// name of its key (default DefaultOrigin). It cannot change for an
	// existing key file.
	Origin string
	// KeyFile is the signer key file (default: the log directory's path with
	// ".key" appended, e.g. <data>/log.key beside <data>/log). It is created
	// with mode 0600 if missing and refused if group or others may read it.
	// It MUST NOT be inside the log directory, which is public.
	KeyFile string
	// KeyMustExist makes Open fail rather than create a missing key file:
	// a log that has published checkpoints must keep its key.
	KeyMustExist bool
	// CheckpointInterval is how often a new checkpoint is signed while the
	// log grows (default DefaultCheckpointInterval, at least 100ms).
	CheckpointInterval time.Duration
	// BatchMaxAge and BatchMaxSize bound how long and how many entries
	// Tessera gathers from concurrent Appends before it writes them with one
	// round of fsyncs (defaults DefaultBatchMaxAge, DefaultBatchMaxSize).
	BatchMaxAge  time.Duration
	BatchMaxSize uint

	// WitnessPolicy, if set, makes the log obtain cosignatures from
	// witnesses (C2SP tlog-witness) on each checkpoint before publishing it.
	// It is a policy in the format Tessera reads (Sigsum's, with
	// cosignature/v1 vkeys), one statement a line:
	//
	//	witness <name> <vkey> <submission URL prefix>
	//	group <name> <n|any|all> <member>...
	//	quorum <name>
	WitnessPolicy []byte
	// WitnessTimeout bounds the wait for cosignatures (default 5 s).
	WitnessTimeout time.Duration
	// WitnessFailOpen publishes a checkpoint without its quorum of
	// cosignatures when the witnesses do not answer in time. Without it, no
	// checkpoint is published until they do (appends go on, and proofs wait).
	WitnessFailOpen bool
}

// Errors returned by Log methods, comparable with errors.Is.
var (
	ErrClosed       = candor.Errorf(candor.EUNAVAILABLE, "tlog: the log is closed")
	ErrNotPublished = candor.Errorf(candor.ENOTFOUND, "tlog: no published checkpoint covers that entry or size yet")
)

// Log is an open transparency log. Its methods are safe for concurrent use.
type Log struct {
	dir      string
	origin   string
	vkey     string
	verifier note.Verifier
	signer   note.Signer
	reader   tessera.LogReader

	cancel   context.CancelFunc
	shutdown func(context.Context) error

	mu       sync.RWMutex // held for reading while adding, for writing by Close
	closed   bool
	appender *tessera.Appender
}

// Open opens the log in dir, creating it and its signer key on first use.
// Only one process should append to a log directory at a time (Tessera
// stays consistent with more, but Candor's recovery assumes one writer), so
// no antispam (deduplication) is configured: a bundle appended twice is
// logged twice.
func Open(dir string, opts Options) (*Log, error) {
	dir = filepath.Clean(dir)
	if opts.Origin == "" {
		opts.Origin = DefaultOrigin
	}
	if opts.KeyFile == "" {
		opts.KeyFile = dir + ".key"
	}
	if insideDir(dir, opts.KeyFile) {
		return nil, fmt.Errorf("tlog: key file %s is inside the public log directory %s", opts.KeyFile, dir)
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	if opts.BatchMaxAge == 0 {
		opts.BatchMaxAge = DefaultBatchMaxAge
	}
	if opts.BatchMaxSize == 0 {
		opts.BatchMaxSize = DefaultBatchMaxSize
	}
	signer, vkey, err := loadOrCreateKey(opts.KeyFile, opts.Origin, !opts.KeyMustExist)
	if err != nil {
		return nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("tlog: verifier key: %w", err)
	}

	// Tessera's background work (batching, checkpoints, garbage collection)
	// lives until Close, whatever happens to the caller's contexts.
	ctx, cancel := context.WithCancel(context.Background())
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tlog: %w", err)
	}
	aopts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithBatching(opts.BatchMaxSize, opts.BatchMaxAge)
	if len(opts.WitnessPolicy) > 0 {
		group, err := tessera.NewWitnessGroupFromPolicy(opts.WitnessPolicy)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("tlog: witness policy: %w", err)
		}
		aopts.WithWitnesses(group, &tessera.WitnessOptions{Timeout: opts.WitnessTimeout, FailOpen: opts.WitnessFailOpen})
	}
	appender, shutdown, reader, err := tessera.NewAppender(ctx, driver, aopts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tlog: open %s: %w", dir, err)
	}
	return &Log{
		dir:      dir,
		origin:   opts.Origin,
		vkey:     vkey,
		verifier: verifier,
		signer:   signer,
		reader:   reader,
		cancel:   cancel,
		shutdown: shutdown,
		appender: appender,
	}, nil
}

// insideDir reports whether path is dir or below it.
func insideDir(dir, path string) bool {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return true // cannot tell: refuse
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && filepath.IsLocal(rel)
}

// Close waits until a published checkpoint covers every entry appended,
// then stops the log. It gives up after a minute (Tessera's shutdown
// timeout) and returns an error, as it does when a fail-closed witness
// policy cannot be met. Appends after Close fail with ErrClosed. Close is
// idempotent.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.shutdown(context.Background())
	l.cancel()
	if err != nil {
		return fmt.Errorf("tlog: close: %w", err)
	}
	return nil
}

// Origin returns the log's origin, the first line of its checkpoints.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the log's public key as a note verifier key
// ("<origin>+<hash>+<key>"), for golang.org/x/mod/sumdb/note.NewVerifier.
// Operators publish it; with it anyone can check checkpoints and proofs.
func (l *Log) VerifierKey() string { return l.vkey }

// Append logs b and returns its index once it is durable (sequenced and
// integrated). It waits for Tessera's next batch, up to
// Options.BatchMaxAge: concurrent Appends share a batch, but a lone caller
// appending one bundle at a time gets only a few bundles a second. A
// background appender SHOULD hand over everything it has ready in one
// AppendAll. Append fails with EINVALID for an invalid bundle and ErrClosed
// after Close. ctx bounds nothing once the bundle is queued: a queued
// bundle is logged even if ctx ends.
func (l *Log) Append(ctx context.Context, b Bundle) (uint64, error) {
	idx, err := l.AppendAll(ctx, []Bundle{b})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendAll logs bundles as consecutive Appends would, but submits them
// together, and returns their indexes, in order, once all are durable.
// Indexes grow in the order given but need not be contiguous when other
// callers append at the same time. On error some bundles may be logged.
func (l *Log) AppendAll(ctx context.Context, bundles []Bundle) ([]uint64, error) {
	entries := make([]*tessera.Entry, len(bundles))
	for i := range bundles {
		data, err := bundles[i].MarshalBinary()
		if err != nil {
			return nil, candor.Errorf(candor.EINVALID, "%v", err)
		}
		entries[i] = tessera.NewEntry(data)
	}
	futures := make([]tessera.IndexFuture, len(entries))
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return nil, ErrClosed
	}
	for i, e := range entries {
		futures[i] = l.appender.Add(ctx, e)
	}
	l.mu.RUnlock()
	idx := make([]uint64, len(futures))
	for i, f := range futures {
		r, err := f()
		if err != nil {
			return nil, fmt.Errorf("tlog: append: %w", err)
		}
		idx[i] = r.Index
	}
	return idx, nil
}

// Checkpoint returns the latest published checkpoint, a signed note as
// C2SP tlog-checkpoint specifies, with its parsed size and root hash. Its
// signature is checked before it is returned.
func (l *Log) Checkpoint(ctx context.Context) (raw []byte, size uint64, root []byte, err error) {
	raw, err = l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("tlog: checkpoint: %w", err)
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, l.origin, l.verifier)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("tlog: checkpoint: %w", err)
	}
	return raw, cp.Size, cp.Hash, nil
}

// WaitCheckpoint waits until a published checkpoint covers size entries
// (an entry at index i is covered by size i+1) and returns it, or returns
// ctx's error.
func (l *Log) WaitCheckpoint(ctx context.Context, size uint64) ([]byte, error) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		raw, n, _, err := l.Checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		if n >= size {
			return raw, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// WaitPublished waits until a published checkpoint covers every entry
// integrated on disk (after a crash, the tree on disk can be ahead of the
// last checkpoint until the log publishes the next) and returns it, or
// returns ctx's error.
func (l *Log) WaitPublished(ctx context.Context) ([]byte, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return nil, fmt.Errorf("tlog: %w", err)
	}
	return l.WaitCheckpoint(ctx, size)
}

// Dir returns the log's directory, which holds its public files
// (DirSource reads them).
func (l *Log) Dir() string { return l.dir }

// Scan calls fn for every entry from index from to the end of the tree as
// integrated on disk when Scan starts (which may be ahead of the published
// checkpoint), in index order. It is for recovery after a restart (which
// bundles are already logged?) and for audits. fn's bundle is its own.
// Scan stops at, and returns, fn's first error.
func (l *Log) Scan(ctx context.Context, from uint64, fn func(index uint64, b *Bundle) error) error {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("tlog: scan: %w", err)
	}
	if from >= size {
		return nil
	}
	for r := range layout.Range(from, size-from, size) {
		entries, err := l.entryBundle(ctx, r.Index, r.Partial)
		if err != nil {
			return err
		}
		for i := r.First; i < r.First+r.N; i++ {
			index := r.Index*layout.EntryBundleWidth + uint64(i)
			if int(i) >= len(entries) {
				return fmt.Errorf("tlog: scan: entry %d missing from its bundle", index)
			}
			var b Bundle
			if err := b.UnmarshalBinary(entries[i]); err != nil {
				return fmt.Errorf("tlog: entry %d: %w", index, err)
			}
			if err := fn(index, &b); err != nil {
				return err
			}
		}
	}
	return nil
}
