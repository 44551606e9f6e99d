package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/scoring/fit"
)

const fitUsage = `Usage: candor fit [flags] FILE.csv

Fits a scorecard to outcomes: monotone bins by weight of evidence, a
logistic regression, points scaled so that --pdo points double the odds.
FILE has a header, an outcome column (1 bad, 0 good) and a column per
characteristic; --mapping reads any other layout (a public data set).
Writes PREFIX.yaml (the scorecard, a new version of --like),
PREFIX.report.html and PREFIX.report.json (validation on the held-out
rows); writes nothing if anything is wrong. --audit FILE gives protected
attributes (CSV with a header, one row per row of FILE, group labels),
read for the fairness audit only and never stored; a protected attribute
can never be a characteristic. --approve-share P moves the scaling by a
whole number of points so that --benefit's cut-off approves the share P
of the rows fitted on (e.g. their good share), instead of wherever
--base-points at --base-odds puts it.

Flags:
`

func runFit(args []string, stdout, stderr io.Writer) error {
	a, err := parseFitArgs(args, stderr)
	if err != nil {
		return err
	}
	card, err := fitCard(a.like, a.benefit, a.benefitGrade)
	if err != nil {
		return err
	}
	cutoff, err := card.Cutoff(a.benefit)
	if err != nil {
		return err
	}
	m, err := fitMapping(a, &card)
	if err != nil {
		return err
	}
	d, err := readFitData(a.file, m)
	if err != nil {
		return err
	}
	groups, err := readFitGroups(a.audit, d)
	if err != nil {
		return err
	}
	f, err := fitAndReport(a, card, cutoff, d, groups)
	if err != nil {
		return err
	}
	undefined, err := f.write(a.prefix)
	if err != nil {
		return err
	}
	f.summary(stdout, a.prefix, undefined)
	return nil
}

// fitArgs are candor fit's flags and its FILE.
type fitArgs struct {
	file, mapping, outcome, audit, prefix string
	like, benefit, benefitGrade           string
	share, approveShare                   float64
	seed                                  uint64
	o                                     fit.Options
}

func parseFitArgs(args []string, stderr io.Writer) (*fitArgs, error) {
	a := &fitArgs{o: fit.DefaultOptions()}
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, fitUsage); fs.PrintDefaults() }
	fs.StringVar(&a.mapping, "mapping", "", "YAML mapping: separator, header, outcome column and values, protected columns, characteristics")
	fs.StringVar(&a.outcome, "outcome", "", "the outcome column, without a mapping (default outcome)")
	fs.StringVar(&a.audit, "audit", "", "CSV of protected attributes for the fairness audit (never stored)")
	fs.StringVar(&a.prefix, "out", "fitted", "output prefix: PREFIX.yaml, PREFIX.report.html, PREFIX.report.json")
	fs.StringVar(&a.like, "like", "consumer-credit", "published scorecard whose id, purpose, range, grades and benefits the fitted version takes")
	fs.StringVar(&a.benefit, "benefit", "pre_approval", "the benefit whose cut-off the audit examines")
	fs.StringVar(&a.benefitGrade, "benefit-grade", "C", "the lowest grade that unlocks --benefit, if --like has no such benefit")
	fs.Float64Var(&a.share, "train-share", 0.7, "share of rows to fit on; the rest validates")
	fs.Uint64Var(&a.seed, "seed", 1, "seed of the split")
	fs.Float64Var(&a.o.Bin.MinShare, "min-bin-share", 0.05, "smallest share of rows in a bin")
	fs.IntVar(&a.o.Bin.MaxBins, "max-bins", 8, "most bins per characteristic")
	fs.Float64Var(&a.o.MinIV, "min-iv", a.o.MinIV, "leave out characteristics with less information value")
	fs.Float64Var(&a.o.BasePoints, "base-points", 660, "points at --base-odds")
	fs.Float64Var(&a.o.BaseOdds, "base-odds", 19, "odds good:bad at --base-points")
	fs.Float64Var(&a.o.PDO, "pdo", 40, "points that double the odds")
	fs.Float64Var(&a.approveShare, "approve-share", 0, "move the scaling so that --benefit's cut-off approves this share of the rows fitted on (0: keep it)")
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, flag.ErrHelp
	}
	a.file = fs.Arg(0)
	if a.share <= 0 || a.share >= 1 {
		return nil, fmt.Errorf("--train-share %g: must be between 0 and 1", a.share)
	}
	if !(a.approveShare >= 0 && a.approveShare < 1) {
		return nil, fmt.Errorf("--approve-share %g: must be between 0 and 1 (0: keep the scaling)", a.approveShare)
	}
	return a, nil
}

