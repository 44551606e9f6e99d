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

// Manifest describes a backup.
type Manifest struct {
	Format      string    `json:"format"`
	CreatedAt   time.Time `json:"created_at"`
	StoreFormat int       `json:"store_format"`
	// Checkpoint is the last checkpoint the store kept of the log (the
	// log in the backup is at least as large).
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
// history is in the store. Errors: EINVALID for a store without
// checkpoints (PostgreSQL: back it up with its own tools).
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
	cp, ok := s.inst.Store.(candor.Checkpointer)
	if !ok {
		return candor.Errorf(candor.EINVALID, "this store is backed up with its own tools (PostgreSQL: pg_basebackup or WAL archiving, docs/operations.md); candor backup copies the embedded store")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(s.inst.Data)), ".candor-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	resume := s.audit.appender.Pause()
	// A checkpoint covering every entry appended, so that the copy's
	// log proves what the store copy marks as logged.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	_, err = s.audit.log.WaitPublished(wctx)
	cancel()
	if err == nil {
		err = cp.Checkpoint(ctx, filepath.Join(tmp, backupStore))
	}
	if err == nil {
		err = copyTree(LogDir(s.inst.Data), filepath.Join(tmp, backupLog))
	}
	resume()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m := Manifest{Format: BackupFormat, CreatedAt: time.Now().UTC(), StoreFormat: pebble.FormatVersion}
	if c, err := audit.KeptCheckpoint(ctx, s.inst.Store); err == nil {
		m.Checkpoint = string(c)
	}
	return writeArchive(w, tmp, &m)
}

// copyTree copies the regular files under src into dst, which it creates.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
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
		return copyFile(p, to)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
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
// It opens the restored installation to check it.
func Restore(dir string, cfg StoreConfig, log io.Writer) (*Manifest, int, error) {
	if err := cfg.Validate(); err != nil {
		return nil, 0, err
	}
	if cfg.Store != "" {
		return nil, 0, errors.New("restore: the PostgreSQL store is restored with its own tools (docs/operations.md)")
	}
	raw, err := os.ReadFile(filepath.Join(dir, backupManifest))
	if err != nil {
		return nil, 0, fmt.Errorf("restore: %s holds no backup manifest (%s): %w", dir, backupManifest, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != BackupFormat {
		return nil, 0, fmt.Errorf("restore: %s is not a %s manifest", backupManifest, BackupFormat)
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
	return &m, n, err
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
	n, err := erasure.New(erasure.Config{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue}).Reapply(ctx)
	if err != nil {
		err = fmt.Errorf("restore: applying again the erasures made since the backup: %w", err)
	} else if c, ok := inst.Store.(interface{ Compact(context.Context) error }); ok && n > 0 {
		err = c.Compact(ctx)
	}
	return n, errors.Join(err, inst.Close())
}
