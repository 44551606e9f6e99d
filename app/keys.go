package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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
