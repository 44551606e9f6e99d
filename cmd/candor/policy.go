package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
)

const policyUsage = "Usage: candor policy simulate FILE [--at T] [--workers N]\n" +
	"  scores the current population under the published scorecard with FILE's ID and under FILE,\n" +
	"  and prints how many subjects would move from each grade to each other grade,\n" +
	"  each count with differential-privacy noise paid from the console's budget\n" +
	"       candor policy diff A B\n" +
	"  shows what changes from A to B, each a published scorecard ID or a scorecard file\n" +
	"       candor policy key NAME [--key-file KEY]\n" +
	"  makes a policy administrator's API key for NAME (shown once): alone for the first two administrators;\n" +
	"  after them, KEY's administrator requests it and it works once a second administrator approves it\n" +
	"       candor policy approve-key KEY_ID --key-file KEY\n" +
	"  approves a requested key: KEY must be an administrator's who neither requested it nor is the one it is for\n" +
	"       candor policy revoke-key KEY_ID --key-file KEY\n" +
	"  revokes an administrator's key at once\n" +
	"       candor policy acts\n" +
	"  lists every administrative act: keys minted, requested, approved and revoked, proposals and approvals\n" +
	"       candor policy propose FILE --key-file KEY\n" +
	"  stores FILE as the next version of its scorecard, awaiting approval\n" +
	"       candor policy approve ID VERSION --key-file KEY\n" +
	"  activates a proposed version: KEY must be a policy administrator's who did not propose it (two-person rule)\n" +
	"       candor policy audit ID VERSION --sample FILE.csv --protected FILE.csv --key-file KEY\n" +
	"  audits a proposed version for fairness: scores each row of the sample (its characteristics' values, or a\n" +
	"  rule version's rules' points, as candor features writes them, with an outcome column, 1 bad 0 good) and\n" +
	"  compares approval rates across the groups of each protected attribute (CSV, one row per row of the sample;\n" +
	"  never stored) at each benefit's cut-off; records the summary (group-level rates only) for the approver.\n" +
	"  Every version for credit or rental, purposes resting on consent, is approved only once audited\n" +
	"       candor policy list\n" +
	"  key, approve-key, revoke-key, acts, propose, audit, approve and list act through a running server with\n" +
	"  --server URL --key-file KEY (an operator's key there bootstraps the first two administrators)\n"

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "diff":
			return runPolicyDiff(args[1:], stdout, stderr)
		case "propose", "approve", "list":
			return runPolicyVersions(ctx, args[0], args[1:], stdout, stderr)
		case "audit":
			return runPolicyAudit(ctx, args[1:], stdout, stderr)
		case "key", "approve-key", "revoke-key", "acts":
			return runPolicyKeys(ctx, args[0], args[1:], stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] != "simulate" {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("policy simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	atFlag := fs.String("at", "", "the instant to score at: a date or an RFC 3339 timestamp (default now)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "scoring goroutines")
	if err := app.ParseFlags(fs, reorder(args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 || *workers < 1 {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	at, err := parseAt(*atFlag)
	if err != nil {
		return err
	}
	inst, err := app.Open(cfg.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.Close()
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	next, err := scoring.Load(filepath.Base(fs.Arg(0)), data, inst.Catalogue)
	if err != nil {
		return err
	}
	active, _, err := inst.Published(ctx)
	if err != nil {
		return err
	}
	var cur *scoring.Compiled
	for _, c := range active {
		if c.Scorecard().ID == next.Scorecard().ID {
			cur = c
		}
	}
	ns := next.Scorecard()
	if cur == nil {
		return fmt.Errorf("no published scorecard %q to compare %s with", ns.ID, fs.Arg(0))
	}
	cs := cur.Scorecard()
	if cs.SubjectKind != ns.SubjectKind {
		return fmt.Errorf("%s is for %s, the published %s for %s", fs.Arg(0), ns.SubjectKind.Noun(), cs.ID, cs.SubjectKind.Noun())
	}

	bar := progress.New(stderr, "simulating", 0)
	defer population.RelaxGC()()
	exact := migrator(func(ctx context.Context, _, _ *candor.Scorecard, at time.Time) (*candor.GradeMigration, error) {
		return population.Migrate(ctx, inst.Store, inst.Vault, *workers, cur, next, at, func(events int) { bar.Add(0, int64(events)) })
	})
	// The counts leave Candor with noise, paid from the console's budget,
	// as the console's own simulation is (stats.ConsoleViews).
	m, err := consoleStats(inst, nil).ConsoleViews(exact).GradeMigration(ctx, cs, ns, at)
	bar.Finish()
	if err != nil {
		return err
	}
	printMigration(stdout, m)
	return nil
}

// migrator is a stats.Migrator of one function.
type migrator func(ctx context.Context, from, to *candor.Scorecard, at time.Time) (*candor.GradeMigration, error)

func (f migrator) GradeMigration(ctx context.Context, from, to *candor.Scorecard, at time.Time) (*candor.GradeMigration, error) {
	return f(ctx, from, to, at)
}

// consoleStats is the statistics service the policy commands count
// with: the console's budget (the default), linked persons counted once,
// cards the active versions a census counts.
func consoleStats(inst *app.Installation, cards []*scoring.Compiled) *stats.Service {
	return stats.New(stats.Options{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue,
		Workers: runtime.GOMAXPROCS(0), Groups: identity.New(identity.Config{Store: inst.Store, Vault: inst.Vault}),
		Scorecards: func() []stats.Card {
			out := make([]stats.Card, len(cards))
			for i, c := range cards {
				out[i] = c
			}
			return out
		}})
}

func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("--at %q: want a date (2026-03-14) or an RFC 3339 timestamp", s)
	}
	return t, nil
}

// printMigration prints the grade migration matrix: rows are grades under
// the published version, columns grades under the candidate.
func printMigration(w io.Writer, m *candor.GradeMigration) {
	cur, next := m.From, m.To
	fmt.Fprintf(w, "Grade migration of %s, published v%d (rows) to candidate v%d (columns), %d %ss, at %s:\n\n",
		cur.ID, cur.Version, next.Version, m.Total, cur.SubjectKind, m.At.Format(time.DateOnly))
	tw := tabwriter.NewWriter(w, 4, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"from \\ to"}
	for _, g := range next.Grades {
		head = append(head, g.Grade)
	}
	fmt.Fprintln(tw, strings.Join(append(head, "total", ""), "\t"))
	for _, from := range cur.Grades {
		row := []string{from.Grade}
		sum := 0
		for _, to := range next.Grades {
			n := m.Count(from.Grade, to.Grade)
			sum += n
			row = append(row, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(sum), ""), "\t"))
	}
	tw.Flush()
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(m.Total, 1)) }
	fmt.Fprintf(w, "\nmoved up: %d (%.1f%%), moved down: %d (%.1f%%), the rest: %d (%.1f%%)\n",
		m.Up, pct(m.Up), m.Down, pct(m.Down), m.Total-m.Up-m.Down, pct(m.Total-m.Up-m.Down))
	if m.Epsilon > 0 {
		fmt.Fprintf(w, "Every count carries differential-privacy noise (ε = %g, from the console's budget): within ±%d of the exact count 95%% of the time.\n", m.Epsilon, m.Margin)
	}
}

