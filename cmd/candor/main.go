package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
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
  subject key SUBJECT  make an API key for a subject, for the /v1/me API (the portal has its own sign-in)
  policy key NAME      make a policy administrator's API key (after the first two: requested by one
                       administrator, approved by a second with policy approve-key)
  policy approve-key|revoke-key|acts
                       approve or revoke an administrator's key; list every administrative act
  policy propose|approve|list
                       propose, approve (a second administrator) and list scorecard versions
  score SUBJECT        explain a subject's scores (SUBJECT: an ID or scheme:value)
  policy simulate FILE the grade migration matrix if FILE replaced the published scorecard
  policy diff A B      what changes between two scorecards (published IDs or files)
  fit FILE.csv         fit a scorecard to outcomes; write it with a validation report (--audit: fairness)
  features             characteristic values of listed subjects, for candor fit (reads recorded: model_development)
  audit verify         check the store against the transparency log, offline
  verify CREDENTIAL    verify a credential (text, file or QR image) offline, in plain words
  purge                delete the facts past their retention, offline (candor serve does it daily)
  bench rescore        rescore the whole population against a raw Pebble scan
  bench ingest         measure the ingestion pipeline against a raw Pebble baseline
  bench decisions      load POST /v1/decisions against a trivial JSON handler on the same server

Every command takes --data (env CANDOR_DATA, default ./candor-data) and
--master-key-file (env CANDOR_MASTER_KEY_FILE, default <data>.master.key).
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
		return runBench(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "purge":
		return runPurge(ctx, rest, stdout, stderr)
	case "verify":
		return runVerify(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// envInUsage finds the variable a flag's usage names: "(env CANDOR_X".
var envInUsage = regexp.MustCompile(`\(env (CANDOR_[A-Z0-9_]+)`)

// parseFlags sets each flag of fs whose usage names a CANDOR_* variable
// from that variable, if it is set and not empty, then parses args over
// them, so that the command line wins. A variable's value goes through its
// flag's own parser: a bad one is an error naming the variable, never a
// silent default.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || bad != nil {
			return
		}
		if v := os.Getenv(m[1]); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				bad = fmt.Errorf("%s=%q: %v (for --%s)", m[1], v, err, f.Name)
			}
		}
	})
	if bad != nil {
		return bad
	}
	return fs.Parse(args)
}

// env returns the value of the environment variable name, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// storeFlags are the flags every command that opens the data dir takes.
type storeFlags struct {
	data, store, keyFile, catalogue string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", env("CANDOR_DATA", "./candor-data"), "data directory (env CANDOR_DATA)")
	fs.StringVar(&f.store, "store", env("CANDOR_STORE", ""),
		"a postgres:// URL to keep the data in PostgreSQL, shared by every node; empty: the embedded store in the data directory, which then holds only the log's tiles and default key files (env CANDOR_STORE)")
	fs.StringVar(&f.keyFile, "master-key-file", env("CANDOR_MASTER_KEY_FILE", ""),
		"master key file, created with mode 0600 if absent (env CANDOR_MASTER_KEY_FILE; default <data>.master.key, outside the data dir)")
	fs.StringVar(&f.catalogue, "catalogue", env("CANDOR_CATALOGUE", ""), "event-type catalogue file replacing the shipped one (env CANDOR_CATALOGUE)")
}

// installation is an opened data dir: store, vault and catalogue.
type installation struct {
	data  string // the data dir
	store candor.Store
	vault *vault.Vault
	cat   *candor.Catalogue
}

// open opens the data dir, creating the store and the master key file if
// there are none.
func (f *storeFlags) open(log *slog.Logger) (*installation, error) {
	return f.openWith(log, vault.LoadOrCreateKey, pebble.Options{Logger: log})
}

// openExisting opens the data dir as open does, but creates nothing: a
// missing master key file or store is an error naming it. Commands that
// check or repair an installation use it.
func (f *storeFlags) openExisting(log *slog.Logger) (*installation, error) {
	return f.openWith(log, vault.LoadKey, pebble.Options{Logger: log, MustExist: true})
}

func (f *storeFlags) openWith(log *slog.Logger, loadKey func(string) ([]byte, error), opts pebble.Options) (*installation, error) {
	keyFile := f.keyFile
	if keyFile == "" {
		keyFile = filepath.Clean(f.data) + ".master.key"
	}
	master, err := loadKey(keyFile)
	if err != nil {
		return nil, err
	}
	v, err := vault.New(master)
	if err != nil {
		return nil, err
	}
	cat := catalogue.Default()
	if f.catalogue != "" {
		if cat, err = catalogue.LoadFile(f.catalogue); err != nil {
			return nil, err
		}
	}
	st, err := f.openStore(log, opts)
	if err != nil {
		return nil, err
	}
	if err := candor.CheckCapabilities(st); err != nil {
		st.Close()
		return nil, err
	}
	return &installation{data: f.data, store: st, vault: v, cat: cat}, nil
}

// openStore opens the store --store names: PostgreSQL for a postgres://
// URL, otherwise Pebble in the data dir (opts). Errors do not repeat the
// URL, which may hold a password.
func (f *storeFlags) openStore(log *slog.Logger, opts pebble.Options) (candor.Store, error) {
	if f.store != "" {
		if !isPostgresURL(f.store) {
			return nil, errors.New("--store (CANDOR_STORE): want a postgres:// or postgresql:// URL, or nothing for the embedded store")
		}
		if !opts.MustExist {
			// The data dir still holds the log's tiles and the key files.
			if err := os.MkdirAll(f.data, 0o700); err != nil {
				return nil, err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := postgres.Open(ctx, f.store, postgres.Options{Logger: log, MustExist: opts.MustExist})
		if err != nil {
			return nil, fmt.Errorf("opening the PostgreSQL store: %w", err)
		}
		return st, nil
	}
	st, err := pebble.Open(f.data, opts)
	if err != nil {
		if opts.MustExist {
			return nil, fmt.Errorf("opening %s: %w", f.data, err)
		}
		return nil, fmt.Errorf("opening %s: %w (is another candor process using it?)", f.data, err)
	}
	return st, nil
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// registry returns the scorecard registry, whose proposals and approvals
// are administrative acts, checked against their chain (admins).
func (inst *installation) registry() *scoring.Registry {
	return scoring.NewRegistry(inst.store, inst.cat).WithActs(admins.New(inst.store, inst.vault, nil))
}

// published returns the active scorecards and every approved version,
// old ones included (see scoring.Registry).
func (inst *installation) published(ctx context.Context) (active, all []*scoring.Compiled, err error) {
	return inst.registry().Published(ctx)
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
