package scoring_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
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

// memMeta is an in-memory candor.Meta for unit tests.
type memMeta struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memMeta) GetMeta(_ context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[name]
	if !ok {
		return nil, candor.Errorf(candor.ENOTFOUND, "no %s", name)
	}
	return v, nil
}

func (m *memMeta) PutMeta(_ context.Context, name string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[name] = append([]byte(nil), value...)
	return nil
}

func TestRegistryTwoPersonRule(t *testing.T) {
	ctx := context.Background()
	st, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, _ := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	acts := admins.New(st, v, func() time.Time { return now })
	meta := &memMeta{m: map[string][]byte{}}
	reg := scoring.NewRegistry(meta, catalogue.Default()).WithActs(acts)
	shipped, err := os.ReadFile("scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := []byte(strings.Replace(string(shipped), "version: 1", "version: 2", 1))

	// mint makes a key for name: bootstrapped, or requested by by and
	// approved by approver.
	mint := func(by, approver *candor.APIKey, name string) *candor.APIKey {
		t.Helper()
		_, k, _, err := acts.Mint(ctx, by, name)
		if err != nil {
			t.Fatal(err)
		}
		if by != nil {
			if _, err := acts.ApproveKey(ctx, approver, k.ID); err != nil {
				t.Fatal(err)
			}
		}
		return k
	}
	alice := mint(nil, nil, "Alice")
	bob := mint(nil, nil, "bob")
	carol := mint(alice, bob, "carol")
	alice2 := mint(bob, carol, "alice") // another key of hers
	_, operator := candor.NewAPIKey(candor.RoleOperator, "dave", now)
	revoked := mint(alice, bob, "erin")
	if _, err := acts.RevokeKey(ctx, carol, revoked.ID); err != nil {
		t.Fatal(err)
	}
	if revoked, err = st.Key(ctx, revoked.ID); err != nil || !revoked.Revoked() {
		t.Fatalf("the revoked key: %+v, %v", revoked, err)
	}
	for _, k := range []*candor.APIKey{nil, operator, revoked} {
		if _, err := reg.Propose(ctx, "rd.yaml", v2, k, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
			t.Fatalf("a proposal with key %+v: %v", k, err)
		}
	}
	if _, err := scoring.NewRegistry(&memMeta{m: map[string][]byte{}}, catalogue.Default()).Propose(ctx, "rd.yaml", v2, alice, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Fatalf("a proposal without a record of acts: %v", err)
	}
	if _, err := reg.Propose(ctx, "rd.yaml", shipped, alice, now); candor.ErrorCode(err) != candor.EINVALID {
		t.Fatalf("proposing the shipped version again: %v", err)
	}
	if _, err := reg.Propose(ctx, "rd.yaml", v2, alice, now); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Propose(ctx, "rd.yaml", v2, carol, now); candor.ErrorCode(err) != candor.EINVALID {
		t.Fatalf("proposing version 2 twice: %v", err)
	}
	// Rental rests on consent: even a rule version is approved only once
	// an audit of its source is recorded.
	if _, err := reg.Approve(ctx, "rental-deposit", 2, bob, now); candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "no fairness audit") {
		t.Fatalf("approving an unaudited rule version for rental: %v", err)
	}
	if err := reg.RecordAudit(ctx, alice, &candor.FairnessAudit{Scorecard: "rental-deposit", Version: 2, Source: fmt.Sprintf("%x", sha256.Sum256(v2)), Rows: 40}); err != nil {
		t.Fatal(err)
	}
	active, all, err := reg.Published(ctx)
	if err != nil || len(all) != 3 || version(active, "rental-deposit") != 1 {
		t.Fatalf("before approval: %d versions, active v%d, %v", len(all), version(active, "rental-deposit"), err)
	}
	// Her own keys, under any spelling of her name, and keys written
	// into the store directly, which no act minted.
	direct := func(name string) *candor.APIKey {
		_, k := candor.NewAPIKey(candor.RolePolicyAdmin, name, now)
		if err := st.PutKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	for _, k := range []*candor.APIKey{alice, alice2, operator, mint(bob, carol, "ALICE"), mint(carol, bob, "ａｌｉｃｅ "),
		direct("alice "), direct("ALICE"), direct("mallory"), direct("\u0430lice"), direct("ali\u200bce")} {
		t.Run("approved by "+k.Principal, func(t *testing.T) {
			if _, err := reg.Approve(ctx, "rental-deposit", 2, k, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
				t.Fatalf("approval with %q's %s key: %v", k.Principal, k.Role, err)
			}
		})
	}
	if _, err := reg.Approve(ctx, "rental-deposit", 3, bob, now); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("approving a version nobody proposed: %v", err)
	}
	v1 := active[slices.IndexFunc(active, func(c *scoring.Compiled) bool { return c.Scorecard().ID == "rental-deposit" })]
	if err := reg.MarkMaterialised(ctx, v1, now); err != nil {
		t.Fatal(err)
	}
	if ok, err := reg.Materialised(ctx, v1); !ok || err != nil {
		t.Fatalf("v1 marked materialised: Materialised = %v, %v", ok, err)
	}
	c2, err := reg.Approve(ctx, "rental-deposit", 2, bob, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// v1 is served until v2's matches are stored: then v2 is, and the
	// writers may stop matching with v1.
	if ok, err := reg.Materialised(ctx, v1); !ok || err != nil {
		t.Errorf("after approval, v1: Materialised = %v, %v; want true until v2 is", ok, err)
	}
	if ok, err := reg.Materialised(ctx, c2); ok || err != nil {
		t.Errorf("after approval, v2: Materialised = %v, %v; want false until a pass stores its matches", ok, err)
	}
	if err := reg.MarkMaterialised(ctx, c2, now); err != nil {
		t.Fatal(err)
	}
	for c, want := range map[*scoring.Compiled]bool{v1: false, c2: true} {
		if ok, err := reg.Materialised(ctx, c); ok != want || err != nil {
			t.Errorf("v2 marked materialised, v%d: Materialised = %v, %v; want %v", c.Scorecard().Version, ok, err, want)
		}
	}
	if _, ok, err := reg.Fence(ctx, c2); ok || err != nil {
		t.Errorf("a fence before any is set: %v %v", ok, err)
	}
	if err := reg.SetFence(ctx, c2, 42); err != nil {
		t.Fatal(err)
	}
	if bound, ok, err := reg.Fence(ctx, c2); bound != 42 || !ok || err != nil {
		t.Errorf("the fence set: %d %v %v, want 42", bound, ok, err)
	}
	if _, err := reg.Approve(ctx, "rental-deposit", 2, carol, now); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Fatalf("approving twice: %v", err)
	}
	active, all, err = reg.Published(ctx)
	if err != nil || len(all) != 4 || version(active, "rental-deposit") != 2 || len(active) != 3 {
		t.Fatalf("after approval: %d versions, %d active, rental-deposit v%d, %v", len(all), len(active), version(active, "rental-deposit"), err)
	}
	if !slices.Contains(all, v1) {
		t.Error("after approval, Published compiled v1 again instead of reusing what it compiled before")
	}
	vs, err := reg.Versions(ctx)
	if err != nil || len(vs) != 1 || vs[0].ProposedBy != "alice" || vs[0].ProposedKey != alice.ID || vs[0].ApprovedBy != "bob" ||
		vs[0].ApprovedKey != bob.ID || !vs[0].ApprovedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("the approval is not recorded: %+v %v", vs, err)
	}
	// Both are administrative acts, with who, which key, which source.
	all2, err := acts.Acts(ctx)
	var chain []*candor.AdminAct
	for _, a := range all2 {
		if a.Scorecard != "" {
			chain = append(chain, a)
		}
	}
	if err != nil || len(chain) != 3 {
		t.Fatalf("scorecard acts: %d, %v", len(chain), err)
	}
	sum := sha256.Sum256(v2)
	for i, want := range []candor.AdminAct{
		{Kind: candor.ActScorecardProposed, By: "alice", ByKey: alice.ID},
		{Kind: candor.ActScorecardAudited, By: "alice", ByKey: alice.ID},
		{Kind: candor.ActScorecardApproved, By: "bob", ByKey: bob.ID},
	} {
		got := chain[len(chain)-3+i]
		if got.Kind != want.Kind || got.By != want.By || got.ByKey != want.ByKey || got.Scorecard != "rental-deposit" || got.Version != 2 || got.Source != sum {
			t.Errorf("act %d: %+v, want %+v", got.N, got, want)
		}
	}

	// With the data dir alone: a version 3 written into the store as
	// proposed by carol and approved by bob. It is not published, and
	// alice cannot approve it as if carol had proposed it.
	v3 := strings.Replace(string(v2), "version: 2", "version: 3", 1)
	forged, _ := json.Marshal(&scoring.Version{ID: "rental-deposit", Version: 3, File: "rd.yaml", Source: []byte(v3),
		ProposedBy: "carol", ProposedKey: carol.ID, ProposedAt: now, ApprovedBy: "bob", ApprovedKey: bob.ID, ApprovedAt: now})
	index, _ := meta.GetMeta(ctx, "scorecards/index")
	var keys []string
	json.Unmarshal(index, &keys)
	index, _ = json.Marshal(append(keys, "scorecards/rental-deposit/3"))
	meta.PutMeta(ctx, "scorecards/rental-deposit/3", forged)
	meta.PutMeta(ctx, "scorecards/index", index)
	if active, _, err := reg.Published(ctx); err != nil || version(active, "rental-deposit") != 2 {
		t.Fatalf("a version approved behind the acts' back is active: v%d, %v", version(active, "rental-deposit"), err)
	}
	if _, err := reg.Approve(ctx, "rental-deposit", 3, alice, now); candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "no administrative act proposed") {
		t.Fatalf("approving a version proposed behind the acts' back: %v", err)
	}
}

func version(cs []*scoring.Compiled, id string) int {
	for _, c := range cs {
		if c.Scorecard().ID == id {
			return c.Scorecard().Version
		}
	}
	return 0
}

// TestPublishedCompilesOnce: the node asks for the published set every
// few seconds; the registry compiles each version once, and a registry
// of its own compiles its own.
func TestPublishedCompilesOnce(t *testing.T) {
	ctx := context.Background()
	reg := scoring.NewRegistry(&memMeta{m: map[string][]byte{}}, catalogue.Default())
	_, first, err := reg.Published(ctx)
	if err != nil || len(first) == 0 {
		t.Fatalf("Published: %d versions, %v", len(first), err)
	}
	_, again, err := reg.Published(ctx)
	if err != nil || !slices.Equal(first, again) {
		t.Fatalf("Published again: %v (same compiled versions: %v)", err, slices.Equal(first, again))
	}
	_, other, err := scoring.NewRegistry(&memMeta{m: map[string][]byte{}}, catalogue.Default()).Published(ctx)
	if err != nil || len(other) != len(first) || other[0] == first[0] {
		t.Fatalf("another registry's Published: %d versions, %v, shares compiled versions: %v", len(other), err, len(other) > 0 && other[0] == first[0])
	}
}
