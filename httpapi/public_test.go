package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func TestPublicRegister(t *testing.T) {
	h := mustHarness(t)
	src := &candor.Source{ID: "inspect", Name: "Inspectorate", Kind: candor.SourceInspectorate, AllowedTypes: []string{"inspection.failed", "inspection.passed"}}
	if err := h.store.PutSource(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	token := h.key(t, candor.RoleSource, "inspect")
	when := time.Now().UTC().Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	body := fmt.Sprintf(`{"id":"i1","subject":{"kind":"organisation","scheme":"company_reg_no","value":"C12345678"},"type":"inspection.failed","occurred_at":%q,"fields":{"inspection_type":"food_hygiene","severity":"critical"}}`+"\n", when) +
		fmt.Sprintf(`{"id":"i2","subject":{"kind":"organisation","scheme":"company_reg_no","value":"C87654321"},"type":"inspection.passed","occurred_at":%q,"fields":{"inspection_type":"food_hygiene"}}`, when)
	if r := h.do(t, "POST", "/v1/events", token, "application/x-ndjson", []byte(body)); r.status != 200 {
		t.Fatalf("post: %d %s", r.status, r.raw)
	}
	h.subject(t, "AB1234567", 5) // a person, never in the register

	failed := h.do(t, "GET", "/v1/public/organisations/c-1234-5678", "", "", nil)
	passed := h.do(t, "GET", "/v1/public/organisations/C87654321", "", "", nil)
	if failed.status != 200 || failed.body["company_reg_no"] != "C12345678" || failed.body["scorecard"] != "/v1/scorecards/business-compliance/versions/1" {
		t.Fatalf("register entry: %d %s", failed.status, failed.raw)
	}
	if failed.body["grade"] == passed.body["grade"] {
		t.Errorf("a critical failure and a pass give the same grade %v", failed.body["grade"])
	}
	for _, leak := range []string{"points", "reasons", "events", "subject"} {
		if strings.Contains(failed.raw, `"`+leak+`"`) {
			t.Errorf("the register shows %s: %s", leak, failed.raw)
		}
	}
	for _, missing := range []string{"C00000000", "AB1234567", "nonsense"} {
		if r := h.do(t, "GET", "/v1/public/organisations/"+missing, "", "", nil); r.status != 404 {
			t.Errorf("%s: %d %s, want 404", missing, r.status, r.raw)
		}
	}
	search := h.do(t, "GET", "/v1/public/organisations?reg_no=C87654321,AB1234567&reg_no=C12345678", "", "", nil)
	if os, _ := search.body["organisations"].([]any); search.status != 200 || len(os) != 2 || !strings.Contains(search.raw, `"not_registered":["AB1234567"]`) {
		t.Fatalf("search: %d %s", search.status, search.raw)
	}
	limited := 0
	for range 30 {
		r := h.do(t, "GET", "/v1/public/organisations/C12345678", "", "", nil)
		if r.status == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Error("30 requests at once from one address were all served; want the register rate-limited")
	}
}

// TestAdminActsArePublic: anyone lists the administrative acts, with who,
// which key and when, and can recompute each one's commitment from its
// record; each is recorded for the transparency log.
func TestAdminActsArePublic(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	alice := h.policyKey // bootstrapped by the harness
	if _, _, _, err := h.admins.Mint(ctx, nil, "bob"); err != nil {
		t.Fatal(err)
	}
	_, mallory, _, err := h.admins.Mint(ctx, alice, "mallory")
	if err != nil {
		t.Fatal(err)
	}
	r := h.do(t, "GET", "/v1/admin-acts", "", "", nil)
	acts, _ := r.body["acts"].([]any)
	if r.status != 200 || len(acts) != 3 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	recorded := map[string]bool{}
	for e, err := range h.store.AuditEntries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range e.Write {
			recorded[c.String()] = true
		}
	}
	for _, x := range acts {
		a := x.(map[string]any)
		record, err := base64.StdEncoding.DecodeString(a["record"].(string))
		if err != nil {
			t.Fatal(err)
		}
		c := sha256.Sum256(append(append([]byte("candor/v1/commitment/write\x00"), make([]byte, 32)...), record...))
		if hex.EncodeToString(c[:]) != a["commitment"] || !recorded[a["commitment"].(string)] {
			t.Errorf("act %v: commitment recomputed %x, not the one listed or not recorded", a["n"], c)
		}
	}
	last := acts[2].(map[string]any)
	if last["act"] != "key_requested" || last["by"] != "alice" || last["by_key"] != alice.ID || last["key"] != mallory.ID || last["principal"] != "mallory" || last["at"] == "" {
		t.Errorf("the request: %v", last)
	}
}
