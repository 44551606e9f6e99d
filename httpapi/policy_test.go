package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/scoring"
)

// policyService is the policy administration on the harness's store, its
// acts in the harness's chain.
func (h *harness) policyService(st candor.Store, cat *candor.Catalogue) *policy.Service {
	reg := scoring.NewRegistry(st, cat).WithActs(h.admins)
	return policy.New(h.admins, reg, scoring.NewHistory(reg, cat, h.published), nil)
}

// TestPolicyOnline: with the server running, an operator's key
// bootstraps the second administrator (the harness bootstrapped alice)
// and no more; one proposes a
// scorecard version and cannot approve it; the other approves it; a key
// one requests works only once the other approves it, and is revoked at
// once. Every act is in the public chain, and no other role may act.
func TestPolicyOnline(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	client := func(token string) *httpapi.PolicyClient {
		c, err := httpapi.NewPolicyClient(h.srv.URL, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	op := client(h.operator)
	if _, _, _, err := op.MintKey(ctx, nil, "Alice"); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("bootstrapping alice, bootstrapped by the harness, again: %v, want EFORBIDDEN", err)
	}
	bobToken, _, act, err := op.MintKey(ctx, nil, "bob")
	if err != nil || act.Kind != candor.ActKeyBootstrapped {
		t.Fatalf("bootstrapping bob: %v %v", act, err)
	}
	if _, _, _, err := op.MintKey(ctx, nil, "mallory"); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("a third bootstrap: %v, want EFORBIDDEN", err)
	}
	alice, bob := client(h.policy), client(bobToken)

	shipped, err := os.ReadFile(filepath.Join("..", "scoring", "scorecards", "rental-deposit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(shipped), "version: 1", "version: 2", 1)
	if _, err := client(h.bank).Propose(ctx, nil, "rental-deposit-2.yaml", []byte(v2)); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("a source proposing: %v, want EFORBIDDEN", err)
	}
	if _, err := op.Propose(ctx, nil, "rental-deposit-2.yaml", []byte(v2)); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("an operator proposing: %v, want EFORBIDDEN", err)
	}
	if _, err := alice.Propose(ctx, nil, "bad.yaml", []byte("id: [")); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("proposing a broken file: %v, want EINVALID", err)
	}
	v, err := alice.Propose(ctx, nil, "rental-deposit-2.yaml", []byte(v2))
	if err != nil || v.State != candor.VersionProposed || v.ProposedBy != "alice" || v.Scorecard.Version != 2 {
		t.Fatalf("alice's proposal: %+v %v", v, err)
	}
	if _, err := alice.Approve(ctx, nil, "rental-deposit", 2); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("alice approving her own proposal: %v, want EFORBIDDEN", err)
	}
	if _, err := bob.Approve(ctx, nil, "rental-deposit", 2); candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "no fairness audit") {
		t.Errorf("bob approving a rental version no one audited: %v, want EFORBIDDEN", err)
	}
	sample, err := os.ReadFile(filepath.Join("..", "policy", "testdata", "rental-audit-sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	protected, err := os.ReadFile(filepath.Join("..", "policy", "testdata", "rental-audit-protected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Audit(ctx, nil, "rental-deposit", 2, sample, protected); err != nil {
		t.Fatalf("alice auditing the rule version: %v", err)
	}
	if v, err = bob.Approve(ctx, nil, "rental-deposit", 2); err != nil || v.ApprovedBy != "bob" {
		t.Fatalf("bob's approval: %+v %v", v, err)
	}
	if _, err := bob.Approve(ctx, nil, "rental-deposit", 2); candor.ErrorCode(err) != candor.ECONFLICT {
		t.Errorf("approving twice: %v, want ECONFLICT", err)
	}
	if _, err := bob.Approve(ctx, nil, "rental-deposit", 9); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("approving what no one proposed: %v, want ENOTFOUND", err)
	}
	vs, err := bob.Versions(ctx)
	if err != nil || !listed(vs, "rental-deposit", 2, "alice", "bob") {
		t.Errorf("versions: %v, want rental-deposit 2 proposed by alice and approved by bob", err)
	}

	carolToken, carolKey, _, err := alice.MintKey(ctx, nil, "carol")
	if err != nil {
		t.Fatal(err)
	}
	carol := client(carolToken)
	if _, err := carol.Versions(ctx); err != nil {
		t.Fatalf("carol's key authenticates before approval (only acting needs standing): %v", err)
	}
	v3 := strings.Replace(string(shipped), "version: 1", "version: 3", 1)
	if _, err := carol.Propose(ctx, nil, "rental-deposit-3.yaml", []byte(v3)); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("carol acting before her key is approved: %v, want EFORBIDDEN", err)
	}
	if _, err := alice.ApproveKey(ctx, nil, carolKey.ID); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("alice approving the key she requested: %v, want EFORBIDDEN", err)
	}
	if _, err := bob.ApproveKey(ctx, nil, carolKey.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Propose(ctx, nil, "rental-deposit-3.yaml", []byte(v3)); err != nil {
		t.Errorf("carol, approved, proposing: %v", err)
	}
	if act, err := alice.RevokeKey(ctx, nil, carolKey.ID); err != nil || act.Kind != candor.ActKeyRevoked {
		t.Fatalf("revoking carol's key: %v %v", act, err)
	}
	if _, err := carol.Versions(ctx); candor.ErrorCode(err) != candor.EUNAUTHORIZED {
		t.Errorf("carol's revoked key: %v, want EUNAUTHORIZED", err)
	}
	acts, err := alice.Acts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range acts {
		kinds = append(kinds, a.Kind.String())
	}
	want := "key_bootstrapped key_bootstrapped scorecard_proposed scorecard_audited scorecard_approved key_requested key_approved scorecard_proposed key_revoked"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("the chain of acts: %s, want %s", got, want)
	}
	if acts[3].By != "alice" || acts[3].Source != acts[4].Source {
		t.Errorf("the audit act as listed: %+v", acts[3])
	}
	if acts[4].Scorecard != "rental-deposit" || acts[4].Version != 2 || acts[4].By != "bob" || acts[4].Source == [32]byte{} {
		t.Errorf("the approval act as listed: %+v", acts[4])
	}
}

