package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/synth"
)

// The demo's fitting loop, as a lender and Candor's policy administrators
// would run it: candor features over a sample of persons a year ago, the
// lender's own outcomes (a default in the twelve months since, which synth
// draws and Candor never stores) joined to it, candor fit with a report,
// a fairness audit against age bands (an auditor's protected attribute,
// never stored), and the fitted scorecard proposed as consumer-credit's
// next version, for a second administrator to approve.

//go:embed demo-credit-template.yaml
var demoTemplate []byte

// demoFitted is what the loop left for the tour.
type demoFitted struct {
	dir, prefix      string
	alice, bob       string // the administrators' key files ("" when the demo has none)
	id               string
	version          int
	auc, baselineAUC float64
	proposed         bool
}

// demoFitMarker records in meta that the loop ran for this population.
const demoFitMarker = "demo/fitted"

// runDemoFit runs the loop on the first n persons of pop, writing its
// files into dir, unless it ran for this population before. A fit that
// fails is reported and the demo goes on.
func runDemoFit(ctx context.Context, srv *app.Node, pop synth.Config, n int, dir string, stdout, stderr io.Writer) (*demoFitted, error) {
	inst := srv.Installation()
	res := &demoFitted{dir: dir, prefix: filepath.Join(dir, "consumer-credit-fitted")}
	marker := fmt.Sprintf("seed=%d persons=%d until=%s sample=%d", pop.Seed, pop.Persons, pop.Until.Format("2006-01"), n)
	if got, err := inst.Store.GetMeta(ctx, demoFitMarker); err == nil && string(got) == marker {
		fmt.Fprintf(stdout, "\nThe fitted consumer-credit scorecard of this population is in %s already; nothing to fit.\n", dir)
		return res.reload()
	}
	fmt.Fprintf(stdout, "\nFitting a consumer-credit scorecard to a lender's outcomes (features → fit → report → audit → propose), in %s:\n", dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	start := time.Now()
	files, err := demoSample(ctx, srv, pop, n, dir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "  candor features --scorecard %s --subjects %s --at %s --out %s   (%d persons, %s)\n",
		files.template, files.subjects, files.at.Format(time.DateOnly), files.features, files.rows, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  the lender's outcomes (a default in the 12 months since; never sent to Candor): %s; joined: %s (%.1f %% good)\n",
		files.outcomes, files.sample, 100*files.goodShare())
	fmt.Fprintf(stdout, "  the auditor's protected attributes (age bands; never stored): %s\n", files.protected)
	// The scaling puts pre_approval's cut-off (grade C) where it approves
	// as many as the sample's good share: a lender that lends to as many
	// as repay, not only to the safest few the default scaling leaves.
	fitArgs := []string{"--mapping", files.mapping, "--audit", files.protected, "--out", res.prefix}
	if g := files.goodShare(); g > 0 && g < 1 {
		fitArgs = append(fitArgs, "--approve-share", strconv.FormatFloat(g, 'f', 4, 64))
		fmt.Fprintf(stdout, "  the scaling is set so that pre_approval (grade C and better) approves the sample's good share, %.1f %%\n", 100*g)
	}
	fitArgs = append(fitArgs, files.sample)
	fmt.Fprintf(stdout, "  candor fit %s\n", strings.Join(fitArgs, " "))
	var fitOut bytes.Buffer
	if err := runFit(fitArgs, &fitOut, stderr); err != nil {
		fmt.Fprintf(stdout, "  the fit failed (%v): the demo goes on without a fitted version\n", err)
		return nil, nil
	}
	for _, line := range strings.Split(strings.TrimSpace(fitOut.String()), "\n") {
		fmt.Fprintf(stdout, "    %s\n", line)
	}
	if err := res.proposeAndAudit(ctx, srv, files, stdout); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "  (the loop took %s)\n", time.Since(start).Round(time.Millisecond))
	if _, err := res.reload(); err != nil {
		return nil, err
	}
	return res, inst.Store.PutMeta(ctx, demoFitMarker, []byte(marker))
}

