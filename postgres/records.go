package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PutRecord implements candor.RecordStore with one statement: an insert
// that replaces a stored record only if it is about the same subject.
func (s *Store) PutRecord(ctx context.Context, r *candor.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := candor.CheckRecordID(r.Kind, r.ID); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	stripes := []uint16{stripe(r.Subject, r.Kind)}
	var b pgx.Batch
	b.Queue(`INSERT INTO candor_records (kind, id, subject, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data WHERE candor_records.subject = excluded.subject`,
		int16(r.Kind), []byte(r.ID), r.Subject[:], r.Data).Exec(func(ct pgconn.CommandTag) error {
		if ct.RowsAffected() == 0 {
			return candor.Errorf(candor.EINVALID, "record %s is about another subject", r.ID)
		}
		return nil
	})
	s.queueNotify(&b, stripes)
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, &b).Close() }); err != nil {
		return s.wrap(err, "put record")
	}
	s.versions.bump(stripes)
	return nil
}

// DeleteRecord implements candor.RecordStore.
func (s *Store) DeleteRecord(ctx context.Context, kind candor.RecordKind, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	var bumped []uint16
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var sub []byte
		err := tx.QueryRow(ctx, `DELETE FROM candor_records WHERE kind = $1 AND id = $2 RETURNING subject`, int16(kind), []byte(id)).Scan(&sub)
		if err != nil {
			return err
		}
		bumped = []uint16{stripe(candor.SubjectID(sub), kind)}
		var b pgx.Batch
		s.queueNotify(&b, bumped)
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return s.wrap(err, "delete record")
	}
	s.versions.bump(bumped)
	return nil
}

// Record implements candor.RecordStore.
func (s *Store) Record(ctx context.Context, kind candor.RecordKind, id string) (*candor.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := candor.CheckRecordID(kind, id); err != nil {
		return nil, err
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	r := &candor.Record{Kind: kind, ID: id}
	var sub []byte
	if err := s.pool.QueryRow(ctx, `SELECT subject, data FROM candor_records WHERE kind = $1 AND id = $2`, int16(kind), []byte(id)).Scan(&sub, &r.Data); err != nil {
		return nil, s.notFound(err, "no such record")
	}
	r.Subject = candor.SubjectID(sub)
	return r, nil
}

// Records implements candor.RecordStore: one range of the subject index.
func (s *Store) Records(ctx context.Context, kind candor.RecordKind, subject candor.SubjectID) iter.Seq2[*candor.Record, error] {
	return s.records(ctx, kind, `SELECT id, subject, data FROM candor_records WHERE kind = $1 AND subject = $2 ORDER BY id`, subject[:])
}

// AllRecords implements candor.RecordStore.
func (s *Store) AllRecords(ctx context.Context, kind candor.RecordKind) iter.Seq2[*candor.Record, error] {
	return s.records(ctx, kind, `SELECT id, subject, data FROM candor_records WHERE kind = $1 ORDER BY id`)
}

func (s *Store) records(ctx context.Context, kind candor.RecordKind, sql string, args ...any) iter.Seq2[*candor.Record, error] {
	if !kind.Valid() {
		return func(yield func(*candor.Record, error) bool) {
			yield(nil, candor.Errorf(candor.EINVALID, "unknown record kind %d", kind))
		}
	}
	return query(s, ctx, "records", sql, append([]any{int16(kind)}, args...), func(rows pgx.Rows) (*candor.Record, error) {
		r := &candor.Record{Kind: kind}
		var id, sub []byte
		if err := rows.Scan(&id, &sub, &r.Data); err != nil {
			return nil, err
		}
		r.ID, r.Subject = string(id), candor.SubjectID(sub)
		return r, nil
	})
}
