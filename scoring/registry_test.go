package scoring_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
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
	reg := scoring.NewRegistry(&memMeta{m: map[string][]byte{}}, catalogue.Default())
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	shipped, err := os.ReadFile("scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := []byte(strings.Replace(string(shipped), "version: 1", "version: 2", 1))

	admin := func(name string) *candor.APIKey {
		_, k := candor.NewAPIKey(candor.RolePolicyAdmin, name, now)
		return k
	}
	alice, alice2, bob, carol := admin("Alice"), admin("alice"), admin("bob"), admin("carol")
	_, operator := candor.NewAPIKey(candor.RoleOperator, "dave", now)
	revoked := admin("erin")
	revoked.RevokedAt = now
	for _, k := range []*candor.APIKey{nil, operator, revoked} {
		if _, err := reg.Propose(ctx, "rd.yaml", v2, k, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
			t.Fatalf("a proposal with key %+v: %v", k, err)
		}
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
	active, all, err := reg.Published(ctx)
	if err != nil || len(all) != 3 || version(active, "rental-deposit") != 1 {
		t.Fatalf("before approval: %d versions, active v%d, %v", len(all), version(active, "rental-deposit"), err)
	}
	// alice2: another key of hers; the others spell her name otherwise.
	for _, k := range []*candor.APIKey{alice, alice2, operator, admin("alice "), admin("ALICE"), admin("ａｌｉｃｅ"), admin(" Alice\t")} {
		t.Run("approved by "+k.Principal, func(t *testing.T) {
			if _, err := reg.Approve(ctx, "rental-deposit", 2, k, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
				t.Fatalf("approval with %q's %s key: %v", k.Principal, k.Role, err)
			}
		})
	}
	for _, k := range []*candor.APIKey{admin("\u0430lice"), admin("ali\u200bce"), admin("")} {
		t.Run("approved by invalid "+k.Principal, func(t *testing.T) {
			if _, err := reg.Approve(ctx, "rental-deposit", 2, k, now); candor.ErrorCode(err) != candor.EFORBIDDEN {
				t.Fatalf("approval with the invalid principal %q: %v", k.Principal, err)
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
	// New events are matched with v2 only now: v1's matches are incomplete,
	// and v2's are not stored until a pass over the population stores them.
	for _, c := range []*scoring.Compiled{v1, c2} {
		if ok, err := reg.Materialised(ctx, c); ok || err != nil {
			t.Errorf("after approval, v%d: Materialised = %v, %v", c.Scorecard().Version, ok, err)
		}
	}
	if _, err := reg.Approve(ctx, "rental-deposit", 2, carol, now); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Fatalf("approving twice: %v", err)
	}
	active, all, err = reg.Published(ctx)
	if err != nil || len(all) != 4 || version(active, "rental-deposit") != 2 || len(active) != 3 {
		t.Fatalf("after approval: %d versions, %d active, rental-deposit v%d, %v", len(all), len(active), version(active, "rental-deposit"), err)
	}
	vs, err := reg.Versions(ctx)
	if err != nil || len(vs) != 1 || vs[0].ProposedBy != "alice" || vs[0].ProposedKey != alice.ID || vs[0].ApprovedBy != "bob" ||
		vs[0].ApprovedKey != bob.ID || !vs[0].ApprovedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("the approval is not recorded: %+v %v", vs, err)
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
