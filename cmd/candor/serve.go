package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/scoring"
)

// serverFlags are the flags of the commands that run the API server.
type serverFlags struct {
	addr, debugAddr string
	subjectCache    int
	log             logFlags // the transparency log (audit.go)
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", env("CANDOR_ADDR", "127.0.0.1:8080"), "listen address (env CANDOR_ADDR)")
	fs.StringVar(&f.debugAddr, "debug-addr", env("CANDOR_DEBUG_ADDR", ""),
		"if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env CANDOR_DEBUG_ADDR; never expose it)")
	n, _ := strconv.Atoi(env("CANDOR_SUBJECT_CACHE", ""))
	fs.IntVar(&f.subjectCache, "subject-cache", n,
		"subjects whose keys ingestion keeps in memory, ~150 bytes each; at least the number of active subjects (env CANDOR_SUBJECT_CACHE; 0: "+strconv.Itoa(ingest.DefaultCacheSubjects)+")")
	f.log.register(fs)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var vf serverFlags
	vf.register(fs)
	logFormat := fs.String("log-format", env("CANDOR_LOG_FORMAT", "json"), "log format: json or text (env CANDOR_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
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
	http     *http.Server
	pipeline *ingest.Pipeline
	audit    *auditService
	log      *slog.Logger
	addr     string
	errc     chan error
}

// startServer listens on addr and serves the API over inst. The returned
// server owns inst: wait closes it.
func startServer(inst *installation, f serverFlags, log *slog.Logger) (*server, error) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	if f.debugAddr != "" {
		dln, err := net.Listen("tcp", f.debugAddr)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("debug listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go http.Serve(dln, mux) // lives as long as the process
		log.Info("pprof profiles", "addr", dln.Addr().String())
	}
	// Before anything is served: log what a crash left recorded but unlogged.
	aud, err := startAudit(inst, f.log, inst.data, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	start := time.Now()
	metrics := httpapi.NewMetrics(inst.store.Size)
	pipeline, active, all, err := newPipeline(context.Background(), inst, ingest.Options{
		CacheSubjects: f.subjectCache, OnCommit: metrics.OnCommit, Logger: log}, io.Discard)
	if err != nil {
		ln.Close()
		aud.close()
		return nil, err
	}
	log.Info("scores materialised", "scorecards", len(active), "took", time.Since(start).Round(time.Millisecond))
	scorers := func(cs []*scoring.Compiled) []httpapi.Scorer {
		out := make([]httpapi.Scorer, len(cs))
		for i, c := range cs {
			out[i] = c
		}
		return out
	}
	api := httpapi.New(httpapi.Config{Store: inst.store, Catalogue: inst.cat, Vault: inst.vault, Ingester: pipeline,
		Logger: log, Metrics: metrics, Scorecards: scorers(active), Versions: scorers(all),
		Decisions: decisions.New(inst.store, inst.vault, inst.cat, active, all, nil),
		Access:    aud.access, Log: aud.log})
	s := &server{inst: inst, api: api, pipeline: pipeline, audit: aud, log: log, addr: ln.Addr().String(), errc: make(chan error, 1),
		http: &http.Server{
			Handler:           api,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}}
	go func() { s.errc <- s.http.Serve(ln) }()
	api.SetReady(true)
	return s, nil
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
	s.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.http.Shutdown(sctx)
	err = errors.Join(err, s.pipeline.Close(), s.audit.close(), s.inst.store.Close())
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(fmt.Errorf("serve: %w", serveErr), err)
	}
	if err == nil {
		s.log.Info("stopped cleanly")
	}
	return err
}