func listed(vs []*candor.ScorecardVersion, id string, version int, proposer, approver string) bool {
	for _, v := range vs {
		if v.Scorecard.ID == id && v.Scorecard.Version == version {
			return v.ProposedBy == proposer && v.ApprovedBy == approver
		}
	}
	return false
}

// TestPolicyAuditOnline: over the API, a fitted consumer-credit version is
// refused approval until audited; the audit, posted with the sample and
// the protected attributes, answers the summary, which the version then
// carries, and its act is public with the summary's hash, not the rows.
func TestPolicyAuditOnline(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	client := func(token string) *httpapi.PolicyClient {
		c, err := httpapi.NewPolicyClient(h.srv.URL, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	bobToken, _, _, err := client(h.operator).MintKey(ctx, nil, "bob")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := client(h.policy), client(bobToken)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if _, err := alice.Propose(ctx, nil, "consumer-credit-2.yaml", read("consumer-credit-2.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, nil, "consumer-credit", 2); candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "fairness audit") {
		t.Fatalf("approving unaudited: %v, want EFORBIDDEN", err)
	}
	sample, protected := read("audit-sample.csv"), read("audit-protected.csv")
	if _, err := client(h.operator).Audit(ctx, nil, "consumer-credit", 2, sample, protected); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("an operator auditing: %v, want EFORBIDDEN", err)
	}
	crlf := bytes.ReplaceAll(sample, []byte("\n"), []byte("\r\n"))
	a, err := bob.Audit(ctx, nil, "consumer-credit", 2, crlf, protected)
	if err != nil {
		t.Fatal(err)
	}
	if a.By != "bob" || a.Rows != 40 || a.FourFifths() || a.Cutoffs[0].Cutoff != 660 || a.Cutoffs[0].Attributes[0].Groups[1].ApprovalRate != 0.5 {
		t.Errorf("the audit answered: %+v", a)
	}
	v, err := bob.Approve(ctx, nil, "consumer-credit", 2)
	if err != nil {
		t.Fatalf("approving once audited: %v", err)
	}
	if v.Audit == nil || v.Audit.N != a.N || v.Audit.Source != a.Source || len(v.Audit.Cutoffs) != 1 {
		t.Errorf("the approved version's audit: %+v", v.Audit)
	}
	acts, err := alice.Acts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var audited *candor.AdminAct
	for _, act := range acts {
		if act.Kind == candor.ActScorecardAudited {
			audited = act
		}
	}
	if audited == nil || audited.N != a.N || audited.Audit == ([32]byte{}) || audited.By != "bob" {
		t.Fatalf("the public audit act: %+v", audited)
	}
	body := h.do(t, "GET", "/v1/admin-acts", "", "", nil).raw
	if !strings.Contains(body, `"audit_sha256"`) || strings.Contains(body, "late_share") {
		t.Errorf("the public acts show no summary hash, or a row: %s", body)
	}
	// The summary is public too, and hashes to the act's audit_sha256.
	summary := h.do(t, "GET", fmt.Sprintf("/v1/admin-acts/%d/audit", a.N), "", "", nil)
	if sum := sha256.Sum256([]byte(summary.raw)); summary.status != 200 || sum != audited.Audit || !strings.Contains(summary.raw, `"adverse_impact_ratio":0.625`) {
		t.Errorf("the public summary: %d %s", summary.status, summary.raw)
	}
	if r := h.do(t, "GET", fmt.Sprintf("/v1/admin-acts/%d/audit", a.N-1), "", "", nil); r.status != 404 {
		t.Errorf("the summary of an act that is no audit: %d", r.status)
	}
}
