package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// open opens the transparency log of the data dir data. Tessera's own
// messages (klog) go to lg, as warnings and errors only.
func (f *logFlags) open(data string, lg *slog.Logger) (*tlog.Log, error) {
	routeKlog.Do(func() {
		klog.SetSlogLogger(slog.New(levelFloor{lg.Handler(), slog.LevelWarn}).With("component", "tessera"))
	})
	opts := tlog.Options{Origin: f.origin, KeyFile: f.keyFile}
	if opts.KeyFile == "" {
		opts.KeyFile = filepath.Clean(data) + ".log.key"
	}
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

// auditService is the transparency log of a running server and its
// appender.
type auditService struct {
	log      *tlog.Log
	appender *audit.Appender
	access   *audit.AccessLog
}

// startAudit opens inst's log, appends every commitment recorded but not
// logged before a crash, and starts the background appender.
func startAudit(inst *installation, f logFlags, data string, lg *slog.Logger) (*auditService, error) {
	l, err := f.open(data, lg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := backfill(inst, lg); err != nil {
		l.Close()
		return nil, err
	}
	a := audit.NewAppender(inst.store, l, lg, 0)
	mark, err := a.Recover(context.Background())
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("transparency log: recovering recorded commitments: %w", err)
	}
	a.Start()
	access := audit.NewAccessLog(inst.store, inst.vault, func(int, error) { a.Kick() })
	lg.Info("transparency log open", "origin", l.Origin(), "verifier_key", l.VerifierKey(),
		"logged_through_commit", mark.Seq, "size", mark.Size, "took", time.Since(start).Round(time.Millisecond))
	return &auditService{log: l, appender: a, access: access}, nil
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

// close stops recording reads, logs what is recorded and closes the log.
func (s *auditService) close() error {
	if s == nil {
		return nil
	}
	return errors.Join(s.access.Close(), s.appender.Close(), s.log.Close())
}

const auditUsage = `Usage: candor audit verify [flags]

verify checks, with the server stopped, that every event, materialised
match and access record in the store has its commitment in the
transparency log, that the log holds nothing the store lost, that the log
matches its signed checkpoint and, with --from-checkpoint, that the log is
consistent with a checkpoint saved earlier (from /log/checkpoint, or by
--save-checkpoint). It exits with status 1 if anything is wrong.
`

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var lf logFlags
	lf.register(fs)
	from := fs.String("from-checkpoint", "", "a checkpoint of this log saved earlier: the log must be consistent with it")
	save := fs.String("save-checkpoint", "", "write the log's current checkpoint to this file once verified, for the next --from-checkpoint")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var old []byte
	if *from != "" {
		var err error
		if old, err = os.ReadFile(*from); err != nil {
			return err
		}
	}
	lg := newLogger(stderr, "text", slog.LevelWarn)
	inst, err := sf.open(lg)
	if err != nil {
		return err
	}
	defer inst.store.Close()
	_, all, err := inst.published(ctx)
	if err != nil {
		return err
	}
	var cards []candor.ScorecardKey
	for _, c := range all {
		cards = append(cards, c.Key())
	}
	l, err := lf.open(inst.data, lg)
	if err != nil {
		return err
	}
	defer l.Close()
	start := time.Now()
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: inst.store, Vault: inst.vault, Log: l, Cards: cards, OldCheckpoint: old})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "log %s: %d entries (bundles), %d commitments, checkpoint size %d\n", l.Origin(), r.Bundles, r.Commitments, r.Size)
	fmt.Fprintf(stdout, "store: %d subjects, %d events, %d matches, %d access records; %d commitments recorded but not logged yet\n",
		r.Subjects, r.Events, r.Matches, r.AccessRecords, r.Pending)
	if old != nil && r.Consistent {
		fmt.Fprintf(stdout, "consistent with the checkpoint in %s\n", *from)
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
	if *save != "" {
		raw, _, _, err := l.Checkpoint(ctx)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*save, raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}
