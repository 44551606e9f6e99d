package identity_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/vault"
)

// A disputed link goes to review and stands meanwhile; a registry that
// does not stand by it within the dispute window loses it: the expired
// dispute undoes the link, and settling it again undoes nothing twice.
func TestDisputedLinkExpires(t *testing.T) {
	st := memstore.New()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	tick := func() time.Time { return clock }
	cat := catalogue.Default()
	links := identity.New(identity.Config{Store: st, Vault: v, Now: tick})
	disp := disputes.New(st, v, cat, tick)
	links.WithDisputes(disp)
	disp.UndoLinks(links)
	p := ingest.New(ingest.Options{Catalogue: cat, Vault: v, Store: st, Now: tick, Links: links})
	defer p.Close()
	inputs, problems, err := ingest.Decode([]byte(line("civ-1", "national_id", nid, "identity.linked", "2026-11-01", `"other_scheme":"ru_snils","other_value":"`+snils+`"`)), ingest.FormatNDJSON, 1)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	res, err := p.Ingest(ctx, registry, inputs, nil)
	if err != nil || len(res.Links) != 1 {
		t.Fatalf("link: %+v, %v", res, err)
	}
	alias, err := st.SubjectByIndex(ctx, v.BlindIndex(ident("ru_snils", snils)))
	if err != nil {
		t.Fatal(err)
	}
	members := func() int {
		g, err := links.Group(ctx, alias)
		if err != nil {
			t.Fatal(err)
		}
		return len(g.Members)
	}
	l, d, err := links.Dispute(ctx, alias, res.Links[0].Link, "Not my SNILS.")
	if err != nil || d == nil || d.Status != candor.DisputeOpen || l.ID != res.Links[0].Link {
		t.Fatalf("dispute: %+v, %+v, %v", l, d, err)
	}
	if members() != 2 {
		t.Fatal("a link under review was undone at once")
	}
	clock = clock.Add(candor.DisputeWindow - time.Hour)
	if n, err := disp.Expire(ctx); err != nil || n != 0 || members() != 2 {
		t.Fatalf("before the deadline: %d expired, %v, %d members", n, err, members())
	}
	clock = clock.Add(2 * time.Hour)
	if n, err := disp.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("past the deadline: %d expired, %v", n, err)
	}
	if members() != 1 {
		t.Fatal("the expired dispute left the link standing")
	}
	steps := 0
	for _, err := range st.Records(ctx, candor.RecordLink, alias) {
		if err != nil {
			t.Fatal(err)
		}
		steps++
	}
	if err := links.UndoFact(ctx, d.Subject, d.Source, d.SourceEventID, d.ID); err != nil {
		t.Fatal(err)
	}
	after := 0
	for _, err := range st.Records(ctx, candor.RecordLink, alias) {
		if err != nil {
			t.Fatal(err)
		}
		after++
	}
	if steps != 2 || after != steps {
		t.Fatalf("link steps: %d, then %d after settling again; want 2 and 2", steps, after)
	}
}
