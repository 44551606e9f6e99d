package main

import (
	"errors"
	"flag"
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

// opsFlags configure how the server meets the network: TLS, trusted
// proxies, the metrics address and draining on shutdown.
type opsFlags struct {
	tlsCert, tlsKey, proxies, metricsAddr string
	drain                                 time.Duration
	// quietRequests leaves out the request log (candor demo); failed
	// authentications and sign-ins are still logged.
	quietRequests bool
}

func (f *opsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.tlsCert, "tls-cert-file", env("CANDOR_TLS_CERT_FILE", ""), "serve HTTPS with this PEM certificate (chain); re-read on SIGHUP (env CANDOR_TLS_CERT_FILE)")
	fs.StringVar(&f.tlsKey, "tls-key-file", env("CANDOR_TLS_KEY_FILE", ""), "the certificate's PEM private key; re-read on SIGHUP (env CANDOR_TLS_KEY_FILE)")
	fs.StringVar(&f.proxies, "trusted-proxies", env("CANDOR_TRUSTED_PROXIES", ""),
		"CIDR prefixes or addresses of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8,192.0.2.7 (env CANDOR_TRUSTED_PROXIES)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", env("CANDOR_METRICS_ADDR", ""),
		"if set, serve /metrics on this address only, not on --addr (env CANDOR_METRICS_ADDR)")
	fs.DurationVar(&f.drain, "drain-delay", 0,
		"on shutdown, answer /readyz with 503 for this long before refusing connections, so a load balancer stops sending (env CANDOR_DRAIN_DELAY)")
}

// edges are the running parts opsFlags configure.
type edges struct {
	f       opsFlags
	proxies *edge.Proxies
	cert    *edge.Cert // nil: plain HTTP
	hup     chan os.Signal
	metrics *http.Server // nil: /metrics on the main address
	mln     net.Listener
}

// open checks the flags, reads the certificate and opens the metrics
// listener. Errors name the flag at fault.
func (f opsFlags) open() (*edges, error) {
	e := &edges{f: f}
	var err error
	if e.proxies, err = edge.ParseProxies(f.proxies); err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--tls-cert-file and --tls-key-file go together")
	}
	if f.tlsCert != "" {
		if e.cert, err = edge.LoadCert(f.tlsCert, f.tlsKey); err != nil {
			return nil, err
		}
	}
	if f.metricsAddr != "" {
		if e.mln, err = net.Listen("tcp", f.metricsAddr); err != nil {
			return nil, fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	return e, nil
}

// handler wraps root with the request log and the client address.
func (e *edges) handler(root http.Handler, log *slog.Logger) http.Handler {
	if e.f.quietRequests {
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
			log.Info("SIGHUP: certificate reloaded", "file", e.f.tlsCert)
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
