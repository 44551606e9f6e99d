package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/natsingest"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/retention"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/ui"
	"github.com/candor-project/candor/vault"
)

// serverFlags are the flags of the commands that run the API server.
type serverFlags struct {
	addr, debugAddr string
	subjectCache    int
	log             logFlags // the transparency log (audit.go)
	secureCookies   bool
	oidc            ui.OIDCConfig
	oidcSecretFile  string
	// demoSignIn turns on the portal's demo sign-in links (candor demo).
	demoSignIn bool
	// purgeEvery is the interval of retention passes (0: none).
	purgeEvery time.Duration
	// disputeCheck is how often disputes past their deadline are settled.
	disputeCheck time.Duration
	// leaseTTL is how long a dead node's singleton work waits for another
	// node to take it over.
	leaseTTL time.Duration
	creds    credentialFlags // the credential issuer (credentials.go)
	nats     natsFlags       // JetStream ingestion (nats.go)
	ops      opsFlags        // TLS, proxies, metrics address, draining (ops.go)
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", env("CANDOR_ADDR", "127.0.0.1:8080"), "listen address (env CANDOR_ADDR)")
	fs.StringVar(&f.debugAddr, "debug-addr", env("CANDOR_DEBUG_ADDR", ""),
		"if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env CANDOR_DEBUG_ADDR; never expose it)")
	fs.IntVar(&f.subjectCache, "subject-cache", 0,
		"subjects whose keys ingestion keeps in memory, ~175 bytes each; at least the number of active subjects (env CANDOR_SUBJECT_CACHE; 0: "+strconv.Itoa(ingest.DefaultCacheSubjects)+")")
	f.log.register(fs)
	f.creds.register(fs)
	fs.BoolVar(&f.secureCookies, "secure-cookies", false,
		"mark the portal's cookies Secure on plain HTTP, behind a TLS-terminating proxy (env CANDOR_SECURE_COOKIES=true)")
	fs.StringVar(&f.oidc.Issuer, "oidc-issuer", env("CANDOR_OIDC_ISSUER", ""), "if set, people sign in to the portal with this OpenID Connect provider (env CANDOR_OIDC_ISSUER)")
	fs.StringVar(&f.oidc.ClientID, "oidc-client-id", env("CANDOR_OIDC_CLIENT_ID", ""), "the portal's client ID at the provider (env CANDOR_OIDC_CLIENT_ID)")
	fs.StringVar(&f.oidcSecretFile, "oidc-client-secret-file", env("CANDOR_OIDC_CLIENT_SECRET_FILE", ""), "file holding the client secret (env CANDOR_OIDC_CLIENT_SECRET_FILE)")
	fs.StringVar(&f.oidc.RedirectURL, "oidc-redirect-url", env("CANDOR_OIDC_REDIRECT_URL", ""), "the portal's https://HOST/signin/oidc/callback, as registered (env CANDOR_OIDC_REDIRECT_URL)")
	fs.DurationVar(&f.purgeEvery, "purge-every", 24*time.Hour,
		"delete the facts past their retention at start and then at this interval; 0 turns it off (env CANDOR_PURGE_EVERY)")
	fs.StringVar(&f.oidc.Claim, "oidc-claim", env("CANDOR_OIDC_CLAIM", "national_id"), "the ID-token claim holding the person's national ID (env CANDOR_OIDC_CLAIM)")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", jobsLeaseTTL,
		"of nodes sharing a store, one runs the log's appender and the periodic jobs under a lease it renews every third of this; when it dies, another takes them over after at most this long (env CANDOR_LEASE_TTL; 0: the default)")
	fs.DurationVar(&f.disputeCheck, "dispute-check", time.Hour, "how often facts of disputes unverified past their 30-day deadline are removed (env CANDOR_DISPUTE_CHECK)")
	f.nats.register(fs)
	f.ops.register(fs)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var vf serverFlags
	vf.register(fs)
	logFormat := fs.String("log-format", env("CANDOR_LOG_FORMAT", "json"), "log format: json or text (env CANDOR_LOG_FORMAT)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(stderr, *logFormat, slog.LevelInfo)
	inst, err := sf.open(log)
	if err != nil {
		return err
	}
	srv, err := startServer(inst, vf, log)
	if err != nil {
		inst.store.Close()
		return err
	}
	log.Info("serving", "addr", srv.addr, "data", sf.data)
	return srv.wait(ctx)
}

