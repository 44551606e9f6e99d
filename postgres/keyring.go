package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultKeyringSchema is the schema a keyring is kept in unless another
// is named: apart from the store's, so that a logical backup of the
// store's schema (pg_dump -n) holds no key. A physical backup
// (pg_basebackup, PITR) copies every schema of the cluster: for those,
// keep the keyring in a database of another cluster (docs/operations.md).
const DefaultKeyringSchema = "candor_keyring"

// Keyring is a candor.Keyring in a table of its own schema,
// <schema>.subject_keys, in the database its URL names, with its erasure
// ledger (candor.ErasureLedger) in <schema>.erasures. Several nodes may
// share one.
type Keyring struct {
	pool     *pgxpool.Pool
	table    string // the quoted, schema-qualified tables
	erasures string
	schema   string
	gens     string // the wrapping key's generations (wrapkeys.go)
	rots     string // the rotations between them
	closed   atomic.Bool
	mu       sync.Mutex // serialises DeleteSubjectKey's rewrite of the table
}

var (
	_ candor.Keyring       = (*Keyring)(nil)
	_ candor.ErasureLedger = (*Keyring)(nil)
)

// OpenKeyring connects to the database url names and creates, if they
// are not there, schema (empty: DefaultKeyringSchema) and its table.
func OpenKeyring(ctx context.Context, url, schema string) (*Keyring, error) {
	if schema == "" {
		schema = DefaultKeyringSchema
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: keyring: %w", err)
	}
	k := &Keyring{pool: pool, table: pgx.Identifier{schema, "subject_keys"}.Sanitize(), erasures: pgx.Identifier{schema, "erasures"}.Sanitize(), schema: schema,
		gens: pgx.Identifier{schema, "wrap_generations"}.Sanitize(), rots: pgx.Identifier{schema, "wrap_rotations"}.Sanitize()}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('candor keyring ' || $1, 0))`, schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+k.table+` (
			subject bytea PRIMARY KEY CHECK (length(subject) = 16),
			wrapped bytea NOT NULL CHECK (length(wrapped) > 0))`)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+k.erasures+` (
			subject bytea PRIMARY KEY CHECK (length(subject) = 16),
			intent bytea NOT NULL)`)
		if err != nil {
			return err
		}
		return createWrapTables(ctx, tx, schema)
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: keyring schema %s: %w", schema, err)
	}
	return k, nil
}

func (k *Keyring) enter(ctx context.Context) error {
	if k.closed.Load() {
		return errClosed()
	}
	return ctx.Err()
}

func (k *Keyring) wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if k.closed.Load() {
		return errClosed()
	}
	return fmt.Errorf("postgres: keyring: %s: %w", what, err)
}

// PutSubjectKeys stores keys in one transaction (committed, so durable
// with PostgreSQL's synchronous_commit on, its default), each with its
// generation, after checking that every generation is current or next
// (candor.WrapKeyring): ErrWrapRetired if not.
func (k *Keyring) PutSubjectKeys(ctx context.Context, keys []candor.WrappedKey) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	if err := candor.CheckWrappedKeys(keys); err != nil || len(keys) == 0 {
		return err
	}
	ids := make([][]byte, len(keys))
	wrapped := make([][]byte, len(keys))
	gens := make([]int32, len(keys))
	var distinct []int32
	for i, w := range keys {
		ids[i], wrapped[i], gens[i] = w.Subject[:], w.Wrapped, int32(w.Generation)
		if !slices.Contains(distinct, gens[i]) {
			distinct = append(distinct, gens[i])
		}
	}
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if err := k.lockGenerations(ctx, tx, distinct); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+k.table+` (subject, wrapped, generation)
			SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::integer[])
			ON CONFLICT (subject) DO UPDATE SET wrapped = excluded.wrapped, generation = excluded.generation`, ids, wrapped, gens)
		return err
	})
	return k.wrap(err, "put keys")
}

// SubjectKey returns a subject's wrapped key, or ENOTFOUND.
func (k *Keyring) SubjectKey(ctx context.Context, id candor.SubjectID) ([]byte, error) {
	if err := k.enter(ctx); err != nil {
		return nil, err
	}
	var w []byte
	err := k.pool.QueryRow(ctx, `SELECT wrapped FROM `+k.table+` WHERE subject = $1`, id[:]).Scan(&w)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, candor.Errorf(candor.ENOTFOUND, "no data key for subject %s", id)
	}
	return w, k.wrap(err, "read key")
}

// DeleteSubjectKey deletes the row and rewrites the table without it
// (rewriteTable), so that its bytes leave the table's files. Readers and
// writers wait for the rewrite (keys are small: about a second per
// million). The WAL keeps the row until its segments are recycled, and so
// does a WAL archive: docs/operations.md says how long.
func (k *Keyring) DeleteSubjectKey(ctx context.Context, id candor.SubjectID) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	err := k.rewriteTable(ctx, k.table, func(tx pgx.Tx) (bool, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM `+k.table+` WHERE subject = $1`, id[:])
		return err == nil && tag.RowsAffected() > 0, err
	})
	return k.wrap(err, "delete key")
}

