package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
)

// UpgradeKeys moves the wrapped data keys of a store written by an
// earlier build (Pebble format 3 or older, PostgreSQL schema 5 or older)
// out of the store into the keyring cfg names, creating the keyring, and
// upgrades the store: see pebble.UpgradeKeys and postgres.UpgradeKeys. It
// returns how many keys it moved (0 for a store already upgraded). The
// server must be stopped.
func UpgradeKeys(ctx context.Context, cfg StoreConfig, log *slog.Logger) (int, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	kr, err := OpenKeyring(cfg, log, false)
	if err != nil {
		return 0, err
	}
	var n int
	if cfg.Store == "" {
		n, err = pebble.UpgradeKeys(ctx, cfg.Data, pebble.Options{Logger: log}, kr)
	} else {
		n, err = postgres.UpgradeKeys(ctx, cfg.Store, kr)
	}
	if err != nil {
		return n, errors.Join(err, kr.Close())
	}
	if err := kr.Close(); err != nil {
		return n, fmt.Errorf("closing the keyring: %w", err)
	}
	return n, nil
}

// SweepKeys deletes from the keyring every key whose subject the store
// does not hold: orphans of commits that failed after their keys were
// kept (harmless, as nothing they open exists). Every node must be
// stopped: a running one may have kept a key for a commit still under
// way. It returns how many keys it deleted.
func SweepKeys(ctx context.Context, inst *Installation) (int, error) {
	var orphans []candor.SubjectID
	for w, err := range inst.Keyring.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			return 0, err
		}
		_, err := inst.Store.Subject(ctx, w.Subject)
		switch {
		case candor.ErrorCode(err) == candor.ENOTFOUND:
			orphans = append(orphans, w.Subject)
		case err != nil:
			return 0, err
		}
	}
	for i, id := range orphans {
		if err := inst.Keyring.DeleteSubjectKey(ctx, id); err != nil {
			return i, err
		}
	}
	return len(orphans), nil
}
