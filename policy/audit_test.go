package policy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/policy"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Rows of the sample by profile: the values of late_instalments,
// months_since_late and late_share, and the score testdata's fitted
// consumer-credit v2 gives them, worked out by hand from its bins.
var profiles = map[string]struct {
	values string
	score  int
}{
	"clean": {"0,NA,0", 650 + 40 + 25 + 30},  // 745, grade B
	"some":  {"1,12,0.1", 650 - 10 - 5 + 0},  // 635, grade D
	"late":  {"5,2,0.5", 650 - 90 - 40 - 60}, // 460, grade E
}

// sample writes a sample and its protected attributes: group a has 16
// clean rows with good outcomes and 4 late with bad; group b 10 clean
// and 6 some with good outcomes and 4 late with bad.
func sample() (rows, groups []byte) {
	var s, g bytes.Buffer
	s.WriteString("subject,late_instalments,months_since_late,late_share,outcome\n")
	g.WriteString("sex\n")
	n := 0
	add := func(group, profile string, outcome, k int) {
		for range k {
			n++
			fmt.Fprintf(&s, "%d,%s,%d\n", n, profiles[profile].values, outcome)
			g.WriteString(group + "\n")
		}
	}
	add("a", "clean", 0, 16)
	add("a", "late", 1, 4)
	add("b", "clean", 0, 10)
	add("b", "some", 0, 6)
	add("b", "late", 1, 4)
	return s.Bytes(), g.Bytes()
}

func TestAuditSampleByHand(t *testing.T) {
	src, err := os.ReadFile("testdata/consumer-credit-2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := scoring.Load("consumer-credit-2.yaml", src, catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range profiles {
		var vals []scoring.Value
		for i, f := range strings.Split(p.values, ",") {
			v := scoring.Value{ID: c.Scorecard().Characteristics[i].ID, Missing: f == "NA"}
			fmt.Sscan(f, &v.V)
			vals = append(vals, v)
		}
		if got, err := c.PointsOf(vals); err != nil || got != p.score {
			t.Errorf("%s: PointsOf = %d, %v; want %d", name, got, err, p.score)
		}
	}
	rows, groups := sample()
	a, err := policy.AuditSample(c, rows, groups)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rows != 40 || a.Bad != 8 || len(a.Cutoffs) != 1 {
		t.Fatalf("audit: %+v", a)
	}
	cut := a.Cutoffs[0]
	if cut.Benefit != "pre_approval" || cut.Grade != "C" || cut.Cutoff != 660 || cut.ApprovalRate != 26.0/40 {
		t.Errorf("cut-off: %+v, want pre_approval at grade C, 660, 26/40 approved", cut)
	}
	at := cut.Attributes[0]
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-12 }
	ga, gb := at.Groups[0], at.Groups[1]
	if ga.Group != "a" || ga.N != 20 || ga.Approved != 16 || !near(ga.TruePositiveRate, 1) || !ga.FourFifths ||
		gb.Group != "b" || gb.N != 20 || gb.Approved != 10 || !near(gb.ImpactRatio, 0.625) || gb.FourFifths || !near(gb.TruePositiveRate, 0.625) {
		t.Errorf("groups: %+v", at.Groups)
	}
	if at.FourFifths || !near(at.EqualOpportunityDifference, 0.375) || a.FourFifths() {
		t.Errorf("attribute: four-fifths %v, EOD %g; want not met, 0.375", at.FourFifths, at.EqualOpportunityDifference)
	}
	summary, _ := json.Marshal(a)
	for _, row := range []string{"745", "subject", "clean"} {
		if bytes.Contains(summary, []byte(row)) {
			t.Errorf("the summary holds %q, from the rows: %s", row, summary)
		}
	}

	bad := []struct {
		name         string
		rows, groups string
		want         string
	}{
		{"a group of 9", string(rows), strings.Replace(string(groups), "a\n", "c\n", 9), `"c" has 9 rows`},
		{"outcome not 0/1", strings.Replace(string(rows), ",0\n", ",2\n", 1), string(groups), "outcome"},
		{"a column missing", strings.Replace(string(rows), "late_share", "share", 1), string(groups), `"late_share"`},
		{"fewer attribute rows", string(rows), string(groups[:len(groups)-2]), "rows"},
		{"a protected column in the sample", strings.Replace(string(rows), "subject", "gender", 1), string(groups), ""},
	}
	for _, b := range bad {
		_, err := policy.AuditSample(c, []byte(b.rows), []byte(b.groups))
		if b.name == "a protected column in the sample" {
			// Ignored: only the characteristics' columns are read.
			if err != nil {
				t.Errorf("%s: %v", b.name, err)
			}
			continue
		}
		if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want EINVALID naming %s", b.name, err, b.want)
		}
	}
}

