package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/synth"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var vf serverFlags
	vf.register(fs)
	persons := fs.Int("persons", 50_000, "persons in the synthetic population")
	orgs := fs.Int("orgs", 5_000, "organisations in the synthetic population")
	seed := fs.Uint64("seed", 1, "seed of the synthetic population")
	loadOnly := fs.Bool("load-only", false, "load the population, print the summary and exit instead of serving")
	logFormat := fs.String("log-format", env("CANDOR_LOG_FORMAT", "text"), "log format: json or text (env CANDOR_LOG_FORMAT)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *persons < 1 || *orgs < 1 {
		return fmt.Errorf("--persons and --orgs must be at least 1")
	}
	// The demo talks to a person at a terminal: only warnings from the
	// store's internals, which are routine at this volume.
	log := newLogger(stderr, *logFormat, slog.LevelInfo)
	inst, err := sf.open(newLogger(stderr, *logFormat, slog.LevelWarn))
	if err != nil {
		return err
	}
	tokens, operator, err := demoKeys(ctx, inst)
	if err != nil {
		inst.store.Close()
		return err
	}
	vf.demoSignIn = true
	vf.ops.quietRequests = true // the load's thousands of posts would bury the tour
	srv, err := startServer(inst, vf, log)
	if err != nil {
		inst.store.Close()
		return err
	}
	now := time.Now().UTC()
	cfg := synth.Config{Seed: *seed, Persons: *persons, Orgs: *orgs,
		Until: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), Now: now}
	if err := loadDemo(ctx, srv, cfg, tokens, stdout, stderr); err != nil {
		return joinWait(err, srv)
	}
	if err := printTour(ctx, stdout, srv, cfg, tokens, operator); err != nil {
		return joinWait(err, srv)
	}
	if err := printSignIn(ctx, stdout, srv, cfg); err != nil {
		return joinWait(err, srv)
	}
	printConsole(stdout, srv, operator, tokens["demo-reviewer"])
	if *loadOnly {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return srv.wait(cctx)
	}
	fmt.Fprintf(stdout, "\nServing on http://%s — press Ctrl-C to stop.\n", srv.addr)
	return srv.wait(ctx)
}

// joinWait shuts srv down after err and returns err.
func joinWait(err error, srv *server) error {
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv.wait(cctx)
	return err
}