func runPolicyDiff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.CatalogueSettings)
	catFile := &cfg.Store.Catalogue
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	cat := catalogue.Default()
	if *catFile != "" {
		var err error
		if cat, err = catalogue.LoadFile(*catFile); err != nil {
			return err
		}
	}
	a, err := loadScorecardArg(fs.Arg(0), cat)
	if err != nil {
		return err
	}
	b, err := loadScorecardArg(fs.Arg(1), cat)
	if err != nil {
		return err
	}
	printDiff(stdout, a, b)
	return nil
}

// principalOf is a key's principal, normalised if it can be.
func principalOf(k *candor.APIKey) string {
	if who, err := candor.NormalisePrincipal(k.Principal); err == nil {
		return who
	}
	return k.Principal
}

// actor says who did an act, with which key.
func actor(a *candor.AdminAct) string {
	if a.By == "" {
		return "(bootstrap)"
	}
	return a.By + " (" + a.ByKey + ")"
}

// actedOn says what an act was about.
func actedOn(a *candor.AdminAct) string {
	if a.Scorecard != "" {
		return fmt.Sprintf("%s v%d (source sha256 %x)", a.Scorecard, a.Version, a.Source[:8])
	}
	return "key " + a.Key + " of " + a.Principal
}

// authenticateFile authenticates the API key held in file, which only its
// owner may read.
func authenticateFile(ctx context.Context, inst *app.Installation, file string) (*candor.APIKey, error) {
	token, err := readKeyFile(file)
	if err != nil {
		return nil, err
	}
	key, err := candor.Authenticate(ctx, inst.Store, token)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return key, nil
}
