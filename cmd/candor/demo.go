package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/bench"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/synth"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	cfg.LogFormat = "text"
	app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings|app.LogFormatSettings)
	persons := fs.Int("persons", 50_000, "persons in the synthetic population")
	orgs := fs.Int("orgs", 5_000, "organisations in the synthetic population")
	seed := fs.Uint64("seed", 1, "seed of the synthetic population")
	loadOnly := fs.Bool("load-only", false, "load the population, print the summary and exit instead of serving")
	fitPersons := fs.Int("fit-persons", 4000, "persons in the sample the demo fits a consumer-credit scorecard on (0: no fit)")
	fitDir := fs.String("fit-dir", "", "where the fit's files go: features, outcomes, the fitted scorecard and its report (default: the data dir's name + -fit)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and poster: the demo runs both) to this file")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *persons < 1 || *orgs < 1 {
		return fmt.Errorf("--persons and --orgs must be at least 1")
	}
	stopProfile, err := bench.StartCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	// The demo talks to a person at a terminal: only warnings from the
	// store's internals, which are routine at this volume.
	log := app.NewLogger(stderr, cfg.LogFormat, slog.LevelInfo)
	phase := newPhases(log)
	inst, err := app.Open(cfg.Store, app.NewLogger(stderr, cfg.LogFormat, slog.LevelWarn))
	if err != nil {
		return err
	}
	tokens, operator, err := app.DemoKeys(ctx, inst)
	if err != nil {
		inst.Close()
		return err
	}
	cfg.Server.DemoSignIn = true
	cfg.Server.Ops.QuietRequests = true // the load's thousands of posts would bury the tour
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		return err
	}
	phase.done("open and start")
	now := time.Now().UTC()
	pop := synth.Config{Seed: *seed, Persons: *persons, Orgs: *orgs,
		Until: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), Now: now}
	if err := app.LoadDemo(ctx, srv, pop, tokens, stdout, stderr); err != nil {
		return closeAfter(err, srv)
	}
	phase.done("load")
	var fitted *demoFitted
	if *fitPersons > 0 {
		dir := cmp.Or(*fitDir, filepath.Clean(cfg.Store.Data)+"-fit")
		if fitted, err = runDemoFit(ctx, srv, pop, min(*fitPersons, *persons), dir, stdout, stderr); err != nil {
			return closeAfter(err, srv)
		}
		phase.done("fit")
	}
	if err := printTour(ctx, stdout, srv, pop, tokens, operator); err != nil {
		return closeAfter(err, srv)
	}
	if err := printSignIn(ctx, stdout, srv, pop); err != nil {
		return closeAfter(err, srv)
	}
	printConsole(stdout, srv, operator, tokens["demo-reviewer"])
	printFitted(stdout, srv, fitted)
	phase.done("tour")
	if *loadOnly {
		err := srv.Close()
		phase.done("close")
		return err
	}
	fmt.Fprintf(stdout, "\nServing on http://%s — press Ctrl-C to stop.\n", srv.Addr())
	return srv.Wait(ctx)
}

// phases logs the wall and process CPU time of each of the demo's phases,
// so that where its time goes can be read off a run (BENCHMARKS.md).
type phases struct {
	log  *slog.Logger
	wall time.Time
	cpu  time.Duration
}

func newPhases(log *slog.Logger) *phases {
	return &phases{log: log, wall: time.Now(), cpu: bench.ProcessCPU()}
}

// done logs the phase that ends now: its wall time and the process's CPU
// time (server and poster together), which on a machine of its own would
// be up to twice the wall time on two cores.
func (p *phases) done(name string) {
	wall, cpu := time.Now(), bench.ProcessCPU()
	p.log.Info("demo phase", "phase", name, "wall", wall.Sub(p.wall).Round(time.Millisecond), "cpu", (cpu - p.cpu).Round(time.Millisecond))
	p.wall, p.cpu = wall, cpu
}

// closeAfter shuts srv down after err and returns err.
func closeAfter(err error, srv *app.Node) error {
	srv.Close()
	return err
}

// latestSource returns the ID of the source of a subject's latest fact.
func latestSource(ctx context.Context, inst *app.Installation, id candor.SubjectID) (string, error) {
	key, err := inst.Vault.StoredKey(ctx, inst.Store, id)
	if err != nil {
		return "", err
	}
	evs, err := key.ReadEvents(ctx, inst.Store)
	if err != nil || len(evs) == 0 {
		return "", cmp.Or(err, fmt.Errorf("demo: subject %s has no facts", id))
	}
	return evs[len(evs)-1].Source, nil
}