// demoKeys registers the demo sources and makes fresh keys for them and for
// a demo operator, revoking the keys an earlier demo run printed.
func demoKeys(ctx context.Context, inst *installation) (map[string]string, string, error) {
	reg := inst.registrar()
	demo := map[string]bool{"demo-operator": true, "demo_landlord": true, "demo-reviewer": true}
	for _, s := range synth.Sources() {
		s := s
		if err := reg.PutSource(ctx, &s); err != nil {
			return nil, "", fmt.Errorf("demo source %s: %w", s.ID, err)
		}
		demo[s.ID] = true
	}
	if err := revokeEarlierKeys(ctx, reg, func(k *candor.APIKey) bool { return demo[k.Principal] }); err != nil {
		return nil, "", err
	}
	if err := reg.PutRelyingParty(ctx, &candor.RelyingParty{ID: "demo_landlord", Name: "Demo Lettings",
		Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		return nil, "", err
	}
	tokens := map[string]string{}
	issue := func(name string, role candor.Role) (err error) {
		tokens[name], _, err = reg.IssueKey(ctx, role, name)
		return err
	}
	for _, s := range synth.Sources() {
		if err := issue(s.ID, candor.RoleSource); err != nil {
			return nil, "", err
		}
	}
	for name, role := range map[string]candor.Role{"demo_landlord": candor.RoleRelyingParty, "demo-reviewer": candor.RoleReviewer, "demo-operator": candor.RoleOperator} {
		if err := issue(name, role); err != nil {
			return nil, "", err
		}
	}
	operator := tokens["demo-operator"]
	delete(tokens, "demo-operator")
	return tokens, operator, nil
}

// revokeEarlierKeys revokes the live keys earlier demo runs printed, those
// of which earlier says so; never a policy administrator's, which only an
// administrative act revokes.
func revokeEarlierKeys(ctx context.Context, reg *registrar.Service, earlier func(*candor.APIKey) bool) error {
	keys, err := reg.Keys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !k.Revoked() && k.Role != candor.RolePolicyAdmin && earlier(k) {
			if _, _, err := reg.RevokeKey(ctx, k.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// personKey makes a fresh subject key for a demo person, revoking the ones
// earlier demo runs printed.
func personKey(ctx context.Context, inst *installation, id candor.SubjectID) (string, error) {
	reg := inst.registrar()
	err := revokeEarlierKeys(ctx, reg, func(k *candor.APIKey) bool { return k.Role == candor.RoleSubject && k.Principal == id.String() })
	if err != nil {
		return "", err
	}
	token, _, err := reg.IssueKey(ctx, candor.RoleSubject, id.String())
	return token, err
}

// latestSource returns the ID of the source of a subject's latest fact.
func latestSource(ctx context.Context, inst *installation, id candor.SubjectID) (string, error) {
	key, err := inst.vault.StoredKey(ctx, inst.store, id)
	if err != nil {
		return "", err
	}
	evs, err := key.ReadEvents(ctx, inst.store)
	if err != nil || len(evs) == 0 {
		return "", cmp.Or(err, fmt.Errorf("demo: subject %s has no facts", id))
	}
	return evs[len(evs)-1].Source, nil
}

// demoPosters is how many requests the demo keeps in flight.
const demoPosters = 6

// loadDemo posts the synthetic population to the running server through
// POST /v1/events, as real sources would, unless this data dir already holds
// exactly this population.
func loadDemo(ctx context.Context, srv *server, cfg synth.Config, tokens map[string]string, stdout, stderr io.Writer) error {
	marker := fmt.Sprintf("seed=%d persons=%d orgs=%d until=%s", cfg.Seed, cfg.Persons, cfg.Orgs, cfg.Until.Format("2006-01"))
	if got, err := srv.inst.store.GetMeta(ctx, "demo/population"); err == nil {
		if string(got) == marker {
			fmt.Fprintf(stdout, "The demo population (%s) is already loaded in this data dir; nothing to post.\n", marker)
			return nil
		}
		// Event IDs do not depend on the seed: another seed would post the
		// same IDs with other content, which ingestion refuses.
		var seed uint64
		if _, err := fmt.Sscanf(string(got), "seed=%d", &seed); err == nil && seed != cfg.Seed {
			return fmt.Errorf("this data dir holds the demo population of seed %d; use another --data for seed %d", seed, cfg.Seed)
		}
	}
	fmt.Fprintf(stdout, "Generating %d persons and %d organisations (seed %d, three years to %s) and posting them to http://%s/v1/events ...\n",
		cfg.Persons, cfg.Orgs, cfg.Seed, cfg.Until.Format("2006-01"), srv.addr)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 2 * time.Minute}
	url := "http://" + srv.addr + "/v1/events"
	var accepted, duplicates atomic.Int64
	bar := newProgress(stderr, "loading", 0)
	start := time.Now()
	// Generation hands batches to a few posters, so that several requests
	// are in flight and the server can commit them together, as it would
	// with many independent sources.
	type post struct {
		source string
		body   []byte
		events int
	}
	posts := make(chan post, demoPosters)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var postErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range demoPosters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range posts {
				res, err := postEvents(gctx, client, url, tokens[p.source], p.body)
				if err != nil {
					once.Do(func() { postErr = fmt.Errorf("posting a batch from %s: %w", p.source, err); cancel() })
					continue
				}
				accepted.Add(int64(res.Accepted))
				duplicates.Add(int64(res.Duplicates))
				bar.add(0, int64(p.events))
			}
		}()
	}
	_, err := synth.Generate(gctx, cfg, srv.inst.cat, func(sourceID string, body []byte, events int) error {
		select {
		case posts <- post{sourceID, bytes.Clone(body), events}: // synth reuses body
			return nil
		case <-gctx.Done():
			return gctx.Err()
		}
	})
	close(posts)
	wg.Wait()
	if postErr != nil {
		err = postErr
	}
	bar.finish()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	n := accepted.Load() + duplicates.Load()
	fmt.Fprintf(stdout, "Posted %d events in %s (%.0f events/s): %d stored, %d duplicates of earlier runs.\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), accepted.Load(), duplicates.Load())
	return srv.inst.store.PutMeta(ctx, "demo/population", []byte(marker))
}

func postEvents(ctx context.Context, client *http.Client, url, token string, body []byte) (candor.IngestResult, error) {
	var res candor.IngestResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return res, err
	}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("%s: %s", resp.Status, truncateBody(data))
	}
	return res, json.Unmarshal(data, &res)
}

func truncateBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// printTour prints what to try against the running demo.
func printTour(ctx context.Context, w io.Writer, srv *server, cfg synth.Config, tokens map[string]string, operator string) error {
	base := "http://" + srv.addr
	fmt.Fprintf(w, "\nStore: %s on disk.\n", humanBytes(srv.inst.store.Size()))
	fmt.Fprintf(w, "\nKeys for this run (earlier demo keys are revoked):\n  export OPERATOR=%s\n  export BANK=%s\n", operator, tokens["bank_north"])
	fmt.Fprintf(w, "\nWhat Candor may record, and for which purposes, and the published scorecards (public):\n  curl -s %s/v1/catalogue\n  curl -s %s/v1/scorecards\n  curl -s %s/v1/scorecards/rental-deposit/versions/1\n", base, base, base)
	fmt.Fprintf(w, "\nSample people (identifiers are only ever stored encrypted; lookups go through a keyed blind index):\n")
	for i := 0; i < min(cfg.Persons, 3); i++ {
		p := synth.Person(cfg.Seed, i)
		fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $OPERATOR\" -H 'Candor-Purpose: subject_request' '%s/v1/subjects:lookup?scheme=national_id&value=%s'\n", base, p.NationalID)
		if i == 0 {
			id, err := srv.inst.store.SubjectByIndex(ctx, srv.inst.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
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
		id, err := srv.inst.store.SubjectByIndex(ctx, srv.inst.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
		if err != nil {
			return err
		}
		person, err := personKey(ctx, srv.inst, id)
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
		src, err := latestSource(ctx, srv.inst, id)
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
func printSignIn(ctx context.Context, w io.Writer, srv *server, cfg synth.Config) error {
	fmt.Fprintf(w, "\nThe portal: http://%s/ (public: /scorecards, /register?reg_no=%s)\n", srv.addr, synth.Org(cfg.Seed, 0).CompanyRegNo)
	fmt.Fprintf(w, "Sign in as a sample person; each link works once, for a day, until the server stops:\n")
	for i := 0; i < min(cfg.Persons, 3); i++ {
		p := synth.Person(cfg.Seed, i)
		id, err := srv.inst.store.SubjectByIndex(ctx, srv.inst.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s  http://%s%s\n", p.NationalID, srv.addr, srv.demo.Link(id))
	}
	return nil
}

// printConsole prints how to sign in to the operator console.
func printConsole(w io.Writer, srv *server, operator, reviewer string) {
	fmt.Fprintf(w, "\nThe operator console: http://%s/console/ — paste an API key into its sign-in form:\n", srv.addr)
	fmt.Fprintf(w, "  operator (sources, relying parties, scorecards, population, disputes): %s\n", operator)
	fmt.Fprintf(w, "  reviewer (the human-review queue):                                     %s\n", reviewer)
	fmt.Fprintf(w, "  a policy administrator's key (scorecards) comes from: candor policy key NAME\n")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
