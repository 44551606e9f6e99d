package postgres

import (
	"context"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5/pgxpool"
)

// UpgradeKeys moves every subject's wrapped data key out of the store at
// url (a schema of version 5 or older) into kr, then brings the schema to
// SchemaVersion, whose migration 6 drops the keys from the store, and
// rewrites the subjects' table so that its files hold none either. It
// returns how many keys it moved. The keys are durable in kr before the
// migration runs, so an upgrade cut short leaves no subject without a key,
// and running it again finishes it. A schema already upgraded is left as
// it is (0, nil). Back up the database first: the upgrade rewrites it.
func UpgradeKeys(ctx context.Context, url string, kr candor.Keyring) (int, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	defer pool.Close()
	var current int
	if err := pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM candor_schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("postgres: no Candor store in the database (schema of the search path): %w", err)
	}
	if current >= keyringVersion {
		return 0, nil
	}
	moved := 0
	last := []byte{}
	for {
		rows, err := pool.Query(ctx, `SELECT id, wrapped_key FROM candor_subjects
			WHERE wrapped_key IS NOT NULL AND id > $1 ORDER BY id LIMIT 10000`, last)
		if err != nil {
			return moved, fmt.Errorf("postgres: upgrade: %w", err)
		}
		var keys []candor.WrappedKey
		for rows.Next() {
			var id, w []byte
			if err := rows.Scan(&id, &w); err != nil {
				rows.Close()
				return moved, fmt.Errorf("postgres: upgrade: %w", err)
			}
			if len(id) != 16 {
				rows.Close()
				return moved, fmt.Errorf("postgres: upgrade: a subject ID of %d bytes", len(id))
			}
			keys = append(keys, candor.WrappedKey{Subject: candor.SubjectID(id), Wrapped: w})
		}
		if err := rows.Err(); err != nil {
			return moved, fmt.Errorf("postgres: upgrade: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		if err := kr.PutSubjectKeys(ctx, keys); err != nil {
			return moved, fmt.Errorf("postgres: upgrade: keeping the keys in the keyring: %w", err)
		}
		moved += len(keys)
		last = keys[len(keys)-1].Subject[:]
	}
	if err := migrate(ctx, pool, true, true); err != nil {
		return moved, err
	}
	// Dropping a column leaves its values in the rows; a rewrite nulls them.
	if _, err := pool.Exec(ctx, `VACUUM FULL candor_subjects`); err != nil {
		return moved, fmt.Errorf("postgres: upgrade: rewriting the subjects table: %w", err)
	}
	return moved, nil
}
