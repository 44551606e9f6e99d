package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/internal/cmalloc"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings|app.LogFormatSettings)
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := app.NewLogger(stderr, cfg.LogFormat, slog.LevelInfo)
	inst, err := app.Open(cfg.Store, log)
	if err != nil {
		return err
	}
	srv, err := app.Start(inst, cfg, log)
	if err != nil {
		inst.Close()
		return err
	}
	alloc, _ := cmalloc.Limit(os.Getenv) // checked by run
	log.Info("serving", "addr", srv.Addr(), "data", cfg.Store.Data, "malloc_arenas", alloc.Arenas, "malloc_arenas_from", alloc.From)
	return srv.Wait(ctx)
}
