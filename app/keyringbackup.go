package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// DefaultKeyringRetention is how long a keyring backup is kept by
// default: 35 days. An erasure reaches every backup of the data once the
// keyring backups older than it are gone, so this is the longest an
// erased subject stays recoverable anywhere.
const DefaultKeyringRetention = 35 * 24 * time.Hour

// keyringBackupPrefix and keyringBackupTime name a keyring backup:
// keyring-20261206T052200Z.
const (
	keyringBackupPrefix = "keyring-"
	keyringBackupTime   = "20060102T150405Z"
)

// BackupKeyring writes a copy of kr into a new directory under dir named
// after now, then deletes the copies under dir older than retention
// (judged by their names; anything else under dir is left alone). It
// returns the new copy's path and how many it deleted. Errors: EINVALID
// for a keyring without copies (PostgreSQL: back up its database or
// schema with PostgreSQL's tools, on the same retention) or a retention
// that is not positive.
func BackupKeyring(ctx context.Context, kr candor.Keyring, dir string, retention time.Duration, now time.Time) (string, int, error) {
	cp, ok := kr.(candor.Checkpointer)
	if !ok {
		return "", 0, candor.Errorf(candor.EINVALID, "this keyring is backed up with its own tools (PostgreSQL: docs/operations.md)")
	}
	if retention <= 0 {
		return "", 0, candor.Errorf(candor.EINVALID, "keyring backup retention %s: want a positive duration", retention)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("keyring backup: %w", err)
	}
	to := filepath.Join(dir, keyringBackupPrefix+now.UTC().Format(keyringBackupTime))
	if err := cp.Checkpoint(ctx, to); err != nil {
		return "", 0, fmt.Errorf("keyring backup: %w", err)
	}
	n, err := PruneKeyringBackups(dir, retention, now)
	return to, n, err
}

// PruneKeyringBackups deletes the keyring copies under dir made more than
// retention before now, and returns how many.
func PruneKeyringBackups(dir string, retention time.Duration, now time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("keyring backup: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	n := 0
	var errs []error
	for _, e := range entries {
		stamp, ok := strings.CutPrefix(e.Name(), keyringBackupPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		made, err := time.Parse(keyringBackupTime, stamp)
		if err != nil || now.Sub(made) <= retention {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
