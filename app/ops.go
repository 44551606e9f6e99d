package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/candor-project/candor/internal/edge"
)

// edges are the running parts OpsConfig configures.
type edges struct {
	f       OpsConfig
	proxies *edge.Proxies
	cert    *edge.Cert // nil: plain HTTP
	hup     chan os.Signal
	metrics *http.Server // nil: /metrics on the main address
	mln     net.Listener
}

// openEdges reads the certificate and opens the metrics listener. Errors
// name the flag at fault.
func openEdges(f OpsConfig) (*edges, error) {
	e := &edges{f: f}
	var err error
	if e.proxies, err = edge.ParseProxies(f.TrustedProxies); err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	if f.TLSCertFile != "" {
		if e.cert, err = edge.LoadCert(f.TLSCertFile, f.TLSKeyFile); err != nil {
			return nil, err
		}
	}
	if f.MetricsAddr != "" {
		if e.mln, err = net.Listen("tcp", f.MetricsAddr); err != nil {
			return nil, fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	return e, nil
}

// handler wraps root with the request log and the client address.
func (e *edges) handler(root http.Handler, log *slog.Logger) http.Handler {
	if e.f.QuietRequests {
		return e.proxies.Handler(root)
	}
	return edge.Log(log, e.proxies.Handler(root))
}

// serve serves h on ln (with TLS if configured, certificate re-read on
// SIGHUP) and the API's /metrics on the metrics address.
func (e *edges) serve(srv *http.Server, ln net.Listener, api http.Handler, log *slog.Logger) error {
	if e.mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api)
		e.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go e.metrics.Serve(e.mln)
		log.Info("metrics", "addr", e.mln.Addr().String())
	}
	if e.cert == nil {
		return srv.Serve(ln)
	}
	e.hup = make(chan os.Signal, 1)
	signal.Notify(e.hup, syscall.SIGHUP)
	go func() {
		for range e.hup {
			if err := e.cert.Reload(); err != nil {
				log.Error("SIGHUP: keeping the certificate served so far", "err", err)
				continue
			}
			log.Info("SIGHUP: certificate reloaded", "file", e.f.TLSCertFile)
		}
	}()
	srv.TLSConfig = e.cert.Config()
	return srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
}

// close stops the SIGHUP handler and the metrics server.
func (e *edges) close() {
	if e.hup != nil {
		signal.Stop(e.hup)
		close(e.hup)
	}
	if e.metrics != nil {
		e.metrics.Close()
	} else if e.mln != nil {
		e.mln.Close()
	}
}
