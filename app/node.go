package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
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
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/natsingest"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/population"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/retention"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/ui"
	"github.com/candor-project/candor/vault"
)

// Node is a running API server over an installation, with its ingestion
// pipeline, its transparency log and its jobs.
type Node struct {
	inst      *Installation
	api       *httpapi.Server
	portal    *ui.Server
	http      *http.Server
	pipeline  *ingest.Pipeline
	decisions *decisions.Service
	audit     *auditService
	disputes  *disputes.Service
	// scorecards are the scorecard versions served: every service reads
	// them per request, so Set on them serves a newly activated version
	// without a restart (its matches must be stored first).
	scorecards *scoring.Published
	jobs       *jobs    // periodic work, stopped before the store closes
	demo       *ui.Demo // the portal's demo sign-in, if on
	log        *slog.Logger
	addr       string
	errc       chan error

	nats     *natsingest.Consumer // nil without --nats
	edges    *edges
	rotation *keyRotation
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
func startSingletons(inst *Installation, cfg Config, log *slog.Logger) (*jobs, *auditService, error) {
	jobs := singletonLease(inst, log, cmp.Or(cfg.Server.LeaseTTL, DefaultLeaseTTL))
	aud, err := startAudit(inst, cfg.TLog, inst.Data, log, jobs.held)
	if err != nil {
		jobs.release()
		return nil, nil, err
	}
	return jobs, aud, nil
}

// Start checks cfg's server and log settings, listens on its address and
// serves the API and the portal over inst, with the jobs (under the lease
// of nodes sharing the store), the transparency log and, if configured,
// NATS ingestion. The returned node owns inst: Wait and Close close it.
// A bad setting is an error naming its flag and variable.
func Start(inst *Installation, cfg Config, log *slog.Logger) (_ *Node, err error) {
	if err := cfg.validate(ServerSettings | TLogSettings); err != nil {
		return nil, err
	}
	f := cfg.Server
	eg, err := openEdges(f.Ops)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			eg.close()
		}
	}()
	if f.DebugAddr != "" {
		if err := serveProfiles(f.DebugAddr, log); err != nil {
			ln.Close()
			return nil, err
		}
	}
	jobs, aud, err := startSingletons(inst, cfg, log)
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
	metrics := httpapi.NewMetrics(inst.Store.Size)
	aud.checker.register(metrics)
	// The node holding the lease activates approved versions before it
	// serves; the others serve what is activated (Activate).
	links := identity.New(identity.Config{Store: inst.Store, Vault: inst.Vault})
	pipeline, sets, err := inst.NewPipeline(context.Background(), ingest.Options{
		Links: links, CacheSubjects: f.SubjectCache, Logger: log, OnCommit: func(cs ingest.CommitStats) {
			metrics.IngestCommitted(cs.Requests, cs.Events, cs.Duplicates, cs.Duration, cs.Err)
		}}, jobs.held(), io.Discard)
	if err != nil {
		ln.Close()
		aud.close()
		return nil, err
	}
	active, all := sets.Serve, sets.All
	log.Info("scores materialised", "scorecards", len(active), "took", time.Since(start).Round(time.Millisecond))
	published := scoring.NewPublished(active, all) // Node.scorecards
	dec := decisions.New(inst.Store, inst.Vault, inst.Catalogue, published, nil)
	dec.WithGroups(links)
	dec.RecordDisclosures(aud.access)
	profiles := profile.New(profile.Config{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue,
		Scorecards: published, Log: aud.log, Groups: links})
	disp := watchedDisputes(inst, metrics)
	links.WithDisputes(disp) // a disputed link goes to review,
	disp.UndoLinks(links)    // and is undone when the dispute upholds the subject
	er := erasure.New(erasure.Config{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue, Groups: links})
	acts := admins.New(inst.Store, inst.Vault, nil)
	versions := scoring.NewRegistry(inst.Store, inst.Catalogue).WithActs(acts)
	pol := policy.New(acts, versions, scoring.NewHistory(versions, inst.Catalogue, published), nil)
	creds, err := newCredentials(inst, f.Credentials, ln.Addr().String(), published, aud.access, links)
	var signer *decisions.Signer
	if err == nil {
		signer, err = decisions.LoadOrCreateSigner(cmp.Or(f.DecisionKeyFile, filepath.Clean(inst.Data)+".decision.key"))
	}
	if err != nil {
		ln.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	reg := register.New(inst.Store, inst.Vault, published, nil)
	reg.WithGroups(links)
	rot := newKeyRotation(inst, cfg.Store, log, metrics)
	statistics := newStatistics(inst, f.Stats, published, links)
	api := httpapi.New(httpapi.Config{DecisionSigner: signer, Catalogue: inst.Catalogue, Ingester: pipeline, Profiles: profiles, Proofs: profiles,
		Logger: log, Metrics: metrics, Scorecards: published,
		Decisions: dec, Disputes: disp,
		Access: aud.access, Log: aud.log, Checkpoints: aud.keeper, Health: aud.health, Erasure: er, Admin: acts, Register: reg, Credentials: creds,
		Registrar: inst.Registrar(), Policy: pol, Backup: backups{inst, aud}, Rotation: rot, Statistics: statistics, Identity: links})
	root, portal, demo, err := withPortal(api, metrics, inst, f, dec, disp, er, aud.access, profiles, published, log, creds, reg, pol, statistics, links)
	if err != nil {
		ln.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	s := &Node{inst: inst, api: api, portal: portal, pipeline: pipeline, decisions: dec, audit: aud, disputes: disp, scorecards: published, jobs: jobs, demo: demo, log: log, rotation: rot,
		addr: ln.Addr().String(), errc: make(chan error, 1),
		http: &http.Server{
			Handler:           eg.handler(aud.checker.guard(root), log),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}}
	if s.nats, err = f.NATS.start(inst, pipeline, log); err != nil {
		ln.Close()
		s.portal.Close()
		pipeline.Close()
		aud.close()
		return nil, err
	}
	if s.nats != nil {
		aud.checker.whenDamaged(func() { s.nats.Close() }) // messages wait in the stream
	}
	s.edges = eg
	registerMemory(metrics, s)
	go func() { s.errc <- eg.serve(s.http, ln, api, log) }()
	api.SetReady(true)
	s.scheduleJobs(inst, cfg, disp, dec, er, statistics)
	return s, nil
}

// scheduleJobs starts the node's periodic work: erasures cut short (by
// a crash between the shredding of the key and the commit), activation and
// refresh of scorecards, dispute deadlines, keyring backups, retention,
// expired idempotency keys and monthly statistics releases.
func (s *Node) scheduleJobs(inst *Installation, cfg Config, disp *disputes.Service, dec *decisions.Service, er *erasure.Service, statistics *stats.Service) {
	started := time.Now()
	s.jobs.every("erasures cut short", time.Minute, func(ctx context.Context) (int, error) {
		// An erasure begun less than a minute ago may be under way on
		// another node sharing the store; on the embedded store, which
		// no other process holds, every one begun before this start was
		// cut short.
		before := time.Now().Add(-time.Minute)
		if cfg.Store.Store == "" {
			before = later(before, started)
		}
		return er.Resume(ctx, before)
	})
	s.jobs.every("scorecard activation", scorecardCheck, func(ctx context.Context) (int, error) {
		cs, _, err := inst.Activate(ctx, io.Discard)
		return len(cs), err
	})
	s.jobs.onEachNode("served scorecards", scorecardCheck, s.refreshScorecards)
	s.rotation.resume()
	if inst.wraps != nil { // the keyring keeps the wrapping key's generations
		s.jobs.onEachNode("wrapping keys", wrapPoll, func(ctx context.Context) (int, error) { return 0, inst.wraps.load(ctx) })
		s.jobs.every("key rotation", wrapPoll, func(ctx context.Context) (int, error) { return s.rotation.runShared(ctx, s.jobs.held) })
	}
	s.jobs.every("dispute deadlines", cfg.Server.DisputeCheck, func(ctx context.Context) (int, error) { return disp.Expire(ctx) })
	if dir := cfg.Server.KeyringBackupDir; dir != "" {
		s.jobs.every("keyring backup", cfg.Server.KeyringBackupEvery, func(ctx context.Context) (int, error) {
			_, n, err := BackupKeyring(ctx, inst.Keyring, dir, cmp.Or(cfg.Store.KeyringRetention, DefaultKeyringRetention), time.Now())
			return n, err
		})
	}
	purger := retention.New(inst.Store, inst.Vault, inst.Catalogue, nil)
	s.jobs.every("retention purge", cfg.Server.PurgeEvery, func(ctx context.Context) (int, error) {
		pr, err := purger.Run(ctx, nil)
		return pr.Purged, err
	})
	s.jobs.every("idempotency keys", time.Hour, func(ctx context.Context) (int, error) {
		return dec.PurgeIdempotencyKeys(ctx, time.Now())
	})
	s.jobs.everyAfter("statistics release", cfg.Server.Stats.ReleaseEvery, statistics.PublishDue)
}

// watchedDisputes returns the disputes service, with the metrics of
// disputes and of the log's lag watching the store.
func watchedDisputes(inst *Installation, metrics *httpapi.Metrics) *disputes.Service {
	disp := disputes.New(inst.Store, inst.Vault, inst.Catalogue, nil)
	disp.OnStatus(metrics.DisputeEntered)
	metrics.WatchDisputesOpen(disp.OpenCount)
	metrics.WatchLogLag(func(ctx context.Context) (int, int, error) { return audit.Lag(ctx, inst.Store) })
	return disp
}

// scorecardCheck is how often a node looks for scorecard versions to
// activate (under the jobs' lease) and to serve (each node).
const scorecardCheck = 2 * time.Second

// refreshScorecards serves, on this node, the versions the registry says
// are to be served now (ScorecardSets): a version approved and activated
// on any node is served here within scorecardCheck, with no restart. It
// returns 1 if the set changed.
func (s *Node) refreshScorecards(ctx context.Context) (int, error) {
	sets, err := s.inst.ScorecardSets(ctx)
	if err != nil {
		return 0, err
	}
	cur := s.scorecards.Snapshot()
	if sameVersions(cur.Active(), sets.Serve) && sameVersions(cur.All(), sets.All) {
		return 0, nil
	}
	s.scorecards.Set(sets.Serve, sets.All)
	var served []string
	for _, c := range sets.Serve {
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

// activeVersions returns the active versions published serves when
// called, as the statistics count their grades.
func activeVersions(published *scoring.Published) func() []stats.Card {
	return func() []stats.Card {
		active := published.Snapshot().Active()
		out := make([]stats.Card, len(active))
		for i, c := range active {
			out[i] = c
		}
		return out
	}
}

// withPortal returns the root handler: the JSON API under /v1/, the
// transparency log under /log/, health and metrics endpoints, the person's portal and the
// operator console everywhere else; the portal, to close; and the portal's demo sign-in if f
// turns it on.
func withPortal(api http.Handler, metrics *httpapi.Metrics, inst *Installation, f ServerConfig, dec *decisions.Service, disp *disputes.Service, er *erasure.Service, access *audit.AccessLog, profiles *profile.Service, published *scoring.Published, log *slog.Logger, creds *credentials.Service, reg candor.Register, pol candor.Policy, statistics *stats.Service, links *identity.Service) (http.Handler, *ui.Server, *ui.Demo, error) {
	history := scoring.NewHistory(inst.Registry(), inst.Catalogue, published)
	// A console pass over the population takes half the cores, so that
	// the server keeps serving meanwhile.
	views := population.NewViews(inst.Store, inst.Vault, max(1, runtime.GOMAXPROCS(0)/2), history)
	cfg := ui.Config{Catalogue: inst.Catalogue, Profiles: profiles, Proofs: profiles, Decisions: dec, Disputes: disp, Access: access,
		SecureCookies: f.SecureCookies, Logger: log, Erasure: er, Admin: admins.New(inst.Store, inst.Vault, nil), Credentials: credentials.NewDesk(creds),
		History: history, Population: statistics.ConsoleViews(views), Statistics: statistics, Parties: dec, Consents: dec, OptOuts: dec, DisputeDesk: disp, Sessions: vault.NewSessions(inst.Vault, inst.Store), Register: reg,
		Registrar: inst.Registrar(), Scorecards: published, Policy: pol, Links: links}
	var demo *ui.Demo
	if f.DemoSignIn {
		demo = ui.NewDemo(0, nil)
		cfg.SignIn = append(cfg.SignIn, demo)
	}
	if f.OIDC.Issuer != "" {
		oc := ui.OIDCConfig{Issuer: f.OIDC.Issuer, ClientID: f.OIDC.ClientID, RedirectURL: f.OIDC.RedirectURL, Claim: f.OIDC.Claim}
		if f.OIDC.Scheme != "" {
			oc.Scheme, _ = candor.ParseScheme(f.OIDC.Scheme) // checked with the settings
		}
		if f.OIDC.ClientSecretFile != "" {
			secret, err := os.ReadFile(f.OIDC.ClientSecretFile)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("oidc client secret: %w", err)
			}
			oc.ClientSecret = strings.TrimSpace(string(secret))
		}
		oc.Lookup = func(ctx context.Context, id candor.Identifier) (candor.SubjectID, error) {
			return inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(id))
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
	mux.Handle("/", metrics.Portal(portal))
	for _, path := range []string{"/v1/", tlog.Prefix, httpapi.VerifierKeyPath, httpapi.DecisionKeysPath, "/healthz", "/readyz", "/metrics", credentials.MetadataPath} {
		if path == "/metrics" && f.Ops.MetricsAddr != "" {
			continue // served on its own address (ops.go)
		}
		mux.Handle(path, api)
	}
	return mux, portal, demo, nil
}

// Wait serves until ctx is done or the listener fails, then shuts down
// gracefully: it stops taking requests, lets in-flight requests and their
// group commits finish, and closes the store.
func (s *Node) Wait(ctx context.Context) error {
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-s.errc:
	}
	s.api.SetReady(false)
	if d := s.edges.f.DrainDelay; d > 0 && serveErr == nil {
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
	s.rotation.stop() // its progress is kept: the next start goes on
	s.portal.Close()  // a console pass still running over the store
	s.edges.close()
	err = errors.Join(err, s.pipeline.Close())
	s.jobs.holdNow() // the log's last round is this node's if no other node holds the lease
	err = errors.Join(err, s.audit.close())
	s.jobs.release() // after the appender's last round, which it holds the lease for
	err = errors.Join(err, s.inst.Close())
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(fmt.Errorf("serve: %w", serveErr), err)
	}
	if err == nil {
		s.log.Info("stopped cleanly")
	}
	return err
}

// Close shuts the node down as Wait does once its context is done.
func (s *Node) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return s.Wait(ctx)
}

// Addr is the address the node listens on.
func (s *Node) Addr() string { return s.addr }

// Access is where the node records reads of subjects' data.
func (s *Node) Access() *audit.AccessLog { return s.audit.access }

// Installation is the installation the node serves.
func (s *Node) Installation() *Installation { return s.inst }

// Demo is the portal's demo sign-in, nil unless ServerConfig.DemoSignIn.
func (s *Node) Demo() *ui.Demo { return s.demo }

// API is the node's JSON API handler.
func (s *Node) API() http.Handler { return s.api }

// ServerLike returns an HTTP server with the node's settings (timeouts,
// error log) that serves h. It copies the settings one by one: Serve
// writes some of a server's other exported fields (TLSNextProto), so the
// node's cannot be read whole while it runs.
func (s *Node) ServerLike(h http.Handler) *http.Server {
	model := s.http
	return &http.Server{
		Handler:                      h,
		DisableGeneralOptionsHandler: model.DisableGeneralOptionsHandler,
		ReadTimeout:                  model.ReadTimeout,
		ReadHeaderTimeout:            model.ReadHeaderTimeout,
		WriteTimeout:                 model.WriteTimeout,
		IdleTimeout:                  model.IdleTimeout,
		MaxHeaderBytes:               model.MaxHeaderBytes,
		ConnState:                    model.ConnState,
		ErrorLog:                     model.ErrorLog,
		BaseContext:                  model.BaseContext,
		ConnContext:                  model.ConnContext,
		HTTP2:                        model.HTTP2,
		Protocols:                    model.Protocols,
	}
}

// newStatistics returns the statistics service with the configured
// budgets. A pass for statistics takes half the cores, as the console's do.
func newStatistics(inst *Installation, c StatsConfig, published *scoring.Published, links stats.Groups) *stats.Service {
	analystEps, releaseEps, consoleEps, _ := c.epsilons() // checked with the config
	return stats.New(stats.Options{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue,
		Workers: max(1, runtime.GOMAXPROCS(0)/2), Scorecards: activeVersions(published), Groups: links,
		AnalystEpsilon: analystEps, ReleaseEpsilon: releaseEps, ConsoleEpsilon: consoleEps})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
