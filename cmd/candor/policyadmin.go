package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/scoring"
)

// policyAdmin is where a policy command acts: pol, with by the acting
// administrator's key (nil: none given, or acting through a server, whose
// client acts with its own); on the store, inst and reg are set.
type policyAdmin struct {
	pol  candor.Policy
	acts interface {
		Acts(context.Context) ([]*candor.AdminAct, error)
	}
	by    *candor.APIKey
	inst  *app.Installation
	reg   *scoring.Registry
	hist  *scoring.History
	close func()
}

// openPolicy returns where cfg has a policy administrator act: on the
// store (the store settings; the key file's key is authenticated against
// it), or through a running server's API with the key file's key
// (--server).
func openPolicy(ctx context.Context, cfg app.Config) (*policyAdmin, error) {
	if cfg.Admin.Server != "" {
		if cfg.Admin.PolicyKeyFile == "" {
			return nil, fmt.Errorf("--server needs --key-file, the acting administrator's API key file")
		}
		token, err := readKeyFile(cfg.Admin.PolicyKeyFile)
		if err != nil {
			return nil, err
		}
		c, err := httpapi.NewPolicyClient(cfg.Admin.Server, token, nil)
		if err != nil {
			return nil, err
		}
		return &policyAdmin{pol: c, acts: c, close: func() {}}, nil
	}
	inst, err := app.Open(cfg.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	pa := &policyAdmin{inst: inst, close: func() { inst.Close() }}
	if cfg.Admin.PolicyKeyFile != "" {
		if pa.by, err = authenticateFile(ctx, inst, cfg.Admin.PolicyKeyFile); err != nil {
			pa.close()
			return nil, err
		}
	}
	acts := admins.New(inst.Store, inst.Vault, nil)
	pa.reg = scoring.NewRegistry(inst.Store, inst.Catalogue).WithActs(acts)
	sets, err := inst.ScorecardSets(ctx)
	if err != nil {
		pa.close()
		return nil, err
	}
	pa.hist = scoring.NewHistory(pa.reg, inst.Catalogue, scoring.NewPublished(sets.Serve, sets.All))
	pa.pol, pa.acts = policy.New(acts, pa.reg, pa.hist, nil), acts
	return pa, nil
}

// policyCommand parses the flags of candor policy cmd (the settings, and
// those extra defines), which takes want arguments and, if needsKey, a key
// file, and opens where it acts. Errors:
// flag.ErrHelp (with the usage printed) for arguments it does not take.
func policyCommand(ctx context.Context, cmd string, args []string, want int, needsKey bool, stderr io.Writer, extra ...func(*flag.FlagSet)) (*policyAdmin, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("policy "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.PolicySettings)
	for _, f := range extra {
		f(fs)
	}
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return nil, nil, err
	}
	if fs.NArg() != want || needsKey && cfg.Admin.PolicyKeyFile == "" {
		fmt.Fprint(stderr, policyUsage)
		return nil, nil, flag.ErrHelp
	}
	pa, err := openPolicy(ctx, cfg)
	return pa, fs, err
}

// runPolicyVersions proposes, approves or lists scorecard versions.
func runPolicyVersions(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	pa, fs, err := policyCommand(ctx, cmd, args, map[string]int{"propose": 1, "approve": 2, "list": 0}[cmd], cmd != "list", stderr)
	if err != nil {
		return err
	}
	defer pa.close()
	switch cmd {
	case "propose":
		return proposeVersion(ctx, pa, fs.Arg(0), stdout)
	case "approve":
		version, err := strconv.Atoi(fs.Arg(1))
		if err != nil {
			return fmt.Errorf("version %q: want a number", fs.Arg(1))
		}
		return approveVersion(ctx, pa, fs.Arg(0), version, stdout, stderr)
	}
	vs, err := pa.pol.Versions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORECARD\tVERSION\tSTATE\tPROPOSED BY\tAPPROVED BY\tFAIRNESS AUDIT")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", v.Scorecard.ID, v.Scorecard.Version, v.State, whoWhen(v.Shipped, v.ProposedBy, v.ProposedAt),
			whoWhen(v.Shipped, v.ApprovedBy, v.ApprovedAt), auditWord(v.Audit))
	}
	return tw.Flush()
}

// whoWhen says who acted on a version, and when.
func whoWhen(shipped bool, who string, at time.Time) string {
	switch {
	case shipped:
		return "(shipped)"
	case who == "":
		return "-"
	}
	return who + " " + at.Format(time.DateOnly)
}

