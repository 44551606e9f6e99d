package credentials_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/scoring"
)

// Statements follow linked identities: tax arrears posted under a
// person's SNILS make "taxes are paid" untrue of them signed in by
// national ID once a registry links the two, and true again once the
// link is undone; the SNILS may then bind a credential too.
func TestStatementsFollowLinks(t *testing.T) {
	e := mustEnv(t)
	links := identity.New(identity.Config{Store: e.Store, Vault: e.Vault, Now: e.Clock})
	e.svc = credentials.New(credentials.Config{Store: e.Store, Vault: e.Vault, Catalogue: e.Cat, Scorecards: scoring.NewPublished(e.Cards, e.Cards),
		Key: e.key, Issuer: issuer, Now: e.Clock, Groups: links})
	e.post(t, "tax", "AB1234567", "tax.return_filed", 10, `{"tax_year":2025}`)
	e.Post(t, e.srcs["tax"], `{"id":"s1","subject":{"kind":"person","scheme":"ru_snils","value":"112-233-445 95"},"type":"tax.arrears_opened","occurred_at":"`+
		e.Now.AddDate(0, 0, -90).Format("2006-01-02T15:04:05Z07:00")+`","fields":{"reference":"TX-1","amount":"900.00","currency":"EUR"}}`)
	sub := e.Person(t, "AB1234567")
	offer := func() (statements, documents []string) {
		t.Helper()
		o, err := e.svc.Offer(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range o.Documents {
			documents = append(documents, d.Type)
		}
		return names(o.Statements), documents
	}
	if st, docs := offer(); !slices.Contains(st, "tax_obligations_current") || slices.Contains(docs, "ru_snils") {
		t.Fatalf("before the link: statements %v, documents %v", st, docs)
	}
	registry := &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry}
	req := identity.Request{Source: registry, Ref: "civ-1", First: candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"},
		Second: candor.Identifier{Scheme: 4, Value: "11223344595"}}
	if _, err := links.Link(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st, docs := offer(); slices.Contains(st, "tax_obligations_current") || !slices.Contains(docs, "ru_snils") {
		t.Errorf("linked: statements %v, documents %v; want no tax_obligations_current and the SNILS", st, docs)
	}
	is := e.issue(t, sub, credentials.Request{Kind: credentials.Download, Statements: []string{"no_standing_court_restriction"}, Document: "ru_snils"})
	if !strings.Contains(strings.Join(names(is.Info.Statements), ","), "no_standing_court_restriction") || is.Info.Document != "ru_snils" {
		t.Errorf("issued %+v", is.Info)
	}
	if _, err := links.Unlink(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st, docs := offer(); !slices.Contains(st, "tax_obligations_current") || slices.Contains(docs, "ru_snils") {
		t.Errorf("unlinked: statements %v, documents %v", st, docs)
	}
}
