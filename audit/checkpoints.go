package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
	f_log "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// The store keeps the log's checkpoints, so that a log that lost history
// (deleted, or restored from an older copy) is refused at start
// (CheckStore), and so that a checkpoint of any size the log published
// can be served again (Keeper.CheckpointAt).
const (
	// MetaCheckpoint holds the last checkpoint the log published that the
	// store kept: the log MUST never be smaller than it or inconsistent
	// with it.
	MetaCheckpoint = "tlog/checkpoint"
	// MetaVerifierKey holds the log's verifier key, kept at its first
	// start, so that checks need no private key.
	MetaVerifierKey = "tlog/verifier-key"
	// metaHistory prefixes the append-only checkpoint history, one entry
	// per published size and epoch.
	metaHistory = "tlog/checkpoints/"
	// metaEpoch numbers the logs the store has had (0, then one more for
	// each StartOver); metaRecovery prefixes the record of each StartOver.
	metaEpoch    = "tlog/epoch"
	metaRecovery = "tlog/recoveries/"
)

// MetaStore is the part of the store that keeps named values.
type MetaStore interface {
	GetMeta(ctx context.Context, name string) ([]byte, error)
	PutMeta(ctx context.Context, name string, value []byte) error
}

func historyKey(epoch, size uint64) string {
	return fmt.Sprintf("%s%d/%020d", metaHistory, epoch, size)
}

func epoch(ctx context.Context, st MetaStore) (uint64, error) {
	raw, err := st.GetMeta(ctx, metaEpoch)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(raw), 10, 64)
}

// KeptCheckpoint returns the last checkpoint the store kept, or nil if it
// kept none yet.
func KeptCheckpoint(ctx context.Context, st MetaStore) ([]byte, error) {
	raw, err := st.GetMeta(ctx, MetaCheckpoint)
	if candor.ErrorCode(err) == candor.ENOTFOUND || err == nil && len(raw) == 0 {
		return nil, nil // none yet, or none since a StartOver
	}
	return raw, err
}

// KeptVerifierKey returns the verifier key the store kept, or "" if none.
func KeptVerifierKey(ctx context.Context, st MetaStore) (string, error) {
	raw, err := st.GetMeta(ctx, MetaVerifierKey)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return "", nil
	}
	return string(raw), err
}

// openCheckpoint checks raw's signature with vkey and parses it.
func openCheckpoint(raw []byte, vkey string) (*f_log.Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	cp, _, _, err := f_log.ParseCheckpoint(raw, v.Name(), v)
	return cp, err
}

// CheckStore checks a log, as tlog.Check read it, against what the store
// says about it, and returns what is wrong, each naming the problem:
//
//   - the store's kept checkpoint MUST be signed by vkey, no larger than
//     the log, and have the root the log's entries give at its size;
//   - the log MUST hold every bundle the store records as logged, at the
//     index the store recorded, byte for byte.
//
// A log that fails it lost or rewrote history; nothing may be appended to
// it. published says the log published everything it holds (it was
// opened and WaitPublished returned); without it, bundles recorded as
// logged beyond the checkpoint are taken as not yet published (after a
// crash) rather than missing. It returns an error only when it cannot
// read the store.
func CheckStore(ctx context.Context, st candor.Store, s *tlog.State, vkey string, published bool) ([]string, error) {
	problems, _, err := checkStore(ctx, st, s, vkey, storeCheck{published: published})
	return problems, err
}

// checkedLog is a log as tlog.Check (all of it) or tlog.Log.CheckTail
// (what it appended since a size checked before) found it.
type checkedLog interface {
	Complete() bool
	TreeSize() uint64
	LeafHash(index uint64) ([]byte, bool)
	RootAt(size uint64) ([]byte, error)
}

// storeCheck says how checkStore reads the log and the store.
type storeCheck struct {
	// published: the log published everything it holds (see CheckStore).
	published bool
	// live: the log grows while it is checked, so a checkpoint the store
	// kept may be larger than the one checked (the Keeper checks its
	// consistency), and bundles logged beyond it are not yet published.
	live bool
	// after: only the entries with a sequence above it are checked (those
	// up to it were checked against the log before).
	after uint64
}

