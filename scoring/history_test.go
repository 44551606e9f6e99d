package scoring_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// The history lists the shipped versions, the one served as active, and a
// proposal with who proposed it; Compiled finds a proposal too.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, _ := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	acts := admins.New(st, v, func() time.Time { return now })
	cat := catalogue.Default()
	reg := scoring.NewRegistry(st, cat).WithActs(acts)
	_, alice, _, err := acts.Mint(ctx, nil, "alice")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Propose(ctx, "rd.yaml", []byte(strings.Replace(string(src), "version: 1", "version: 2", 1)), alice, now); err != nil {
		t.Fatal(err)
	}
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	served := scoring.NewPublished(shipped[1:2], nil)
	h := scoring.NewHistory(reg, cat, served)
	// The history marks what is served when it is read, not when it was made.
	served.Set(shipped[:1], shipped)
	vs, err := h.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(shipped)+1 {
		t.Fatalf("%d versions, want the %d shipped and the proposal", len(vs), len(shipped))
	}
	for i, x := range vs[:len(shipped)] {
		want := candor.VersionSuperseded
		if i == 0 {
			want = candor.VersionActive
		}
		if sc := shipped[i].Scorecard(); x.State != want || !x.Shipped || x.Scorecard.ID != sc.ID || x.Scorecard.Version != sc.Version {
			t.Errorf("version %d: %s v%d %s shipped %v, want %s shipped", i, x.Scorecard.ID, x.Scorecard.Version, x.State, x.Shipped, want)
		}
	}
	p := vs[len(shipped)]
	if p.State != candor.VersionProposed || p.Shipped || p.Scorecard.ID != "rental-deposit" || p.Scorecard.Version != 2 || p.ProposedBy != "alice" || !p.ProposedAt.Equal(now) {
		t.Errorf("the proposal: %+v", p)
	}
	if c, err := h.Compiled(ctx, "rental-deposit", 2); err != nil || c.Scorecard().Version != 2 {
		t.Errorf("Compiled of the proposal: %v, %v", c, err)
	}
	if _, err := h.Compiled(ctx, "rental-deposit", 9); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("Compiled of no version: %v, want ENOTFOUND", err)
	}
}
