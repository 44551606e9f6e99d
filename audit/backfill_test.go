package audit_test

import (
	"testing"

	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/scoring"
)

// TestBackfill stores events the way Candor did before it had a log (no
// commitments), then backfills: verify finds every event accounted for,
// and a second backfill does nothing.
func TestBackfill(t *testing.T) {
	in := emptyInstallation(t)
	v, cards, keys := in.vault, in.cards, in.keys()
	// A new store is only marked.
	if did, err := audit.Backfill(ctx, in.store, v, keys, nil); err != nil || did {
		t.Fatalf("backfill of an empty store: %v, %v", did, err)
	}
	in.close(t)
	in.dir = t.TempDir()
	in.open(t)

	in.ingest(t, ingest.Options{Unaudited: true, Matcher: scoring.NewMatcher(cards)}, 20, 7)
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
