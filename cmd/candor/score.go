package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

func runScore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	only := fs.String("scorecard", "", "only this scorecard (default: every scorecard for the subject's kind)")
	atFlag := fs.String("at", "", "the instant to score at: a date or an RFC 3339 timestamp (default now)")
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: candor score SUBJECT [--scorecard ID] [--at T], where SUBJECT is a subject ID or scheme:value, e.g. national_id:AB1234567")
	}
	at, err := parseAt(*atFlag)
	if err != nil {
		return err
	}
	inst, err := app.Open(cfg.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.Close()
	cards, _, err := inst.Published(ctx)
	if err != nil {
		return err
	}
	id, err := resolveSubjectArg(ctx, inst, fs.Arg(0))
	if err != nil {
		return err
	}
	rec, err := inst.Store.Subject(ctx, id)
	if err != nil {
		return fmt.Errorf("subject %s: %s", id, candor.ErrorMessage(err))
	}
	key, err := inst.Vault.SubjectKey(ctx, id)
	if err != nil {
		return err
	}
	events, err := key.ReadEvents(ctx, inst.Store)
	if err != nil {
		return err
	}
	shown := 0
	for _, c := range cards {
		sc := c.Scorecard()
		if *only != "" && sc.ID != *only || sc.SubjectKind != rec.Kind {
			continue
		}
		score, err := c.Score(id, events, at)
		if err != nil {
			return err
		}
		printScore(stdout, sc, score)
		shown++
	}
	if shown == 0 {
		return fmt.Errorf("no scorecard %q applies to %s", *only, rec.Kind.Noun())
	}
	return nil
}

// reorder puts flags before the positional argument, so that
// "candor score SUBJECT --at 2026-01-01" works as well as the other order.
func reorder(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "-") && strings.Contains(a, "="):
			flags = append(flags, a)
		case strings.HasPrefix(a, "-") && i+1 < len(args):
			flags = append(flags, a, args[i+1])
			i++
		default:
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

// resolveSubjectArg accepts a subject ID or scheme:value.
func resolveSubjectArg(ctx context.Context, inst *app.Installation, arg string) (candor.SubjectID, error) {
	if scheme, value, ok := strings.Cut(arg, ":"); ok {
		s, ok := candor.ParseScheme(scheme)
		if !ok {
			return candor.SubjectID{}, fmt.Errorf("%q: unknown identifier scheme %q", arg, scheme)
		}
		ident, err := candor.NormaliseIdentifier(s, value)
		if err != nil {
			return candor.SubjectID{}, err
		}
		id, err := inst.Store.SubjectByIndex(ctx, inst.Vault.BlindIndex(ident))
		if err != nil {
			return id, fmt.Errorf("%s: %s", arg, candor.ErrorMessage(err))
		}
		return id, nil
	}
	return candor.ParseSubjectID(arg)
}

func printScore(w io.Writer, sc *candor.Scorecard, s candor.Score) {
	fmt.Fprintf(w, "%s v%d — %s (purpose %s), at %s\n", sc.ID, sc.Version, sc.Title, sc.Purpose, s.At.Format(time.DateOnly))
	benefits := "none"
	if len(s.Benefits) > 0 {
		benefits = strings.Join(s.Benefits, ", ")
	}
	fmt.Fprintf(w, "  %d points (range %d–%d, base %d), grade %s; benefits: %s\n", s.Points, sc.Min, sc.Max, sc.Base, s.Grade, benefits)
	if len(s.Reasons) > 0 {
		fmt.Fprintln(w, "  main reasons:")
		for _, r := range s.Reasons {
			fmt.Fprintf(w, "    %-18s %+7.1f  %s\n", r.Code, r.Points, r.Text)
		}
	}
	if len(s.Hints) > 0 {
		fmt.Fprintln(w, "  what would change it:")
		for _, h := range s.Hints {
			fmt.Fprintf(w, "    %s\n", h.Text)
		}
	}
	if len(s.Contributions) > 0 {
		fmt.Fprintln(w, "  contributions:")
		for _, c := range s.Contributions {
			fmt.Fprintf(w, "    %-22s %+7.1f  from %d event(s)\n", c.Rule, c.Points, len(c.Events))
		}
	}
	fmt.Fprintln(w)
}
