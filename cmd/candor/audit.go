package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/tlog"
)

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
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.TLogSettings)
	var cf checkpointFlags
	cf.register(fs, false)
	pub := fs.String("log-public-key", "", "the log's verifier key (default: the one the store kept at the log's first start, else derived from --log-key-file, which is only read)")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	var old []byte
	if len(cf.from) > 0 {
		var err error
		if old, err = os.ReadFile(cf.from[0]); err != nil {
			return err
		}
	}
	lg := app.NewLogger(stderr, "text", slog.LevelWarn)
	inst, err := app.OpenExisting(cfg.Store, lg)
	if err != nil {
		return err
	}
	defer inst.Close()
	vkey, err := inst.VerifierKey(ctx, cfg.TLog, *pub)
	if err != nil {
		return err
	}
	sets, err := inst.ScorecardSets(ctx)
	if err != nil {
		return err
	}
	var cards []candor.ScorecardKey
	for _, c := range sets.All {
		cards = append(cards, c.Key())
	}
	complete := make([]audit.CompleteCard, len(sets.Serve))
	for i, c := range sets.Serve {
		complete[i] = c
	}
	start := time.Now()
	pl := audit.PublicLog{Source: tlog.DirSource(app.LogDir(inst.Data)), Key: vkey}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: inst.Store, Vault: inst.Vault, Log: pl, Cards: cards, Complete: complete, OldCheckpoint: old})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "log %s: %d entries (bundles), %d commitments, checkpoint size %d\n", strings.SplitN(vkey, "+", 2)[0], r.Bundles, r.Commitments, r.Size)
	fmt.Fprintf(stdout, "store: %d subjects, %d events, %d matches, %d access records, %d link records; %d commitments recorded but not logged yet, %d logged but not yet in a checkpoint\n",
		r.Subjects, r.Events, r.Matches, r.AccessRecords, r.Links, r.Pending, r.Unpublished)
	if old != nil && r.Consistent {
		fmt.Fprintf(stdout, "consistent with the checkpoint in %s\n", cf.from[0])
	}
	for _, p := range r.Problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	if _, err := inst.Store.GetMeta(ctx, audit.MetaBackfilled); candor.ErrorCode(err) == candor.ENOTFOUND && r.Events > 0 {
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
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.TLogSettings)
	reason := fs.String("reason", "", "why the log is being replaced (kept in the store for good)")
	confirm := fs.Bool("confirm", false, "do it (without it, only say what would be done)")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	lg := app.NewLogger(stderr, "text", slog.LevelInfo)
	inst, err := app.OpenExisting(cfg.Store, lg)
	if err != nil {
		return err
	}
	defer inst.Close()
	vkey, err := inst.VerifierKey(ctx, cfg.TLog, "")
	if err != nil {
		return err
	}
	dir := app.LogDir(inst.Data)
	var problems []string
	st, err := tlog.Check(ctx, tlog.DirSource(dir), vkey, nil)
	if err != nil {
		problems = append(problems, err.Error())
		st = &tlog.State{}
	}
	problems = append(problems, st.Problems...)
	against, err := audit.CheckStore(ctx, inst.Store, st, vkey, false)
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
	if err := audit.StartOver(ctx, inst.Store, *reason, problems, time.Now()); err != nil {
		return err
	}
	lg.Warn("transparency log recovery: the next start appends every recorded commitment to a new log", "reason", *reason, "problems", len(problems), "old_log", aside)
	fmt.Fprintln(stdout, "recorded; the next candor serve starts a new log from the store")
	return nil
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
	if err := app.ParseFlags(fs, args); err != nil {
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
		if _, err := os.Stat(filepath.Join(app.LogDir(arg), "checkpoint")); err == nil {
			return tlog.DirSource(app.LogDir(arg))
		}
	}
	return tlog.DirSource(arg)
}
