package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
)

// wrapSQL creates the tables of the wrapping key's generations in the
// keyring's schema (OpenKeyring runs it).
//
//go:embed keyring_wrap.sql
var wrapSQL string

var _ candor.WrapKeyring = (*Keyring)(nil)

// createWrapTables runs wrapSQL in tx, in schema.
func createWrapTables(ctx context.Context, tx pgx.Tx, schema string) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, wrapSQL)
	return err
}

// lockGenerations takes, in tx, a share of the locks of the generations
// gens and returns ErrWrapRetired unless each is current or next. The
// lock (FOR KEY SHARE) orders tx against FinishWrapRotation, which locks
// the generation it retires FOR UPDATE: a write under a generation
// either commits before the retirement looks for keys still wrapped with
// it, or waits for the retirement and is refused. A keyring without any
// generation (one set up by an earlier build, not yet opened by a node
// of this one) takes generation 0.
func (k *Keyring) lockGenerations(ctx context.Context, tx pgx.Tx, gens []int32) error {
	rows, err := tx.Query(ctx, `SELECT generation, state FROM `+k.gens+` WHERE generation = ANY($1) FOR KEY SHARE`, gens)
	if err != nil {
		return err
	}
	live := map[int32]bool{}
	for rows.Next() {
		var g int32
		var state string
		if err := rows.Scan(&g, &state); err != nil {
			rows.Close()
			return err
		}
		live[g] = state != string(candor.WrapRetired)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, g := range gens {
		if live[g] {
			continue
		}
		var none bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM `+k.gens+`)`).Scan(&none); err != nil {
			return err
		}
		if !none || g != 0 {
			return candor.ErrWrapRetired
		}
	}
	return nil
}

// WrapGenerations is candor.WrapKeyring's.
func (k *Keyring) WrapGenerations(ctx context.Context) ([]candor.WrapGeneration, *candor.WrapRotation, error) {
	if err := k.enter(ctx); err != nil {
		return nil, nil, err
	}
	rows, err := k.pool.Query(ctx, `SELECT generation, state, sealed FROM `+k.gens+` WHERE state <> 'retired' ORDER BY generation`)
	if err != nil {
		return nil, nil, k.wrap(err, "read the wrapping key's generations")
	}
	var gens []candor.WrapGeneration
	for rows.Next() {
		var g candor.WrapGeneration
		var n int32
		var state string
		if err := rows.Scan(&n, &state, &g.Sealed); err != nil {
			rows.Close()
			return nil, nil, k.wrap(err, "read the wrapping key's generations")
		}
		g.Number, g.State = uint32(n), candor.WrapState(state)
		gens = append(gens, g)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, k.wrap(err, "read the wrapping key's generations")
	}
	r, err := k.lastRotation(ctx, k.pool, "")
	return gens, r, err
}

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// lastRotation reads the last rotation (where: a condition on it), or
// nil if there is none.
func (k *Keyring) lastRotation(ctx context.Context, q queryRower, where string, args ...any) (*candor.WrapRotation, error) {
	var r candor.WrapRotation
	var from, to, kps int32
	var done, total int64
	var finished *time.Time
	var reason *string
	err := q.QueryRow(ctx, `SELECT from_generation, to_generation, keys_per_second, done, total, started_at, finished_at, error
		FROM `+k.rots+` `+where+` ORDER BY to_generation DESC LIMIT 1`, args...).Scan(&from, &to, &kps, &done, &total, &r.StartedAt, &finished, &reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, k.wrap(err, "read the rotation")
	}
	r.From, r.To, r.KeysPerSecond, r.Done, r.Total = uint32(from), uint32(to), int(kps), int(done), int(total)
	if finished != nil {
		r.FinishedAt = *finished
	}
	if reason != nil {
		r.Error = *reason
	}
	return &r, nil
}

// lockWrap takes, in tx, the keyring's lock OpenKeyring takes.
func (k *Keyring) lockWrap(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('candor keyring ' || $1, 0))`, k.schema)
	return err
}

