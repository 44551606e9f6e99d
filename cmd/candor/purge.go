package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/internal/progress"
	"github.com/candor-project/candor/retention"
)

// runPurge is candor purge: one retention pass over the data dir, with
// the server stopped, showing its progress.
func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	compact := fs.Bool("compact", false, "compact the store afterwards, so that what was deleted leaves its files (slow on a large store)")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	inst, err := app.Open(cfg.Store, app.NewLogger(stderr, "text", slog.LevelWarn))
	if err != nil {
		return err
	}
	defer inst.Close()
	start := time.Now()
	p := retention.New(inst.Store, inst.Vault, inst.Catalogue, nil)
	bar := progress.New(stderr, "purge", 1)
	var seen int
	pr, err := p.Run(ctx, func(pr retention.Progress) {
		bar.SetTotal(int64(pr.Parts))
		bar.Add(1, int64(pr.Events-seen))
		seen = pr.Events
	})
	bar.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purged %d expired events of %d, from %d subjects (took %s)\n",
		pr.Purged, pr.Events, pr.Subjects, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(stdout, "their removal is recorded for the transparency log, which candor serve logs when it next starts")
	if *compact {
		start := time.Now()
		c, ok := inst.Store.(candor.Compacter)
		if !ok {
			return errors.New("--compact: this store has nothing to compact (PostgreSQL reclaims space with autovacuum)")
		}
		if err := c.Compact(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "compacted (took %s)\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
