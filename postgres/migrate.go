package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migrations are SQL files named NNNN_what.sql, applied in order of NNNN.
// A small runner of our own, rather than a migration library: the schema
// has a handful of versions that only go forward, and what matters is that
// several nodes starting at once apply each exactly once. Each node runs
// all pending migrations in one transaction under a transaction-scoped
// advisory lock on the schema's name, so a node that comes second waits,
// then finds nothing left to do; a migration that fails leaves the schema
// as it was.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// SchemaVersion is the schema version this build reads and writes: the
// number of the last embedded migration.
var SchemaVersion = mustMigrations()[len(mustMigrations())-1].version

type migration struct {
	version int
	name    string
	sql     string
}

func mustMigrations() []migration {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return ms
}

// migrations returns the embedded migrations in version order. Versions
// must run 1, 2, 3, … without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("postgres: migration %s is not named NNNN_what.sql", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, base, string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// keyringVersion is the migration that drops the wrapped keys from the
// store (0006_keys_in_keyring.sql).
const keyringVersion = 6

// ErrNeedsKeyUpgrade is the error Open returns for a schema whose
// subjects still hold their wrapped data keys (version 5 or older).
var ErrNeedsKeyUpgrade = errors.New("its subjects' wrapped data keys are still in the store: back up the database and the key files first, then run `candor keys upgrade` to move the keys into the keyring")

// migrate brings the schema in the connection's search path to
// SchemaVersion. It refuses a schema of a later version: an older build
// must not write into a schema it does not know. With mustExist, it
// refuses a schema that holds no store (and so creates nothing: the
// transaction is rolled back).
func migrate(ctx context.Context, pool *pgxpool.Pool, mustExist, keysMoved bool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('candor migrate ' || current_schema(), 0))`); err != nil {
			return fmt.Errorf("postgres: migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS candor_schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("postgres: migrations table: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM candor_schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("postgres: schema version: %w", err)
		}
		if current == 0 && mustExist {
			return errors.New("postgres: no Candor store in the database (schema of the search path)")
		}
		if current > len(ms) {
			return fmt.Errorf("postgres: the schema is at version %d; this build supports up to %d", current, len(ms))
		}
		if current > 0 && current < keyringVersion && !keysMoved {
			var held bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM candor_subjects WHERE wrapped_key IS NOT NULL)`).Scan(&held); err != nil {
				return fmt.Errorf("postgres: schema version %d: %w", current, err)
			}
			if held {
				return fmt.Errorf("postgres: the schema is at version %d: %w", current, ErrNeedsKeyUpgrade)
			}
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO candor_schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}
