package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

// doWith is do with extra request headers; it returns the response's
// headers too.
func (h *harness) doWith(t *testing.T, method, path, token string, header map[string]string, body []byte) (response, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r, resp.Header
}

func TestDecisionIdempotencyAndFetch(t *testing.T) {
	h := mustHarness(t)
	alice := h.subject(t, "AB1234567", 3)
	code := h.do(t, "POST", "/v1/me/consents", alice, "application/json", []byte(`{"relying_party":"landlord1","purpose":"rental"}`)).body["code"].(string)
	ask := func(key, body string) (response, http.Header) {
		hd := map[string]string{"Content-Type": "application/json"}
		if key != "-" {
			hd["Idempotency-Key"] = key
		}
		return h.doWith(t, "POST", "/v1/decisions", h.landlord, hd, []byte(body))
	}
	body := `{"consent":"` + code + `","purpose":"rental","benefit":"deposit_waived"}`
	first, fh := ask("7f0c1d2e-order-1", body)
	if first.status != 200 || fh.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s %v", first.status, first.raw, fh)
	}
	// A retry, its body laid out otherwise, returns the stored decision.
	retry, rh := ask("7f0c1d2e-order-1", `{ "benefit":"deposit_waived", "purpose":"rental", "consent":"`+strings.ToLower(code)+`" }`)
	if retry.status != 200 || retry.raw != first.raw || rh.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %s %v, want the first answer again, marked replayed", retry.status, retry.raw, rh)
	}
	// The same key for another request is refused.
	other, _ := ask("7f0c1d2e-order-1", `{"consent":"`+code+`","purpose":"rental","benefit":"deposit_reduced"}`)
	if other.status != 409 || !strings.Contains(other.raw, "reused_for_another_request") {
		t.Errorf("the key for another request: %d %s, want 409", other.status, other.raw)
	}
	for _, bad := range []string{"", strings.Repeat("k", 256)} {
		if r, _ := ask(bad, body); r.status != 422 || !strings.Contains(r.raw, "Idempotency-Key") {
			t.Errorf("key %q: %d %s, want 422 naming the header", bad, r.status, r.raw)
		}
	}
	// One decision; two disclosures of it in the person's access log.
	if mine := h.do(t, "GET", "/v1/me/decisions", alice, "", nil); strings.Count(mine.raw, `"relying_party":"landlord1","purpose"`) != 1 {
		t.Errorf("want one decision: %s", mine.raw)
	}
	subject := h.do(t, "GET", "/v1/subjects:lookup?scheme=national_id&value=AB1234567", h.operator, "", nil).body["id"].(string)
	acc := h.do(t, "GET", "/v1/subjects/"+subject+"/access", h.operator, "", nil)
	if n, m := strings.Count(acc.raw, `"purpose":"decision for rental by landlord1"`), strings.Count(acc.raw, `"purpose":"decision for rental by landlord1 (replayed for its Idempotency-Key)"`); n != 1 || m != 1 {
		t.Errorf("%d disclosures of the decision taken and %d replayed recorded, want 1 and 1: %s", n, m, acc.raw)
	}

	// GET /v1/decisions/{id}: the relying party that asked, and no one else.
	id := first.body["decision_id"].(string)
	got := h.do(t, "GET", "/v1/decisions/"+id, h.landlord, "", nil)
	if got.status != 200 || got.raw != first.raw {
		t.Errorf("fetch: %d %s, want the answer given", got.status, got.raw)
	}
	if err := h.decisions.PutRelyingParty(t.Context(), &candor.RelyingParty{ID: "landlord2", Name: "Landlord Two", Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		t.Fatal(err)
	}
	other2 := h.key(t, candor.RoleRelyingParty, "landlord2")
	theirs := h.do(t, "GET", "/v1/decisions/"+id, other2, "", nil)
	none := h.do(t, "GET", "/v1/decisions/d_aaaaaaaaaaaaaaaa", other2, "", nil)
	if theirs.status != 404 || none.status != 404 ||
		strings.ReplaceAll(theirs.raw, id, "X") != strings.ReplaceAll(none.raw, "d_aaaaaaaaaaaaaaaa", "X") {
		t.Errorf("another's decision: %d %s; none: %d %s; want the same 404", theirs.status, theirs.raw, none.status, none.raw)
	}
	if r := h.do(t, "GET", "/v1/decisions/"+id, alice, "", nil); r.status != 403 {
		t.Errorf("a person fetching: %d, want 403", r.status)
	}
	acc = h.do(t, "GET", "/v1/subjects/"+subject+"/access", h.operator, "", nil)
	if n := strings.Count(acc.raw, `"purpose":"decision shown again to landlord1"`); n != 1 {
		t.Errorf("%d records of the fetch, want 1: %s", n, acc.raw)
	}
	// The key is landlord1's own: landlord2 may use it for itself.
	if r, _ := h.doWith(t, "POST", "/v1/decisions", other2, map[string]string{"Idempotency-Key": "7f0c1d2e-order-1", "Content-Type": "application/json"}, []byte(body)); r.status != 403 || !strings.Contains(r.raw, "no_consent") {
		t.Errorf("landlord2 with landlord1's key and consent: %d %s, want its own 403 no_consent", r.status, r.raw)
	}
}
