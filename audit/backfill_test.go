package audit_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// TestBackfill stores events the way Candor did before it had a log (no
// commitments), then backfills: verify finds every event accounted for,
// and a second backfill does nothing.
func TestBackfill(t *testing.T) {
	v, _ := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	in := &installation{dir: t.TempDir(), vault: v, cards: cards}
	in.open(t)
	t.Cleanup(func() { in.close(t) })
	var keys []candor.ScorecardKey
	for _, c := range cards {
		keys = append(keys, c.Key())
	}
	// A new store is only marked.
	if did, err := audit.Backfill(ctx, in.store, v, keys, nil); err != nil || did {
		t.Fatalf("backfill of an empty store: %v, %v", did, err)
	}
	in.close(t)
	in.dir = t.TempDir()
	in.open(t)

	p := ingest.New(ingest.Options{Catalogue: catalogue.Default(), Vault: v, Store: in.store, Unaudited: true,
		Matcher: scoring.NewMatcher(cards)})
	var body []string
	for i := range 20 {
		body = append(body, lateEvent(fmt.Sprint("e", i), fmt.Sprintf("AB%07d", i%7), 1+i%9))
	}
	inputs, problems, err := ingest.Decode([]byte(strings.Join(body, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	if _, err := p.Ingest(ctx, src, inputs, problems); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if r := in.verify(t, nil); r.OK() {
		t.Fatal("events without commitments verify")
	}
	events := 0
	did, err := audit.Backfill(ctx, in.store, v, keys, func(n int) { events += n })
	if err != nil || !did || events != 20 {
		t.Fatalf("backfill: %v, %v, %d events", did, err, events)
	}
	if _, err := audit.NewAppender(in.store, in.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if r := in.verify(t, nil); !r.OK() || r.Events != 20 {
		t.Fatalf("after the backfill: %+v", r)
	}
	if did, err := audit.Backfill(ctx, in.store, v, keys, nil); err != nil || did {
		t.Fatalf("a second backfill: %v, %v", did, err)
	}
}
