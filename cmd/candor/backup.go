package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/candor-project/candor/app"
	"github.com/candor-project/candor/httpapi"
)

// runBackup is candor backup DIR: an online backup of a running server's
// store and transparency log, through its API, into DIR.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: candor backup DIR --server URL --key-file F\n\nAn online backup of the running server's store and transparency log into DIR\n(new or empty); on PostgreSQL, of the log only: take the database's backup after it.\nIt holds no key: keep the master key and the keyring apart.")
		fs.PrintDefaults()
	}
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.AdminSettings)
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: want one directory")
	}
	if cfg.Admin.Server == "" || cfg.Admin.OperatorKeyFile == "" {
		return errors.New("backup: it runs on a running server: --server URL and --key-file, an operator's API key file")
	}
	token, err := readKeyFile(cfg.Admin.OperatorKeyFile)
	if err != nil {
		return err
	}
	c, err := httpapi.NewAdminClient(cfg.Admin.Server, token, nil)
	if err != nil {
		return err
	}
	dir := fs.Arg(0)
	body, err := c.Backup(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	m, err := app.ExtractBackup(body, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %d files into %s (%s)\n", m.Files, dir, m.CreatedAt.Format("2006-01-02 15:04:05Z"))
	if m.LogOnly {
		fmt.Fprintf(stdout, "it holds the transparency log only (%d entries), not the %s store: now take the database's backup (pg_basebackup, PITR or pg_dump), so that it is newer than the log's\n", m.LogSize, m.StoreKind)
	}
	fmt.Fprintln(stdout, "it holds no key: the master key and the keyring are backed up apart (docs/operations.md)")
	return nil
}

// runRestore is candor restore DIR: a backup into an empty data dir,
// offline, with today's master key and keyring. With --store it finishes
// the restore of a PostgreSQL database made with PostgreSQL's tools: with
// DIR, the log's backup taken before the database's is put into the data
// dir and made to agree with the database; then (and with no DIR, alone)
// it applies again the erasures made since the backup.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.TLogSettings)
	if err := app.ParseFlags(fs, reorder(args)); err != nil {
		return err
	}
	if cfg.Store.Store != "" && fs.NArg() == 1 {
		return restoreOnPostgres(ctx, fs.Arg(0), cfg, stdout, stderr)
	}
	if cfg.Store.Store != "" {
		return reapplyOnPostgres(ctx, fs, cfg.Store, stdout, stderr)
	}
	if fs.NArg() != 1 {
		return errors.New("restore: want the backup's directory (what candor backup wrote)")
	}
	if _, err := os.Stat(fs.Arg(0)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m, erased, err := app.Restore(fs.Arg(0), cfg.Store, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s into %s; the keyring (%s) is today's: subjects erased since the backup stay unreadable\n",
		m.CreatedAt.Format("2006-01-02 15:04:05Z"), cfg.Store.Data, app.KeyringLocation(cfg.Store))
	if erased > 0 {
		fmt.Fprintf(stdout, "applied again %d erasures made since the backup: their subjects' records are deleted\n", erased)
	}
	fmt.Fprintln(stdout, "check it with candor audit verify, then start candor serve on it")
	return nil
}

// restoreOnPostgres is candor restore DIR --store URL: the log's backup in
// DIR into the data dir, made to agree with the database restored from a
// backup taken after it.
func restoreOnPostgres(ctx context.Context, dir string, cfg app.Config, stdout, stderr io.Writer) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	r, err := app.RestoreOnPostgres(ctx, dir, cfg.Store, cfg.TLog, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the transparency log backed up at %s (%d entries) into %s\n", r.Manifest.CreatedAt.Format("2006-01-02 15:04:05Z"), r.Manifest.LogSize, app.LogDir(cfg.Store.Data))
	fmt.Fprintf(stdout, "appended again %d entries the database recorded as logged after the log was copied: the log is the one published, checked against the checkpoint the database kept\n", r.Appended)
	fmt.Fprintf(stdout, "applied again %d erasures kept in the keyring (%s) to subjects the restored database held: their records are deleted\n", r.Erased, app.KeyringLocation(cfg.Store))
	fmt.Fprintln(stdout, "check it with candor audit verify, then start candor serve on it")
	return nil
}

// reapplyOnPostgres is candor restore --store URL, after the database was
// restored with PostgreSQL's tools.
func reapplyOnPostgres(ctx context.Context, fs *flag.FlagSet, cfg app.StoreConfig, stdout, stderr io.Writer) error {
	if fs.NArg() != 0 {
		return errors.New("restore: with --store, give at most one directory: the log's backup (what candor backup wrote); the database is restored with PostgreSQL's own tools (docs/operations.md)")
	}
	n, err := app.ReapplyErasures(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied again %d erasures kept in the keyring (%s) to subjects the restored database held: their records are deleted\n", n, app.KeyringLocation(cfg))
	return nil
}
