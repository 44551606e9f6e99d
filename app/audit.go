package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
	"k8s.io/klog/v2"
)

// LogDir is where the log of the data dir data lives: inside it, beside
// Pebble's files.
func LogDir(data string) string { return filepath.Join(data, "log") }

var routeKlog sync.Once

// KeyPath is the log's signer key file for the data dir data.
func (f TLogConfig) KeyPath(data string) string {
	if f.KeyFile != "" {
		return f.KeyFile
	}
	return filepath.Clean(data) + ".log.key"
}

// Open opens the transparency log of the data dir data; if mustExist,
// its key file must exist (the log has published checkpoints). Tessera's
// own messages (klog) go to lg, as warnings and errors only (those of
// every log the process opens go to the first one's lg).
func (f TLogConfig) Open(data string, lg *slog.Logger, mustExist bool) (*tlog.Log, error) {
	routeKlog.Do(func() {
		klog.SetSlogLogger(slog.New(levelFloor{lg.Handler(), slog.LevelWarn}).With("component", "tessera"))
	})
	opts := tlog.Options{Origin: f.Origin, KeyFile: f.KeyPath(data), KeyMustExist: mustExist}
	if f.WitnessPolicyFile != "" {
		p, err := os.ReadFile(f.WitnessPolicyFile)
		if err != nil {
			return nil, fmt.Errorf("witness policy: %w", err)
		}
		opts.WitnessPolicy = p
	}
	return tlog.Open(LogDir(data), opts)
}

// levelFloor drops records below a level, whatever the handler's own.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// auditService is the transparency log of a running server, its
// appender and the keeper of its checkpoints in the store.
type auditService struct {
	log      *tlog.Log
	appender *audit.Appender
	keeper   *audit.Keeper
	access   *audit.AccessLog
	checker  *logChecker
}

// errLogRefused prefixes the error of a start refused because the log
// lost or rewrote history.
const errLogRefused = "transparency log: refusing to start"

// startAudit opens inst's log, checks it against the store (refusing to
// start on a log that lost or rewrote history: nothing is appended to
// it), appends every commitment recorded but not logged before a crash,
// and starts the background appender and checkpoint keeper.
func startAudit(inst *Installation, f TLogConfig, data string, lg *slog.Logger, held func() bool) (*auditService, error) {
	ctx := context.Background()
	kept, err := audit.KeptCheckpoint(ctx, inst.Store)
	if err != nil {
		return nil, err
	}
	if kept != nil {
		// Tessera would start a new, empty log in its place.
		if _, err := os.Stat(filepath.Join(LogDir(data), "checkpoint")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s holds no log, but the log had published checkpoints (the store keeps the last): the log was deleted; restore it from a copy, or replace it with candor audit recover", errLogRefused, LogDir(data))
		}
	}
	l, err := f.Open(data, lg, kept != nil)
	if err != nil {
		return nil, err
	}
	if vkey, err := audit.KeptVerifierKey(ctx, inst.Store); err != nil || vkey != "" && vkey != l.VerifierKey() {
		l.Close()
		if err == nil {
			err = fmt.Errorf("%s: the key in %s is not the log's key %s, which the store kept at its first start: the key file was replaced; restore it", errLogRefused, f.KeyPath(data), vkey)
		}
		return nil, err
	}
	start := time.Now()
	checker := newLogChecker(inst, l, lg, 0)
	whole, err := checkLogAtStart(ctx, inst, l, lg)
	if err != nil {
		l.Close()
		return nil, err
	}
	if v, _ := audit.KeptVerified(ctx, inst.Store, l); v != nil {
		checker.verified = v.Size
	}
	keeper, err := audit.NewKeeper(ctx, inst.Store, l, lg)
	if err == nil {
		err = keeper.Keep(ctx)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("transparency log: %w", err)
	}
	if err := backfill(inst, lg); err != nil {
		l.Close()
		return nil, err
	}
	a := audit.NewAppender(inst.Store, l, lg, 0)
	// Of nodes sharing the store and the log, one appends; and none to a
	// log the background check found damaged.
	a.OnlyWhile(func() bool { return held() && checker.Err() == nil })
	mark, err := a.Recover(ctx)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("transparency log: recovering recorded commitments: %w", err)
	}
	a.Start()
	keeper.Start(time.Second)
	checker.start(!whole)
	access := audit.NewAccessLog(inst.Store, inst.Vault, func(int, error) { a.Kick() })
	lg.Info("transparency log open", "origin", l.Origin(), "verifier_key", l.VerifierKey(),
		"logged_through_commit", mark.Seq, "size", mark.Size, "checked_whole", whole, "took", time.Since(start).Round(time.Millisecond))
	return &auditService{log: l, appender: a, keeper: keeper, access: access, checker: checker}, nil
}

