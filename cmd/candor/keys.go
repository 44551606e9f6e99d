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
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/internal/progress"
)

const keysUsage = `Usage: candor keys <command> [flags]

Commands:
  upgrade   move the subjects' wrapped data keys of a store written by an earlier
            build out of the store into the keyring (back the store up first; the
            server must be stopped)
  rotate    rewrap every subject's data key under a new wrapping key and retire the
            old one: with --server URL --key-file F on the running server (the
            embedded store), which goes on serving; without, with the server
            stopped. Cut short, run it again to finish
  sweep     delete the keys of subjects the store does not hold (left by commits that
            failed after their keys were kept), with every server stopped
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
	case "rotate":
		return runKeysRotate(ctx, args[1:], stdout, stderr)
	case "sweep":
		return runKeysSweep(ctx, args[1:], stdout, stderr)
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

func runKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.AdminSettings)
	pace := fs.Int("keys-per-second", 0, "bound the rotation's pace, so that a running server keeps its disk for serving (0: no bound)")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if *pace < 0 {
		return errors.New("keys rotate: --keys-per-second: want 0 (no bound) or more")
	}
	if cfg.Admin.Server != "" {
		return rotateOnline(ctx, cfg.Admin, *pace, stdout, stderr)
	}
	var bar *progress.Bar
	last := 0
	n, err := app.RotateKeys(ctx, cfg.Store, app.RotateOptions{KeysPerSecond: *pace, Progress: func(done, total int) {
		if bar == nil {
			bar = progress.New(stderr, "rotate", int64(total))
			last = 0
		}
		bar.Add(int64(done-last), int64(done-last))
		last = done
	}})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("keys rotate: %w (run it again to finish: it goes on from where it stopped)", err)
	}
	fmt.Fprintf(stdout, "rewrapped %d data keys under the new wrapping key; the old one is retired\n", n)
	fmt.Fprintln(stdout, "back up the new wrapping key file (<master key file>.wrap) with the master key; destroy copies of the old")
	return nil
}

func runKeysSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings)
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	inst, err := app.OpenExisting(cfg.Store, app.NewLogger(stderr, "text", slog.LevelWarn))
	if err != nil {
		return err
	}
	defer inst.Close()
	n, err := app.SweepKeys(ctx, inst)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deleted %d keys of subjects the store does not hold\n", n)
	return nil
}

// rotatePoll is how often candor keys rotate --server asks for progress.
const rotatePoll = 500 * time.Millisecond

// rotateOnline asks a running server to rotate its wrapping key and
// prints the progress until it is done. Interrupted, it leaves the
// rotation running on the server.
func rotateOnline(ctx context.Context, cfg app.AdminConfig, pace int, stdout, stderr io.Writer) error {
	if cfg.OperatorKeyFile == "" {
		return errors.New("keys rotate: --server needs --key-file, an operator's API key file")
	}
	token, err := readKeyFile(cfg.OperatorKeyFile)
	if err != nil {
		return err
	}
	c, err := httpapi.NewAdminClient(cfg.Server, token, nil)
	if err != nil {
		return err
	}
	st, err := c.StartKeyRotation(ctx, pace)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	last := -1
	for st.State == httpapi.RotationRunning {
		if st.Done != last {
			fmt.Fprintf(stderr, "rotate: %d of %d data keys rewrapped\n", st.Done, st.Total)
			last = st.Done
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(stderr, "keys rotate: no longer watching; the rotation goes on on the server (candor keys rotate --server ... again shows it)")
			return ctx.Err()
		case <-time.After(rotatePoll):
		}
		if st, err = c.KeyRotation(ctx); err != nil {
			return fmt.Errorf("keys rotate: %w", err)
		}
	}
	if st.State == httpapi.RotationFailed {
		return fmt.Errorf("keys rotate: the server's rotation stopped at %d of %d keys: %s (run it again to finish: it goes on from where it stopped)", st.Done, st.Total, st.Error)
	}
	fmt.Fprintf(stdout, "rewrapped %d data keys under the new wrapping key on the running server; the old one is retired\n", st.Done)
	fmt.Fprintln(stdout, "back up the new wrapping key file (<master key file>.wrap, beside the server's master key) with the master key; destroy copies of the old")
	return nil
}