// InitWrapGenerations is candor.WrapKeyring's.
func (k *Keyring) InitWrapGenerations(ctx context.Context, first, next []byte, keysPerSecond int) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if err := k.lockWrap(ctx, tx); err != nil {
			return err
		}
		var some bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+k.gens+`)`).Scan(&some); err != nil || some {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+k.gens+` (generation, state, sealed) VALUES (0, 'current', $1)`, first); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+k.gens+` (generation, state, sealed) VALUES (1, 'next', $1)`, next); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+k.rots+` (from_generation, to_generation, keys_per_second, total)
			SELECT 0, 1, $1, count(*) FROM `+k.table, keysPerSecond)
		return err
	})
	return k.wrap(err, "set up the wrapping key's generations")
}

// BeginWrapRotation is candor.WrapKeyring's.
func (k *Keyring) BeginWrapRotation(ctx context.Context, seal func(number uint32) []byte, keysPerSecond int) (candor.WrapRotation, error) {
	if err := k.enter(ctx); err != nil {
		return candor.WrapRotation{}, err
	}
	if keysPerSecond < 0 {
		return candor.WrapRotation{}, candor.Errorf(candor.EINVALID, "keys per second: want 0 (no bound) or more, not %d", keysPerSecond)
	}
	var r *candor.WrapRotation
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		if err := k.lockWrap(ctx, tx); err != nil {
			return err
		}
		var cur, next, top *int32
		err := tx.QueryRow(ctx, `SELECT max(generation) FILTER (WHERE state = 'current'), max(generation) FILTER (WHERE state = 'next'), max(generation) FROM `+k.gens).Scan(&cur, &next, &top)
		switch {
		case err != nil:
			return err
		case cur == nil:
			return candor.Errorf(candor.EINVALID, "the keyring has no current wrapping key generation (no node of this build has opened it)")
		case next != nil:
			if _, err := tx.Exec(ctx, `UPDATE `+k.rots+` SET error = NULL,
				keys_per_second = CASE WHEN $2 > 0 THEN $2 ELSE keys_per_second END WHERE to_generation = $1`, *next, keysPerSecond); err != nil {
				return err
			}
		default:
			n := *top + 1
			if _, err := tx.Exec(ctx, `INSERT INTO `+k.gens+` (generation, state, sealed) VALUES ($1, 'next', $2)`, n, seal(uint32(n))); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+k.rots+` (from_generation, to_generation, keys_per_second, total)
				SELECT $1, $2, $3, count(*) FROM `+k.table+` WHERE generation = $1`, *cur, n, keysPerSecond); err != nil {
				return err
			}
		}
		r, err = k.lastRotation(ctx, tx, "")
		return err
	})
	if err != nil {
		return candor.WrapRotation{}, k.wrap(err, "begin a rotation")
	}
	return *r, nil
}

// FailWrapRotation is candor.WrapKeyring's.
func (k *Keyring) FailWrapRotation(ctx context.Context, to uint32, reason string) error {
	if err := k.enter(ctx); err != nil {
		return err
	}
	_, err := k.pool.Exec(ctx, `UPDATE `+k.rots+` SET error = $2 WHERE to_generation = $1 AND finished_at IS NULL`, int32(to), reason)
	return k.wrap(err, "record a rotation's failure")
}

// StaleSubjectKeys is candor.WrapKeyring's.
func (k *Keyring) StaleSubjectKeys(ctx context.Context, gen uint32, after candor.SubjectID, limit int) ([]candor.WrappedKey, error) {
	if err := k.enter(ctx); err != nil {
		return nil, err
	}
	rows, err := k.pool.Query(ctx, `SELECT subject, wrapped FROM `+k.table+` WHERE generation = $1 AND subject > $2 ORDER BY subject LIMIT $3`, int32(gen), after[:], limit)
	if err != nil {
		return nil, k.wrap(err, "list keys to rewrap")
	}
	var out []candor.WrappedKey
	for rows.Next() {
		var id, w []byte
		if err := rows.Scan(&id, &w); err != nil {
			rows.Close()
			return nil, k.wrap(err, "list keys to rewrap")
		}
		wk := candor.WrappedKey{Wrapped: w, Generation: gen}
		copy(wk.Subject[:], id)
		out = append(out, wk)
	}
	return out, k.wrap(rows.Err(), "list keys to rewrap")
}

