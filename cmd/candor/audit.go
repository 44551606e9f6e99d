package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
	"k8s.io/klog/v2"
)

// logFlags are the transparency log's flags, taken by every command that
// opens the log.
type logFlags struct {
	origin, keyFile, witnessPolicy string
}

func (f *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.origin, "log-origin", env("CANDOR_LOG_ORIGIN", tlog.DefaultOrigin),
		"the transparency log's origin, its checkpoints' first line; it cannot change for a log (env CANDOR_LOG_ORIGIN)")
	fs.StringVar(&f.keyFile, "log-key-file", env("CANDOR_LOG_KEY_FILE", ""),
		"the log's checkpoint signing key, created with mode 0600 if absent (env CANDOR_LOG_KEY_FILE; default <data>.log.key, outside the data dir)")
	fs.StringVar(&f.witnessPolicy, "log-witness-policy", env("CANDOR_LOG_WITNESS_POLICY_FILE", ""),
		"file with a witness policy (tlog.Options.WitnessPolicy) to have checkpoints cosigned (env CANDOR_LOG_WITNESS_POLICY_FILE)")
}

// logDir is where the log of the data dir data lives: inside it, beside
// Pebble's files.
func logDir(data string) string { return filepath.Join(data, "log") }

var routeKlog sync.Once

// keyFile is the log's signer key file for the data dir data.
func (f *logFlags) keyPath(data string) string {
	if f.keyFile != "" {
		return f.keyFile
	}
	return filepath.Clean(data) + ".log.key"
}

// open opens the transparency log of the data dir data; if mustExist,
// its key file must exist (the log has published checkpoints). Tessera's
// own messages (klog) go to lg, as warnings and errors only.
func (f *logFlags) open(data string, lg *slog.Logger, mustExist bool) (*tlog.Log, error) {
	routeKlog.Do(func() {
		klog.SetSlogLogger(slog.New(levelFloor{lg.Handler(), slog.LevelWarn}).With("component", "tessera"))
	})
	opts := tlog.Options{Origin: f.origin, KeyFile: f.keyPath(data), KeyMustExist: mustExist}
	if f.witnessPolicy != "" {
		p, err := os.ReadFile(f.witnessPolicy)
		if err != nil {
			return nil, fmt.Errorf("witness policy: %w", err)
		}
		opts.WitnessPolicy = p
	}
	return tlog.Open(logDir(data), opts)
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
}

// errLogRefused prefixes the error of a start refused because the log
// lost or rewrote history.
const errLogRefused = "transparency log: refusing to start"

// startAudit opens inst's log, checks it against the store (refusing to
// start on a log that lost or rewrote history: nothing is appended to
// it), appends every commitment recorded but not logged before a crash,
// and starts the background appender and checkpoint keeper.
func startAudit(inst *installation, f logFlags, data string, lg *slog.Logger, held func() bool) (*auditService, error) {
	ctx := context.Background()
	kept, err := audit.KeptCheckpoint(ctx, inst.store)
	if err != nil {
		return nil, err
	}
	if kept != nil {
		// Tessera would start a new, empty log in its place.
		if _, err := os.Stat(filepath.Join(logDir(data), "checkpoint")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s holds no log, but the log had published checkpoints (the store keeps the last): the log was deleted; restore it from a copy, or replace it with candor audit recover", errLogRefused, logDir(data))
		}
	}
	l, err := f.open(data, lg, kept != nil)
	if err != nil {
		return nil, err
	}
	if vkey, err := audit.KeptVerifierKey(ctx, inst.store); err != nil || vkey != "" && vkey != l.VerifierKey() {
		l.Close()
		if err == nil {
			err = fmt.Errorf("%s: the key in %s is not the log's key %s, which the store kept at its first start: the key file was replaced; restore it", errLogRefused, f.keyPath(data), vkey)
		}
		return nil, err
	}
	start := time.Now()
	if err := checkLogAtStart(ctx, inst, l); err != nil {
		l.Close()
		return nil, err
	}
	keeper, err := audit.NewKeeper(ctx, inst.store, l, lg)
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
	a := audit.NewAppender(inst.store, l, lg, 0)
	a.OnlyWhile(held) // of nodes sharing the store and the log, one appends
	mark, err := a.Recover(ctx)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("transparency log: recovering recorded commitments: %w", err)
	}
	a.Start()
	keeper.Start(time.Second)
	access := audit.NewAccessLog(inst.store, inst.vault, func(int, error) { a.Kick() })
	lg.Info("transparency log open", "origin", l.Origin(), "verifier_key", l.VerifierKey(),
		"logged_through_commit", mark.Seq, "size", mark.Size, "took", time.Since(start).Round(time.Millisecond))
	return &auditService{log: l, appender: a, keeper: keeper, access: access}, nil
}

