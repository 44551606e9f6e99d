package app

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/pebble"
)

// A backup is a tar archive: the store's files under store/, the
// transparency log's files under log/, and last backup.json (Manifest),
// whose presence says the archive is whole. It never holds a key: not the
// master key, the keyring, the log's or the issuer's.
const (
	BackupFormat   = "candor-backup/1"
	backupManifest = "backup.json"
	backupStore    = "store"
	backupLog      = "log"
)

// Store kinds a manifest names.
const (
	StoreKindPebble   = "pebble"
	StoreKindPostgres = "postgres"
)

// Manifest describes a backup.
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// StoreKind is the installation's store: StoreKindPebble (empty in
	// backups of earlier builds) or StoreKindPostgres.
	StoreKind   string `json:"store_kind,omitempty"`
	StoreFormat int    `json:"store_format,omitempty"`
	// LogOnly says the backup holds the transparency log and no store:
	// a PostgreSQL database is backed up with PostgreSQL's tools, after
	// the log (RestoreOnPostgres).
	LogOnly bool `json:"log_only,omitempty"`
	// LogSize is the number of entries of the log's copy (LogOnly).
	LogSize uint64 `json:"log_size,omitempty"`
	// Checkpoint is the last checkpoint the store kept of the log (the
	// log in the backup is at least as large); with LogOnly, the log's
	// own checkpoint, of LogSize entries.
	Checkpoint string `json:"checkpoint,omitempty"`
	Files      int    `json:"files"`
}

// Backup writes a backup of the node's store and transparency log to w,
// online: commits go on meanwhile. The log's appender is paused while the
// store is checkpointed and the log copied, so that the two agree: the
// log holds nothing the store copy does not, and the store copy marks
// nothing logged that the log copy lacks (entries committed but not yet
// logged are appended when the restored node starts); before the copy,
// it waits for a checkpoint covering every entry appended. The checkpoint
// history is in the store.
//
// A store without checkpoints (PostgreSQL) is backed up with its own
// tools: Backup then copies the log alone, paused in the same way, with a
// manifest saying so (LogOnly), and the database's backup, taken after
// it, is at least as new (RestoreOnPostgres makes them agree). Only the
// node that appends to the log (the jobs' lease's holder) can pause it:
// another refuses with ECONFLICT.
func (s *Node) Backup(ctx context.Context, w io.Writer) error {
	return backups{s.inst, s.audit}.Backup(ctx, w)
}

// backups are a node's backups, for its API.
type backups struct {
	inst  *Installation
	audit *auditService
}

// Backup is Node.Backup.
func (s backups) Backup(ctx context.Context, w io.Writer) error {
	cp, withStore := s.inst.Store.(candor.Checkpointer)
	m := Manifest{Format: BackupFormat, StoreKind: StoreKindPebble, StoreFormat: pebble.FormatVersion}
	if !withStore {
		m = Manifest{Format: BackupFormat, StoreKind: StoreKindPostgres, LogOnly: true}
		if !s.audit.appender.Appending() {
			return candor.Errorf(candor.ECONFLICT, "backup: this node does not append to the transparency log (another node holds the jobs' lease), so it cannot stop the appends while the log is copied: ask the node that appends")
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(s.inst.Data)), ".candor-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := s.copy(ctx, tmp, cp, &m); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m.CreatedAt = time.Now().UTC()
	if withStore {
		if c, err := audit.KeptCheckpoint(ctx, s.inst.Store); err == nil {
			m.Checkpoint = string(c)
		}
	}
	return writeArchive(w, tmp, &m)
}

// copy copies the store (if cp is not nil) and the log into tmp with the
// appender paused, once a checkpoint covers every entry appended, so that
// the copy's log proves what the store copy marks as logged. Without a
// store, it records the log's checkpoint and size in m.
func (s backups) copy(ctx context.Context, tmp string, cp candor.Checkpointer, m *Manifest) error {
	resume := s.audit.appender.Pause()
	defer resume()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	_, err := s.audit.log.WaitPublished(wctx)
	cancel()
	if err != nil {
		return err
	}
	if cp != nil {
		if err := cp.Checkpoint(ctx, filepath.Join(tmp, backupStore)); err != nil {
			return err
		}
	}
	if err := copyTree(LogDir(s.inst.Data), filepath.Join(tmp, backupLog)); err != nil {
		return err
	}
	if cp != nil {
		return nil
	}
	if !s.audit.appender.Appending() {
		return candor.Errorf(candor.ECONFLICT, "this node lost the jobs' lease while the log was copied, so another node may have appended: try again")
	}
	raw, size, _, err := s.audit.log.Checkpoint(ctx)
	if err != nil {
		return err
	}
	m.Checkpoint, m.LogSize = string(raw), size
	return nil
}

// copyTree copies the regular files under src into dst, which it creates.
// A file deleted while it walks is left out (the log's garbage collector
// deletes partial tiles once the full ones are written).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p != src {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := copyFile(p, to); !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err // fs.ErrNotExist only for a file deleted meanwhile: to is not created yet
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}

