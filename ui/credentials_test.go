package ui_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
)

// withCredentials serves h's portal with a credential issuer.
func (h *harness) withCredentials(t *testing.T) *credentials.Service {
	t.Helper()
	k, err := credentials.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	svc := credentials.New(credentials.Config{Store: h.store, Vault: h.vault, Catalogue: h.cfg.Catalogue, Scorecards: h.served, Key: k, Issuer: "https://candor.test", Access: h.access})
	h.cfg.Credentials = credentials.NewDesk(svc)
	h.srv.Config.Handler = h.portal(t, h.demo)
	return svc
}

var qrTextRe = regexp.MustCompile(`<svg[^>]*role="img" aria-label="QR code">`)

func TestShowMyStatus(t *testing.T) {
	h := mustHarness(t)
	svc := h.withCredentials(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	p := b.get("/me/status")
	for _, want := range []string{"Show my status", `value="no_standing_court_restriction"`, `value="tax_obligations_current"`, "National ID AB1234567", "No credential has been issued"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("/me/status lacks %q", want)
		}
	}
	if strings.Contains(p.body, `value="registered_and_active"`) {
		t.Error("an organisation's statement is offered to a person")
	}
	csrf := b.csrf("/me/status")
	shown := b.post("/me/status", url.Values{"csrf": {csrf}, "kind": {"shown"}, "statement": {"tax_obligations_current"}, "document": {"national_id"}})
	if shown.status != 200 || !qrTextRe.MatchString(shown.body) {
		t.Fatalf("shown: %d %.500s", shown.status, shown.body)
	}
	for _, want := range []string{"Exactly what a scanner reads", "Taxes are paid", "national_id AB1234567", "What you did not receive", "No name, address"} {
		if !strings.Contains(shown.body, want) {
			t.Errorf("the QR page lacks %q", want)
		}
	}
	dl := b.post("/me/status", url.Values{"csrf": {csrf}, "kind": {"download"}, "statement": {"no_standing_court_restriction"}})
	if dl.status != 200 || !strings.Contains(dl.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", dl.status, dl.header)
	}
	lines := strings.Split(strings.TrimSpace(dl.body), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], credentials.QRPrefix) {
		t.Fatalf("downloaded %q", dl.body)
	}
	if _, err := svc.Verify(t.Context(), lines[0]); err != nil {
		t.Fatalf("the downloaded credential: %v", err)
	}
	// Both are listed; the downloaded one can be revoked.
	p = b.get("/me/status")
	if strings.Count(p.body, `<span class="state valid">`) != 2 || strings.Count(p.body, `action="/me/status/revoke"`) != 1 {
		t.Fatalf("the list:\n%s", p.body)
	}
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(p.body)[1]
	if r := b.post("/me/status/revoke", url.Values{"csrf": {csrf}, "id": {id}}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if _, err := svc.Verify(t.Context(), lines[0]); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked in the portal, then verified: %v", err)
	}
	// Each issuance is in the person's access log.
	if a := b.get("/me/access"); strings.Count(a.body, "to issue a credential to you") != 2 {
		t.Errorf("issuances not recorded:\n%s", a.body)
	}
	// A refused request names the problem and issues nothing.
	if r := b.post("/me/status", url.Values{"csrf": {csrf}, "kind": {"shown"}, "statement": {"registered_and_active"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "cannot be made about a person") {
		t.Errorf("an organisation's statement: %d", r.status)
	}
}

func TestVerifierPage(t *testing.T) {
	h := mustHarness(t)
	svc := h.withCredentials(t)
	is, err := svc.Issue(t.Context(), h.ids["AB1234567"], credentials.Request{Kind: credentials.Shown, Statements: []string{"no_standing_court_restriction"}})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser(t) // not signed in: the verifier page is public
	p := b.get("/verify")
	if p.status != 200 || !strings.Contains(p.body, `src="/assets/verify.js"`) || !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("/verify: %d %v", p.status, p.header)
	}
	if js := b.get("/assets/verify.js"); !strings.Contains(js.body, "BarcodeDetector") {
		t.Error("no camera scan script")
	}
	post := func(text string, photo []byte) page {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("text", text)
		if photo != nil {
			fw, _ := mw.CreateFormFile("photo", "qr.png")
			fw.Write(photo)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", b.base+"/verify", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(req)
	}
	for _, tc := range []struct {
		name, text string
		photo      []byte
		want       []string
	}{
		{"QR text", is.QR, nil, []string{"Valid status credential", "No court-ordered restriction stands", "What you did not receive", "No identity document number"}},
		{"SD-JWT", is.Credential, nil, []string{"Valid status credential"}},
		{"tampered", is.QR[:len(is.QR)-4] + "AAAA", nil, []string{"Not valid", "malformed"}},
		{"garbage", "hello", nil, []string{"Not valid", "not an SD-JWT"}},
		{"not an image", "", []byte("not a png"), []string{"Not valid", "not a PNG or JPEG"}},
		{"nothing", "", nil, []string{"Nothing was received"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := post(tc.text, tc.photo)
			for _, want := range tc.want {
				if !strings.Contains(p.body, want) {
					t.Errorf("%d: lacks %q:\n%.2000s", p.status, want, p.body)
				}
			}
		})
	}
	if qr, err := credentials.RenderQR(is.QR, 400); err == nil && zbarimg() {
		if p := post("", qr.PNG); !strings.Contains(p.body, "Valid status credential") {
			t.Errorf("a photo of the QR code:\n%.2000s", p.body)
		}
	}
}

func zbarimg() bool {
	_, err := exec.LookPath("zbarimg")
	return err == nil
}

// TestComplianceBadge follows a badge's QR code to the public register
// entry, which checks it.
func TestComplianceBadge(t *testing.T) {
	h := mustHarness(t)
	svc := h.withCredentials(t)
	if _, err := svc.Issue(t.Context(), h.ids["AB1234567"], credentials.Request{Kind: credentials.Badge}); err == nil {
		t.Error("a person got a compliance badge")
	}
	is, err := svc.Issue(t.Context(), h.ids["C12345678"], credentials.Request{Kind: credentials.Badge})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(is.QR)
	if err != nil || u.Path != "/register" || u.Query().Get("reg_no") != "C12345678" {
		t.Fatalf("the badge's QR opens %s", is.QR)
	}
	qr, err := credentials.RenderQR(is.QR, 256)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("badge QR: %d characters, version %d", len(is.QR), qr.Version)
	b := h.browser(t)
	p := b.get(u.RequestURI())
	for _, want := range []string{`class="grade"`, "Compliance badge: valid", "Business-compliance grade is at least", "company_reg_no C12345678"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the register entry lacks %q:\n%.3000s", want, p.body)
		}
	}
	insp := &candor.Source{ID: "insp1", Name: "Food Inspectorate", Kind: candor.SourceInspectorate, AllowedTypes: []string{"inspection.passed"}}
	if _, err := h.ingest.Ingest(t.Context(), insp, []candor.EventInput{{ID: "o2", Subject: candor.SubjectRef{Kind: "organisation", Scheme: "company_reg_no", Value: "C87654321"},
		Type: "inspection.passed", OccurredAt: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		Fields: []candor.RawField{{Name: "inspection_type", Value: candor.RawValue{Kind: candor.RawString, Text: "food_hygiene"}}}}}, nil); err != nil {
		t.Fatal(err)
	}
	badge := u.Query().Get("badge")
	for name, tc := range map[string]struct{ query, want string }{
		"another organisation's entry": {"reg_no=C87654321&badge=" + badge, "the badge is for another organisation than C87654321"},
		"tampered":                     {"reg_no=C12345678&badge=" + badge[:len(badge)-3] + "AAA", "Compliance badge: not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			p := b.get("/register?" + tc.query)
			if strings.Contains(p.body, "Compliance badge: valid") || tc.want != "" && !strings.Contains(p.body, tc.want) {
				t.Errorf("%.3000s", p.body)
			}
		})
	}
}
