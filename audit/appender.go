package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/tlog"
)

// Bundles returns an entry's bundles in log order: its write commitments,
// then its access commitments, each cut by tlog.Split.
func Bundles(e *candor.AuditEntry) []tlog.Bundle {
	return append(tlog.Split(candor.AuditWrite, e.Seq, e.Write), tlog.Split(candor.AuditAccess, e.Seq, e.Access)...)
}

func refOf(b *tlog.Bundle) candor.BundleRef {
	return candor.BundleRef{Kind: b.Kind, Seq: b.Seq, Part: b.Part}
}

// DefaultPollInterval is how often the Appender looks for new entries when
// nobody calls Kick.
const DefaultPollInterval = 50 * time.Millisecond

// maxRound bounds the bundles appended in one round (about 32 MB), so that
// a long backlog after a restart is logged in steps.
const maxRound = 8192

// Appender appends recorded entries to the log in the background.
type Appender struct {
	store candor.AuditStore
	log   *tlog.Log
	lg    *slog.Logger
	poll  time.Duration
	held  func() bool // nil: always

	rounds sync.Mutex // held by each round and by Pause

	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once

	mu      sync.Mutex
	cond    *sync.Cond
	mark    candor.AuditMark
	err     error // the last round's error, nil once a round succeeds
	recover bool  // the next round scans the log for bundles already logged
}

