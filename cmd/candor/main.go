package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/bench"
	"github.com/candor-project/candor/internal/cmalloc"
)

const usage = `candor: profiles, facts and ratings that people can see, understand and contest.

Usage: candor <command> [flags]

Commands:
  demo                 load a synthetic population through the real ingestion path, then serve it
  serve                run the API server
  import FILE...       ingest NDJSON or CSV files as a source
  source add|list|key|revoke
                       manage data sources and their API keys
  rp add|list|key|revoke
                       manage relying parties (who may ask for decisions) and their API keys
  operator key NAME    make an operator API key
  reviewer key NAME    make an API key for a person who reviews decisions
  analyst key NAME     make an API key for a person who asks for statistics (differentially private, from a budget)
  subject key SUBJECT  make an API key for a subject, for the /v1/me API (the portal has its own sign-in)
  policy key NAME      make a policy administrator's API key (after the first two: requested by one
                       administrator, approved by a second with policy approve-key)
  policy approve-key|revoke-key|acts
                       approve or revoke an administrator's key; list every administrative act
  policy propose|approve|list
                       propose, approve (a second administrator) and list scorecard versions
  policy audit ID VERSION --sample F --protected F
                       audit a proposed version for fairness and record the summary (a fitted
                       credit or rental version is approved only once audited)
  score SUBJECT        explain a subject's scores (SUBJECT: an ID or scheme:value)
  policy simulate FILE the grade migration matrix if FILE replaced the published scorecard
  policy diff A B      what changes between two scorecards (published IDs or files)
  fit FILE.csv         fit a scorecard to outcomes; write it with a validation report (--audit: fairness)
  features             characteristic values of listed subjects, for candor fit (reads recorded: model_development)
  audit verify         check the store against the transparency log, offline
  verify CREDENTIAL    verify a credential (text, file or QR image) offline, in plain words
  purge                delete the facts past their retention, offline (candor serve does it daily)
  keys upgrade         move the data keys of a store of an earlier build into the keyring
  keys rotate          rewrap every data key under a new wrapping key, retire the old (resumable)
  keys sweep           delete keys of subjects the store does not hold (servers stopped)
  keys backup DIR      copy the keyring, deleting copies older than --keyring-retention (35 days)
  backup DIR           an online backup of a running server's store and log (--server, --key-file);
                       on PostgreSQL of the log only: back up the database after it
  restore DIR          a backup into an empty data dir, offline, with today's keyring
  restore DIR --store URL  the log's backup beside a PostgreSQL database restored from a later
                       backup: the log caught up with it, then the erasures applied again
  restore --store URL  after a PostgreSQL restore: apply again the erasures made since its backup
  bench rescore        rescore the whole population against a raw Pebble scan
  bench ingest         measure the ingestion pipeline against a raw Pebble baseline
  bench decisions      load POST /v1/decisions against a trivial JSON handler on the same server

Every command takes --data (env CANDOR_DATA, default ./candor-data),
--master-key-file (env CANDOR_MASTER_KEY_FILE, default <data>.master.key) and
--keyring (env CANDOR_KEYRING, default <data>.keyring).
Run "candor <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "candor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Built with cgo, Pebble's cache is C memory: cmalloc's constructor
	// limited glibc's arenas when the binary was loaded; an operator's
	// MALLOC_ARENA_MAX that glibc would ignore is refused here.
	if _, err := cmalloc.Limit(os.Getenv); err != nil {
		return err
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "source":
		return runSource(ctx, rest, stdout, stderr)
	case "rp":
		return runRelyingParty(ctx, rest, stdout, stderr)
	case "reviewer":
		return runRoleKey(ctx, candor.RoleReviewer, "reviewer", rest, stdout, stderr)
	case "analyst":
		return runRoleKey(ctx, candor.RoleAnalyst, "analyst", rest, stdout, stderr)
	case "subject":
		return runRoleKey(ctx, candor.RoleSubject, "subject", rest, stdout, stderr)
	case "operator":
		return runRoleKey(ctx, candor.RoleOperator, "operator", rest, stdout, stderr)
	case "policy":
		return runPolicy(ctx, rest, stdout, stderr)
	case "score":
		return runScore(ctx, rest, stdout, stderr)
	case "fit":
		return runFit(rest, stdout, stderr)
	case "features":
		return runFeatures(ctx, rest, stdout, stderr)
	case "bench":
		return bench.Run(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "purge":
		return runPurge(ctx, rest, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "verify":
		return runVerify(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