// A rule scorecard is audited on its rules' points, as candor features
// writes them: the score is the base plus their sum, clamped. The sample
// is sample()'s, in rules: 1000+24 approved (grade A), 1000-60+10 and
// 1000-120 not.
func TestAuditRuleSampleByHand(t *testing.T) {
	src, err := os.ReadFile("../scoring/testdata/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := scoring.Load("base.yaml", src, catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	var s, g bytes.Buffer
	s.WriteString("subject,rent_late,rent_paid,outcome\n")
	g.WriteString("sex\n")
	n := 0
	add := func(group, points string, outcome, k int) {
		for range k {
			n++
			fmt.Fprintf(&s, "%d,%s,%d\n", n, points, outcome)
			g.WriteString(group + "\n")
		}
	}
	add("a", "0,24", 0, 16)
	add("a", "-120,0", 1, 4)
	add("b", "0,24", 0, 10)
	add("b", "-60,10", 0, 6)
	add("b", "-120,0", 1, 4)
	a, err := policy.AuditSample(c, s.Bytes(), g.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cut := a.Cutoffs[0]
	if a.Rows != 40 || a.Bad != 8 || cut.Benefit != "deposit_waived" || cut.Cutoff != 1000 || cut.ApprovalRate != 26.0/40 {
		t.Fatalf("audit: %+v, cut-off %+v", a, cut)
	}
	if gb := cut.Attributes[0].Groups[1]; gb.Group != "b" || gb.Approved != 10 || math.Abs(gb.ImpactRatio-0.625) > 1e-12 || gb.FourFifths {
		t.Errorf("group b: %+v", gb)
	}
	// A rule's points cannot be missing.
	if _, err := policy.AuditSample(c, bytes.Replace(s.Bytes(), []byte(",-60,10,"), []byte(",NA,10,"), 1), g.Bytes()); candor.ErrorCode(err) != candor.EINVALID ||
		!strings.Contains(err.Error(), "rule rent_late: its points are missing") {
		t.Errorf("a rule's points missing: %v", err)
	}
}

// TestApproveNeedsAudit: a fitted consumer-credit version (credit rests
// on consent) is refused approval until an audit of its very source is
// recorded; the audit is an act in the chain, bound to the source and the
// summary, and the version listed and approved carries it. A summary
// altered in the store stops the listing.
func TestApproveNeedsAudit(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	v, _ := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	cat := catalogue.Default()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	acts := admins.New(st, v, func() time.Time { return now })
	reg := scoring.NewRegistry(st, cat).WithActs(acts)
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.New(acts, reg, scoring.NewHistory(reg, cat, scoring.NewPublished(shipped, shipped)), func() time.Time { return now })
	_, alice, _, err := acts.Mint(ctx, nil, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, bob, _, err := acts.Mint(ctx, nil, "bob")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/consumer-credit-2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pol.Propose(ctx, alice, "consumer-credit-2.yaml", src); err != nil {
		t.Fatal(err)
	}
	_, err = pol.Approve(ctx, bob, "consumer-credit", 2)
	if candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(err.Error(), "no fairness audit") || !strings.Contains(err.Error(), "candor policy audit consumer-credit 2") {
		t.Fatalf("approving without an audit: %v, want EFORBIDDEN saying how to audit", err)
	}
	rows, groups := sample()
	if _, err := pol.Audit(ctx, nil, "consumer-credit", 2, rows, groups); candor.ErrorCode(err) != candor.EFORBIDDEN {
		t.Errorf("an audit without a key: %v, want EFORBIDDEN", err)
	}
	if _, err := pol.Audit(ctx, alice, "consumer-credit", 3, rows, groups); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("auditing what no one proposed: %v, want ENOTFOUND", err)
	}
	before, _ := acts.Acts(ctx)
	if _, err := pol.Audit(ctx, alice, "consumer-credit", 2, rows, groups[:len(groups)-2]); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("a bad attributes file: %v, want EINVALID", err)
	}
	if after, _ := acts.Acts(ctx); len(after) != len(before) {
		t.Errorf("a refused audit recorded an act")
	}
	a, err := pol.Audit(ctx, alice, "consumer-credit", 2, rows, groups)
	if err != nil {
		t.Fatal(err)
	}
	if a.By != "alice" || a.N != uint64(len(before))+1 || a.Cutoffs[0].Attributes[0].Groups[1].Approved != 10 {
		t.Errorf("audit: %+v", a)
	}
	all, _ := acts.Acts(ctx)
	last := all[len(all)-1]
	if last.Kind != candor.ActScorecardAudited || last.Scorecard != "consumer-credit" || last.Version != 2 || last.Audit == ([32]byte{}) {
		t.Errorf("the audit's act: %+v", last)
	}
	ver, err := pol.Approve(ctx, bob, "consumer-credit", 2)
	if err != nil {
		t.Fatalf("approving once audited: %v", err)
	}
	if ver.Audit == nil || ver.Audit.N != a.N || ver.Audit.By != "alice" || ver.Audit.Source != a.Source {
		t.Errorf("the approved version's audit: %+v, want act %d", ver.Audit, a.N)
	}

	// The summary is bound to its act: altered in the store, it stops
	// the listing rather than being shown.
	key := "scorecards/audits/" + fmt.Sprintf("%x", last.Audit)
	data, err := st.GetMeta(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutMeta(ctx, key, bytes.Replace(data, []byte(`"approved":10`), []byte(`"approved":16`), 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := pol.Versions(ctx); candor.ErrorCode(err) != candor.EINTERNAL {
		t.Errorf("listing with an altered summary: %v, want EINTERNAL", err)
	}
}

// Every version for a purpose resting on consent needs an audit, of
// rules (the shipped consumer-credit and rental-deposit) or fitted; none
// for a statutory purpose.
func TestNeedsAudit(t *testing.T) {
	cat := catalogue.Default()
	src, _ := os.ReadFile("testdata/consumer-credit-2.yaml")
	c, err := scoring.Load("x.yaml", src, cat)
	if err != nil {
		t.Fatal(err)
	}
	if !scoring.NeedsAudit(c.Scorecard()) {
		t.Error("a fitted credit scorecard needs no audit")
	}
	shipped, _ := scoring.Shipped(cat)
	for _, s := range shipped {
		if sc := s.Scorecard(); scoring.NeedsAudit(sc) != sc.Purpose.RestsOnConsent() {
			t.Errorf("%s, of rules, for %s: needs an audit %v", sc.ID, sc.Purpose, scoring.NeedsAudit(sc))
		}
	}
	for _, want := range []string{"consumer-credit", "rental-deposit"} {
		for _, s := range shipped {
			if s.Scorecard().ID == want && !scoring.NeedsAudit(s.Scorecard()) {
				t.Errorf("%s, of rules, needs no audit", want)
			}
		}
	}
	sc := *c.Scorecard()
	sc.Purpose = candor.PurposeTaxCompliance
	if scoring.NeedsAudit(&sc) {
		t.Error("a fitted tax-compliance scorecard needs an audit")
	}
}

// The fixtures the API's and the command line's tests audit with are
// this file's sample.
func TestAuditFixtures(t *testing.T) {
	rows, groups := sample()
	if os.Getenv("CANDOR_UPDATE_FIXTURES") != "" {
		os.WriteFile("testdata/audit-sample.csv", rows, 0o644)
		os.WriteFile("testdata/audit-protected.csv", groups, 0o644)
	}
	rrows, rgroups := ruleSample(t)
	if os.Getenv("CANDOR_UPDATE_FIXTURES") != "" {
		os.WriteFile("testdata/rental-audit-sample.csv", rrows, 0o644)
		os.WriteFile("testdata/rental-audit-protected.csv", rgroups, 0o644)
	}
	for name, want := range map[string][]byte{"testdata/audit-sample.csv": rows, "testdata/audit-protected.csv": groups,
		"testdata/rental-audit-sample.csv": rrows, "testdata/rental-audit-protected.csv": rgroups} {
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from sample() or ruleSample() (%v): run with CANDOR_UPDATE_FIXTURES=1", name, err)
		}
	}
}

// ruleSample is a sample of the shipped rental-deposit's rules' points
// (what tests that approve a rule version of it audit it with): in each of
// groups a and b, 16 rows with no points (1000, grade A: the deposit
// waived) and good outcomes, 4 with -120 for late rent (880) and bad.
// Audited, every group's approval rate is 0.8.
func ruleSample(t *testing.T) (rows, groups []byte) {
	src, err := os.ReadFile("../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := scoring.Load("rental-deposit.yaml", src, catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	var s, g bytes.Buffer
	s.WriteString("subject")
	for _, r := range c.Scorecard().Rules {
		s.WriteString("," + r.ID)
	}
	s.WriteString(",outcome\n")
	g.WriteString("sex\n")
	n := 0
	for _, group := range []string{"a", "b"} {
		for k := range 20 {
			n++
			fmt.Fprintf(&s, "%d", n)
			for _, r := range c.Scorecard().Rules {
				v := 0
				if k >= 16 && r.ID == "rent_late" {
					v = -120
				}
				fmt.Fprintf(&s, ",%d", v)
			}
			fmt.Fprintf(&s, ",%d\n", k/16)
			g.WriteString(group + "\n")
		}
	}
	a, err := policy.AuditSample(c, s.Bytes(), g.Bytes())
	if err != nil || a.Cutoffs[0].ApprovalRate != 0.8 || !a.FourFifths() {
		t.Fatalf("the rule sample audits as %+v, %v", a, err)
	}
	return s.Bytes(), g.Bytes()
}

// FuzzAuditSample: whatever the sample and the attributes, an audit is
// refused with EINVALID or counts every row once in every attribute.
func FuzzAuditSample(f *testing.F) {
	src, err := os.ReadFile("testdata/consumer-credit-2.yaml")
	if err != nil {
		f.Fatal(err)
	}
	c, err := scoring.Load("consumer-credit-2.yaml", src, catalogue.Default())
	if err != nil {
		f.Fatal(err)
	}
	rows, groups := sample()
	f.Add(rows, groups)
	f.Add(rows[:200], groups[:40])
	f.Add([]byte("late_instalments,months_since_late,late_share,outcome\n1,2,3,1\n"), []byte("x\ny\n"))
	f.Fuzz(func(t *testing.T, rows, groups []byte) {
		a, err := policy.AuditSample(c, rows, groups)
		if err != nil {
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("refused with %v, want EINVALID", err)
			}
			return
		}
		for _, cut := range a.Cutoffs {
			for _, at := range cut.Attributes {
				n := 0
				for _, g := range at.Groups {
					if g.N < candor.MinAuditGroup || g.Approved > g.N {
						t.Fatalf("group %+v", g)
					}
					n += g.N
				}
				if n != a.Rows {
					t.Fatalf("attribute %s counts %d rows of %d", at.Attribute, n, a.Rows)
				}
			}
		}
	})
}

// A rule version for a purpose resting on consent (rental-deposit v2) is
// refused approval like a fitted one until an audit of its source, on its
// rules' points, is recorded.
func TestApproveRuleVersionNeedsAudit(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	v, _ := vault.New(bytes.Repeat([]byte{5}, vault.KeySize), memstore.NewKeyring())
	cat := catalogue.Default()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	acts := admins.New(st, v, func() time.Time { return now })
	reg := scoring.NewRegistry(st, cat).WithActs(acts)
	shipped, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.New(acts, reg, scoring.NewHistory(reg, cat, scoring.NewPublished(shipped, shipped)), func() time.Time { return now })
	_, alice, _, _ := acts.Mint(ctx, nil, "alice")
	_, bob, _, _ := acts.Mint(ctx, nil, "bob")
	src, err := os.ReadFile("../scoring/scorecards/rental-deposit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(src), "version: 1", "version: 2", 1)
	if _, err := pol.Propose(ctx, alice, "rental-deposit-2.yaml", []byte(v2)); err != nil {
		t.Fatal(err)
	}
	if _, err := pol.Approve(ctx, bob, "rental-deposit", 2); candor.ErrorCode(err) != candor.EFORBIDDEN ||
		!strings.Contains(err.Error(), "rental-deposit version 2 is for rental, a purpose resting on consent, and no fairness audit") {
		t.Fatalf("approving a rule version without an audit: %v, want EFORBIDDEN", err)
	}
	rows, groups := ruleSample(t)
	a, err := pol.Audit(ctx, alice, "rental-deposit", 2, rows, groups)
	if err != nil || a.Cutoffs[0].ApprovalRate != 0.8 {
		t.Fatalf("audit: %+v, %v", a, err)
	}
	ver, err := pol.Approve(ctx, bob, "rental-deposit", 2)
	if err != nil || ver.Audit == nil || ver.Audit.N != a.N {
		t.Fatalf("approving once audited: %+v, %v", ver, err)
	}
}