// reload reads the fitted version's number and the report's figures, and
// finds the administrators' key files if the demo made them.
func (res *demoFitted) reload() (*demoFitted, error) {
	data, err := os.ReadFile(res.prefix + ".report.json")
	if err != nil {
		return nil, err
	}
	var rep struct {
		AUC         float64 `json:"auc"`
		BaselineAUC float64 `json:"baseline_auc"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s.report.json: %w", res.prefix, err)
	}
	res.auc, res.baselineAUC = rep.AUC, rep.BaselineAUC
	if data, err = os.ReadFile(res.prefix + ".yaml"); err != nil {
		return nil, err
	}
	c, err := scoring.Load(filepath.Base(res.prefix)+".yaml", data, catalogue.Default())
	if err != nil {
		return nil, err
	}
	res.id, res.version = c.Scorecard().ID, c.Scorecard().Version
	alice, bob := filepath.Join(res.dir, "alice.key"), filepath.Join(res.dir, "bob.key")
	if _, err := os.Stat(alice); err == nil {
		res.alice, res.bob = alice, bob
	}
	return res, nil
}

// demoFiles are the loop's files.
type demoFiles struct {
	template, subjects, features, outcomes, sample, protected, mapping string
	at                                                                 time.Time
	rows, bad                                                          int
}

// goodShare is the share of the sample's rows with a good outcome.
func (f *demoFiles) goodShare() float64 {
	if f.rows == 0 {
		return 0
	}
	return 1 - float64(f.bad)/float64(f.rows)
}

// ageBand is an auditor's band of an age in years.
func ageBand(age int) string {
	switch {
	case age < 30:
		return "under 30"
	case age < 50:
		return "30 to 49"
	}
	return "50 and over"
}

// demoSample writes the template, the subjects, their characteristics at
// a year before pop.Until (each read recorded as candor features records
// it), the lender's outcomes, the two joined, the auditor's age bands and
// the mapping candor fit reads the sample with.
func demoSample(ctx context.Context, srv *app.Node, pop synth.Config, n int, dir string) (*demoFiles, error) {
	inst := srv.Installation()
	f := &demoFiles{template: filepath.Join(dir, "features-template.yaml"), subjects: filepath.Join(dir, "subjects.txt"),
		features: filepath.Join(dir, "features.csv"), outcomes: filepath.Join(dir, "outcomes.csv"), sample: filepath.Join(dir, "sample.csv"),
		protected: filepath.Join(dir, "protected.csv"), mapping: filepath.Join(dir, "mapping.yaml"), at: pop.Until.AddDate(-1, 0, 0)}
	card, err := scoring.Load("features-template.yaml", demoTemplate, inst.Catalogue)
	if err != nil {
		return nil, err
	}
	sc := card.Scorecard()
	var subjects bytes.Buffer
	var features, outcomes, sample, protected bytes.Buffer
	fw, ow, sw, pw := csv.NewWriter(&features), csv.NewWriter(&outcomes), csv.NewWriter(&sample), csv.NewWriter(&protected)
	head := []string{"subject"}
	for _, ch := range sc.Characteristics {
		head = append(head, ch.ID)
	}
	fw.Write(head)
	sw.Write(append(head, "outcome"))
	ow.Write([]string{"subject", "outcome"})
	pw.Write([]string{"age_band"})
	var subs []listed
	var persons []int // the person of each of subs
	for i := range n {
		p := synth.Person(pop.Seed, i)
		fmt.Fprintf(&subjects, "national_id:%s\n", p.NationalID)
		id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: p.NationalID}))
		if candor.ErrorCode(err) == candor.ENOTFOUND {
			continue // not registered by Until: not in the sample
		}
		if err != nil {
			return nil, err
		}
		rec, err := inst.Store.Subject(ctx, id)
		if err != nil {
			return nil, err
		}
		subs = append(subs, listed{id: id, rec: rec})
		persons = append(persons, i)
	}
	all, err := featuresOfAll(ctx, inst, srv.Access(), card, subs, f.at)
	if err != nil {
		return nil, err
	}
	for k, vals := range all {
		i, p := persons[k], synth.Person(pop.Seed, persons[k])
		f.rows++
		row := featuresRow(f.rows, vals)
		y := "0"
		if synth.Default12(pop.Seed, i, f.at) {
			y = "1"
			f.bad++
		}
		fw.Write(row)
		sw.Write(append(row, y))
		ow.Write([]string{row[0], y})
		pw.Write([]string{ageBand(f.at.Year() - p.BirthYear)})
	}
	for _, w := range []*csv.Writer{fw, ow, sw, pw} {
		w.Flush()
	}
	mapping, err := featuresMapping(sc)
	if err != nil {
		return nil, err
	}
	return f, writeAll(map[string][]byte{f.template: demoTemplate, f.subjects: subjects.Bytes(), f.features: features.Bytes(),
		f.outcomes: outcomes.Bytes(), f.sample: sample.Bytes(), f.protected: protected.Bytes(), f.mapping: mapping})
}

// proposeAndAudit proposes the fitted version through the node's API with
// the key of the demo's first administrator, and audits it with the
// sample and the age bands; without administrators of its own (the first
// two were bootstrapped by someone else) it leaves that to whoever holds
// their keys.
func (res *demoFitted) proposeAndAudit(ctx context.Context, srv *app.Node, files *demoFiles, stdout io.Writer) error {
	alice, err := demoAdmins(ctx, srv.Installation(), res.dir)
	if err != nil {
		return err
	}
	if alice == "" {
		fmt.Fprintf(stdout, "  the first two policy administrators exist already: propose and audit it with their keys\n"+
			"  (candor policy propose %s.yaml; candor policy audit ID VERSION --sample %s --protected %s)\n", res.prefix, files.sample, files.protected)
		return nil
	}
	c, err := httpapi.NewPolicyClient("http://"+srv.Addr(), alice, nil)
	if err != nil {
		return err
	}
	source, err := os.ReadFile(res.prefix + ".yaml")
	if err != nil {
		return err
	}
	v, err := c.Propose(ctx, nil, filepath.Base(res.prefix)+".yaml", source)
	if err != nil {
		return err
	}
	sc := v.Scorecard
	fmt.Fprintf(stdout, "  candor policy propose %s.yaml --key-file %s   → %s version %d proposed by %s\n", res.prefix, filepath.Join(res.dir, "alice.key"), sc.ID, sc.Version, v.ProposedBy)
	sample, err := os.ReadFile(files.sample)
	if err != nil {
		return err
	}
	protected, err := os.ReadFile(files.protected)
	if err != nil {
		return err
	}
	a, err := c.Audit(ctx, nil, sc.ID, sc.Version, sample, protected)
	if err != nil {
		return err
	}
	verdict := "met"
	if !a.FourFifths() {
		verdict = "NOT met"
	}
	fmt.Fprintf(stdout, "  candor policy audit %s %d --sample %s --protected %s --key-file %s   → four-fifths rule %s; recorded as act %d\n",
		sc.ID, sc.Version, files.sample, files.protected, filepath.Join(res.dir, "alice.key"), verdict, a.N)
	return nil
}

// demoAdmins bootstraps the demo's two policy administrators, alice and
// bob, their keys written to dir, and returns alice's token; or, on a
// store whose first two administrators exist already, "".
func demoAdmins(ctx context.Context, inst *app.Installation, dir string) (string, error) {
	if token, err := readKeyFile(filepath.Join(dir, "alice.key")); err == nil {
		return token, nil // a run of the demo that stopped before it was done made them
	}
	acts := admins.New(inst.Store, inst.Vault, nil)
	chain, err := acts.Acts(ctx)
	if err != nil || len(chain) > 0 {
		return "", err
	}
	var tokens []string
	for _, name := range []string{"alice", "bob"} {
		token, _, _, err := acts.Mint(ctx, nil, name)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".key"), []byte(token+"\n"), 0o600); err != nil {
			return "", err
		}
		tokens = append(tokens, token)
	}
	return tokens[0], nil
}