// writeArchive writes the files under root as a tar archive, then m.
func writeArchive(w io.Writer, root string, m *Manifest) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyN(tw, f, info.Size())
		m.Files++
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: backupManifest, Mode: 0o600, Size: int64(len(raw)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(raw); err != nil {
		return err
	}
	return tw.Close()
}

// ExtractBackup reads a backup archive from r into dir, which must not
// exist or be empty, and returns its manifest. It refuses, naming the
// problem, an entry that is not a regular file or a directory, a name
// outside store/ and log/ (or with .. or an absolute path), and an
// archive that ends before its manifest (a backup cut short).
func ExtractBackup(r io.Reader, dir string) (*Manifest, error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("backup: the archive ends before its manifest: the backup was cut short")
		}
		if err != nil {
			return nil, fmt.Errorf("backup: reading the archive: %w", err)
		}
		if h.Name == backupManifest {
			return readManifest(tr, dir)
		}
		if err := extractEntry(tr, h, dir); err != nil {
			return nil, err
		}
	}
}

func extractEntry(tr *tar.Reader, h *tar.Header, dir string) error {
	name := path.Clean(h.Name)
	top, _, _ := strings.Cut(name, "/")
	if name != h.Name || path.IsAbs(name) || strings.HasPrefix(name, "../") || top != backupStore && top != backupLog || name == top {
		return fmt.Errorf("backup: entry %q: want a file under %s/ or %s/", candor.Clip(h.Name, 80), backupStore, backupLog)
	}
	switch h.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(filepath.Join(dir, filepath.FromSlash(name)), 0o700)
	case tar.TypeReg:
	default:
		return fmt.Errorf("backup: entry %q: not a regular file", candor.Clip(h.Name, 80))
	}
	to := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = io.Copy(f, tr)
	return errors.Join(err, f.Close())
}

func readManifest(r io.Reader, dir string) (*Manifest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != BackupFormat {
		return nil, fmt.Errorf("backup: the manifest is not a %s manifest", BackupFormat)
	}
	if err := os.WriteFile(filepath.Join(dir, backupManifest), raw, 0o600); err != nil {
		return nil, err
	}
	return &m, nil
}

// emptyDir creates dir, or checks that it is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// Restore copies the backup in dir (as ExtractBackup left it) into the
// data dir cfg names, which must not exist or be empty, offline. It
// needs the installation's master key file and keyring, which no backup
// holds: the keyring as it is today, so that a subject erased since the
// backup stays unreadable. It then applies again the erasures the
// keyring's ledger kept (erasure.Service.Reapply) of subjects the backup
// holds, so that their records are deleted too, and returns how many.
// It opens the restored installation to check it. A backup of a
// PostgreSQL installation's log is restored by RestoreOnPostgres.
func Restore(dir string, cfg StoreConfig, log io.Writer) (*Manifest, int, error) {
	if err := cfg.Validate(); err != nil {
		return nil, 0, err
	}
	if cfg.Store != "" {
		return nil, 0, errors.New("restore: a PostgreSQL installation's log is restored by RestoreOnPostgres, its database with PostgreSQL's own tools (docs/operations.md)")
	}
	m, err := readBackup(dir)
	if err != nil {
		return nil, 0, err
	}
	if m.LogOnly {
		return nil, 0, fmt.Errorf("restore: %s holds only the transparency log of a %s installation, no store: restore it with --store and the database restored from a backup taken after it", dir, m.StoreKind)
	}
	if _, err := os.Stat(keyringDir(cfg)); err != nil {
		return nil, 0, fmt.Errorf("restore: the keyring %s, which no backup holds, is needed: %w", keyringDir(cfg), err)
	}
	if err := emptyDir(cfg.Data); err != nil {
		return nil, 0, fmt.Errorf("restore: %w", err)
	}
	if err := copyTree(filepath.Join(dir, backupStore), cfg.Data); err != nil {
		return nil, 0, fmt.Errorf("restore: %w", err)
	}
	if err := copyTree(filepath.Join(dir, backupLog), LogDir(cfg.Data)); err != nil {
		return nil, 0, fmt.Errorf("restore: %w", err)
	}
	n, err := ReapplyErasures(context.Background(), cfg, log)
	return m, n, err
}

