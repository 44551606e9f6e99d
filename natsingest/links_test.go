package natsingest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/candor-project/candor"
)

func linkFact(id, typ, nid, otherScheme, otherValue string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":"2026-10-01T00:00:00Z","fields":{"other_scheme":%q,"other_value":%q}}`, id, nid, typ, otherScheme, otherValue)
}

// A registry's link facts over NATS are taken as over HTTP: a message of
// a fact and a link commits whole (the linked identifier, unknown until
// then, reserved for the profile); the same message again is a duplicate;
// a bank's link fact and a link of an identifier linked elsewhere are
// dead-lettered with the HTTP refusals' codes, storing nothing.
func TestLinkFactsOverNATS(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	registry := &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry, AllowedTypes: []string{"credit.instalment_paid"}}
	if err := f.env.Store.PutSource(ctx, registry); err != nil {
		t.Fatal(err)
	}
	token := f.key(t, candor.RoleSource, "civil1")
	good := event("p1", "NL0000001", "credit.instalment_paid") + "\n" + linkFact("l1", "identity.linked", "NL0000001", "ru_snils", "11223344595")
	f.publish(t, "civil1", token, good)
	f.settled(t)
	f.publish(t, "civil1", token, good)
	f.publish(t, "bank1", f.token, linkFact("b1", "identity.linked", "NL0000002", "ru_inn", "500100732259"))
	f.publish(t, "civil1", token, event("p2", "NL0000003", "credit.instalment_paid")+"\n"+linkFact("l2", "identity.linked", "NL0000003", "ru_snils", "11223344595"))
	f.settled(t)
	if n := f.stored(t, "NL0000001"); n != 2 {
		t.Errorf("NL0000001 has %d events, want the fact and the link fact, once", n)
	}
	a, _ := f.env.Store.SubjectByIndex(ctx, f.env.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: "NL0000001"}))
	if m, err := f.env.Links.Members(ctx, a); err != nil || len(m) != 2 {
		t.Errorf("members of the linked profile: %v, %v", m, err)
	}
	if n := f.stored(t, "NL0000002") + f.stored(t, "NL0000003"); n != 0 {
		t.Errorf("refused messages stored %d events", n)
	}
	codes := map[string]bool{}
	for _, dl := range f.deadLetters(t) {
		codes[dl.Code] = true
	}
	if len(codes) != 2 || !codes[candor.EFORBIDDEN] || !codes[candor.ECONFLICT] {
		t.Errorf("dead letters' codes %v, want %s and %s", codes, candor.EFORBIDDEN, candor.ECONFLICT)
	}
}
