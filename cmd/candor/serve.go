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
	"time"

	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/ingest"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", env("CANDOR_ADDR", "127.0.0.1:8080"), "listen address (env CANDOR_ADDR)")
	logFormat := fs.String("log-format", env("CANDOR_LOG_FORMAT", "json"), "log format: json or text (env CANDOR_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, *logFormat, slog.LevelInfo)
	inst, err := sf.open(log)
	if err != nil {
		return err
	}
	srv, err := startServer(inst, *addr, log)
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
	log      *slog.Logger
	addr     string
	errc     chan error
}

// startServer listens on addr and serves the API over inst. The returned
// server owns inst: wait closes it.
func startServer(inst *installation, addr string, log *slog.Logger) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	metrics := httpapi.NewMetrics(inst.store.Size)
	pipeline := ingest.New(ingest.Options{Catalogue: inst.cat, Vault: inst.vault, Store: inst.store, OnCommit: metrics.OnCommit, Logger: log})
	api := httpapi.New(httpapi.Config{Store: inst.store, Catalogue: inst.cat, Vault: inst.vault, Ingester: pipeline,
		Logger: log, Metrics: metrics})
	s := &server{inst: inst, api: api, pipeline: pipeline, log: log, addr: ln.Addr().String(), errc: make(chan error, 1),
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
	err = errors.Join(err, s.pipeline.Close(), s.inst.store.Close())
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(fmt.Errorf("serve: %w", serveErr), err)
	}
	if err == nil {
		s.log.Info("stopped cleanly")
	}
	return err
}