// server is a running API server with its ingestion pipeline.
type server struct {
	inst     *installation
	api      *httpapi.Server
	portal   *ui.Server
	http     *http.Server
	pipeline *ingest.Pipeline
	audit    *auditService
	disputes *disputes.Service
	// scorecards are the scorecard versions served: every service reads
	// them per request, so Set on them serves a newly activated version
	// without a restart (its matches must be stored first).
	scorecards *scoring.Published
	jobs       *jobs    // periodic work, stopped before the store closes
	demo       *ui.Demo // the portal's demo sign-in, if on
	log        *slog.Logger
	addr       string
	errc       chan error

	nats  *natsingest.Consumer // nil without --nats
	edges *edges
}

// serveProfiles serves pprof's profiles on addr, for as long as the
// process lives.
func serveProfiles(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go http.Serve(ln, mux)
	log.Info("pprof profiles", "addr", ln.Addr().String())
	return nil
}

// startSingletons takes, if it can, the lease under which one of several
// nodes sharing the store runs the singleton work (the log's appender,
// dispute deadlines, purges), then opens the transparency log and, before
// anything is served, logs what a crash left recorded but unlogged.
func startSingletons(inst *installation, f serverFlags, log *slog.Logger) (*jobs, *auditService, error) {
	ttl := cmp.Or(f.leaseTTL, jobsLeaseTTL)
	if ttl < 300*time.Millisecond {
		return nil, nil, fmt.Errorf("--lease-ttl %s: want at least 300ms", f.leaseTTL)
	}
	jobs := singletonLease(inst, log, ttl)
	aud, err := startAudit(inst, f.log, inst.data, log, jobs.held)
	if err != nil {
		jobs.release()
		return nil, nil, err
	}
	return jobs, aud, nil
}

