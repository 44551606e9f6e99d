package edge

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxies is a set of trusted proxy networks. The zero value trusts none.
type Proxies struct{ nets []netip.Prefix }

// ParseProxies parses a comma-separated list of CIDR prefixes or single
// addresses ("10.0.0.0/8,192.0.2.7"); "" trusts none. Errors name every
// entry that is neither.
func ParseProxies(s string) (*Proxies, error) {
	p := &Proxies{}
	var bad []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if pfx, err := netip.ParsePrefix(f); err == nil {
			p.nets = append(p.nets, pfx.Masked())
		} else if a, err := netip.ParseAddr(f); err == nil {
			p.nets = append(p.nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			bad = append(bad, fmt.Sprintf("%q", f))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("trusted proxies: %s: want CIDR prefixes (10.0.0.0/8) or addresses, separated by commas", strings.Join(bad, ", "))
	}
	return p, nil
}

func (p *Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client that made r: the peer
// itself unless the peer is a trusted proxy, and then the rightmost
// X-Forwarded-For entry that is not a trusted proxy (entries further left
// were written by the client and prove nothing). A malformed entry ends
// the walk at the last address known good.
func (p *Proxies) ClientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	client := ap.Addr().Unmap()
	if !p.trusted(client) {
		return client
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = a.Unmap()
		if !p.trusted(client) {
			return client
		}
	}
	return client
}

// Handler sets r.RemoteAddr to the client's address (port 0) when the peer
// is a trusted proxy, so that everything keyed on RemoteAddr (the public
// register's rate limit) sees the client, not the proxy. Without trusted
// proxies it changes nothing.
func (p *Proxies) Handler(next http.Handler) http.Handler {
	if len(p.nets) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := p.ClientAddr(r); a.IsValid() {
			r.RemoteAddr = netip.AddrPortFrom(a, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}

type infoKey struct{}

// info is what handlers tell the request log.
type info struct{ principal atomic.Value }

// SetPrincipal tells the request log which kind of principal (a role:
// "source", "operator", …) the request authenticated as. Handlers call it
// once they have authenticated; it does nothing outside Log.
func SetPrincipal(ctx context.Context, kind string) {
	if in, ok := ctx.Value(infoKey{}).(*info); ok {
		in.principal.Store(kind)
	}
}

// Log logs one line per request at level Info: method, route pattern (never
// the path, which may hold a subject's ID, nor the query, which may hold an
// identifier), status, duration and the principal kind ("anonymous" when
// none authenticated).
func Log(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := &info{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, in))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(sw, r) // the muxes set r.Pattern to the route they matched
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		principal, _ := in.principal.Load().(string)
		if principal == "" {
			principal = "anonymous"
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("principal", principal))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Cert is a TLS certificate read from a certificate and a key file, which
// Reload reads again (on SIGHUP), so that a renewed certificate is served
// without a restart. Safe for concurrent use.
type Cert struct {
	certFile, keyFile string
	mu                sync.RWMutex
	cert              *tls.Certificate
}

// LoadCert reads the pair. Errors: unreadable files or a key that does not
// match the certificate.
func LoadCert(certFile, keyFile string) (*Cert, error) {
	c := &Cert{certFile: certFile, keyFile: keyFile}
	return c, c.Reload()
}

// Reload reads the files again. On error the certificate served so far is
// kept.
func (c *Cert) Reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	c.mu.Lock()
	c.cert = &cert
	c.mu.Unlock()
	return nil
}

// Config returns a TLS configuration (TLS 1.2 at least) serving the
// current certificate.
func (c *Cert) Config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return c.cert, nil
	}}
}

// hostOnly strips a port from addr, for logs of failed sign-ins.
func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// AuthFailed logs a refused credential: where (route), from which client
// address, and why (an error code), never the credential.
func AuthFailed(log *slog.Logger, r *http.Request, code string) {
	log.LogAttrs(r.Context(), slog.LevelWarn, "authentication failed",
		slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("client", hostOnly(r.RemoteAddr)), slog.String("code", code))
}
