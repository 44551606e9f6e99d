package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// Who looked names readers, not the IDs of their keys: a relying party
// and a source by name, an operator and a reviewer by role and name;
// reads by others come first, and the person's own reads — in the portal
// and with their own API key — are set apart and labelled as theirs.
func TestWhoLookedNamesReaders(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	subject := h.ids["AB1234567"]
	keys := map[candor.Role]*candor.APIKey{}
	for role, principal := range map[candor.Role]string{candor.RoleRelyingParty: h.landlord.ID, candor.RoleSource: "bank7",
		candor.RoleOperator: "olga", candor.RoleReviewer: "rita", candor.RoleSubject: subject.String()} {
		_, key := candor.NewAPIKey(role, principal, time.Now())
		if err := h.store.PutKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		keys[role] = key
		if err := h.access.Record(ctx, &candor.Access{Subject: subject, At: time.Now().UTC(), Principal: key.ID, Role: role,
			Purpose: "subject_request", Action: "GET /v1/test/" + role.String()}); err != nil {
			t.Fatal(err)
		}
	}
	b := h.browser(t)
	b.signIn("AB1234567")
	b.get("/me/grades")
	p := b.get("/me/access")
	body := text(p.body)
	for _, k := range keys {
		if strings.Contains(body, k.ID) {
			t.Errorf("the page shows key ID %s:\n%s", k.ID, body)
		}
	}
	others, own, ok := strings.Cut(body, "Your own reads")
	if !ok {
		t.Fatalf("no own reads section:\n%s", body)
	}
	for _, want := range []string{"Landlord One (relying party)", "Bank Seven (data source)", "olga (Candor operator)", "rita (Candor reviewer)"} {
		if !strings.Contains(others, want) {
			t.Errorf("others' reads lack %q:\n%s", want, others)
		}
	}
	if strings.Contains(others, "to show you your own data in the portal") || strings.Contains(others, "you,") {
		t.Errorf("the person's own reads are among others':\n%s", others)
	}
	for _, want := range []string{"you, in the portal", "your grades", "to show you your own data in the portal", "you, through the API", "GET /v1/test/subject"} {
		if !strings.Contains(own, want) {
			t.Errorf("own reads lack %q:\n%s", want, own)
		}
	}
	if strings.Contains(body, "operator read") {
		t.Errorf("a read is labelled 'operator read':\n%s", body)
	}
}
