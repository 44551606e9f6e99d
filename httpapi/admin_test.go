package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/httpapi"
)

// TestAdministrationOnline: with the server running, an operator's key
// registers a source and issues its key, which posts at once; a relying
// party registered so asks for a decision at once; a revoked key is
// refused at once. No other role may administer, and the answers carry
// the API's errors.
func TestAdministrationOnline(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	op, err := httpapi.NewAdminClient(h.srv.URL, h.operator, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := &candor.Source{ID: "bank9", Name: "Bank Nine", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_*"}}
	if err := op.PutSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if len(src.AllowedTypes) != 2 || src.CreatedAt.IsZero() {
		t.Errorf("the source as stored: %+v, want its two instalment types and a creation time", src)
	}
	token, key, err := op.IssueKey(ctx, candor.RoleSource, "bank9")
	if err != nil {
		t.Fatal(err)
	}
	post := func(token, id string) response {
		return h.do(t, "POST", "/v1/events", token, "application/x-ndjson", []byte(event(id, "AB1234567", "2026-10-01T00:00:00Z", `{"days_late":40,"amount":"120.00","currency":"EUR"}`)))
	}
	if r := post(token, "n1"); r.status != 200 {
		t.Fatalf("the new source's first post: %d %s", r.status, r.raw)
	}
	srcs, err := op.Sources(ctx)
	if err != nil || len(srcs) != 3 {
		t.Errorf("sources: %d %v, want bank7, court1 and bank9", len(srcs), err)
	}

	rp := &candor.RelyingParty{ID: "landlord9", Name: "Landlord Nine", Purposes: []candor.Purpose{candor.PurposeRental}}
	if err := op.PutRelyingParty(ctx, rp); err != nil || rp.CreatedAt.IsZero() {
		t.Fatalf("relying party: %+v %v", rp, err)
	}
	rpToken, _, err := op.IssueKey(ctx, candor.RoleRelyingParty, "landlord9")
	if err != nil {
		t.Fatal(err)
	}
	if r := h.do(t, "GET", "/v1/notices", rpToken, "", nil); r.status != 200 {
		t.Errorf("the new relying party's first call: %d %s", r.status, r.raw)
	}

	if _, revoked, err := op.RevokeKey(ctx, key.ID); err != nil || !revoked {
		t.Fatalf("revoke: %v %v", revoked, err)
	}
	if r := post(token, "n2"); r.status != 401 {
		t.Errorf("a revoked key posts: %d %s, want 401", r.status, r.raw)
	}
	keys, err := op.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, k := range keys {
		listed = listed || k.ID == key.ID && k.Revoked()
		if k.Hash != ([32]byte{}) {
			t.Errorf("key %s listed with its hash", k.ID)
		}
	}
	if !listed {
		t.Errorf("the revoked key is not listed as revoked")
	}

	// The API's errors reach the client as they are.
	_, _, err = op.IssueKey(ctx, candor.RolePolicyAdmin, "mallory")
	if candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "two-person rule") {
		t.Errorf("a policy administrator's key: %v, want EFORBIDDEN", err)
	}
	err = op.PutSource(ctx, &candor.Source{ID: "bank9", Name: "x", Kind: candor.SourceCourt, AllowedTypes: []string{"court.*"}})
	if candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("a source's kind changed: %v, want ECONFLICT", err)
	}
	for _, tok := range []string{h.bank, h.landlord, h.reviewer, h.policy} {
		other, _ := httpapi.NewAdminClient(h.srv.URL, tok, nil)
		if _, _, err := other.IssueKey(ctx, candor.RoleOperator, "eve"); candor.ErrorCode(err) != candor.EFORBIDDEN {
			t.Errorf("a non-operator issues an operator's key: %v, want EFORBIDDEN", err)
		}
	}
	if r := h.do(t, "PUT", "/v1/admin/sources/bank10", h.operator, "application/json", []byte(`{"name":"B","kind":"bank","types":["credit.*"],"types":["court.*"]}`)); r.status != 400 {
		t.Errorf("a repeated key: %d %s, want 400", r.status, r.raw)
	}
	if r := h.do(t, "POST", "/v1/admin/keys", h.operator, "application/json", []byte(`{"role":"king","principal":"x"}`)); r.status != 422 && r.status != 400 {
		t.Errorf("an unknown role: %d %s", r.status, r.raw)
	}
	if _, err := httpapi.NewAdminClient("candor.example", h.operator, nil); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a server without scheme: %v, want EINVALID", err)
	}
}