// checkLogAtStart checks the log, once it has published what it holds,
// from its files (tlog.Check) and against the store (audit.CheckStore),
// and returns an error naming every problem. A node starting beside
// others that append to the shared log can read the log before the store
// records what they appended since, so a disagreement counts only if it
// is still there on the third reading, a second apart.
func checkLogAtStart(ctx context.Context, inst *installation, l *tlog.Log) (err error) {
	for range 3 {
		if err = checkLogOnce(ctx, inst, l); err == nil || !errors.Is(err, errDisagree) {
			return err
		}
		time.Sleep(time.Second)
	}
	return err
}

// errDisagree marks checkLogOnce's error when the log and the store
// disagree.
var errDisagree = errors.New(errLogRefused)

func checkLogOnce(ctx context.Context, inst *installation, l *tlog.Log) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err := l.WaitPublished(wctx)
	cancel()
	if err != nil {
		return fmt.Errorf("transparency log: waiting for its checkpoint: %w", err)
	}
	st, err := tlog.Check(ctx, l, l.VerifierKey(), nil)
	if err != nil {
		return fmt.Errorf("%w: %w", errDisagree, err)
	}
	problems := slices.Clone(st.Problems)
	against, err := audit.CheckStore(ctx, inst.store, st, l.VerifierKey(), true)
	if err != nil {
		return err
	}
	problems = append(problems, against...)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the log in %s lost or altered history:\n  - %s\n(restore the log directory from a copy that passes candor audit verify-log, or replace the log with candor audit recover)",
		errDisagree, l.Dir(), strings.Join(problems, "\n  - "))
}

// health returns why the log and the store disagree, or nil.
func (s *auditService) health() error {
	return errors.Join(s.appender.Err(), s.keeper.Err())
}

// backfill records, once, the commitments of events stored before the data
// dir had a transparency log.
func backfill(inst *installation, lg *slog.Logger) error {
	ctx := context.Background()
	_, all, err := inst.published(ctx)
	if err != nil {
		return err
	}
	cards := make([]candor.ScorecardKey, len(all))
	for i, c := range all {
		cards[i] = c.Key()
	}
	start := time.Now()
	var n atomic.Int64
	did, err := audit.Backfill(ctx, inst.store, inst.vault, cards, func(events int) { n.Add(int64(events)) })
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
	err := errors.Join(s.access.Close(), s.appender.Close())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, werr := s.log.WaitCheckpoint(ctx, s.appender.Mark().Size); werr != nil {
		err = errors.Join(err, werr)
	}
	return errors.Join(err, s.keeper.Close(), s.log.Close())
}

const auditUsage = `Usage: candor audit verify [flags]
       candor audit verify-log --key KEY [flags] URL|PATH
       candor audit recover --reason TEXT --confirm [flags]

verify checks, with the server stopped, that every event, materialised
match and access record in the store has its commitment in the
transparency log, that the log holds nothing the store lost, that the log
matches its signed checkpoint (every hash tile recomputed from the
entries), that it is no smaller than and consistent with the last
checkpoint the store kept and, with --from-checkpoint, with a checkpoint
saved earlier (from /log/checkpoint, or by --save-checkpoint). It needs
the store and its master key, never the log's private key, and creates
no file but --save-checkpoint.

verify-log checks a log as anyone can, with nothing but its verifier key
(GET /.well-known/candor-log-key, or the operator's publication): the
checkpoint's signature, every entry bundle well formed, every hash tile
recomputed from the entries, the checkpoint's root and, with
--from-checkpoint (repeatable), consistency with checkpoints saved
earlier. URL is the log's prefix (https://HOST/log/); PATH is a log
directory or a data dir.

Both exit with status 1 if anything is wrong, naming every problem.

recover --reason TEXT --confirm, with the server stopped, is for a log
that lost or altered history, which serve refuses to start on: it moves
the log aside (<data>/log.lost-<time>), records in the store when, why
and what was wrong, and makes the next start append every recorded
commitment to a new log, in the order it was recorded. If the store
holds every entry the old log had, the new log is the same tree and
consistent with the old one's checkpoints; if not, anyone holding one
sees that it is not. Without --confirm it only says what it would do.
`

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runAuditVerify(ctx, args[1:], stdout, stderr)
		case "verify-log":
			return runVerifyLog(ctx, args[1:], stdout, stderr)
		case "recover":
			return runAuditRecover(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprint(stderr, auditUsage)
	return flag.ErrHelp
}