// checkLogAtStart checks the log, once it has published what it holds,
// and returns an error naming every problem, and whether it checked the
// log whole. If the store keeps a Verified mark signed with the log's
// key, it checks only what the log appended since (audit.CheckSince:
// O(log n) tiles and the entries since), so that a start does not grow
// with the log, and leaves the whole check to the background
// (logChecker); without one, or if that check fails, it checks the log
// whole from its files (tlog.Check) and against the store
// (audit.CheckStore). Either way it keeps the mark the check earned.
//
// A node starting beside others that append to the shared log can read
// the log before the store records what they appended since, so a
// disagreement found by the whole check counts only if it is still there
// on the third reading, a second apart.
func checkLogAtStart(ctx context.Context, inst *Installation, l *tlog.Log, lg *slog.Logger) (whole bool, err error) {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = l.WaitPublished(wctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("transparency log: waiting for its checkpoint: %w", err)
	}
	v, err := audit.KeptVerified(ctx, inst.Store, l)
	switch {
	case errors.Is(err, audit.ErrBadMark):
		lg.Warn("transparency log: ignoring the store's verified mark; checking the log whole", "err", err)
	case err != nil:
		return false, err
	case v != nil:
		problems, next, err := audit.CheckSince(ctx, inst.Store, l, *v, true, false)
		if err != nil {
			return false, err
		}
		if len(problems) == 0 {
			return false, audit.KeepVerified(ctx, inst.Store, l, next)
		}
		lg.Warn("transparency log: what it appended since it was last checked does not check; checking it whole", "problems", problems)
	}
	for range 3 {
		if err = checkLogOnce(ctx, inst, l); err == nil || !errors.Is(err, errDisagree) {
			return true, err
		}
		time.Sleep(time.Second)
	}
	return true, err
}

// errDisagree marks checkLogOnce's error when the log and the store
// disagree.
var errDisagree = errors.New(errLogRefused)

// checkLogOnce checks the log whole and keeps the mark it earns.
func checkLogOnce(ctx context.Context, inst *Installation, l *tlog.Log) error {
	problems, next, err := audit.CheckWhole(ctx, inst.Store, l, true, false)
	if err != nil {
		return fmt.Errorf("%w: %w", errDisagree, err)
	}
	if len(problems) == 0 {
		return audit.KeepVerified(ctx, inst.Store, l, next)
	}
	return fmt.Errorf("%w: the log in %s lost or altered history:\n  - %s\n(restore the log directory from a copy that passes candor audit verify-log, or replace the log with candor audit recover)",
		errDisagree, l.Dir(), strings.Join(problems, "\n  - "))
}

// health returns why the log and the store disagree, or nil.
func (s *auditService) health() error {
	return errors.Join(s.appender.Err(), s.keeper.Err(), s.checker.Err())
}

// backfill records, once, the commitments of events stored before the data
// dir had a transparency log.
func backfill(inst *Installation, lg *slog.Logger) error {
	ctx := context.Background()
	_, all, err := inst.Published(ctx)
	if err != nil {
		return err
	}
	cards := make([]candor.ScorecardKey, len(all))
	for i, c := range all {
		cards[i] = c.Key()
	}
	start := time.Now()
	var n atomic.Int64
	did, err := audit.Backfill(ctx, inst.Store, inst.Vault, cards, func(events int) { n.Add(int64(events)) })
	if err != nil {
		return err
	}
	if did {
		lg.Info("transparency log: recorded the commitments of the events stored before it", "events", n.Load(), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// close stops recording reads, logs what is recorded, keeps the
// checkpoint covering it and closes the log.
func (s *auditService) close() error {
	if s == nil {
		return nil
	}
	s.checker.stop()
	err := errors.Join(s.access.Close(), s.appender.Close())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, werr := s.log.WaitCheckpoint(ctx, s.appender.Mark().Size); werr != nil {
		err = errors.Join(err, werr)
	} else {
		s.checker.final(ctx)
	}
	return errors.Join(err, s.keeper.Close(), s.log.Close())
}

// VerifierKey is the log's verifier key for an operator's check: given,
// kept in the store, or derived from the signer key file (read only; a
// missing file is an error, never created).
func (inst *Installation) VerifierKey(ctx context.Context, lf TLogConfig, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	kept, err := audit.KeptVerifierKey(ctx, inst.Store)
	if err != nil || kept != "" {
		return kept, err
	}
	vkey, err := tlog.ReadVerifierKey(lf.KeyPath(inst.Data))
	if err != nil {
		return "", fmt.Errorf("the log's verifier key: the store kept none and %w; give --log-public-key", err)
	}
	return vkey, nil
}

// Audit is the transparency log of a command that reads sealed data
// outside a node (candor features), so that the reads it records are
// logged.
type Audit struct {
	lease *jobs
	svc   *auditService
}

// OpenAudit opens inst's transparency log as a node does: it checks the
// log against the store and logs what is recorded, appending under the
// jobs' lease (a server sharing the store may hold it: it logs the
// records then).
func OpenAudit(inst *Installation, cfg TLogConfig, lg *slog.Logger) (*Audit, error) {
	lease := singletonLease(inst, lg, DefaultLeaseTTL)
	svc, err := startAudit(inst, cfg, inst.Data, lg, lease.held)
	if err != nil {
		lease.release()
		return nil, err
	}
	return &Audit{lease: lease, svc: svc}, nil
}

// Access is where reads are recorded.
func (a *Audit) Access() *audit.AccessLog { return a.svc.access }

// Close logs what is recorded, closes the log and releases the lease.
func (a *Audit) Close() error {
	err := a.svc.close()
	a.lease.release()
	return err
}
