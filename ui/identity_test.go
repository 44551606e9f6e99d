package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
)

// Once a registry links two identifiers, the person sees every
// identifier held about them and the facts under each on My data; a fact
// under the other identifier is marked so, without a dispute link that
// could not work from this sign-in.
func TestMyDataShowsLinkedIdentifiers(t *testing.T) {
	h := mustHarness(t)
	alice := h.browser(t)
	alice.signIn("AB1234567")
	before := alice.get("/me/data")
	if !strings.Contains(before.body, "Identifiers held about you: National ID AB1234567.") {
		t.Fatalf("before the link, My data does not list the identifier:\n%s", before.body)
	}
	links := identity.New(identity.Config{Store: h.store, Vault: h.vault})
	registry := &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry}
	if err := h.store.PutSource(context.Background(), registry); err != nil {
		t.Fatal(err)
	}
	if _, err := links.Link(context.Background(), identity.Request{Source: registry, Ref: "civ-1",
		First: candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}, Second: candor.Identifier{Scheme: candor.NationalID, Value: "CD7654321"}}); err != nil {
		t.Fatal(err)
	}
	after := alice.get("/me/data")
	for _, want := range []string{"National ID AB1234567 · National ID CD7654321", "A registry told Candor they are all yours", "(3 in all)", "under another of your identifiers"} {
		if !strings.Contains(after.body, want) {
			t.Errorf("linked, My data lacks %q:\n%s", want, after.body)
		}
	}
	if n := len(regexp.MustCompile(`href="/me/disputes/new\?fact=`).FindAllString(after.body, -1)); n != 2 {
		t.Errorf("linked, %d dispute links, want alice's own 2", n)
	}
	// Alice disputes the link: her profile is her own again.
	if !strings.Contains(after.body, "Civil Registry linked another identifier to yours") {
		t.Fatalf("no link to dispute on My data:\n%s", after.body)
	}
	link := regexp.MustCompile(`name="link" value="([^"]+)"`).FindStringSubmatch(after.body)
	if link == nil {
		t.Fatal("no dispute form")
	}
	r := alice.post("/me/links/dispute", url.Values{"csrf": {alice.csrf("/me/data")}, "link": {link[1]}})
	if r.status != http.StatusSeeOther || r.location != "/me/data" {
		t.Fatalf("dispute: %d %s", r.status, r.body)
	}
	disputed := alice.get("/me/data")
	if !strings.Contains(disputed.body, "You disputed the link") || !strings.Contains(disputed.body, "(2 in all)") || strings.Contains(disputed.body, "CD7654321") {
		t.Errorf("after the dispute, My data shows:\n%s", disputed.body)
	}
}