// printTour prints what to try against the running demo.
func printTour(ctx context.Context, w io.Writer, srv *app.Node, cfg synth.Config, tokens map[string]string, operator string) error {
	base := "http://" + srv.Addr()
	fmt.Fprintf(w, "\nStore: %s on disk.\n", progress.HumanBytes(srv.Installation().Store.Size()))
	fmt.Fprintf(w, "\nKeys for this run (earlier demo keys are revoked):\n  export OPERATOR=%s\n  export BANK=%s\n", operator, tokens["bank_north"])
	fmt.Fprintf(w, "\nWhat Candor may record, and for which purposes, and the published scorecards (public):\n  curl -s %s/v1/catalogue\n  curl -s %s/v1/scorecards\n  curl -s %s/v1/scorecards/rental-deposit/versions/1\n", base, base, base)
	fmt.Fprintf(w, "\nSample people (identifiers are only ever stored encrypted; lookups go through a keyed blind index):\n")
	for i := 0; i < min(cfg.Persons, 3); i++ {
		p := synth.Person(cfg.Seed, i)
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects:lookup?scheme=national_id&value=%s'\n", base, p.NationalID)
		if i == 0 {
			id, err := srv.Installation().Store.SubjectByIndex(ctx, srv.Installation().Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
			if err == nil {
				fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects/%s/events?type=credit.instalment_late'\n", base, id)
				fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects/%s/events?since=%s'\n", base, id, cfg.Until.AddDate(0, -3, 0).Format(time.DateOnly))
				fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects/%s/scores/rental-deposit'   # points, grade, reasons, what would change it\n", base, id)
			}
		}
	}
	if cfg.Orgs > 0 {
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects:lookup?scheme=company_reg_no&value=%s'\n", base, synth.Org(cfg.Seed, 0).CompanyRegNo)
	}
	if cfg.Persons > 0 {
		p := synth.Person(cfg.Seed, 0)
		fmt.Fprintf(w, "\nPost a fact as a bank (repeat it: the second time it counts as a duplicate):\n")
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/events -H \"Authorization: Bearer $BANK\" -H 'Content-Type: application/x-ndjson' \\\n", base)
		fmt.Fprintf(w, "    --data-binary '{\"id\":\"tour-1\",\"subject\":{\"kind\":\"person\",\"scheme\":\"national_id\",\"value\":\"%s\"},\"type\":\"credit.instalment_late\",\"occurred_at\":\"%s\",\"fields\":{\"days_late\":45,\"amount\":\"120.50\",\"currency\":\"EUR\"}}'\n",
			p.NationalID, cfg.Until.AddDate(0, 0, -10).Format(time.RFC3339))
		fmt.Fprintf(w, "\nA bank may not post court orders (403 naming the type):\n")
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/events -H \"Authorization: Bearer $BANK\" -H 'Content-Type: application/x-ndjson' \\\n", base)
		fmt.Fprintf(w, "    --data-binary '{\"id\":\"tour-2\",\"subject\":{\"kind\":\"person\",\"scheme\":\"national_id\",\"value\":\"%s\"},\"type\":\"court.restriction_lifted\",\"occurred_at\":\"%s\",\"fields\":{\"order_ref\":\"X\",\"reason\":\"other\"}}'\n",
			p.NationalID, cfg.Until.AddDate(0, 0, -10).Format(time.RFC3339))
		fmt.Fprintf(w, "\nA bad event is refused whole, with every problem named (422):\n")
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/events -H \"Authorization: Bearer $BANK\" -H 'Content-Type: application/json' \\\n", base)
		fmt.Fprintf(w, "    --data-binary '[{\"id\":\"x\",\"subject\":{\"kind\":\"person\",\"scheme\":\"national_id\",\"value\":\"12\"},\"type\":\"credit.instalment_late\",\"occurred_at\":\"2030-01-01T00:00:00Z\",\"fields\":{\"days_late\":-3}}]'\n")
	}
	if cfg.Persons > 0 {
		p := synth.Person(cfg.Seed, 0)
		id, err := srv.Installation().Store.SubjectByIndex(ctx, srv.Installation().Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
		if err != nil {
			return err
		}
		person, err := app.DemoPersonKey(ctx, srv.Installation(), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nDecisions, only with consent. The first sample person, signed in with a key of their own, and a landlord:\n")
		fmt.Fprintf(w, "  export PERSON=%s\n  export LANDLORD=%s\n  export REVIEWER=%s\n", person, tokens["demo_landlord"], tokens["demo-reviewer"])
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/me/consents -H \"Authorization: Bearer $PERSON\" -d '{\"relying_party\":\"demo_landlord\",\"purpose\":\"rental\",\"days\":7}'   # gives a code\n", base)
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/decisions -H \"Authorization: Bearer $LANDLORD\" -d '{\"consent\":\"CODE\",\"purpose\":\"rental\",\"benefit\":\"deposit_waived\"}'\n", base)
		fmt.Fprintf(w, "  curl -s %s/v1/me/decisions -H \"Authorization: Bearer $PERSON\"        # every decision about me, with reasons\n", base)
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/me/decisions/DECISION_ID/review -H \"Authorization: Bearer $PERSON\" -d '{\"statement\":\"...\"}'\n", base)
		fmt.Fprintf(w, "  curl -s %s/v1/reviews -H \"Authorization: Bearer $REVIEWER\"\n", base)
		src, err := latestSource(ctx, srv.Installation(), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nDisputes. The person disputes a fact, which stops counting at once; the source that posted it\nverifies, corrects or withdraws it within 30 days, or it is removed. $SOURCE is %s, which posted the person's latest fact:\n", src)
		fmt.Fprintf(w, "  export SOURCE=%s\n", tokens[src])
		fmt.Fprintf(w, "  curl -s %s/v1/me/events -H \"Authorization: Bearer $PERSON\"          # my facts, with IDs and sources\n", base)
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/me/disputes -H \"Authorization: Bearer $PERSON\" -d '{\"event\":EVENT_ID,\"statement\":\"I paid on time.\"}'\n", base)
		fmt.Fprintf(w, "  curl -s %s/v1/sources/me/disputes -H \"Authorization: Bearer $SOURCE\"   # the source's queue, nearest deadline first\n", base)
		fmt.Fprintf(w, "  curl -s -X POST %s/v1/sources/me/disputes/DISPUTE_ID -H \"Authorization: Bearer $SOURCE\" -d '{\"answer\":\"withdraw\",\"note\":\"Our mistake.\"}'\n", base)
		fmt.Fprintf(w, "  curl -s %s/v1/notices -H \"Authorization: Bearer $LANDLORD\"           # decisions that rested on a changed fact\n", base)
		fmt.Fprintf(w, "  curl -s %s/v1/me/access -H \"Authorization: Bearer $PERSON\"          # who looked; /v1/me/access/N/proof proves it\n", base)
	}
	fmt.Fprintf(w, "\nMetrics: curl -s %s/metrics | grep candor_\n", base)
	return nil
}