// NewAppender returns an Appender from store to log; Start runs it. A nil
// logger discards messages; a zero poll means DefaultPollInterval.
func NewAppender(store candor.AuditStore, log *tlog.Log, lg *slog.Logger, poll time.Duration) *Appender {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	a := &Appender{store: store, log: log, lg: lg, poll: poll, recover: true,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// Recover appends every entry recorded but not yet logged (after a crash,
// those of the commits acknowledged since the last round), checking the log
// first so that none is logged twice, and returns the new mark. Start does
// it too; calling it first makes start-up wait for it and report its error.
func (a *Appender) Recover(ctx context.Context) (candor.AuditMark, error) {
	a.mu.Lock()
	a.recover = true
	a.mu.Unlock()
	for {
		n, err := a.round(ctx)
		if err != nil || n == 0 {
			return a.Mark(), err
		}
	}
}

// OnlyWhile makes the Appender append only while held returns true: of
// several nodes that share a store and a log directory, the one holding
// the store's lease appends (one writer, so no bundle is logged twice);
// the others follow the mark it records in the store, so that their
// WaitLogged returns too. A node that takes the lease over scans the log
// first for what the last holder appended but did not mark. Call it
// before Start.
func (a *Appender) OnlyWhile(held func() bool) { a.held = held }

// Appending reports whether this Appender is the one that appends (see
// OnlyWhile): only then does Pause stop every append to the log.
func (a *Appender) Appending() bool { return a.held == nil || a.held() }

// Start runs the Appender until Close: a round whenever Kick is called,
// and every poll interval.
func (a *Appender) Start() {
	go a.run()
}

// Kick asks for a round soon: a committer calls it when a commit with an
// audit entry is durable.
func (a *Appender) Kick() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Close stops the Appender after a last round that logs every entry
// durable by then, and returns that round's error.
func (a *Appender) Close() error {
	a.closed.Do(func() { close(a.stop) })
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Err returns the last round's error, nil once a round succeeds: while
// it is not nil, recorded commitments are not reaching the log.
func (a *Appender) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Pause waits for the round in progress, if any, and holds off the next
// ones until resume is called: meanwhile nothing is appended to the log
// and the store's mark does not move, so a copy of the store and then of
// the log agree (the log holds nothing the store does not; the store
// marks nothing logged the log does not hold). Commits go on; their
// entries are appended after resume.
func (a *Appender) Pause() (resume func()) {
	a.rounds.Lock()
	var once sync.Once
	return func() { once.Do(a.rounds.Unlock) }
}

// Mark returns how far the entries are logged.
func (a *Appender) Mark() candor.AuditMark {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mark
}

// WaitLogged waits until the entry of commit seq (and every earlier one) is
// logged, or ctx ends.
func (a *Appender) WaitLogged(ctx context.Context, seq uint64) error {
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.mark.Seq < seq {
		if err := ctx.Err(); err != nil {
			return err
		}
		a.cond.Wait()
	}
	return nil
}

func (a *Appender) run() {
	defer close(a.done)
	t := time.NewTicker(a.poll)
	defer t.Stop()
	ctx := context.Background()
	for {
		select {
		case <-a.stop:
			for {
				if n, err := a.round(ctx); err != nil || n == 0 {
					return
				}
			}
		case <-a.kick:
		case <-t.C:
		}
		for {
			n, err := a.round(ctx)
			if err != nil {
				a.lg.Error("transparency log: appending recorded commitments failed; will retry", "err", err)
				break
			}
			if n < maxRound {
				break
			}
		}
	}
}

// round appends the durable entries after the mark (up to maxRound
// bundles) and records the new mark. It returns how many bundles it
// appended or found logged.
func (a *Appender) round(ctx context.Context) (int, error) {
	a.rounds.Lock()
	defer a.rounds.Unlock()
	var n int
	var err error
	if a.held != nil && !a.held() {
		err = a.follow(ctx)
	} else {
		n, err = a.append(ctx)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
	if err != nil {
		a.recover = true // some bundles may be logged: look before appending again
	}
	return n, err
}

// follow takes the mark from the store, where the lease's holder records
// it, and makes the next round this node appends in scan the log first.
func (a *Appender) follow(ctx context.Context) error {
	mark, err := a.store.AuditMark(ctx)
	if err != nil {
		return err
	}
	a.setMark(mark, true)
	return nil
}

func (a *Appender) append(ctx context.Context) (int, error) {
	mark, err := a.store.AuditMark(ctx)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	recover := a.recover
	a.mu.Unlock()

	var (
		bundles []tlog.Bundle
		owners  []int // bundles[i] belongs to logged[owners[i]]
		logged  []candor.LoggedEntry
	)
	for e, err := range a.store.AuditEntries(ctx, mark.Seq) {
		if err != nil {
			return 0, err
		}
		bs := Bundles(e)
		if len(bundles) > 0 && len(bundles)+len(bs) > maxRound {
			break
		}
		for range bs {
			owners = append(owners, len(logged))
		}
		bundles = append(bundles, bs...)
		logged = append(logged, candor.LoggedEntry{Seq: e.Seq})
	}

	// After a crash or a failed round, some of these may be in the log
	// already, at or after the last size recorded.
	found := map[candor.BundleRef]uint64{}
	size := mark.Size
	if recover {
		err := a.log.Scan(ctx, mark.Size, func(index uint64, b *tlog.Bundle) error {
			found[refOf(b)] = index
			size = index + 1
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if len(bundles) == 0 {
		if recover {
			a.setMark(mark, false)
		}
		return 0, nil
	}
	var todo []tlog.Bundle
	var todoAt []int
	idx := make([]uint64, len(bundles))
	for i := range bundles {
		if at, ok := found[refOf(&bundles[i])]; ok {
			idx[i] = at
			continue
		}
		todo = append(todo, bundles[i])
		todoAt = append(todoAt, i)
	}
	if len(todo) > 0 {
		if a.held != nil && !a.held() { // lost the lease while reading
			return 0, a.follow(ctx)
		}
		got, err := a.log.AppendAll(ctx, todo)
		if err != nil {
			return 0, fmt.Errorf("audit: append %d bundles: %w", len(todo), err)
		}
		for j, i := range todoAt {
			idx[i] = got[j]
			size = max(size, got[j]+1)
		}
	}
	for i, o := range owners {
		logged[o].Indexes = append(logged[o].Indexes, idx[i])
	}
	next := candor.AuditMark{Seq: logged[len(logged)-1].Seq, Size: size}
	if err := a.store.MarkLogged(ctx, next, logged); err != nil {
		return 0, fmt.Errorf("audit: mark logged: %w", err)
	}
	if recover && len(found) > 0 {
		a.lg.Info("transparency log: recovered recorded commitments", "bundles_found_logged", len(bundles)-len(todo), "appended", len(todo), "through_commit", next.Seq)
	}
	a.setMark(next, false)
	return len(bundles), nil
}

func (a *Appender) setMark(m candor.AuditMark, recover bool) {
	a.mu.Lock()
	a.mark, a.recover = m, recover
	a.cond.Broadcast()
	a.mu.Unlock()
}

// ErrNotLogged is returned for an access record whose commitment is
// recorded but not logged yet.
var ErrNotLogged = candor.Errorf(candor.ENOTFOUND, "audit: the record is not in the log yet; try again in a second")

// LogIndex returns the log index of the bundle that holds the commitment
// at position pos among the commitments of one kind that commit seq
// recorded. It returns ErrNotLogged while the entry is not logged.
func LogIndex(ctx context.Context, store candor.AuditStore, seq uint64, kind candor.AuditKind, pos int) (uint64, error) {
	idx, err := store.LogIndexes(ctx, seq)
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return 0, ErrNotLogged
	}
	if err != nil {
		return 0, err
	}
	var entry *candor.AuditEntry
	for e, err := range store.AuditEntries(ctx, seq-1) {
		if err != nil {
			return 0, err
		}
		entry = e
		break
	}
	if entry == nil || entry.Seq != seq {
		return 0, fmt.Errorf("audit: commit %d is logged but its entry is missing from the store", seq)
	}
	for i, r := range entry.Bundles(tlog.MaxCommitments) {
		if r.Kind == kind && int(r.Part) == pos/tlog.MaxCommitments {
			if i >= len(idx) {
				break
			}
			return idx[i], nil
		}
	}
	return 0, errors.New("audit: no logged bundle holds that position")
}

// MaxLagCount bounds what Lag counts: a backlog larger than this is
// reported as this many commits.
const MaxLagCount = 100_000

// Lag returns how far the log is behind store: the commits recorded in
// the store whose entries are not logged yet, and their commitments (the
// log's future leaves), counted up to MaxLagCount commits. It reads the
// store's mark, so any node may ask, not only the one appending.
func Lag(ctx context.Context, store candor.AuditStore) (commits, commitments int, err error) {
	mark, err := store.AuditMark(ctx)
	if err != nil {
		return 0, 0, err
	}
	for e, err := range store.AuditEntries(ctx, mark.Seq) {
		if err != nil {
			return commits, commitments, err
		}
		commits++
		commitments += len(e.Write) + len(e.Access)
		if commits >= MaxLagCount {
			break
		}
	}
	return commits, commitments, nil
}
