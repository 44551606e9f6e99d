package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/candor-project/candor/app"
)

const keysUsage = `Usage: candor keys <command> [flags]

Commands:
  upgrade   move the subjects' wrapped data keys of a store written by an earlier
            build out of the store into the keyring (back the store up first; the
            server must be stopped)
  backup DIR
            copy the keyring into a new directory under DIR and delete the copies
            there older than --keyring-retention (the server must be stopped;
            candor serve --keyring-backup-dir does it while running)
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
	case "backup":
		return runKeysBackup(ctx, args[1:], stdout, stderr)
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

func runKeysBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: candor keys backup DIR")
	}
	kr, err := app.OpenKeyring(cfg.Store, app.NewLogger(stderr, "text", slog.LevelWarn), true)
	if err != nil {
		return err
	}
	defer kr.Close()
	to, pruned, err := app.BackupKeyring(ctx, kr, fs.Arg(0), cmp.Or(cfg.Store.KeyringRetention, app.DefaultKeyringRetention), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "keyring copied into %s; %d copies older than %s deleted\n", to, pruned, cmp.Or(cfg.Store.KeyringRetention, app.DefaultKeyringRetention))
	return nil
}