// checkStore is CheckStore for any checked log. It also returns the
// sequence through which every recorded entry was found in the log (at
// least how.after).
func checkStore(ctx context.Context, st candor.Store, s checkedLog, vkey string, how storeCheck) (problems []string, through uint64, err error) {
	pr := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !s.Complete() {
		return []string{"the log's entries could not all be read, so it cannot be checked against the store"}, how.after, nil
	}
	if kept, err := KeptVerifierKey(ctx, st); err != nil {
		return nil, 0, err
	} else if kept != "" && kept != vkey {
		pr("the log's key %q is not the key %q it was started with: the key file was replaced", vkey, kept)
	}
	raw, err := KeptCheckpoint(ctx, st)
	if err != nil {
		return nil, 0, err
	}
	size := s.TreeSize()
	if raw != nil {
		cp, err := openCheckpoint(raw, vkey)
		switch {
		case err != nil:
			pr("the store's last checkpoint of the log is not signed by the log's key: %v", err)
		case cp.Size > size && how.live:
		case cp.Size > size:
			pr("the log holds %d entries, but it had published a checkpoint of %d (kept in the store): the log was rolled back or deleted", size, cp.Size)
		default:
			if root, err := s.RootAt(cp.Size); err != nil || !bytes.Equal(root, cp.Hash) {
				pr("the log is not consistent with its checkpoint of size %d kept in the store: its history was rewritten", cp.Size)
			}
		}
	}
	mark, err := st.AuditMark(ctx)
	if err != nil {
		return nil, 0, err
	}
	if how.published && !how.live && mark.Size > size {
		pr("the store recorded bundles as logged up to log size %d, but the log's checkpoint has %d entries: logged commitments are missing", mark.Size, size)
	}
	unpublished := !how.published || how.live
	missing, through, whole := 0, how.after, true
	for e, err := range st.AuditEntries(ctx, how.after) {
		if err != nil {
			return nil, 0, err
		}
		if e.Seq > mark.Seq {
			break
		}
		idx, err := st.LogIndexes(ctx, e.Seq)
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			if whole {
				through = e.Seq
			}
			continue // logged, but its indexes were lost in a crash: Verify matches it by content
		}
		if err != nil {
			return nil, 0, err
		}
		for i, b := range Bundles(e) {
			if i >= len(idx) || unpublished && idx[i] >= size {
				whole = false
				break
			}
			data, err := b.MarshalBinary()
			if err != nil {
				return nil, 0, err
			}
			if leaf, ok := s.LeafHash(idx[i]); !ok || !bytes.Equal(leaf, tlog.LeafHash(data)) {
				whole = false
				if missing++; missing <= 10 {
					pr("bundle %v of commit %d is recorded as logged at index %d, but the log does not hold it there", refOf(&b), e.Seq, idx[i])
				}
			}
		}
		if whole {
			through = e.Seq
		}
	}
	if missing > 10 {
		pr("... and %d more bundles recorded as logged are not in the log", missing-10)
	}
	return problems, through, nil
}

// Keeper keeps every checkpoint the log publishes in the store, after
// checking it is consistent with the last one kept, so that the store's
// kept checkpoint only grows and its history can be served.
type Keeper struct {
	store MetaStore
	log   *tlog.Log
	lg    *slog.Logger

	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	started atomic.Bool

	epoch uint64 // of the checkpoint history

	mu   sync.Mutex
	size uint64 // of the last kept checkpoint
	raw  []byte
	root []byte
	err  error // the last pass's error: the log and the store disagree
}

