package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/candor-project/candor/app"
)

const keysUsage = `Usage: candor keys <command> [flags]

Commands:
  upgrade   move the subjects' wrapped data keys of a store written by an earlier
            build out of the store into the keyring (back the store up first; the
            server must be stopped)
`

// runKeys is candor keys: the keyring's commands.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "upgrade":
		return runKeysUpgrade(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, keysUsage)
	return fmt.Errorf("keys: unknown command %q", args[0])
}

func runKeysUpgrade(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys upgrade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	n, err := app.UpgradeKeys(ctx, cfg.Store, app.NewLogger(stderr, "text", slog.LevelWarn))
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(stdout, "the store holds no data key: nothing to move")
		return nil
	}
	fmt.Fprintf(stdout, "moved %d data keys into the keyring (%s); the store holds none now\n", n, app.KeyringLocation(cfg.Store))
	return nil
}