// fitMapping reads the mapping of --mapping, if any, and puts its
// characteristics' definitions into card; or names the --outcome column.
func fitMapping(a *fitArgs, card *fit.Card) (*fit.Mapping, error) {
	m := &fit.Mapping{}
	card.Definitions = map[string]fit.Mapped{}
	if a.mapping != "" {
		data, err := os.ReadFile(a.mapping)
		if err != nil {
			return nil, err
		}
		if m, err = fit.ParseMapping(data); err != nil {
			return nil, fmt.Errorf("%s: %w", a.mapping, err)
		}
		for _, c := range m.Characteristics {
			card.Definitions[c.Name] = c
		}
	}
	if a.outcome != "" {
		if a.mapping != "" {
			return nil, errors.New("--outcome and --mapping: the mapping names the outcome column")
		}
		m.Outcome = a.outcome
	}
	return m, nil
}

// readFitGroups reads the protected attributes of the --audit file, if
// any, refusing data whose columns include one of them.
func readFitGroups(path string, d *fit.Dataset) (*fit.Groups, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	groups, err := fit.ReadGroups(f, d.Rows())
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range d.Columns {
		if slices.Contains(groups.Names, c.Name) {
			return nil, fmt.Errorf("column %q is a protected attribute (it is in the audit file): %s", c.Name, fit.CharterRefusal)
		}
	}
	return groups, nil
}

// fitted is a fitted model with its report and the card it becomes.
type fitted struct {
	model               *fit.Model
	rep                 *fit.Report
	card                fit.Card
	rows, trainN, testN int
	seed                uint64
	shift               int // points the scaling moved for --approve-share
	approveShare        float64
}

// fitAndReport fits a model on the training share of d and validates it
// on the rest, with the approval rate at cutoff and, if groups are given,
// the fairness audit over all rows.
func fitAndReport(a *fitArgs, card fit.Card, cutoff int, d *fit.Dataset, groups *fit.Groups) (*fitted, error) {
	train, test, _, _ := fit.Split(d, a.share, a.seed)
	model, err := fit.Fit(train, a.o)
	if err != nil {
		return nil, err
	}
	shift := 0
	if a.approveShare > 0 {
		if shift, err = model.ShiftToApprove(train, cutoff, a.approveShare); err != nil {
			return nil, err
		}
	}
	score := func(d *fit.Dataset) ([]int, error) {
		s, err := model.Scores(d)
		fit.Clamp(s, card.Min, card.Max)
		return s, err
	}
	trainScores, err := score(train)
	if err != nil {
		return nil, err
	}
	testScores, err := score(test)
	if err != nil {
		return nil, err
	}
	rep := fit.NewReport(model, trainScores, train, testScores, test)
	rep.Source, rep.Seed = filepath.Base(a.file), a.seed
	rep.BasePoints, rep.BaseOdds, rep.PDO, rep.MinBinShare = a.o.BasePoints+float64(shift), a.o.BaseOdds, a.o.PDO, a.o.Bin.MinShare
	if auc, err := fit.OneHotBaseline(train, test); err != nil {
		rep.BaselineNote = err.Error()
	} else {
		rep.BaselineAUC = auc
	}
	rep.Benefit, rep.Cutoff = a.benefit, cutoff
	all, err := score(d)
	if err != nil {
		return nil, err
	}
	var approved int
	for _, s := range all {
		if s >= cutoff {
			approved++
		}
	}
	rep.ApprovalRate = float64(approved) / float64(len(all))
	if groups != nil {
		rep.Audit = fit.Audit(groups, all, d.Outcome, cutoff)
	}
	return &fitted{model: model, rep: rep, card: card, rows: d.Rows(), trainN: train.Rows(), testN: test.Rows(), seed: a.seed,
		shift: shift, approveShare: a.approveShare}, nil
}

// write writes PREFIX.yaml, PREFIX.report.json and PREFIX.report.html,
// all or none, after checking that the scorecard loads but for the
// characteristics left undefined, which it counts.
func (f *fitted) write(prefix string) (undefined int, err error) {
	rep := f.rep
	scorecard, err := f.model.YAML(f.card, fmt.Sprintf("Fitted by candor fit from %s (%d rows, %d to fit, seed %d) on %s.\nHeld-out AUC %.3f, Gini %.3f, KS %.3f; report: %s.report.html.",
		rep.Source, f.rows, f.trainN, f.seed, time.Now().UTC().Format(time.DateOnly), rep.AUC, rep.Gini, rep.KS, filepath.Base(prefix)))
	if err != nil {
		return 0, err
	}
	undefined, err = checkFitted(prefix+".yaml", scorecard)
	if err != nil {
		return 0, err
	}
	var js, html bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		return 0, err
	}
	if err := rep.WriteHTML(&html); err != nil {
		return 0, err
	}
	if err := writeAll(map[string][]byte{prefix + ".yaml": scorecard, prefix + ".report.json": js.Bytes(), prefix + ".report.html": html.Bytes()}); err != nil {
		return 0, err
	}
	return undefined, nil
}