// readBackup reads the manifest of the backup in dir.
func readBackup(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, backupManifest))
	if err != nil {
		return nil, fmt.Errorf("restore: %s holds no backup manifest (%s): %w", dir, backupManifest, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != BackupFormat {
		return nil, fmt.Errorf("restore: %s is not a %s manifest", backupManifest, BackupFormat)
	}
	return &m, nil
}

// Restored says what RestoreOnPostgres did.
type Restored struct {
	Manifest *Manifest
	// Appended is how many of the log's entries were appended again: those
	// the database recorded as logged after the log was copied.
	Appended int
	// Erased is how many erasures were applied again.
	Erased int
}

// RestoreOnPostgres restores a PostgreSQL installation offline: the
// database restored with PostgreSQL's tools (pg_basebackup, PITR,
// pg_restore) from a backup taken after the log's backup in dir (candor
// backup), into which no node runs. It copies the log into the data dir
// cfg names (its log directory must not exist or be empty) and makes it
// agree with the database (audit.CatchUp): the entries the database
// recorded as logged after the log was copied are appended again, in the
// same order, so that the log is the tree that was published, checked
// against the checkpoint the database kept. A database older than the
// log's copy is refused (ECONFLICT), naming the problem, and the log
// directory is left as it was. It then applies again the erasures made
// since the backup, as ReapplyErasures does. It needs the log's key file
// (lf), to sign the log's next checkpoints.
func RestoreOnPostgres(ctx context.Context, dir string, cfg StoreConfig, lf TLogConfig, log io.Writer) (*Restored, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Store == "" {
		return nil, errors.New("restore: RestoreOnPostgres restores a PostgreSQL installation: give --store")
	}
	m, err := readBackup(dir)
	if err != nil {
		return nil, err
	}
	if !m.LogOnly {
		return nil, fmt.Errorf("restore: %s holds an embedded store's backup, not a PostgreSQL installation's log: restore it without --store", dir)
	}
	to := LogDir(cfg.Data)
	if err := emptyDir(to); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	lg := NewLogger(log, "text", slog.LevelError)
	r, err := restoreLog(ctx, dir, cfg, lf, lg)
	if err != nil {
		// Nothing of the log's copy is left: it was empty before.
		return nil, errors.Join(err, os.RemoveAll(to), os.MkdirAll(to, 0o700))
	}
	r.Manifest = m
	return r, nil
}

// restoreLog is RestoreOnPostgres once its arguments are checked.
func restoreLog(ctx context.Context, dir string, cfg StoreConfig, lf TLogConfig, lg *slog.Logger) (*Restored, error) {
	if err := copyTree(filepath.Join(dir, backupLog), LogDir(cfg.Data)); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	inst, err := OpenExisting(cfg, lg)
	if err != nil {
		return nil, fmt.Errorf("restore: the restored installation does not open: %w", err)
	}
	defer inst.Close()
	if err := noNodeRunning(ctx, inst.Store, "candor restore", "it would serve the restored database before the log agrees with it and the erasures made since the backup are applied again"); err != nil {
		return nil, err
	}
	l, err := lf.Open(cfg.Data, lg, true)
	if err != nil {
		return nil, fmt.Errorf("restore: the log's copy: %w", err)
	}
	n, err := audit.CatchUp(ctx, inst.Store, l)
	if err = errors.Join(err, l.Close()); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	erased, err := reapply(ctx, inst)
	return &Restored{Appended: n, Erased: erased}, err
}

// ReapplyErasures opens the installation cfg names, restored from a
// backup (by Restore, or, for PostgreSQL, with PostgreSQL's own tools:
// pg_basebackup, PITR, pg_restore), and applies again the erasures the
// keyring's ledger kept (erasure.Service.Reapply) of subjects its store
// holds, so that their records are deleted, not only unreadable; an
// embedded store is then compacted, so that no file holds them. It
// refuses while a node runs on a shared store. It returns how many it
// applied.
func ReapplyErasures(ctx context.Context, cfg StoreConfig, log io.Writer) (int, error) {
	inst, err := OpenExisting(cfg, NewLogger(log, "text", slog.LevelError))
	if err != nil {
		return 0, fmt.Errorf("restore: the restored installation does not open: %w", err)
	}
	if err := noNodeRunning(ctx, inst.Store, "candor restore", "it would serve the restored store before the erasures made since the backup are applied again"); err != nil {
		return 0, errors.Join(err, inst.Close())
	}
	n, err := reapply(ctx, inst)
	return n, errors.Join(err, inst.Close())
}

// reapply is ReapplyErasures on an open installation.
func reapply(ctx context.Context, inst *Installation) (int, error) {
	n, err := erasure.New(erasure.Config{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue}).Reapply(ctx)
	if err != nil {
		return n, fmt.Errorf("restore: applying again the erasures made since the backup: %w", err)
	}
	if c, ok := inst.Store.(interface{ Compact(context.Context) error }); ok && n > 0 {
		return n, c.Compact(ctx)
	}
	return n, nil
}
