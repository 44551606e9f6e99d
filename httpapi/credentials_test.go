package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/vault"
)

const testIssuer = "https://candor.test"

func (h *harness) credentials(t *testing.T, st candor.Store, v *vault.Vault, cat *candor.Catalogue, access credentials.IssuanceLog) *credentials.Service {
	t.Helper()
	k, err := credentials.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return credentials.New(credentials.Config{Store: st, Vault: v, Catalogue: cat, Scorecards: h.published, Key: k, Issuer: testIssuer, Access: access})
}

// trust fetches what a verifier needs, as a verifier would.
func (h *harness) trust(t *testing.T) *credentials.Trust {
	t.Helper()
	var m credentials.Metadata
	r := h.do(t, "GET", credentials.MetadataPath, "", "", nil)
	if err := json.Unmarshal([]byte(r.raw), &m); err != nil || r.status != 200 {
		t.Fatalf("metadata: %d %s", r.status, r.raw)
	}
	tr, err := credentials.NewTrust(&m)
	if err != nil {
		t.Fatal(err)
	}
	list := h.do(t, "GET", credentials.StatusListPath, "", "", nil)
	l, err := tr.ParseStatusList(list.raw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tr.Lists[testIssuer+credentials.StatusListPath] = l
	return tr
}

func TestCredentialFlow(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 3)

	if r := h.do(t, "GET", "/v1/statements", "", "", nil); r.status != 200 || !strings.Contains(r.raw, `"name":"tax_obligations_current"`) ||
		!strings.Contains(r.raw, `"purpose":"tax_compliance"`) {
		t.Errorf("statements: %d %s", r.status, r.raw)
	}
	offer := h.do(t, "GET", "/v1/me/credentials/offer", alice, "", nil)
	if offer.status != 200 || !strings.Contains(offer.raw, `{"name":"no_standing_court_restriction","value":true}`) ||
		!strings.Contains(offer.raw, `{"type":"national_id","number":"AB1234567"}`) {
		t.Fatalf("offer: %d %s", offer.status, offer.raw)
	}
	r := h.do(t, "POST", "/v1/me/credentials", alice, "application/json",
		[]byte(`{"kind":"download","statements":["no_standing_court_restriction","tax_obligations_current"],"document":"national_id"}`))
	if r.status != 201 {
		t.Fatalf("issue: %d %s", r.status, r.raw)
	}
	cred, qr, id := r.body["credential"].(string), r.body["qr"].(string), r.body["id"].(string)
	res, err := h.trust(t).Verify(cred, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := res.Claim("tax_obligations_current"); v != true || !res.HasStatus {
		t.Errorf("verified %+v", res)
	}
	if back, err := credentials.Decompact(qr); err != nil || back != cred {
		t.Errorf("the QR text is not the credential: %v", err)
	}
	// Issuance is recorded like a read.
	if acc := h.do(t, "GET", "/v1/me/access", alice, "", nil); !strings.Contains(acc.raw, "credential issued to the holder") {
		t.Errorf("issuance not in the access log: %s", acc.raw)
	}
	if l := h.do(t, "GET", "/v1/me/credentials", alice, "", nil); !strings.Contains(l.raw, id) || !strings.Contains(l.raw, `"status":"valid"`) || strings.Contains(l.raw, cred[:40]) {
		t.Errorf("list: %s", l.raw)
	}
	// Someone else cannot revoke it; the holder can, at once.
	bob := h.subject(t, "CD7654321", 3)
	if r := h.do(t, "DELETE", "/v1/me/credentials/"+id, bob, "", nil); r.status != 404 {
		t.Errorf("bob revokes alice's credential: %d %s", r.status, r.raw)
	}
	if r := h.do(t, "DELETE", "/v1/me/credentials/"+id, alice, "", nil); r.status != 200 || r.body["status"] != "revoked" {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if _, err := h.trust(t).Verify(cred, time.Now()); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("a revoked credential: %v", err)
	}
	if r := h.do(t, "GET", credentials.StatusListPath, "", "", nil); r.status != 200 {
		t.Errorf("status list: %d", r.status)
	}
}

func TestCredentialBadRequests(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 3)
	for _, tc := range []struct{ name, body, want string }{
		{"unknown statement", `{"statements":["political_loyalty"]}`, "not a statement in the catalogue"},
		{"no statements", `{"kind":"shown","statements":[]}`, "at least one"},
		{"unknown kind", `{"kind":"forever","statements":["tax_obligations_current"]}`, "not a kind"},
		{"unknown field", `{"statements":["tax_obligations_current"],"subject":"someone"}`, "unknown key"},
		{"organisation statement", `{"statements":["registered_and_active"]}`, "cannot be made about a person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/me/credentials", alice, "application/json", []byte(tc.body))
			if r.status < 400 || r.status >= 500 || !strings.Contains(r.raw, tc.want) {
				t.Errorf("%d %s, want a 4xx naming %q", r.status, r.raw, tc.want)
			}
		})
	}
	if l := h.do(t, "GET", "/v1/me/credentials", alice, "", nil); fmt.Sprint(l.body["credentials"]) != "[]" {
		t.Errorf("a refused request left a credential: %s", l.raw)
	}
}
