package credentials_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

var ctx = context.Background()

type env struct {
	*testenv.Env
	svc  *credentials.Service
	key  *credentials.IssuerKey
	srcs map[string]*candor.Source
	n    int
}

func mustEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: testenv.NewInMemory(t), key: mustKey(t)}
	e.svc = credentials.New(credentials.Config{Store: e.Store, Vault: e.Vault, Catalogue: e.Cat, Scorecards: scoring.NewPublished(e.Cards, e.Cards),
		Key: e.key, Issuer: issuer, Now: e.Clock})
	e.srcs = map[string]*candor.Source{
		"tax":     {ID: "tax", Name: "Tax office", Kind: candor.SourceTaxAuthority, AllowedTypes: []string{"tax.*"}},
		"rent":    {ID: "rent", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.*"}},
		"permit":  {ID: "permit", Name: "Permit office", Kind: candor.SourceLicensingAuthority, AllowedTypes: []string{"permit.*"}},
		"court":   {ID: "court", Name: "Court", Kind: candor.SourceCourt, AllowedTypes: []string{"court.*"}},
		"company": {ID: "company", Name: "Registry", Kind: candor.SourceRegistry, AllowedTypes: []string{"company.*"}},
	}
	for _, src := range e.srcs { // "tax.*": every type of the prefix
		prefix := strings.TrimSuffix(src.AllowedTypes[0], "*")
		src.AllowedTypes = nil
		for _, et := range e.Cat.Types() {
			if strings.HasPrefix(et.Name, prefix) {
				src.AllowedTypes = append(src.AllowedTypes, et.Name)
			}
		}
		if err := e.Store.PutSource(context.Background(), src); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// post ingests one event about the person nid, daysAgo days before now.
func (e *env) post(t *testing.T, src, nid, typ string, daysAgo int, fields string) {
	t.Helper()
	e.n++
	at := e.Now.AddDate(0, 0, -daysAgo).Format(time.RFC3339)
	e.Post(t, e.srcs[src], fmt.Sprintf(`{"id":"e%d","subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":%q,"fields":%s}`,
		e.n, nid, typ, at, fields))
}

// store stores what Issue returns, as httpapi does.
func (e *env) issue(t *testing.T, sub candor.SubjectID, req credentials.Request) *credentials.Issued {
	t.Helper()
	is, err := e.svc.Issue(ctx, sub, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range is.Records {
		if err := e.Store.PutRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return is
}

// verify verifies cred as a verifier would: with the published metadata
// and the status list served now.
func (e *env) verify(t *testing.T, cred string) (*credentials.Result, error) {
	t.Helper()
	tr, err := credentials.NewTrust(e.svc.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.svc.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.ParseStatusList(tok, e.Now)
	if err != nil {
		t.Fatal(err)
	}
	tr.Lists[e.svc.StatusListURI()] = l
	return tr.Verify(cred, e.Now)
}

func TestIssueAndStatus(t *testing.T) {
	e := mustEnv(t)
	const nid = "AB1234567"
	for i := range 6 {
		e.post(t, "rent", nid, "rent.paid", 30*(i+1), `{"amount":"650","currency":"EUR"}`)
	}
	e.post(t, "tax", nid, "tax.arrears_opened", 55, `{"reference":"T-1","amount":"120","currency":"EUR"}`)
	e.post(t, "permit", nid, "permit.work_permit_issued", 100, `{"permit_no":"P-9","valid_until":"2027-06-30"}`)
	sub := e.Person(t, nid)

	offer, err := e.svc.Offer(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]any{}
	for _, c := range offer.Statements {
		names[c.Name] = c.Value
	}
	if names["tax_obligations_current"] != true || names["no_standing_court_restriction"] != true ||
		names["work_permit_valid"] != "2027-06-30" || names["rental_grade_at_least"] == nil || names["registered_and_active"] != nil {
		t.Fatalf("offer %v", names)
	}
	if len(offer.Documents) != 1 || offer.Documents[0] != (credentials.Document{Type: "national_id", Number: nid}) {
		t.Errorf("documents %v", offer.Documents)
	}

	is := e.issue(t, sub, credentials.Request{Kind: credentials.Download,
		Statements: []string{"tax_obligations_current", "no_standing_court_restriction", "work_permit_valid"}, Document: "national_id"})
	r, err := e.verify(t, is.Credential)
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := r.Claim(credentials.ClaimDocument); fmt.Sprint(doc) != "map[number:AB1234567 type:national_id]" || !r.HasStatus || len(r.Claims) != 4 {
		t.Fatalf("verified %+v", r)
	}
	if !r.Expires.Equal(e.Now.Add(credentials.DownloadValidity)) {
		t.Errorf("a downloaded credential expires %s", r.Expires)
	}
	// Status indexes are drawn at random: they say nothing of the order
	// of issuance.
	other := e.issue(t, sub, credentials.Request{Kind: credentials.Download, Statements: []string{"tax_obligations_current"}})
	if d := other.Info.StatusIdx - is.Info.StatusIdx; d >= -1 && d <= 1 {
		t.Errorf("indexes %d then %d", is.Info.StatusIdx, other.Info.StatusIdx)
	}
	shown := e.issue(t, sub, credentials.Request{Kind: credentials.Shown, Statements: []string{"tax_obligations_current"}})
	if r, err := e.verify(t, shown.Credential); err != nil || r.HasStatus || !r.Expires.Equal(e.Now.Add(credentials.ShownValidity)) {
		t.Fatalf("a shown credential: %+v, %v", r, err)
	}

	// Suspended when a statement stops being true: the arrears go past 60
	// days unpaid.
	e.Now = e.Now.Add(6 * 24 * time.Hour)
	if _, err := e.verify(t, is.Credential); err == nil || !strings.Contains(err.Error(), "suspended") {
		t.Fatalf("arrears overdue: %v", err)
	}
	list, _ := e.svc.Credentials(ctx, sub)
	status := map[string]string{}
	for _, in := range list {
		status[in.ID] = in.Status
	}
	if len(list) != 3 || status[is.Info.ID] != "suspended" || status[shown.Info.ID] != "expired" {
		t.Fatalf("the holder's list: %v", status)
	}
	// ... and valid again once they are settled.
	e.post(t, "tax", nid, "tax.arrears_settled", 0, `{"reference":"T-1"}`)
	e.Now = e.Now.Add(2 * time.Minute)
	if _, err := e.verify(t, is.Credential); err != nil {
		t.Fatalf("arrears settled: %v", err)
	}

	// Revoked by the holder, at once.
	if _, err := e.svc.Revoke(ctx, sub, is.Info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.verify(t, is.Credential); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked: %v", err)
	}
	e.post(t, "rent", "CD7654321", "rent.paid", 5, `{"amount":"650","currency":"EUR"}`)
	if _, err := e.svc.Revoke(ctx, e.Person(t, "CD7654321"), is.Info.ID); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("someone else revokes it: %v", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	e := mustEnv(t)
	e.post(t, "court", "AB1234567", "court.restriction_imposed", 5,
		`{"order_ref":"O-1","court":"District Court","legal_basis":"Civil Code 12","restriction":"asset_disposal","expires_on":"2027-12-31","appeal_route":"Appeal Court within 30 days"}`)
	sub := e.Person(t, "AB1234567")
	_, err := e.svc.Issue(ctx, sub, credentials.Request{Kind: "forever",
		Statements: []string{"no_standing_court_restriction", "registered_and_active", "loyalty", "tax_obligations_current", "tax_obligations_current"},
		Document:   "tax_number"})
	var ce *candor.Error
	if candor.ErrorCode(err) != candor.EINVALID || !errorAs(err, &ce) {
		t.Fatalf("got %v", err)
	}
	var reasons []string
	for _, p := range ce.Details {
		reasons = append(reasons, p.Field+": "+p.Reason)
	}
	got := strings.Join(reasons, "\n")
	for _, want := range []string{
		`kind: "forever" is not a kind`,
		`"no_standing_court_restriction" is not true of you now`,
		`"registered_and_active" cannot be made about a person`,
		`"loyalty" is not a statement`,
		`"tax_obligations_current" is asked for twice`,
		`no identity document of type "tax_number"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not name %q:\n%s", want, got)
		}
	}
	if _, err := e.svc.Issue(ctx, sub, credentials.Request{Kind: credentials.Badge, Statements: []string{"tax_obligations_current"}}); err == nil ||
		!strings.Contains(fmt.Sprint(err.(*candor.Error).Details), "only organisations") {
		t.Errorf("a badge for a person: %v", err)
	}
}

// TestStatementsArePurposeBound checks each statement reads only facts
// whose category serves its purpose (charter point 2), and carries no
// raw fact: its value is true, a date or a grade.
func TestStatementsArePurposeBound(t *testing.T) {
	e := mustEnv(t)
	for _, st := range e.svc.Statements() {
		t.Run(st.Name, func(t *testing.T) {
			if len(st.Reads) == 0 {
				t.Fatal("reads nothing")
			}
			for _, typ := range st.Reads {
				et := e.Cat.Type(typ)
				if et == nil {
					t.Fatalf("reads unknown type %s", typ)
				}
				if !et.Category.Serves(st.Purpose) {
					t.Errorf("reads %s, of category %s, which does not serve %s", typ, et.Category, st.Purpose)
				}
			}
		})
	}
}

func errorAs(err error, target **candor.Error) bool {
	e, ok := err.(*candor.Error)
	*target = e
	return ok
}

// conflictOnce is an issuance log whose first store is refused as when
// another node sharing the store took the status list entry first.
type conflictOnce struct {
	st    candor.Store
	calls int
}

func (c *conflictOnce) RecordWith(_ context.Context, _ *vault.SubjectKey, _ *candor.Access, with []*candor.Record) error {
	c.calls++
	if c.calls == 1 {
		return candor.Errorf(candor.ECONFLICT, "commit: already stored (candor_records_pkey)")
	}
	_, err := c.st.Commit(ctx, &candor.WriteBatch{Records: with})
	return err
}

// TestDeliverRetriesAConflict: a credential whose status list entry
// another node took first is issued afresh, and the holder gets the one
// stored.
func TestDeliverRetriesAConflict(t *testing.T) {
	e := mustEnv(t)
	log := &conflictOnce{st: e.Store}
	svc := credentials.New(credentials.Config{Store: e.Store, Vault: e.Vault, Catalogue: e.Cat, Scorecards: scoring.NewPublished(e.Cards, e.Cards),
		Key: e.key, Issuer: issuer, Now: e.Clock, Access: log})
	e.post(t, "rent", "AB1234567", "rent.paid", 30, `{"amount":"650","currency":"EUR"}`)
	sub := e.Person(t, "AB1234567")
	var disclosed []string
	is, err := svc.Deliver(ctx, sub, credentials.Request{Kind: credentials.Download, Statements: []string{"tax_obligations_current"}},
		func(is *credentials.Issued) (*candor.Access, error) {
			disclosed = append(disclosed, is.Info.ID)
			return &candor.Access{Subject: sub}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if log.calls != 2 || len(disclosed) != 2 || disclosed[1] != is.Info.ID || disclosed[0] == disclosed[1] {
		t.Fatalf("%d stores, disclosed %v, returned %s: want a second credential issued and returned after the conflict", log.calls, disclosed, is.Info.ID)
	}
	infos, err := svc.Credentials(ctx, sub)
	if err != nil || len(infos) != 1 || infos[0].ID != is.Info.ID {
		t.Fatalf("stored credentials %v (%v), want only %s", infos, err, is.Info.ID)
	}
}
