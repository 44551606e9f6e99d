package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/registrar"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Installation is an opened data dir: its store, keyring, vault and
// catalogue.
type Installation struct {
	Data      string // the data dir
	Store     candor.Store
	Keyring   candor.Keyring
	Vault     *vault.Vault
	Catalogue *candor.Catalogue

	regOnce  sync.Once
	registry *scoring.Registry // made once: it keeps what it compiled
	// wraps keeps the vault's wrapping keys in step with the generations
	// the keyring keeps (PostgreSQL); nil for the embedded keyring.
	wraps *wrapGenerations
}

// Open opens the installation cfg names, creating the store and the
// master key file if there are none. A bad setting is an error naming it.
func Open(cfg StoreConfig, log *slog.Logger) (*Installation, error) {
	return openWith(cfg, log, vault.LoadOrCreateKey, pebble.Options{Logger: log})
}

// OpenExisting opens the installation as Open does, but creates nothing:
// a missing master key file or store is an error naming it. Commands that
// check or repair an installation use it.
func OpenExisting(cfg StoreConfig, log *slog.Logger) (*Installation, error) {
	return openWith(cfg, log, vault.LoadKey, pebble.Options{Logger: log, MustExist: true})
}

// Close closes the store and the keyring.
func (inst *Installation) Close() error {
	return errors.Join(inst.Store.Close(), inst.Keyring.Close())
}

func openWith(cfg StoreConfig, log *slog.Logger, loadKey func(string) ([]byte, error), opts pebble.Options) (*Installation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	keyFile := cfg.MasterKeyFile
	if keyFile == "" {
		keyFile = filepath.Clean(cfg.Data) + ".master.key"
	}
	master, err := loadKey(keyFile)
	if err != nil {
		return nil, err
	}
	cat := catalogue.Default()
	if cfg.Catalogue != "" {
		if cat, err = catalogue.LoadFile(cfg.Catalogue); err != nil {
			return nil, err
		}
	}
	st, err := openStore(cfg, log, opts)
	if err != nil {
		return nil, err
	}
	if err := candor.CheckCapabilities(st); err != nil {
		st.Close()
		return nil, err
	}
	kr, err := openKeyring(cfg, log, opts)
	if err == nil {
		err = checkKeyringFits(st, kr, KeyringLocation(cfg))
		if err != nil {
			kr.Close()
		}
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	v, err := vault.New(master, kr)
	if err == nil {
		err = useWrapKeys(v, keyFile, master)
	}
	var wraps *wrapGenerations
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		wraps, err = useWrapGenerations(ctx, kr, v, keyFile, master, log)
		cancel()
	}
	if err != nil {
		st.Close()
		kr.Close()
		return nil, err
	}
	return &Installation{Data: cfg.Data, Store: st, Keyring: kr, Vault: v, Catalogue: cat, wraps: wraps}, nil
}

// KeyringLocation names where cfg's keyring is, for messages: its
// directory, or "schema candor_keyring of the store's database" (never a
// URL, which may hold a password).
func KeyringLocation(cfg StoreConfig) string {
	switch {
	case cfg.Store == "":
		return keyringDir(cfg)
	case cfg.Keyring == "":
		return "schema " + postgres.DefaultKeyringSchema + " of the store's database"
	}
	return "schema " + postgres.DefaultKeyringSchema + " of the --keyring database"
}

func keyringDir(cfg StoreConfig) string {
	if cfg.Keyring != "" {
		return cfg.Keyring
	}
	return filepath.Clean(cfg.Data) + ".keyring"
}

// OpenKeyring opens the keyring cfg names (see StoreConfig.Keyring),
// creating it if there is none (unless mustExist).
func OpenKeyring(cfg StoreConfig, log *slog.Logger, mustExist bool) (candor.Keyring, error) {
	return openKeyring(cfg, log, pebble.Options{Logger: log, MustExist: mustExist})
}

func openKeyring(cfg StoreConfig, log *slog.Logger, opts pebble.Options) (candor.Keyring, error) {
	if cfg.Store == "" {
		kr, err := pebble.OpenKeyring(keyringDir(cfg), opts)
		if err != nil {
			return nil, fmt.Errorf("opening the keyring: %w", err)
		}
		return kr, nil
	}
	url := cfg.Keyring
	if url == "" {
		url = cfg.Store
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kr, err := postgres.OpenKeyring(ctx, url, "")
	if err != nil {
		return nil, fmt.Errorf("opening the PostgreSQL keyring: %w", err)
	}
	return kr, nil
}

// checkKeyringFits refuses an empty keyring beside a store that holds
// subjects: a mistyped or lost --keyring would otherwise start a fresh
// one and leave every subject unreadable.
func checkKeyringFits(st candor.Store, kr candor.Keyring, where string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, err := range kr.SubjectKeys(ctx, candor.SubjectID{}) {
		if err != nil {
			return err
		}
		return nil // it holds keys
	}
	for p, err := range st.Population(ctx, candor.Part{}) {
		if err != nil {
			return err
		}
		if p != nil {
			return fmt.Errorf("the keyring (%s) holds no key, but the store holds subjects: is --keyring (CANDOR_KEYRING) right? Without its keyring nothing sealed in the store can be read", where)
		}
	}
	return nil
}

// openStore opens the store cfg.Store names: PostgreSQL for a postgres://
// URL, otherwise Pebble in the data dir (opts). Errors do not repeat the
// URL, which may hold a password.
func openStore(cfg StoreConfig, log *slog.Logger, opts pebble.Options) (candor.Store, error) {
	if cfg.Store != "" {
		if !opts.MustExist {
			// The data dir still holds the log's tiles and the key files.
			if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
				return nil, err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := postgres.Open(ctx, cfg.Store, postgres.Options{Logger: log, MustExist: opts.MustExist})
		if err != nil {
			return nil, fmt.Errorf("opening the PostgreSQL store: %w", err)
		}
		return st, nil
	}
	opts.CacheSize = int64(cfg.CacheSize) << 20 // the keyring keeps its own 8 MiB
	st, err := pebble.Open(cfg.Data, opts)
	if err != nil {
		if opts.MustExist {
			return nil, fmt.Errorf("opening %s: %w", cfg.Data, err)
		}
		return nil, fmt.Errorf("opening %s: %w (is another candor process using it?)", cfg.Data, err)
	}
	return st, nil
}

// IsPostgresURL reports whether s is a PostgreSQL URL (a --store for
// PostgreSQL).
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Registry returns the scorecard registry, whose proposals and approvals
// are administrative acts, checked against their chain (admins). It is
// one registry for the installation's life, so that what it compiled is
// compiled once (a node asks for the published set every few seconds).
func (inst *Installation) Registry() *scoring.Registry {
	inst.regOnce.Do(func() {
		inst.registry = scoring.NewRegistry(inst.Store, inst.Catalogue).WithActs(admins.New(inst.Store, inst.Vault, nil))
	})
	return inst.registry
}

// Published returns the active scorecards and every approved version,
// old ones included (see scoring.Registry).
func (inst *Installation) Published(ctx context.Context) (active, all []*scoring.Compiled, err error) {
	return inst.Registry().Published(ctx)
}

// Registrar returns the operator's administration on the store.
func (inst *Installation) Registrar() *registrar.Service {
	return registrar.New(inst.Store, inst.Catalogue, decisions.New(inst.Store, inst.Vault, inst.Catalogue, nil, nil), nil)
}

// NewLogger returns a logger writing to w in format (json, else text)
// from level up.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