// summary prints the fit's figures, the audit's verdicts and what was
// written.
func (f *fitted) summary(stdout io.Writer, prefix string, undefined int) {
	rep := f.rep
	fmt.Fprintf(stdout, "fitted %d characteristics on %d rows; held out %d: AUC %.3f, Gini %.3f, KS %.3f",
		len(f.model.Characteristics), f.trainN, f.testN, rep.AUC, rep.Gini, rep.KS)
	if rep.BaselineAUC > 0 {
		fmt.Fprintf(stdout, " (one-hot logistic baseline: AUC %.3f)", rep.BaselineAUC)
	}
	fmt.Fprintf(stdout, "\n%s at score %d approves %.1f %% of the rows", rep.Benefit, rep.Cutoff, 100*rep.ApprovalRate)
	if f.approveShare > 0 {
		fmt.Fprintf(stdout, " (asked for %.1f %%: the scaling moved %+d points, to %g points at odds %g:1)", 100*f.approveShare, f.shift, rep.BasePoints, rep.BaseOdds)
	}
	fmt.Fprintln(stdout)
	for _, a := range rep.Audit {
		verdict := "met"
		if !a.FourFifths {
			verdict = "NOT met"
		}
		fmt.Fprintf(stdout, "audit %s: four-fifths rule %s, equal-opportunity difference %.3f\n", a.Attribute, verdict, a.EqualOpportunityDifference)
	}
	fmt.Fprintf(stdout, "wrote %[1]s.yaml, %[1]s.report.html, %[1]s.report.json\n", prefix)
	if undefined > 0 {
		fmt.Fprintf(stdout, "%s.yaml does not load: %d characteristics are not defined as aggregates of catalogue facts (give types and aggregate in the mapping)\n", prefix, undefined)
	}
}

// checkFitted loads a fitted scorecard as the scoring engine will. A
// characteristic the mapping left undefined is written so and counted;
// any other problem (a definition the charter refuses) is an error.
func checkFitted(name string, data []byte) (undefined int, err error) {
	_, err = scoring.Load(filepath.Base(name), data, catalogue.Default())
	if err == nil {
		return 0, nil
	}
	ps := candor.ErrorDetails(err)
	if len(ps) == 0 {
		return 0, err
	}
	for _, p := range ps {
		if !strings.HasSuffix(p.Field, ".undefined") {
			return 0, fmt.Errorf("the fitted scorecard would be refused: %w", err)
		}
		undefined++
	}
	return undefined, nil
}

func readFitData(path string, m *fit.Mapping) (*fit.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := fit.ReadCSV(f, m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// fitCard takes identity, purpose, range, grades and benefits from the
// published scorecard id, as its next version, adding benefit (from the
// benefit catalogue for its purpose) at grade if it lacks one of that name.
func fitCard(id, benefit, grade string) (fit.Card, error) {
	sc, err := loadScorecardArg(id, catalogue.Default())
	if err != nil {
		return fit.Card{}, err
	}
	card := fit.Card{ID: sc.ID, Title: sc.Title, Purpose: sc.Purpose.String(),
		Description: fmt.Sprintf("%s, from %d to %d, by a scorecard fitted to outcomes: a base plus the points of the subject's bin in each characteristic.", sc.Title, sc.Min, sc.Max),
		SubjectKind: sc.SubjectKind.String(), Version: sc.Version + 1, Min: sc.Min, Max: sc.Max,
		EffectiveFrom: time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)}
	for _, g := range sc.Grades {
		card.Grades = append(card.Grades, fit.Grade{Grade: g.Grade, Min: g.Min, Description: g.Description})
	}
	for _, b := range sc.Benefits {
		card.Benefits = append(card.Benefits, fit.Benefit{Name: b.Name, MinGrade: b.MinGrade, Description: b.Description})
	}
	if !slices.ContainsFunc(card.Benefits, func(b fit.Benefit) bool { return b.Name == benefit }) {
		spec, ok := candor.LookupBenefit(sc.Purpose, benefit)
		if !ok {
			return fit.Card{}, fmt.Errorf("--benefit %q is not in the benefit catalogue for %s", benefit, sc.Purpose)
		}
		if !slices.ContainsFunc(card.Grades, func(g fit.Grade) bool { return g.Grade == grade }) {
			return fit.Card{}, fmt.Errorf("--benefit-grade %q is not a grade of %s", grade, sc.ID)
		}
		card.Benefits = append(card.Benefits, fit.Benefit{Name: benefit, MinGrade: grade, Description: spec.Description})
	}
	return card, nil
}

// writeAll writes every file to a temporary name first and renames them
// only when all are written, so that a failure leaves none behind.
func writeAll(files map[string][]byte) error {
	names := slices.Sorted(maps.Keys(files))
	tmps := make([]string, 0, len(names))
	clean := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	for _, name := range names {
		f, err := os.CreateTemp(filepath.Dir(name), ".fit-*")
		if err != nil {
			clean()
			return err
		}
		tmps = append(tmps, f.Name())
		_, err = f.Write(files[name])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			clean()
			return err
		}
	}
	for i, name := range names {
		if err := os.Rename(tmps[i], name); err != nil {
			clean()
			return err
		}
	}
	return nil
}
