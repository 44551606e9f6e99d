package edge_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/internal/edge"
)

func TestParseProxies(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"", ""},
		{"10.0.0.0/8, 192.0.2.7,2001:db8::/32", ""},
		{"10.0.0.0/8,nope,300.1.1.1", `"nope", "300.1.1.1"`},
		{"10.0.0.0/33", `"10.0.0.0/33"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := edge.ParseProxies(tc.in)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want one naming %s", err, tc.err)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	p, err := edge.ParseProxies("10.0.0.0/8,192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer, xff, want string
	}{
		{"untrusted peer: a spoofed header is ignored", "203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},
		{"trusted proxy", "10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:4000", "198.51.100.1, 192.0.2.7, 10.9.9.9", "198.51.100.1"},
		{"client-written entries left of the first untrusted are ignored", "10.1.2.3:4000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
		{"malformed entry stops the walk", "10.1.2.3:4000", "198.51.100.1, junk", "10.1.2.3"},
		{"no header", "10.1.2.3:4000", "", "10.1.2.3"},
		{"ipv4-mapped peer", "[::ffff:10.1.2.3]:4000", "198.51.100.1", "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := p.ClientAddr(r); got.String() != tc.want {
				t.Errorf("client %s, want %s", got, tc.want)
			}
			var seen string
			p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr })).ServeHTTP(httptest.NewRecorder(), r)
			if ap, err := netip.ParseAddrPort(seen); err != nil || ap.Addr().String() != tc.want {
				t.Errorf("handler saw RemoteAddr %q, want %s", seen, tc.want)
			}
		})
	}
}

// The header is the outside input: whatever it holds, the client is the
// peer or an address the header names, and a peer that is not trusted is
// never replaced.
func FuzzClientAddr(f *testing.F) {
	f.Add("203.0.113.5:1", "1.2.3.4")
	f.Add("10.0.0.1:1", "1.2.3.4, 10.0.0.2")
	f.Add("10.0.0.1:1", ",,,")
	p, _ := edge.ParseProxies("10.0.0.0/8")
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := p.ClientAddr(r)
		ap, err := netip.ParseAddrPort(peer)
		if err != nil {
			if got.IsValid() {
				t.Fatalf("client %s from an unparsable peer", got)
			}
			return
		}
		if !strings.HasPrefix(ap.Addr().Unmap().String(), "10.") && got != ap.Addr().Unmap() {
			t.Fatalf("untrusted peer %s replaced by %s", peer, got)
		}
		if !got.IsValid() {
			t.Fatalf("no client address for peer %s", peer)
		}
	})
}

func FuzzParseProxies(f *testing.F) {
	f.Add("10.0.0.0/8,192.0.2.7")
	f.Add("::1/128, fe80::/10")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := edge.ParseProxies(s)
		if (p == nil) == (err == nil) {
			t.Fatalf("ParseProxies(%q) = %v, %v", s, p, err)
		}
	})
}

func TestLogNamesRouteNotPath(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/subjects/{id}", func(w http.ResponseWriter, r *http.Request) {
		edge.SetPrincipal(r.Context(), "operator")
		w.WriteHeader(http.StatusTeapot)
	})
	h := edge.Log(log, mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/subjects/0123456789abcdef?scheme=national_id&value=AB1234567", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nowhere/AB1234567", nil))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), buf.String())
	}
	for _, secret := range []string{"0123456789abcdef", "AB1234567"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log holds %s:\n%s", secret, buf.String())
		}
	}
	var first, second map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	if first["route"] != "GET /v1/subjects/{id}" || first["status"] != 418.0 || first["principal"] != "operator" || first["method"] != "GET" || first["duration"] == nil {
		t.Errorf("first line %v", first)
	}
	if second["route"] != "unmatched" || second["status"] != 404.0 || second["principal"] != "anonymous" {
		t.Errorf("second line %v", second)
	}
}

// writePair writes a new self-signed certificate for name and its key.
func writePair(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cf, kf
}

func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	cf, kf := writePair(t, dir, "one.test")
	c, err := edge.LoadCert(cf, kf)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", c.Config())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	go srv.Serve(ln)
	defer srv.Close()
	served := func() string {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if got := served(); got != "one.test" {
		t.Fatalf("serves %s", got)
	}
	writePair(t, dir, "two.test")
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := served(); got != "two.test" {
		t.Errorf("after Reload serves %s, want two.test", got)
	}
	os.WriteFile(kf, []byte("not a key"), 0o600)
	if err := c.Reload(); err == nil {
		t.Error("Reload accepted a broken key")
	}
	if got := served(); got != "two.test" {
		t.Errorf("after a failed Reload serves %s, want the last good two.test", got)
	}
	if _, err := edge.LoadCert(cf, kf); err == nil {
		t.Error("LoadCert accepted a broken key")
	}
}
