package main

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"github.com/candor-project/candor/app"
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
	log.Info("serving", "addr", srv.Addr(), "data", cfg.Store.Data)
	return srv.Wait(ctx)
}