// RewrapSubjectKeys is candor.WrapKeyring's: one transaction, each key
// replaced only where the stored one is still old's.
func (k *Keyring) RewrapSubjectKeys(ctx context.Context, old, rewrapped []candor.WrappedKey) (int, error) {
	if err := k.enter(ctx); err != nil {
		return 0, err
	}
	if len(old) != len(rewrapped) {
		return 0, candor.Errorf(candor.EINVALID, "%d keys to rewrap, %d rewrapped", len(old), len(rewrapped))
	}
	if err := candor.CheckWrappedKeys(rewrapped); err != nil || len(old) == 0 {
		return 0, err
	}
	gen := rewrapped[0].Generation
	ids, was, now := make([][]byte, len(old)), make([][]byte, len(old)), make([][]byte, len(old))
	for i := range old {
		if old[i].Subject != rewrapped[i].Subject || rewrapped[i].Generation != gen {
			return 0, candor.Errorf(candor.EINVALID, "rewrapped key %d: another subject or generation than the rest", i)
		}
		ids[i], was[i], now[i] = old[i].Subject[:], old[i].Wrapped, rewrapped[i].Wrapped
	}
	var n int64
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM `+k.gens+` WHERE generation = $1 FOR KEY SHARE`, int32(gen)).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) || state != string(candor.WrapNext) {
			return candor.ErrWrapRetired
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE `+k.table+` AS k SET wrapped = u.w, generation = $4
			FROM unnest($1::bytea[], $2::bytea[], $3::bytea[]) AS u(s, o, w)
			WHERE k.subject = u.s AND k.wrapped = u.o`, ids, was, now, int32(gen))
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE `+k.rots+` SET done = done + $2 WHERE to_generation = $1`, int32(gen), n)
		return err
	})
	return int(n), k.wrap(err, "store rewrapped keys")
}

// FinishWrapRotation is candor.WrapKeyring's. It then rewrites the
// generations' table (rewriteTable, in a transaction of its own: taking
// the table exclusively after the rows' locks could deadlock with a
// writer), so that the retired secret's bytes leave its files, as
// DeleteSubjectKey does for a key.
func (k *Keyring) FinishWrapRotation(ctx context.Context, to uint32) (bool, error) {
	if err := k.enter(ctx); err != nil {
		return false, err
	}
	var finished bool
	err := pgx.BeginFunc(ctx, k.pool, func(tx pgx.Tx) error {
		r, err := k.lastRotation(ctx, tx, "WHERE to_generation = $1", int32(to))
		if err != nil || r == nil {
			return errors.Join(err, fmt.Errorf("no rotation to generation %d", to))
		}
		if !r.FinishedAt.IsZero() {
			finished = true
			return nil
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM `+k.gens+` WHERE generation = $1 FOR UPDATE`, int32(r.From)); err != nil {
			return err
		}
		// After the lock, a new snapshot: every write under the old
		// generation that took its share before is committed and seen.
		var left bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+k.table+` WHERE generation = $1)`, int32(r.From)).Scan(&left); err != nil || left {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+k.gens+` SET state = 'retired', sealed = NULL, retired_at = now() WHERE generation = $1`, int32(r.From)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE `+k.gens+` SET state = 'current' WHERE generation = $1`, int32(to)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE `+k.rots+` SET finished_at = now(), error = NULL WHERE to_generation = $1`, int32(to))
		finished = err == nil
		return err
	})
	if err != nil || !finished {
		return false, k.wrap(err, "retire the old wrapping key")
	}
	err = k.rewriteTable(ctx, k.gens, func(pgx.Tx) (bool, error) { return true, nil })
	return true, k.wrap(err, "rewrite the generations' table")
}