// checkpointFlags are the flags that compare a log with saved checkpoints.
type checkpointFlags struct {
	from []string
	save string
}

func (f *checkpointFlags) register(fs *flag.FlagSet, many bool) {
	usage := "a checkpoint of this log saved earlier: the log must be consistent with it"
	if many {
		usage += " (repeatable)"
	}
	fs.Func("from-checkpoint", usage, func(v string) error {
		if !many && len(f.from) > 0 {
			return errors.New("given twice")
		}
		f.from = append(f.from, v)
		return nil
	})
	fs.StringVar(&f.save, "save-checkpoint", "", "write the log's checkpoint to this file once verified, for the next --from-checkpoint")
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var lf logFlags
	lf.register(fs)
	var cf checkpointFlags
	cf.register(fs, false)
	pub := fs.String("log-public-key", "", "the log's verifier key (default: the one the store kept at the log's first start, else derived from --log-key-file, which is only read)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var old []byte
	if len(cf.from) > 0 {
		var err error
		if old, err = os.ReadFile(cf.from[0]); err != nil {
			return err
		}
	}
	lg := newLogger(stderr, "text", slog.LevelWarn)
	inst, err := sf.openExisting(lg)
	if err != nil {
		return err
	}
	defer inst.store.Close()
	vkey, err := verifierKey(ctx, inst, lf, *pub)
	if err != nil {
		return err
	}
	sets, err := inst.scorecardSets(ctx)
	if err != nil {
		return err
	}
	var cards []candor.ScorecardKey
	for _, c := range sets.all {
		cards = append(cards, c.Key())
	}
	complete := make([]audit.CompleteCard, len(sets.serve))
	for i, c := range sets.serve {
		complete[i] = c
	}
	start := time.Now()
	pl := audit.PublicLog{Source: tlog.DirSource(logDir(inst.data)), Key: vkey}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: inst.store, Vault: inst.vault, Log: pl, Cards: cards, Complete: complete, OldCheckpoint: old})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "log %s: %d entries (bundles), %d commitments, checkpoint size %d\n", strings.SplitN(vkey, "+", 2)[0], r.Bundles, r.Commitments, r.Size)
	fmt.Fprintf(stdout, "store: %d subjects, %d events, %d matches, %d access records; %d commitments recorded but not logged yet, %d logged but not yet in a checkpoint\n",
		r.Subjects, r.Events, r.Matches, r.AccessRecords, r.Pending, r.Unpublished)
	if old != nil && r.Consistent {
		fmt.Fprintf(stdout, "consistent with the checkpoint in %s\n", cf.from[0])
	}
	for _, p := range r.Problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	if _, err := inst.store.GetMeta(ctx, audit.MetaBackfilled); candor.ErrorCode(err) == candor.ENOTFOUND && r.Events > 0 {
		fmt.Fprintln(stdout, "note: this data dir has not been served with a transparency log yet, so events stored before it have no commitments; run candor serve once to record them")
	}
	if !r.OK() {
		return fmt.Errorf("audit verify: %d problems (took %s)", r.ProblemCount, time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "OK (took %s)\n", time.Since(start).Round(time.Millisecond))
	return saveCheckpoint(ctx, cf.save, pl)
}