// rewriteTable runs change in a transaction that holds table exclusively
// and, if change says it removed something, rewrites the table with the
// rows left: copied aside, the table truncated (new, empty files; the old
// ones are emptied when the transaction commits) and the rows copied
// back. The copy is read by the transaction that made the change, so it
// never holds what the change removed. (VACUUM FULL keeps a removed row
// that an older snapshot in the database — an autovacuum's ANALYZE, say —
// might still see, and under load it left the bytes in the file.)
func (k *Keyring) rewriteTable(ctx context.Context, table string, change func(pgx.Tx) (bool, error)) error {
	return pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE `+table+` IN ACCESS EXCLUSIVE MODE`); err != nil {
			return err
		}
		if changed, err := change(tx); err != nil || !changed {
			return err
		}
		for _, sql := range []string{
			`CREATE TEMPORARY TABLE candor_keyring_rows ON COMMIT DROP AS SELECT * FROM ` + table,
			`TRUNCATE ` + table,
			`INSERT INTO ` + table + ` SELECT * FROM candor_keyring_rows`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
}

// SubjectKeys yields the keys above after in subject ID order, in pages of
// 1,000 rows, each page read on its own.
func (k *Keyring) SubjectKeys(ctx context.Context, after candor.SubjectID) iter.Seq2[candor.WrappedKey, error] {
	return func(yield func(candor.WrappedKey, error) bool) {
		last := bytes.Clone(after[:])
		for {
			if err := k.enter(ctx); err != nil {
				yield(candor.WrappedKey{}, err)
				return
			}
			rows, err := k.pool.Query(ctx, `SELECT subject, wrapped, generation FROM `+k.table+` WHERE subject > $1 ORDER BY subject LIMIT 1000`, last)
			if err != nil {
				yield(candor.WrappedKey{}, k.wrap(err, "list keys"))
				return
			}
			var page []candor.WrappedKey
			for rows.Next() {
				var id, w []byte
				var gen int32
				if err := rows.Scan(&id, &w, &gen); err != nil {
					rows.Close()
					yield(candor.WrappedKey{}, k.wrap(err, "list keys"))
					return
				}
				var wk candor.WrappedKey
				copy(wk.Subject[:], id)
				wk.Wrapped, wk.Generation = w, uint32(gen)
				page = append(page, wk)
			}
			if err := rows.Err(); err != nil {
				yield(candor.WrappedKey{}, k.wrap(err, "list keys"))
				return
			}
			for _, w := range page {
				if !yield(w, nil) {
					return
				}
			}
			if len(page) < 1000 {
				return
			}
			last = page[len(page)-1].Subject[:]
		}
	}
}

// Close closes the pool; calls after it return EUNAVAILABLE.
func (k *Keyring) Close() error {
	if k.closed.Swap(true) {
		return errClosed()
	}
	k.pool.Close()
	return nil
}

// RecordErasure keeps x.ForLedger() in the ledger, committed.
func (k *Keyring) RecordErasure(ctx context.Context, x *candor.ErasureIntent) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	sub := x.Erasure.Subject
	if sub.IsZero() {
		return candor.Errorf(candor.EINVALID, "erasure ledger: zero subject")
	}
	_, err := k.pool.Exec(ctx, `INSERT INTO `+k.erasures+` (subject, intent) VALUES ($1, $2)
		ON CONFLICT (subject) DO UPDATE SET intent = excluded.intent`, sub[:], x.ForLedger().Record().Data)
	return k.wrap(err, "erasure ledger")
}

// Erasures yields the ledger's erasures in subject ID order, in pages of
// 1,000 rows, each page read on its own.
func (k *Keyring) Erasures(ctx context.Context) iter.Seq2[*candor.ErasureIntent, error] {
	return func(yield func(*candor.ErasureIntent, error) bool) {
		var last candor.SubjectID
		for {
			if err := k.enter(ctx); err != nil {
				yield(nil, err)
				return
			}
			page, err := k.erasurePage(ctx, last)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, x := range page {
				if !yield(x, nil) {
					return
				}
			}
			if len(page) < 1000 {
				return
			}
			last = page[len(page)-1].Erasure.Subject
		}
	}
}

// erasurePage reads up to 1,000 of the ledger's erasures above after.
func (k *Keyring) erasurePage(ctx context.Context, after candor.SubjectID) ([]*candor.ErasureIntent, error) {
	rows, err := k.pool.Query(ctx, `SELECT subject, intent FROM `+k.erasures+` WHERE subject > $1 ORDER BY subject LIMIT 1000`, after[:])
	if err != nil {
		return nil, k.wrap(err, "erasure ledger")
	}
	defer rows.Close()
	var page []*candor.ErasureIntent
	for rows.Next() {
		var id, data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, k.wrap(err, "erasure ledger")
		}
		var sub candor.SubjectID
		if len(id) != len(sub) {
			return nil, fmt.Errorf("postgres: keyring: malformed erasure subject %x", id)
		}
		copy(sub[:], id)
		x, err := candor.ParseErasureIntent(&candor.Record{Kind: candor.RecordErasing, ID: sub.String(), Subject: sub, Data: data})
		if err != nil {
			return nil, fmt.Errorf("postgres: keyring: %w", err)
		}
		page = append(page, x)
	}
	return page, k.wrap(rows.Err(), "erasure ledger")
}
