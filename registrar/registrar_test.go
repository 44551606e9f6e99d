package registrar_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/scoring"
)

var ctx = context.Background()

func wantCode(t *testing.T, err error, code, text string) {
	t.Helper()
	if candor.ErrorCode(err) != code || !strings.Contains(err.Error(), text) {
		t.Fatalf("got %v; want %s saying %q", err, code, text)
	}
}

const waterBill = `{"id":"w1","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"utility.bill_paid","occurred_at":"2026-11-01T00:00:00Z","fields":{"service":"water","amount":"30","currency":"EUR"}}`

func newRegistrar(t *testing.T) (*testenv.Env, *registrar.Service) {
	e := testenv.NewInMemory(t)
	parties := decisions.New(e.Store, e.Vault, e.Cat, scoring.NewPublished(e.Cards, e.Cards), e.Clock)
	return e, registrar.New(e.Store, e.Cat, parties, e.Clock)
}

// TestSourcesAndTheirKeys: a source registered through the registrar can
// post at once with the key it issues; a revoked key authenticates no
// more; the source's kind cannot change under it.
func TestSourcesAndTheirKeys(t *testing.T) {
	e, reg := newRegistrar(t)
	types, err := reg.ExpandTypes([]string{"utility.*", " ", "utility.bill_paid"})
	if err != nil || len(types) < 2 {
		t.Fatalf("ExpandTypes: %v %v", types, err)
	}
	if got, _ := reg.ExpandTypes([]string{"utility.bill_paid", "utility.bill_*", "utility.bill_paid"}); !slices.Equal(got, []string{"utility.bill_paid", "utility.bill_overdue"}) {
		t.Errorf("ExpandTypes = %v, want each type once, in the order first named", got)
	}
	_, err = reg.ExpandTypes([]string{"astrology.*"})
	wantCode(t, err, candor.EINVALID, `"astrology.*" matches no event type`)
	_, err = reg.ExpandTypes(nil)
	wantCode(t, err, candor.EINVALID, "name at least one")

	src := &candor.Source{ID: "water1", Name: "City water", Kind: candor.SourceUtility, AllowedTypes: types}
	if err := reg.PutSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	created := src.CreatedAt
	if !created.Equal(testenv.Start) {
		t.Errorf("created at %v, want the clock's %v", created, testenv.Start)
	}
	e.Now = e.Now.Add(time.Hour)
	renamed := &candor.Source{ID: "water1", Name: "Water board", Kind: candor.SourceUtility, AllowedTypes: types}
	if err := reg.PutSource(ctx, renamed); err != nil || !renamed.CreatedAt.Equal(created) {
		t.Errorf("update: %v, created %v, want it kept at %v", err, renamed.CreatedAt, created)
	}
	wantCode(t, reg.PutSource(ctx, &candor.Source{ID: "water1", Name: "x", Kind: candor.SourceBank, AllowedTypes: []string{"credit.loan_repaid"}}),
		candor.ECONFLICT, "exists with kind utility")
	wantCode(t, reg.PutSource(ctx, &candor.Source{ID: "Bad ID", Name: "x", Kind: candor.SourceBank, AllowedTypes: types}), candor.EINVALID, "")

	stored, err := e.Store.Source(ctx, "water1")
	if err != nil || stored.Name != "Water board" {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	e.Post(t, stored, waterBill)
	token, key, err := reg.IssueKey(ctx, candor.RoleSource, "water1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := candor.Authenticate(ctx, e.Store, token); err != nil || got.Principal != "water1" || got.Role != candor.RoleSource {
		t.Fatalf("the issued key: %+v %v", got, err)
	}
	if _, revoked, err := reg.RevokeKey(ctx, key.ID); err != nil || !revoked {
		t.Fatalf("revoke: %v %v", revoked, err)
	}
	if _, revoked, err := reg.RevokeKey(ctx, key.ID); err != nil || revoked {
		t.Errorf("revoking again: %v %v, want no error and nothing revoked", revoked, err)
	}
	_, err = candor.Authenticate(ctx, e.Store, token)
	wantCode(t, err, candor.EUNAUTHORIZED, "")
	_, _, err = reg.RevokeKey(ctx, "nokey")
	wantCode(t, err, candor.ENOTFOUND, "")
}

// TestKeysNameWhoTheyAreFor: a key is issued only for a registered
// principal, never for a policy administrator (the two-person rule is
// package admins'), and a policy administrator's key is not revoked here.
func TestKeysNameWhoTheyAreFor(t *testing.T) {
	e, reg := newRegistrar(t)
	_, _, err := reg.IssueKey(ctx, candor.RoleSource, "ghost")
	wantCode(t, err, candor.ENOTFOUND, "")
	_, _, err = reg.IssueKey(ctx, candor.RoleRelyingParty, "ghost")
	wantCode(t, err, candor.ENOTFOUND, "ghost")
	_, _, err = reg.IssueKey(ctx, candor.RoleSubject, "not-an-id")
	wantCode(t, err, candor.EINVALID, "")
	_, _, err = reg.IssueKey(ctx, candor.RoleSubject, candor.NewSubjectID().String())
	wantCode(t, err, candor.ENOTFOUND, "")
	_, _, err = reg.IssueKey(ctx, candor.RolePolicyAdmin, "mallory")
	wantCode(t, err, candor.EFORBIDDEN, "two-person rule")
	_, _, err = reg.IssueKey(ctx, candor.RoleOperator, "  ")
	wantCode(t, err, candor.EINVALID, "principal")
	_, _, err = reg.IssueKey(ctx, candor.RoleOperator, "eve\u202e")
	wantCode(t, err, candor.EINVALID, "not allowed")

	e.Post(t, &candor.Source{ID: "water1", Name: "Water", Kind: candor.SourceUtility, AllowedTypes: []string{"utility.bill_paid"}}, waterBill)
	person := e.Person(t, "AB1234567")
	if _, k, err := reg.IssueKey(ctx, candor.RoleSubject, strings.ToUpper(person.String())); err != nil || k.Principal != person.String() {
		t.Errorf("a stored subject's key: %v %v", k, err)
	}
	rp := &candor.RelyingParty{ID: "landlord1", Name: "Landlord", Purposes: []candor.Purpose{candor.PurposeRental}}
	if err := reg.PutRelyingParty(ctx, rp); err != nil {
		t.Fatal(err)
	}
	registered := rp.CreatedAt
	e.Now = e.Now.Add(time.Hour)
	renamed := &candor.RelyingParty{ID: "landlord1", Name: "Landlord & Co", Purposes: []candor.Purpose{candor.PurposeRental}}
	if err := reg.PutRelyingParty(ctx, renamed); err != nil || !renamed.CreatedAt.Equal(registered) {
		t.Errorf("update: %v, registered %v, want it kept at %v", err, renamed.CreatedAt, registered)
	}
	if _, _, err := reg.IssueKey(ctx, candor.RoleRelyingParty, "landlord1"); err != nil {
		t.Errorf("a registered relying party's key: %v", err)
	}
	if rps, err := reg.RelyingParties(ctx); err != nil || len(rps) != 1 {
		t.Errorf("relying parties: %v %v", rps, err)
	}
	_, admin := candor.NewAPIKey(candor.RolePolicyAdmin, "alice", e.Now)
	if err := e.Store.PutKey(ctx, admin); err != nil {
		t.Fatal(err)
	}
	_, _, err = reg.RevokeKey(ctx, admin.ID)
	wantCode(t, err, candor.EFORBIDDEN, "administrative act")
	if keys, err := reg.Keys(ctx); err != nil || len(keys) != 3 {
		t.Errorf("keys: %d %v, want 3", len(keys), err)
	}
}