func runAuditRecover(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit recover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var lf logFlags
	lf.register(fs)
	reason := fs.String("reason", "", "why the log is being replaced (kept in the store for good)")
	confirm := fs.Bool("confirm", false, "do it (without it, only say what would be done)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	lg := newLogger(stderr, "text", slog.LevelInfo)
	inst, err := sf.openExisting(lg)
	if err != nil {
		return err
	}
	defer inst.store.Close()
	vkey, err := verifierKey(ctx, inst, lf, "")
	if err != nil {
		return err
	}
	dir := logDir(inst.data)
	var problems []string
	st, err := tlog.Check(ctx, tlog.DirSource(dir), vkey, nil)
	if err != nil {
		problems = append(problems, err.Error())
		st = &tlog.State{}
	}
	problems = append(problems, st.Problems...)
	against, err := audit.CheckStore(ctx, inst.store, st, vkey, false)
	if err != nil {
		return err
	}
	problems = append(problems, against...)
	if len(problems) == 0 {
		fmt.Fprintf(stdout, "the log in %s passes its checks against the store: nothing to recover\n", dir)
		return nil
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	aside := fmt.Sprintf("%s.lost-%s", dir, time.Now().UTC().Format("20060102T150405Z"))
	if !*confirm {
		fmt.Fprintf(stdout, "recover would move %s to %s and have the next start append every recorded commitment to a new log\n", dir, aside)
		return errors.New("audit recover: add --reason and --confirm to do it")
	}
	if strings.TrimSpace(*reason) == "" {
		return errors.New("audit recover: --reason is required: it is kept in the store for good")
	}
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, aside); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "moved the old log to %s\n", aside)
	}
	if err := audit.StartOver(ctx, inst.store, *reason, problems, time.Now()); err != nil {
		return err
	}
	lg.Warn("transparency log recovery: the next start appends every recorded commitment to a new log", "reason", *reason, "problems", len(problems), "old_log", aside)
	fmt.Fprintln(stdout, "recorded; the next candor serve starts a new log from the store")
	return nil
}

// verifierKey is the log's verifier key for an operator's check: given,
// kept in the store, or derived from the signer key file (read only; a
// missing file is an error, never created).
func verifierKey(ctx context.Context, inst *installation, lf logFlags, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	kept, err := audit.KeptVerifierKey(ctx, inst.store)
	if err != nil || kept != "" {
		return kept, err
	}
	vkey, err := tlog.ReadVerifierKey(lf.keyPath(inst.data))
	if err != nil {
		return "", fmt.Errorf("the log's verifier key: the store kept none and %w; give --log-public-key", err)
	}
	return vkey, nil
}

func saveCheckpoint(ctx context.Context, path string, src tlog.Source) error {
	if path == "" {
		return nil
	}
	raw, err := src.ReadFile(ctx, "checkpoint")
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

func runVerifyLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify-log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the log's verifier key, as published (<origin>+<hash>+<key>)")
	keyFile := fs.String("key-file", "", "a file holding the log's verifier key")
	var cf checkpointFlags
	cf.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, auditUsage)
		return errors.New("audit verify-log: want one URL or PATH")
	}
	vkey := *key
	if *keyFile != "" {
		data, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		vkey = strings.TrimSpace(string(data))
	}
	if vkey == "" {
		return errors.New("audit verify-log: give the log's verifier key (--key or --key-file) as the operator publishes it; a key fetched from the log being checked proves nothing")
	}
	var olds [][]byte
	for _, f := range cf.from {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		olds = append(olds, data)
	}
	src := logSource(fs.Arg(0))
	start := time.Now()
	st, err := tlog.Check(ctx, src, vkey, nil)
	if err != nil {
		fmt.Fprintln(stdout, "PROBLEM:", err)
		return fmt.Errorf("audit verify-log: the log cannot be checked")
	}
	fmt.Fprintf(stdout, "log %s: checkpoint size %d; %d entries (bundles) well formed, %d commitments; %d hash tiles recomputed from the entries\n",
		strings.SplitN(vkey, "+", 2)[0], st.Size, st.Bundles, st.Commitments, st.Tiles)
	problems := st.ProblemCount
	for _, p := range st.Problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	for i, old := range olds {
		if err := st.Consistent(old, vkey); err != nil {
			problems++
			fmt.Fprintf(stdout, "PROBLEM: %s: %v\n", cf.from[i], err)
		} else {
			fmt.Fprintf(stdout, "consistent with the checkpoint in %s\n", cf.from[i])
		}
	}
	if problems > 0 {
		return fmt.Errorf("audit verify-log: %d problems (took %s)", problems, time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "OK (took %s)\n", time.Since(start).Round(time.Millisecond))
	return saveCheckpoint(ctx, cf.save, src)
}

// logSource reads a log at a URL prefix, in a log directory, or in the
// log directory of a data dir.
func logSource(arg string) tlog.Source {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return tlog.HTTPSource{Prefix: arg, Client: &http.Client{Timeout: time.Minute}}
	}
	if _, err := os.Stat(filepath.Join(arg, "checkpoint")); err != nil {
		if _, err := os.Stat(filepath.Join(logDir(arg), "checkpoint")); err == nil {
			return tlog.DirSource(logDir(arg))
		}
	}
	return tlog.DirSource(arg)
}