// startServer listens on addr and serves the API over inst. The returned
// server owns inst: wait closes it.
func startServer(inst *installation, f serverFlags, log *slog.Logger) (_ *server, err error) {
	eg, err := f.ops.open()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			eg.close()
		}
	}()
	if f.debugAddr != "" {
		if err := serveProfiles(f.debugAddr, log); err != nil {
			ln.Close()
			return nil, err
		}
	}
	jobs, aud, err := startSingletons(inst, f, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	defer func() {
		if err != nil {
			jobs.release()
		}
	}()
	start := time.Now()
	metrics := httpapi.NewMetrics(inst.store.Size)
	// The node holding the lease activates approved versions before it
	// serves; the others serve what is activated (activate).
	pipeline, sets, err := newPipeline(context.Background(), inst, ingest.Options{
		CacheSubjects: f.subjectCache, Logger: log, OnCommit: func(cs ingest.CommitStats) {
			metrics.IngestCommitted(cs.Requests, cs.Events, cs.Duplicates, cs.Duration, cs.Err)
		}}, jobs.held(), io.Discard)
	if err != nil {
		ln.Close()
		aud.close()
		return nil, err
	}
	active, all := sets.serve, sets.all
	log.Info("scores materialised", "scorecards", len(active), "took", time.Since(start).Round(time.Millisecond))
	published := scoring.NewPublished(active, all) // server.scorecards
	dec := decisions.New(inst.store, inst.vault, inst.cat, published, nil)
	dec.RecordDisclosures(aud.access)
	profiles := profile.New(profile.Config{Store: inst.store, Vault: inst.vault, Catalogue: inst.cat,
		Scorecards: published, Log: aud.log})
	disp := disputes.New(inst.store, inst.vault, inst.cat, nil)
	er := erasure.New(erasure.Config{Store: inst.store, Vault: inst.vault, Catalogue: inst.cat})
	acts := admins.New(inst.store, inst.vault, nil)
	versions := scoring.NewRegistry(inst.store, inst.cat).WithActs(acts)
	pol := policy.New(acts, versions, scoring.NewHistory(versions, inst.cat, published), nil)
	creds, err := newCredentials(inst, f.creds, ln.Addr().String(), published, aud.access)
	if err != nil {
		ln.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	reg := register.New(inst.store, inst.vault, published, nil)
	api := httpapi.New(httpapi.Config{Catalogue: inst.cat, Ingester: pipeline, Profiles: profiles, Proofs: profiles,
		Logger: log, Metrics: metrics, Scorecards: published,
		Decisions: dec, Disputes: disp,
		Access: aud.access, Log: aud.log, Checkpoints: aud.keeper, Health: aud.health, Erasure: er, Admin: acts, Register: reg, Credentials: creds,
		Registrar: inst.registrar(), Policy: pol})
	root, portal, demo, err := withPortal(api, inst, f, dec, disp, er, aud.access, profiles, published, log, creds, reg)
	if err != nil {
		ln.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	s := &server{inst: inst, api: api, portal: portal, pipeline: pipeline, audit: aud, disputes: disp, scorecards: published, jobs: jobs, demo: demo, log: log,
		addr: ln.Addr().String(), errc: make(chan error, 1),
		http: &http.Server{
			Handler:           eg.handler(root, log),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}}
	if s.nats, err = f.nats.start(inst, pipeline, log); err != nil {
		ln.Close()
		s.portal.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	s.edges = eg
	go func() { s.errc <- eg.serve(s.http, ln, api, log) }()
	api.SetReady(true)
	s.jobs.every("scorecard activation", scorecardCheck, func(ctx context.Context) (int, error) {
		cs, _, err := activate(ctx, inst, io.Discard)
		return len(cs), err
	})
	s.jobs.onEachNode("served scorecards", scorecardCheck, s.refreshScorecards)
	s.jobs.every("dispute deadlines", f.disputeCheck, func(ctx context.Context) (int, error) { return disp.Expire(ctx) })
	purger := retention.New(inst.store, inst.vault, inst.cat, nil)
	s.jobs.every("retention purge", f.purgeEvery, func(ctx context.Context) (int, error) {
		pr, err := purger.Run(ctx, nil)
		return pr.Purged, err
	})
	return s, nil
}

// scorecardCheck is how often a node looks for scorecard versions to
// activate (under the jobs' lease) and to serve (each node).
const scorecardCheck = 2 * time.Second

// refreshScorecards serves, on this node, the versions the registry says
// are to be served now (scorecardSets): a version approved and activated
// on any node is served here within scorecardCheck, with no restart. It
// returns 1 if the set changed.
func (s *server) refreshScorecards(ctx context.Context) (int, error) {
	sets, err := s.inst.scorecardSets(ctx)
	if err != nil {
		return 0, err
	}
	cur := s.scorecards.Snapshot()
	if sameVersions(cur.Active(), sets.serve) && sameVersions(cur.All(), sets.all) {
		return 0, nil
	}
	s.scorecards.Set(sets.serve, sets.all)
	var served []string
	for _, c := range sets.serve {
		served = append(served, fmt.Sprintf("%s v%d", c.Scorecard().ID, c.Scorecard().Version))
	}
	s.log.Info("serving scorecards", "versions", strings.Join(served, ", "))
	return 1, nil
}

// sameVersions reports whether a and b hold the same versions.
func sameVersions(a, b []*scoring.Compiled) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make(map[candor.ScorecardKey]bool, len(a))
	for _, c := range a {
		keys[c.Key()] = true
	}
	for _, c := range b {
		if !keys[c.Key()] {
			return false
		}
	}
	return true
}

// withPortal returns the root handler: the JSON API under /v1/, the
// transparency log under /log/, health and metrics endpoints, the person's portal and the
// operator console everywhere else; the portal, to close; and the portal's demo sign-in if f
// turns it on.
func withPortal(api http.Handler, inst *installation, f serverFlags, dec *decisions.Service, disp *disputes.Service, er *erasure.Service, access *audit.AccessLog, profiles *profile.Service, published *scoring.Published, log *slog.Logger, creds *credentials.Service, reg candor.Register) (http.Handler, *ui.Server, *ui.Demo, error) {
	history := scoring.NewHistory(scoring.NewRegistry(inst.store, inst.cat), inst.cat, published)
	// A console pass over the population takes half the cores, so that
	// the server keeps serving meanwhile.
	views := population.NewViews(inst.store, inst.vault, max(1, runtime.GOMAXPROCS(0)/2), published, history)
	cfg := ui.Config{Catalogue: inst.cat, Profiles: profiles, Proofs: profiles, Decisions: dec, Disputes: disp, Access: access,
		SecureCookies: f.secureCookies, Logger: log, Erasure: er, Admin: admins.New(inst.store, inst.vault, nil), Credentials: credentials.NewDesk(creds),
		History: history, Population: views, Parties: dec, Consents: dec, OptOuts: dec, DisputeDesk: disp, Sessions: vault.NewSessions(inst.vault, inst.store), Register: reg,
		Registrar: inst.registrar(), Scorecards: published}
	var demo *ui.Demo
	if f.demoSignIn {
		demo = ui.NewDemo(0, nil)
		cfg.SignIn = append(cfg.SignIn, demo)
	}
	if f.oidc.Issuer != "" {
		oc := f.oidc
		if f.oidcSecretFile != "" {
			secret, err := os.ReadFile(f.oidcSecretFile)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("oidc client secret: %w", err)
			}
			oc.ClientSecret = strings.TrimSpace(string(secret))
		}
		oc.Lookup = func(ctx context.Context, id candor.Identifier) (candor.SubjectID, error) {
			return inst.store.SubjectByIndex(ctx, inst.vault.BlindIndex(id))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		o, err := ui.NewOIDC(ctx, oc)
		if err != nil {
			return nil, nil, nil, err
		}
		cfg.SignIn = append(cfg.SignIn, o)
	}
	portal, err := ui.New(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", portal)
	for _, path := range []string{"/v1/", tlog.Prefix, httpapi.VerifierKeyPath, "/healthz", "/readyz", "/metrics", credentials.MetadataPath} {
		if path == "/metrics" && f.ops.metricsAddr != "" {
			continue // served on its own address (ops.go)
		}
		mux.Handle(path, api)
	}
	return mux, portal, demo, nil
}

// wait serves until ctx is done or the listener fails, then shuts down
// gracefully: it stops taking requests, lets in-flight requests and their
// group commits finish, and closes the store.
func (s *server) wait(ctx context.Context) error {
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-s.errc:
	}
	s.api.SetReady(false)
	if d := s.edges.f.drain; d > 0 && serveErr == nil {
		s.log.Info("shutting down: draining, /readyz answers 503", "for", d)
		time.Sleep(d)
	}
	s.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if s.nats != nil {
		s.nats.Close() // messages being ingested are committed and acked first
	}
	s.jobs.stop()
	s.portal.Close() // a console pass still running over the store
	s.edges.close()
	err = errors.Join(err, s.pipeline.Close())
	s.jobs.holdNow() // the log's last round is this node's if no other node holds the lease
	err = errors.Join(err, s.audit.close())
	s.jobs.release() // after the appender's last round, which it holds the lease for
	err = errors.Join(err, s.inst.store.Close())
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(fmt.Errorf("serve: %w", serveErr), err)
	}
	if err == nil {
		s.log.Info("stopped cleanly")
	}
	return err
}