// NewKeeper returns a Keeper of log's checkpoints in store. The store's
// verifier key is set to the log's if it has none. A nil logger discards.
func NewKeeper(ctx context.Context, store MetaStore, log *tlog.Log, lg *slog.Logger) (*Keeper, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	k := &Keeper{store: store, log: log, lg: lg, stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if k.epoch, err = epoch(ctx, store); err != nil {
		return nil, err
	}
	vkey, err := KeptVerifierKey(ctx, store)
	if err != nil {
		return nil, err
	}
	if vkey == "" {
		if err := store.PutMeta(ctx, MetaVerifierKey, []byte(log.VerifierKey())); err != nil {
			return nil, err
		}
	}
	raw, err := KeptCheckpoint(ctx, store)
	if err != nil {
		return nil, err
	}
	if raw != nil {
		cp, err := openCheckpoint(raw, log.VerifierKey())
		if err != nil {
			return nil, fmt.Errorf("audit: the store's last checkpoint: %w", err)
		}
		k.size, k.raw, k.root = cp.Size, raw, cp.Hash
	}
	return k, nil
}

// Keep keeps the log's current checkpoint if it is larger than the last
// kept, once it has checked the log's consistency proof between them. It
// returns an error, and Err returns it until a later Keep succeeds, if
// the log is not consistent with what the store kept.
func (k *Keeper) Keep(ctx context.Context) error {
	raw, size, root, err := k.log.Checkpoint(ctx)
	if err == nil {
		err = k.keep(ctx, raw, size, root)
	}
	k.mu.Lock()
	k.err = err
	k.mu.Unlock()
	return err
}

func (k *Keeper) keep(ctx context.Context, raw []byte, size uint64, root []byte) error {
	k.mu.Lock()
	oldSize, oldRaw, oldRoot := k.size, k.raw, k.root
	k.mu.Unlock()
	switch {
	case oldRaw != nil && size < oldSize:
		return fmt.Errorf("audit: the log's checkpoint has %d entries, fewer than the %d of the one kept", size, oldSize)
	case oldRaw != nil && size == oldSize && !bytes.Equal(root, oldRoot):
		return fmt.Errorf("audit: the log's checkpoint of size %d has another root than the one kept: its history was rewritten", size)
	case oldRaw != nil && size == oldSize:
		return nil
	case oldRaw != nil:
		hashes, err := k.log.ConsistencyProof(ctx, oldSize, size)
		if err != nil {
			return err
		}
		if err := tlog.VerifyConsistency(k.log.VerifierKey(), oldRaw, raw, hashes); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	if err := k.store.PutMeta(ctx, historyKey(k.epoch, size), raw); err != nil {
		return err
	}
	if err := k.store.PutMeta(ctx, MetaCheckpoint, raw); err != nil {
		return err
	}
	k.mu.Lock()
	k.size, k.raw, k.root = size, raw, root
	k.mu.Unlock()
	return nil
}

// Start keeps checkpoints every interval until Close.
func (k *Keeper) Start(interval time.Duration) {
	k.started.Store(true)
	go func() {
		defer close(k.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-t.C:
				if err := k.Keep(context.Background()); err != nil {
					k.lg.Error("transparency log: the log and the store disagree", "err", err)
				}
			}
		}
	}()
}

// Close stops the Keeper, then keeps the log's last checkpoint: call it
// before closing the log, once a checkpoint covers everything appended.
func (k *Keeper) Close() error {
	k.once.Do(func() { close(k.stop) })
	if k.started.Load() {
		<-k.done
	}
	return k.Keep(context.Background())
}

// Err returns why the log and the store disagree, or nil.
func (k *Keeper) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

// ErrNoCheckpoint is returned by CheckpointAt for a size the log published
// no checkpoint of, or the store did not keep.
var ErrNoCheckpoint = candor.Errorf(candor.ENOTFOUND, "audit: no checkpoint of that size was kept; the log publishes checkpoints of the sizes it reaches, about twice a second while it grows")

// CheckpointAt returns the checkpoint of size size the log published, from
// the store's history, checked with the log's key and against the root the
// log's tiles give at that size. Errors: ErrNoCheckpoint.
func (k *Keeper) CheckpointAt(ctx context.Context, size uint64) ([]byte, error) {
	raw, err := k.store.GetMeta(ctx, historyKey(k.epoch, size))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	cp, err := openCheckpoint(raw, k.log.VerifierKey())
	if err != nil || cp.Size != size {
		return nil, errors.Join(fmt.Errorf("audit: the kept checkpoint of size %d does not verify", size), err)
	}
	root, err := k.log.RootAt(ctx, size)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(root, cp.Hash) {
		return nil, fmt.Errorf("audit: the kept checkpoint of size %d is not consistent with the log", size)
	}
	return raw, nil
}

// StartOver prepares the store for a new log, after the old one lost or
// altered history (candor audit recover; the caller has moved the old log
// aside). It records, for good, when and why (reason, the problems found,
// the last checkpoint kept); starts a new epoch of the checkpoint
// history; and forgets the kept checkpoint and where the entries are
// logged, so that the next start appends every recorded entry to a new
// log, in the order they were recorded: if the store holds every entry
// the old log had, the new log is the same tree; if not, it is
// inconsistent with the old log's checkpoints for anyone who holds one.
func StartOver(ctx context.Context, st candor.Store, reason string, problems []string, now time.Time) error {
	r, ok := st.(candor.LogResetter)
	if !ok {
		return candor.Errorf(candor.EINVALID, "audit: this store cannot start a new log")
	}
	if strings.TrimSpace(reason) == "" {
		return candor.Errorf(candor.EINVALID, "audit: a recovery needs a reason")
	}
	kept, err := KeptCheckpoint(ctx, st)
	if err != nil {
		return err
	}
	e, err := epoch(ctx, st)
	if err != nil {
		return err
	}
	record, err := json.Marshal(map[string]any{"at": now.UTC(), "reason": reason, "problems": problems,
		"last_checkpoint": string(kept), "old_epoch": e})
	if err != nil {
		return err
	}
	if err := st.PutMeta(ctx, metaRecovery+now.UTC().Format(time.RFC3339Nano), record); err != nil {
		return err
	}
	if err := st.PutMeta(ctx, metaEpoch, []byte(strconv.FormatUint(e+1, 10))); err != nil {
		return err
	}
	if err := st.PutMeta(ctx, MetaCheckpoint, nil); err != nil {
		return err
	}
	if err := st.PutMeta(ctx, MetaVerified, nil); err != nil {
		return err
	}
	return r.ResetAuditLog(ctx)
}
