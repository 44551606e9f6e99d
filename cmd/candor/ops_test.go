package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

// syncBuffer is a log sink the server writes from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// opsServer starts a server in this process with extra serve flags,
// logging JSON to the returned buffer. stop stops it; a test may call it
// itself.
func opsServer(t *testing.T, extra ...string) (srv *app.Node, inst *app.Installation, logs *syncBuffer, stop func() error) {
	t.Helper()
	cfg := serveConfig(t, filepath.Join(t.TempDir(), "data"), extra...)
	logs = &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err = app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() error {
		var err error
		once.Do(func() {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err = srv.Wait(ctx)
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return srv, inst, logs, stop
}

func get(t *testing.T, c *http.Client, url, token string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRequestLogHoldsNoIdentifier reads a person's profile as an operator
// and checks the log names routes, statuses and roles but never the
// national ID, the subject ID or a key, and records a refused key.
func TestRequestLogHoldsNoIdentifier(t *testing.T) {
	srv, inst, logs, stop := opsServer(t)
	ctx := context.Background()
	if err := inst.Store.PutSource(ctx, &candor.Source{ID: "bank1", Name: "Bank One", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_paid"}}); err != nil {
		t.Fatal(err)
	}
	src, _ := newKey(ctx, inst, candor.RoleSource, "bank1")
	op, _ := newKey(ctx, inst, candor.RoleOperator, "olga")
	base := "http://" + srv.Addr()
	body := `{"id":"e1","subject":{"kind":"person","scheme":"national_id","value":"ZZ9876543"},"type":"credit.instalment_paid","occurred_at":"2026-10-01T00:00:00Z","fields":{"account":"A1","amount":"10.00","currency":"EUR"}}`
	req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+src)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v %v", resp, err)
	}
	resp.Body.Close()
	purpose := []string{"Candor-Purpose", "subject_request"}
	status, out := get(t, http.DefaultClient, base+"/v1/subjects:lookup?scheme=national_id&value=ZZ9876543", op, purpose...)
	var sub struct{ ID string }
	if json.Unmarshal([]byte(out), &sub); status != 200 || sub.ID == "" {
		t.Fatalf("lookup: %d %s", status, out)
	}
	for _, path := range []string{"/v1/subjects/" + sub.ID, "/v1/subjects/" + sub.ID + "/events?since=2026-01-01"} {
		if status, out := get(t, http.DefaultClient, base+path, op, purpose...); status != 200 {
			t.Fatalf("%s: %d %s", path, status, out)
		}
	}
	if status, _ := get(t, http.DefaultClient, base+"/v1/subjects/"+sub.ID, "cndr_op_wrongwrongwrong"); status != 401 {
		t.Fatalf("a wrong key got %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	log := logs.String()
	for _, secret := range []string{"ZZ9876543", sub.ID, op, src, "wrongwrongwrong"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	for _, want := range []string{
		`"msg":"request","method":"POST","route":"POST /v1/events","status":200`,
		`"route":"GET /v1/subjects:lookup","status":200`,
		`"route":"GET /v1/subjects/{id}/events","status":200`,
		`"principal":"operator"`, `"principal":"source"`,
		`"msg":"authentication failed","method":"GET","route":"GET /v1/subjects/{id}","client":"127.0.0.1","code":"unauthorized"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(log)
	}
}

// TestTrustedProxies asks the rate-limited public register (burst 20) 60 times from
// as many forwarded addresses: believed from a trusted proxy (no one is limited),
// ignored from any other peer (its one bucket empties).
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name, proxies string
		limited       bool
	}{
		{"peer is a trusted proxy", "127.0.0.1/32", false},
		{"spoofed header from an untrusted peer", "10.0.0.0/8", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, _, _ := opsServer(t, "--trusted-proxies", tc.proxies)
			limited := 0
			for i := range 60 {
				status, _ := get(t, http.DefaultClient, "http://"+srv.Addr()+"/v1/public/organisations/C12345678", "",
					"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
				if status == http.StatusTooManyRequests {
					limited++
				}
			}
			if (limited > 0) != tc.limited {
				t.Errorf("%d of 60 requests limited", limited)
			}
		})
	}
}

func writeCert(t *testing.T, dir, name string) (string, string, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		IPAddresses: nil, DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return cf, kf, cert
}

// TestTLSReloadOnSIGHUP serves HTTPS with a generated certificate, replaces
// it on disk and sends SIGHUP: new connections get the new one.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	cf, kf, first := writeCert(t, dir, "first")
	srv, _, _, _ := opsServer(t, "--tls-cert-file", cf, "--tls-key-file", kf)
	port := srv.Addr()[strings.LastIndex(srv.Addr(), ":"):]
	client := func(c *x509.Certificate) *http.Client {
		pool := x509.NewCertPool()
		pool.AddCert(c)
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	}
	h2 := client(first)
	h2.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	resp, err := h2.Get("https://localhost" + port + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("https /healthz: %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	old := client(first)
	old.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS11
	if _, err := old.Get("https://localhost" + port + "/healthz"); err == nil {
		t.Error("TLS 1.1 accepted")
	}
	if resp, err := http.Get("http://" + srv.Addr() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP beside TLS: %d, want 400", resp.StatusCode)
		}
	}
	_, _, second := writeCert(t, dir, "second")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := client(second).Get("https://localhost" + port + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new certificate is not served after SIGHUP: %v", err)
		}
	}
}

// TestMetricsAddrAndDraining serves /metrics on its own address only, and
// answers /readyz with 503 (while /healthz stays 200) during the drain
// delay of a shutdown.
func TestMetricsAddrAndDraining(t *testing.T) {
	maddr := freeAddr(t)
	srv, _, logs, stop := opsServer(t, "--metrics-addr", maddr, "--drain-delay", "1500ms")
	base := "http://" + srv.Addr()
	if status, body := get(t, http.DefaultClient, "http://"+maddr+"/metrics", ""); status != 200 || !strings.Contains(body, "candor_") {
		t.Errorf("metrics address: %d %.100s", status, body)
	}
	if _, body := get(t, http.DefaultClient, base+"/metrics", ""); strings.Contains(body, "candor_") {
		t.Error("metrics still served on the main address")
	}
	if status, _ := get(t, http.DefaultClient, base+"/readyz", ""); status != 200 {
		t.Fatalf("readyz before shutdown: %d", status)
	}
	done := make(chan error, 1)
	go func() { done <- stop() }()
	sawDraining := false
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && !sawDraining; time.Sleep(20 * time.Millisecond) {
		ready, _ := get(t, http.DefaultClient, base+"/readyz", "")
		health, _ := get(t, http.DefaultClient, base+"/healthz", "")
		sawDraining = ready == http.StatusServiceUnavailable && health == 200
	}
	if !sawDraining {
		t.Error("never saw /readyz 503 with /healthz 200 while draining")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "draining") {
		t.Error("the drain is not logged")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