func proposeVersion(ctx context.Context, pa *policyAdmin, file string, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	v, err := pa.pol.Propose(ctx, pa.by, filepath.Base(file), data)
	if err != nil {
		return err
	}
	sc := v.Scorecard
	if pa.reg != nil {
		// On the store, the change is shown against the active version.
		active, _, err := pa.reg.Published(ctx)
		if err != nil {
			return err
		}
		next, err := scoring.Load(filepath.Base(file), data, pa.inst.Catalogue)
		if err != nil {
			return err
		}
		for _, a := range active {
			if a.Scorecard().ID == sc.ID {
				printDiff(stdout, a.Scorecard(), next.Scorecard())
			}
		}
	}
	fmt.Fprintf(stdout, "\n%s version %d proposed by %s. Before approving, see: candor policy diff and candor policy simulate %s\n"+
		"A second administrator activates it with: candor policy approve %s %d --key-file KEY\n", sc.ID, sc.Version, v.ProposedBy, file, sc.ID, sc.Version)
	return nil
}

func approveVersion(ctx context.Context, pa *policyAdmin, id string, version int, stdout, stderr io.Writer) error {
	v, err := pa.pol.Approve(ctx, pa.by, id, version)
	if err != nil {
		return err
	}
	defer func() {
		if v.Audit != nil {
			printAudit(stdout, v.Audit)
		}
	}()
	if pa.inst == nil {
		fmt.Fprintf(stdout, "%s version %d approved by %s; the servers activate it now, and earlier versions stay available.\n", id, version, v.ApprovedBy)
		return nil
	}
	fmt.Fprintf(stdout, "%s version %d approved by %s and active; earlier versions stay available.\n", id, version, v.ApprovedBy)
	c, err := pa.hist.Compiled(ctx, id, version)
	if err != nil {
		return err
	}
	if _, _, err := pa.inst.Activate(ctx, stderr); err != nil {
		return err
	}
	grades, census, err := gradesNow(ctx, pa.inst, c)
	if err != nil {
		return err
	}
	sc := c.Scorecard()
	fmt.Fprintf(stdout, "Grades under %s v%d now:", sc.ID, sc.Version)
	for _, g := range sc.Grades {
		fmt.Fprintf(stdout, "  %s %d", g.Grade, grades[g.Grade])
	}
	fmt.Fprintf(stdout, "\n(with differential-privacy noise, ε = %g from the console's budget: within ±%d of the exact count 95%% of the time)\n", census.Epsilon, census.Margin)
	return nil
}

// runPolicyKeys mints, approves and revokes policy administrators' keys,
// and lists the administrative acts.
func runPolicyKeys(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	pa, fs, err := policyCommand(ctx, cmd, args, map[string]int{"key": 1, "approve-key": 1, "revoke-key": 1, "acts": 0}[cmd],
		cmd == "approve-key" || cmd == "revoke-key", stderr)
	if err != nil {
		return err
	}
	defer pa.close()
	switch cmd {
	case "key":
		token, key, act, err := pa.pol.MintKey(ctx, pa.by, fs.Arg(0))
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
		act, err := pa.pol.ApproveKey(ctx, pa.by, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s of %s approved by %s: it works now\n", act.Key, act.Principal, act.By)
		return nil
	case "revoke-key":
		act, err := pa.pol.RevokeKey(ctx, pa.by, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s of %s revoked by %s\n", act.Key, act.Principal, act.By)
		return nil
	}
	all, err := pa.acts.Acts(ctx)
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

// gradesNow counts the subjects of c's kind by their grade under c now,
// with noise: a census of the active versions, c among them, through the
// statistics service (stats.ConsoleViews), paid from the console's
// budget, so that no exact count leaves Candor.
func gradesNow(ctx context.Context, inst *app.Installation, c *scoring.Compiled) (map[string]int, *candor.GradeCensus, error) {
	active, _, err := inst.Published(ctx)
	if err != nil {
		return nil, nil, err
	}
	census, err := consoleStats(inst, active).ConsoleViews(nil).CountGrades(ctx, time.Now())
	if err != nil {
		return nil, nil, err
	}
	sc := c.Scorecard()
	for _, d := range census.Cards {
		if d.ID == sc.ID && d.Version == sc.Version {
			return d.Grades, census, nil
		}
	}
	return nil, nil, fmt.Errorf("%s v%d is not among the active versions counted", sc.ID, sc.Version)
}
