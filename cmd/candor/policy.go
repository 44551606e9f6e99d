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
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/scoring"
)

const policyUsage = "Usage: candor policy simulate FILE [--at T] [--workers N]\n" +
	"  scores the current population under the published scorecard with FILE's ID and under FILE,\n" +
	"  and prints how many subjects would move from each grade to each other grade\n" +
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
	"       candor policy list\n"

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "diff":
			return runPolicyDiff(args[1:], stdout, stderr)
		case "propose", "approve", "list":
			return runPolicyVersions(ctx, args[0], args[1:], stdout, stderr)
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
	var sf storeFlags
	sf.register(fs)
	atFlag := fs.String("at", "", "the instant to score at: a date or an RFC 3339 timestamp (default now)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "scoring goroutines")
	if err := parseFlags(fs, reorder(args[1:])); err != nil {
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
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	next, err := scoring.Load(filepath.Base(fs.Arg(0)), data, inst.cat)
	if err != nil {
		return err
	}
	active, _, err := inst.published(ctx)
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

	bar := newProgress(stderr, "simulating", 0)
	defer population.RelaxGC()()
	m, err := population.Migrate(ctx, inst.store, inst.vault, *workers, cur, next, at, func(events int) { bar.add(0, int64(events)) })
	bar.finish()
	if err != nil {
		return err
	}
	printMigration(stdout, m)
	return nil
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
}

func runPolicyDiff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catFile := fs.String("catalogue", env("CANDOR_CATALOGUE", ""), "event-type catalogue file replacing the shipped one (env CANDOR_CATALOGUE)")
	if err := parseFlags(fs, args); err != nil {
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

// runPolicyVersions proposes, approves or lists scorecard versions.
func runPolicyVersions(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := fs.String("key-file", env("CANDOR_POLICY_KEY_FILE", ""), "file holding the API key of the policy administrator proposing or approving (env CANDOR_POLICY_KEY_FILE)")
	if err := parseFlags(fs, reorder(args)); err != nil {
		return err
	}
	want := map[string]int{"propose": 1, "approve": 2, "list": 0}[cmd]
	if fs.NArg() != want || cmd != "list" && *keyFile == "" {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	reg := inst.registry()
	now := time.Now()
	var admin *candor.APIKey
	if cmd != "list" {
		if admin, err = authenticateFile(ctx, inst, *keyFile); err != nil {
			return err
		}
	}
	switch cmd {
	case "propose":
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		active, _, err := reg.Published(ctx)
		if err != nil {
			return err
		}
		c, err := reg.Propose(ctx, filepath.Base(fs.Arg(0)), data, admin, now)
		if err != nil {
			return err
		}
		sc := c.Scorecard()
		for _, a := range active {
			if a.Scorecard().ID == sc.ID {
				printDiff(stdout, a.Scorecard(), sc)
			}
		}
		fmt.Fprintf(stdout, "\n%s version %d proposed by %s. Before approving, see: candor policy simulate %s\n"+
			"A second administrator activates it with: candor policy approve %s %d --key-file KEY\n", sc.ID, sc.Version, principalOf(admin), fs.Arg(0), sc.ID, sc.Version)
		return nil
	case "approve":
		version, err := strconv.Atoi(fs.Arg(1))
		if err != nil {
			return fmt.Errorf("version %q: want a number", fs.Arg(1))
		}
		c, err := reg.Approve(ctx, fs.Arg(0), version, admin, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s version %d approved by %s and active; earlier versions stay available.\n", fs.Arg(0), version, principalOf(admin))
		grades, err := materialise(ctx, inst, []*scoring.Compiled{c}, stderr)
		if err != nil {
			return err
		}
		sc := c.Scorecard()
		fmt.Fprintf(stdout, "Grades under %s v%d now:", sc.ID, sc.Version)
		for _, g := range sc.Grades {
			fmt.Fprintf(stdout, "  %s %d", g.Grade, grades[c.Key()][g.Grade])
		}
		fmt.Fprintln(stdout)
		return nil
	}
	active, all, err := reg.Published(ctx)
	if err != nil {
		return err
	}
	versions, err := reg.Versions(ctx)
	if err != nil {
		return err
	}
	stored := func(id string, n int) *scoring.Version {
		for _, v := range versions {
			if v.ID == id && v.Version == n {
				return v
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORECARD\tVERSION\tSTATE\tPROPOSED BY\tAPPROVED BY")
	for _, c := range all {
		sc := c.Scorecard()
		state, proposed, approved := "superseded", "(shipped)", "(shipped)"
		if slices.Contains(active, c) {
			state = "active"
		}
		if v := stored(sc.ID, sc.Version); v != nil {
			proposed = fmt.Sprintf("%s (key %s) %s", v.ProposedBy, v.ProposedKey, v.ProposedAt.Format(time.DateOnly))
			approved = fmt.Sprintf("%s (key %s) %s", v.ApprovedBy, v.ApprovedKey, v.ApprovedAt.Format(time.DateOnly))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", sc.ID, sc.Version, state, proposed, approved)
	}
	for _, v := range versions {
		if v.ApprovedBy == "" {
			fmt.Fprintf(tw, "%s\t%d\tproposed\t%s (key %s) %s\t-\n", v.ID, v.Version, v.ProposedBy, v.ProposedKey, v.ProposedAt.Format(time.DateOnly))
		}
	}
	return tw.Flush()
}

// principalOf is a key's principal, normalised if it can be.
func principalOf(k *candor.APIKey) string {
	if who, err := candor.NormalisePrincipal(k.Principal); err == nil {
		return who
	}
	return k.Principal
}

// runPolicyKeys mints, approves and revokes policy administrators' keys,
// and lists the administrative acts.
func runPolicyKeys(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	keyFile := fs.String("key-file", env("CANDOR_POLICY_KEY_FILE", ""), "file holding the API key of the policy administrator acting (env CANDOR_POLICY_KEY_FILE)")
	if err := parseFlags(fs, reorder(args)); err != nil {
		return err
	}
	want := map[string]int{"key": 1, "approve-key": 1, "revoke-key": 1, "acts": 0}[cmd]
	if fs.NArg() != want || (cmd == "approve-key" || cmd == "revoke-key") && *keyFile == "" {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	acts := admins.New(inst.store, inst.vault, nil)
	var by *candor.APIKey
	if *keyFile != "" {
		if by, err = authenticateFile(ctx, inst, *keyFile); err != nil {
			return err
		}
	}
	switch cmd {
	case "key":
		token, key, act, err := acts.Mint(ctx, by, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		if act.Kind == candor.ActKeyBootstrapped {
			fmt.Fprintf(stderr, "(key %s of policy administrator %s, bootstrapped, is shown once: keep it in a file only its holder can read)\n", key.ID, key.Principal)
		} else {
			fmt.Fprintf(stderr, "(key %s of policy administrator %s is shown once: keep it in a file only its holder can read.\n"+
				" It works once an administrator other than %s and %s approves it: candor policy approve-key %s --key-file KEY)\n",
				key.ID, key.Principal, act.By, key.Principal, key.ID)
		}
		return nil
	case "approve-key":
		act, err := acts.ApproveKey(ctx, by, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s of %s approved by %s: it works now\n", act.Key, act.Principal, act.By)
		return nil
	case "revoke-key":
		act, err := acts.RevokeKey(ctx, by, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s of %s revoked by %s\n", act.Key, act.Principal, act.By)
		return nil
	}
	all, err := acts.Acts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tWHEN\tACT\tBY (KEY)\tON")
	for _, a := range all {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.N, a.At.Format(time.RFC3339), a.Kind, actor(a), actedOn(a))
	}
	return tw.Flush()
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
func authenticateFile(ctx context.Context, inst *installation, file string) (*candor.APIKey, error) {
	token, err := readKeyFile(file)
	if err != nil {
		return nil, err
	}
	key, err := candor.Authenticate(ctx, inst.store, token)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return key, nil
}