// printSignIn prints one-time links that sign in to the portal as a few
// sample people.
func printSignIn(ctx context.Context, w io.Writer, srv *app.Node, cfg synth.Config) error {
	fmt.Fprintf(w, "\nThe portal: http://%s/ (public: /scorecards, /register?reg_no=%s)\n", srv.Addr(), synth.Org(cfg.Seed, 0).CompanyRegNo)
	fmt.Fprintf(w, "Sign in as a sample person; each link works once, for a day, until the server stops:\n")
	for i := 0; i < min(cfg.Persons, 3); i++ {
		p := synth.Person(cfg.Seed, i)
		id, err := srv.Installation().Store.SubjectByIndex(ctx, srv.Installation().Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s  http://%s%s\n", p.NationalID, srv.Addr(), srv.Demo().Link(id))
	}
	return nil
}

// printConsole prints how to sign in to the operator console.
func printConsole(w io.Writer, srv *app.Node, operator, reviewer string) {
	fmt.Fprintf(w, "\nThe operator console: http://%s/console/ — paste an API key into its sign-in form:\n", srv.Addr())
	fmt.Fprintf(w, "  operator (sources, relying parties, scorecards, population, disputes): %s\n", operator)
	fmt.Fprintf(w, "  reviewer (the human-review queue):                                     %s\n", reviewer)
	fmt.Fprintf(w, "  a policy administrator's key (scorecards) comes from: candor policy key NAME (the demo's, alice's and bob's, are in its fit directory)\n")
}

// printFitted prints how to look at the fitted version and approve it.
func printFitted(w io.Writer, srv *app.Node, f *demoFitted) {
	if f == nil {
		return
	}
	base := "http://" + srv.Addr()
	fmt.Fprintf(w, "\nThe fitted consumer-credit scorecard (held-out AUC %.3f; a one-hot logistic regression: %.3f):\n", f.auc, f.baselineAUC)
	fmt.Fprintf(w, "  %s.yaml, its validation report %s.report.html (open it in a browser) and .report.json\n", f.prefix, f.prefix)
	if f.alice == "" {
		fmt.Fprintf(w, "  propose, audit and approve it with your administrators' keys: candor policy propose, audit and approve --server %s\n", base)
		return
	}
	fmt.Fprintf(w, "  %s v%d is proposed by alice and audited; bob, a second policy administrator, approves it (the two-person rule):\n", f.id, f.version)
	fmt.Fprintf(w, "  candor policy list --server %s --key-file %s\n", base, f.bob)
	fmt.Fprintf(w, "  candor policy approve %s %d --server %s --key-file %s\n", f.id, f.version, base, f.bob)
	fmt.Fprintf(w, "  or in the console (%s/console/scorecards) signed in with the key in %s\n", base, f.bob)
}
