package httpapi_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/httpapi"
	"github.com/go-jose/go-jose/v4"
	"go.yaml.in/yaml/v3"
)

// verifyDetached checks a detached JWS over body as a third party would,
// with nothing but the published JWKS and crypto/ed25519.
func verifyDetached(t *testing.T, jwks map[string]ed25519.PublicKey, sig string, body []byte) error {
	t.Helper()
	parts := strings.Split(sig, ".")
	if len(parts) != 3 || parts[1] != "" {
		return errorString("not a detached compact JWS: " + sig)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return err
	}
	var h struct{ Alg, Kid, Typ string }
	if err := json.Unmarshal(hb, &h); err != nil {
		return err
	}
	key, ok := jwks[h.Kid]
	if h.Alg != "EdDSA" || h.Typ != decisions.SignatureType || !ok {
		return errorString("header " + string(hb) + " names no published EdDSA key")
	}
	s, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	if !ed25519.Verify(key, []byte(parts[0]+"."+base64.RawURLEncoding.EncodeToString(body)), s) {
		return errorString("bad signature")
	}
	return nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestSignedDecisions(t *testing.T) {
	h := mustHarness(t)
	// The published keys, read as a stranger reads them.
	resp, err := http.Get(h.srv.URL + httpapi.DecisionKeysPath)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg string }
	}
	if err := json.Unmarshal(raw, &set); resp.StatusCode != 200 || err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %d %s %v", resp.StatusCode, raw, err)
	}
	jwks := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		x, _ := base64.RawURLEncoding.DecodeString(k.X)
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || len(x) != ed25519.PublicKeySize {
			t.Fatalf("key %+v is not an Ed25519 JWK", k)
		}
		jwks[k.Kid] = x
	}

	// The same keys are in the OpenAPI document.
	doc := h.do(t, "GET", "/v1/openapi.yaml", "", "", nil)
	var spec struct {
		Info struct {
			Keys struct {
				Keys []struct{ Kid, X string }
			} `yaml:"x-decision-keys"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal([]byte(doc.raw), &spec); err != nil || len(spec.Info.Keys.Keys) != 1 ||
		spec.Info.Keys.Keys[0].Kid != set.Keys[0].Kid || spec.Info.Keys.Keys[0].X != set.Keys[0].X {
		t.Errorf("openapi.yaml info.x-decision-keys: %+v %v, want %+v", spec.Info.Keys, err, set.Keys)
	}

	alice := h.subject(t, "AB1234567", 3)
	code := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`)).body["code"].(string)
	d, hd := h.doWith(t, "POST", "/v1/decisions", h.landlord, map[string]string{"Content-Type": "application/json"},
		[]byte(`{"consent":"`+code+`","purpose":"rental","benefit":"deposit_waived"}`))
	sig := hd.Get(httpapi.SignatureHeader)
	if d.status != 200 || sig == "" {
		t.Fatalf("decision: %d %s, signature %q", d.status, d.raw, sig)
	}
	if err := verifyDetached(t, jwks, sig, []byte(d.raw)); err != nil {
		t.Errorf("the answer does not verify: %v", err)
	}
	// Changed by one byte, it does not.
	forged := strings.Replace(d.raw, `"outcome":"`, `"outcome":"x`, 1)
	if err := verifyDetached(t, jwks, sig, []byte(forged)); err == nil {
		t.Error("an altered answer verifies")
	}
	// go-jose, a JOSE library, agrees.
	obj, err := jose.ParseDetached(sig, []byte(d.raw), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range jwks {
		if _, err := obj.Verify(k); err != nil {
			t.Errorf("go-jose: %v", err)
		}
	}
	// Fetched again, the answer is the same, and so is its signature.
	got, gh := h.doWith(t, "GET", "/v1/decisions/"+d.body["decision_id"].(string), h.landlord, nil, nil)
	if got.raw != d.raw || gh.Get(httpapi.SignatureHeader) != sig {
		t.Errorf("fetched: %s %q, want the answer and signature given", got.raw, gh.Get(httpapi.SignatureHeader))
	}
	// Errors are not signed.
	if _, eh := h.doWith(t, "GET", "/v1/decisions/d_nosuch", h.landlord, nil, nil); eh.Get(httpapi.SignatureHeader) != "" {
		t.Error("a 404 is signed")
	}
}
