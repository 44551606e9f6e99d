package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

const policyUsage = "Usage: candor policy simulate FILE [--at T] [--workers N]\n" +
	"  scores the current population under the published scorecard with FILE's ID and under FILE,\n" +
	"  and prints how many subjects would move from each grade to each other grade\n" +
	"       candor policy diff A B\n" +
	"  shows what changes from A to B, each a published scorecard ID or a scorecard file\n"

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "diff" {
		return runPolicyDiff(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "simulate" {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("policy simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	atFlag := fs.String("at", "", "the instant to score at: a date or an RFC 3339 timestamp (default now)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "scoring goroutines")
	if err := fs.Parse(reorder(args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 || *workers < 1 {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	at, err := parseAt(*atFlag)
	if err != nil {
		return err
	}
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	next, err := scoring.Load(filepath.Base(fs.Arg(0)), data, inst.cat)
	if err != nil {
		return err
	}
	shipped, err := scoring.Shipped(inst.cat)
	if err != nil {
		return err
	}
	var cur *scoring.Compiled
	for _, c := range shipped {
		if c.Scorecard().ID == next.Scorecard().ID {
			cur = c
		}
	}
	ns := next.Scorecard()
	if cur == nil {
		return fmt.Errorf("no published scorecard %q to compare %s with", ns.ID, fs.Arg(0))
	}
	cs := cur.Scorecard()
	if cs.SubjectKind != ns.SubjectKind {
		return fmt.Errorf("%s is for %s, the published %s for %s", fs.Arg(0), ns.SubjectKind.Noun(), cs.ID, cs.SubjectKind.Noun())
	}

	var mu sync.Mutex
	moves := map[[2]string]int{}
	bar := newProgress(stderr, "simulating", 0)
	_, _, err = eachSubject(ctx, inst, *workers, func(sub *candor.SubjectRecord, events []*candor.Event) error {
		if sub.Kind != cs.SubjectKind {
			return nil
		}
		_, from, err := cur.Points(sub.ID, events, at)
		if err != nil {
			return err
		}
		_, to, err := next.Points(sub.ID, events, at)
		if err != nil {
			return err
		}
		mu.Lock()
		moves[[2]string{from, to}]++
		mu.Unlock()
		bar.add(0, int64(len(events)))
		return nil
	})
	bar.finish()
	if err != nil {
		return err
	}
	printMigration(stdout, cs, ns, moves, at)
	return nil
}

func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("--at %q: want a date (2026-03-14) or an RFC 3339 timestamp", s)
	}
	return t, nil
}

// printMigration prints the grade migration matrix: rows are grades under
// the published version, columns grades under the candidate.
func printMigration(w io.Writer, cur, next *candor.Scorecard, moves map[[2]string]int, at time.Time) {
	total, up, down := 0, 0, 0
	for m, n := range moves {
		total += n
		// Up and down by the published bands; a candidate grade they do not
		// have counts as neither.
		switch from, to := cur.GradeRank(m[0]), cur.GradeRank(m[1]); {
		case to < 0:
		case to < from:
			up += n
		case to > from:
			down += n
		}
	}
	fmt.Fprintf(w, "Grade migration of %s, published v%d (rows) to candidate v%d (columns), %d %ss, at %s:\n\n",
		cur.ID, cur.Version, next.Version, total, cur.SubjectKind, at.Format(time.DateOnly))
	tw := tabwriter.NewWriter(w, 4, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"from \\ to"}
	for _, g := range next.Grades {
		head = append(head, g.Grade)
	}
	fmt.Fprintln(tw, strings.Join(append(head, "total", ""), "\t"))
	for _, from := range cur.Grades {
		row := []string{from.Grade}
		sum := 0
		for _, to := range next.Grades {
			n := moves[[2]string{from.Grade, to.Grade}]
			sum += n
			row = append(row, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(sum), ""), "\t"))
	}
	tw.Flush()
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(total, 1)) }
	fmt.Fprintf(w, "\nmoved up: %d (%.1f%%), moved down: %d (%.1f%%), the rest: %d (%.1f%%)\n",
		up, pct(up), down, pct(down), total-up-down, pct(total-up-down))
}

func runPolicyDiff(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catFile := fs.String("catalogue", env("CANDOR_CATALOGUE", ""), "event-type catalogue file replacing the shipped one (env CANDOR_CATALOGUE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprint(stderr, policyUsage)
		return flag.ErrHelp
	}
	cat := catalogue.Default()
	if *catFile != "" {
		var err error
		if cat, err = catalogue.LoadFile(*catFile); err != nil {
			return err
		}
	}
	a, err := loadScorecardArg(fs.Arg(0), cat)
	if err != nil {
		return err
	}
	b, err := loadScorecardArg(fs.Arg(1), cat)
	if err != nil {
		return err
	}
	printDiff(stdout, a, b)
	return nil
}
