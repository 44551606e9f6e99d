package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
)

// AuditEntries implements candor.AuditStore. A committed transaction is
// durable, and commits take their sequence under a lock held until they
// commit, so entries become visible in sequence order: the appender, which
// reads after the last entry it logged, never skips one.
func (s *Store) AuditEntries(ctx context.Context, after uint64) iter.Seq2[*candor.AuditEntry, error] {
	return query(s, ctx, "audit entries", `SELECT seq, write, access, retired FROM candor_audit WHERE seq > $1 ORDER BY seq`,
		[]any{int64(after)}, func(rows pgx.Rows) (*candor.AuditEntry, error) {
			var (
				seq                    int64
				write, access, retired []byte
			)
			if err := rows.Scan(&seq, &write, &access, &retired); err != nil {
				return nil, err
			}
			e := &candor.AuditEntry{Seq: uint64(seq)}
			var err error
			if e.Write, err = splitCommitments(write); err != nil {
				return nil, err
			}
			if e.Access, err = splitCommitments(access); err != nil {
				return nil, err
			}
			e.Retired, err = splitCommitments(retired)
			return e, err
		})
}

// AuditMark implements candor.AuditStore.
func (s *Store) AuditMark(ctx context.Context) (candor.AuditMark, error) {
	return s.auditMark(ctx, s.pool)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) auditMark(ctx context.Context, q querier) (candor.AuditMark, error) {
	if err := s.enter(); err != nil {
		return candor.AuditMark{}, err
	}
	var seq, size int64
	err := q.QueryRow(ctx, `SELECT seq, size FROM candor_audit_mark`).Scan(&seq, &size)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return candor.AuditMark{}, nil
	case err != nil:
		return candor.AuditMark{}, s.wrap(err, "audit mark")
	}
	return candor.AuditMark{Seq: uint64(seq), Size: uint64(size)}, nil
}

// MarkLogged implements candor.AuditStore in one transaction, which locks
// the mark's row so that the mark never goes back.
func (s *Store) MarkLogged(ctx context.Context, m candor.AuditMark, logged []candor.LoggedEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO candor_audit_mark (seq, size) VALUES (0, 0) ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		var seq, size int64
		if err := tx.QueryRow(ctx, `SELECT seq, size FROM candor_audit_mark FOR UPDATE`).Scan(&seq, &size); err != nil {
			return err
		}
		if m.Seq < uint64(seq) || m.Size < uint64(size) {
			return candor.Errorf(candor.EINVALID, "audit mark %+v is behind the stored {Seq:%d Size:%d}", m, seq, size)
		}
		var b pgx.Batch
		for _, l := range logged {
			idx := make([]int64, len(l.Indexes))
			for i, v := range l.Indexes {
				idx[i] = int64(v)
			}
			b.Queue(`INSERT INTO candor_audit_logged (seq, indexes) VALUES ($1, $2) ON CONFLICT (seq) DO UPDATE SET indexes = excluded.indexes`, int64(l.Seq), idx)
		}
		b.Queue(`UPDATE candor_audit_mark SET seq = $1, size = $2`, int64(m.Seq), int64(m.Size))
		return tx.SendBatch(ctx, &b).Close()
	})
	return s.wrap(err, "mark logged")
}

// ResetAuditLog forgets where the recorded entries are logged — the mark
// and every entry's log indexes — so that the appender appends every
// recorded entry again, to a new log (candor audit recover). The entries
// themselves stay.
func (s *Store) ResetAuditLog(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM candor_audit_logged`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM candor_audit_mark`)
		return err
	})
	return s.wrap(err, "reset audit log")
}

// LogIndexes implements candor.AuditStore.
func (s *Store) LogIndexes(ctx context.Context, seq uint64) ([]uint64, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	var idx []int64
	if err := s.pool.QueryRow(ctx, `SELECT indexes FROM candor_audit_logged WHERE seq = $1`, int64(seq)).Scan(&idx); err != nil {
		return nil, s.notFound(err, "commit %d is not logged", seq)
	}
	out := make([]uint64, len(idx))
	for i, v := range idx {
		out[i] = uint64(v)
	}
	return out, nil
}

// AccessRecords implements candor.AuditStore.
func (s *Store) AccessRecords(ctx context.Context, subject candor.SubjectID) iter.Seq2[*candor.AccessRecord, error] {
	scan := func(rows pgx.Rows) (*candor.AccessRecord, error) {
		var (
			sub       []byte
			n, commit int64
			pos       int32
			r         candor.AccessRecord
		)
		if err := rows.Scan(&sub, &n, &commit, &pos, &r.Sealed); err != nil {
			return nil, err
		}
		r.Subject, r.N, r.Commit, r.Pos = candor.SubjectID(sub), uint64(n), uint64(commit), uint32(pos)
		return &r, nil
	}
	if subject.IsZero() {
		return query(s, ctx, "access records", `SELECT subject, n, commit, pos, sealed FROM candor_access ORDER BY subject, n`, nil, scan)
	}
	return query(s, ctx, "access records", `SELECT subject, n, commit, pos, sealed FROM candor_access WHERE subject = $1 ORDER BY n`, []any{subject[:]}, scan)
}

// AccessRecord implements candor.AuditStore.
func (s *Store) AccessRecord(ctx context.Context, subject candor.SubjectID, n uint64) (*candor.AccessRecord, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	r := &candor.AccessRecord{Subject: subject, N: n}
	var commit int64
	var pos int32
	if err := s.pool.QueryRow(ctx, `SELECT commit, pos, sealed FROM candor_access WHERE subject = $1 AND n = $2`, subject[:], int64(n)).Scan(&commit, &pos, &r.Sealed); err != nil {
		return nil, s.notFound(err, "no access record %d about subject %s", n, subject)
	}
	r.Commit, r.Pos = uint64(commit), uint32(pos)
	return r, nil
}
