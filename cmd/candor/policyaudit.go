package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
)

// runPolicyAudit audits a stored version on a sample against protected
// attributes and records the summary.
func runPolicyAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var sampleFile, protectedFile string
	pa, fs, err := policyCommand(ctx, "audit", args, 2, true, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&sampleFile, "sample", "", "CSV of the characteristics' values with an outcome column (1 bad, 0 good), as candor features writes it plus the relying party's outcomes")
		fs.StringVar(&protectedFile, "protected", "", "CSV of protected attributes, one row per row of --sample, supplied by the auditor and never stored")
	})
	if err != nil {
		return err
	}
	defer pa.close()
	if sampleFile == "" || protectedFile == "" {
		return fmt.Errorf("policy audit needs --sample FILE and --protected FILE")
	}
	version, err := strconv.Atoi(fs.Arg(1))
	if err != nil {
		return fmt.Errorf("version %q: want a number", fs.Arg(1))
	}
	sample, err := os.ReadFile(sampleFile)
	if err != nil {
		return err
	}
	protected, err := os.ReadFile(protectedFile)
	if err != nil {
		return err
	}
	a, err := pa.pol.Audit(ctx, pa.by, fs.Arg(0), version, sample, protected)
	if err != nil {
		return err
	}
	printAudit(stdout, a)
	fmt.Fprintf(stdout, "The samples were not kept. A second administrator approves it with: candor policy approve %s %d --key-file KEY\n", a.Scorecard, a.Version)
	return nil
}

// auditWord says in a word or two whether v has an audit and how it came out.
func auditWord(a *candor.FairnessAudit) string {
	switch {
	case a == nil:
		return "-"
	case a.FourFifths():
		return fmt.Sprintf("four-fifths met (act %d)", a.N)
	}
	return fmt.Sprintf("four-fifths NOT met (act %d)", a.N)
}

// printAudit prints an audit's summary: per benefit's cut-off and
// protected attribute, each group's approval rate and impact ratio.
func printAudit(w io.Writer, a *candor.FairnessAudit) {
	fmt.Fprintf(w, "Fairness audit of %s version %d (source sha256 %.16s…), act %d by %s at %s: %d rows, %d bad outcomes\n",
		a.Scorecard, a.Version, a.Source, a.N, a.By, a.At.Format(time.RFC3339), a.Rows, a.Bad)
	for _, c := range a.Cutoffs {
		fmt.Fprintf(w, "%s (grade %s, score %d or more) approves %.1f %%\n", c.Benefit, c.Grade, c.Cutoff, 100*c.ApprovalRate)
		for _, at := range c.Attributes {
			verdict := "met"
			if !at.FourFifths {
				verdict = "NOT met"
			}
			fmt.Fprintf(w, "  %s: four-fifths rule %s, equal-opportunity difference %.3f\n", at.Attribute, verdict, at.EqualOpportunityDifference)
			tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "    GROUP\tN\tAPPROVED\tIMPACT RATIO\tTPR")
			for _, g := range at.Groups {
				fmt.Fprintf(tw, "    %s\t%d\t%.1f %%\t%.2f\t%.2f\n", g.Group, g.N, 100*g.ApprovalRate, g.ImpactRatio, g.TruePositiveRate)
			}
			tw.Flush()
		}
	}
}
