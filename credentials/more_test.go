package credentials_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
)

func TestIssuerKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.issuer.key")
	k1, err := credentials.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %v", fi.Mode().Perm())
	}
	k2, err := credentials.LoadOrCreateKey(path)
	if err != nil || k2.KeyID() != k1.KeyID() {
		t.Fatalf("reloaded: %v, key %s then %s", err, k1.KeyID(), k2.KeyID())
	}
	os.Chmod(path, 0o644)
	if _, err := credentials.LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key others may read: %v", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	other := filepath.Join(t.TempDir(), "p384.key")
	os.WriteFile(other, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if _, err := credentials.LoadOrCreateKey(other); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Errorf("a P-384 key: %v", err)
	}
}

// TestQRRoundTrip renders a credential's QR code, reads it back with
// zbarimg, a real decoder, and verifies what it read. It runs when
// zbarimg is installed, and fails without it if CANDOR_TEST_ZBAR is set.
func TestQRRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("zbarimg"); err != nil && os.Getenv("CANDOR_TEST_ZBAR") == "" {
		t.Skip("zbarimg (Debian zbar-tools) is not installed; set CANDOR_TEST_ZBAR to require it")
	}
	k := mustKey(t)
	tr := mustTrust(t, k)
	text, err := credentials.Compact(mustSign(t, k, nil))
	if err != nil {
		t.Fatal(err)
	}
	qr, err := credentials.RenderQR(text, 300)
	if err != nil {
		t.Fatal(err)
	}
	read, err := credentials.ScanQR(t.Context(), qr.PNG)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := credentials.Decompact(read)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Verify(cred, now); err != nil {
		t.Fatal(err)
	}
	var blank bytes.Buffer
	png.Encode(&blank, image.NewGray(image.Rect(0, 0, 64, 64)))
	for name, tc := range map[string]struct {
		img  []byte
		want string
	}{
		"no QR code":   {blank.Bytes(), "no QR code"},
		"not an image": {[]byte("GIF89a"), "not a PNG or JPEG"},
		"oversized":    {make([]byte, credentials.MaxImageBytes+1), "larger than"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := credentials.ScanQR(t.Context(), tc.img); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestOrganisationStatements(t *testing.T) {
	e := mustEnv(t)
	org := func(typ string, daysAgo int, fields string) {
		t.Helper()
		e.n++
		e.Post(t, e.srcs["company"], `{"id":"o`+string(rune('a'+e.n))+`","subject":{"kind":"organisation","scheme":"company_reg_no","value":"C12345678"},"type":"`+typ+
			`","occurred_at":"`+e.Now.AddDate(0, 0, -daysAgo).Format(time.RFC3339)+`","fields":`+fields+`}`)
	}
	org("company.registered", 400, `{"legal_form":"limited","sector":"retail"}`)
	id, err := e.Store.SubjectByIndex(ctx, e.Vault.BlindIndex(candor.Identifier{Scheme: candor.CompanyRegNo, Value: "C12345678"}))
	if err != nil {
		t.Fatal(err)
	}
	badge := e.issue(t, id, credentials.Request{Kind: credentials.Badge})
	if got := strings.Join(names(badge.Info.Statements), ","); got != "business_compliance_grade,registered_and_active" {
		t.Errorf("badge says %s", got)
	}
	if _, err := e.verify(t, badge.Credential); err != nil {
		t.Fatal(err)
	}
	// Dissolved: registered_and_active is no longer true, and the badge
	// is suspended.
	org("company.dissolved", 0, `{"reason":"voluntary"}`)
	e.Now = e.Now.Add(2 * time.Minute)
	if _, err := e.verify(t, badge.Credential); err == nil || !strings.Contains(err.Error(), "suspended") {
		t.Errorf("a dissolved company's badge: %v", err)
	}
	o, err := e.svc.Offer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(o.Statements), ","); strings.Contains(got, "registered_and_active") || strings.Contains(got, "work_permit") {
		t.Errorf("offered %s", got)
	}
}

func TestWorkPermitExpiry(t *testing.T) {
	e := mustEnv(t)
	e.post(t, "permit", "AB1234567", "permit.work_permit_issued", 300, `{"permit_no":"P-1","valid_until":"2027-01-31"}`)
	e.post(t, "permit", "AB1234567", "permit.work_permit_issued", 200, `{"permit_no":"P-2","valid_until":"2026-11-30"}`)
	sub := e.Person(t, "AB1234567")
	is := e.issue(t, sub, credentials.Request{Kind: credentials.Download, Statements: []string{"work_permit_valid"}})
	if v := is.Info.Statements[0].Value; v != "2027-01-31" {
		t.Fatalf("valid until %v, want the later permit's date", v)
	}
	e.post(t, "permit", "AB1234567", "permit.work_permit_expired", 0, `{"permit_no":"P-1"}`)
	e.Now = e.Now.Add(2 * time.Minute)
	if _, err := e.verify(t, is.Credential); err == nil || !strings.Contains(err.Error(), "suspended") {
		t.Errorf("an expired permit: %v", err)
	}
}

// TestErasedHolder: the status entries of a holder who was erased say
// revoked, though nothing about them is left to say why.
func TestErasedHolder(t *testing.T) {
	e := mustEnv(t)
	e.post(t, "tax", "AB1234567", "tax.return_filed", 10, `{"tax_year":2025}`)
	sub := e.Person(t, "AB1234567")
	is := e.issue(t, sub, credentials.Request{Kind: credentials.Download, Statements: []string{"tax_obligations_current"}})
	if _, err := e.verify(t, is.Credential); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.Commit(ctx, &candor.WriteBatch{Erase: []candor.Erasure{{Subject: sub, Events: 1}}}); err != nil {
		t.Fatal(err)
	}
	e.Now = e.Now.Add(2 * time.Minute)
	if _, err := e.verify(t, is.Credential); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("an erased holder's credential: %v", err)
	}
}

func names(cs []credentials.Claim) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}
