package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
)

var _ candor.Leaser = (*Store)(nil)

// AcquireLease implements candor.Leaser with one upsert, timed by the
// database's clock: it takes the row if it is free, expired or holder's,
// and otherwise reads who holds it.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (candor.Lease, bool, error) {
	if err := candor.CheckLease(name, holder, ttl); err != nil {
		return candor.Lease{}, false, err
	}
	if err := s.enter(); err != nil {
		return candor.Lease{}, false, err
	}
	l := candor.Lease{Name: name}
	var token int64
	err := s.pool.QueryRow(ctx, `INSERT INTO candor_leases AS l (name, holder, expires, token)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond', 1)
		ON CONFLICT (name) DO UPDATE
		SET holder = excluded.holder, expires = excluded.expires,
			token = l.token + CASE WHEN l.holder = excluded.holder THEN 0 ELSE 1 END
		WHERE l.holder = excluded.holder OR l.expires <= clock_timestamp()
		RETURNING holder, expires, token`, name, holder, ttl.Microseconds()).Scan(&l.Holder, &l.Expires, &token)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, `SELECT holder, expires, token FROM candor_leases WHERE name = $1`, name).Scan(&l.Holder, &l.Expires, &token)
	}
	if err != nil {
		return candor.Lease{}, false, s.wrap(err, "acquire lease "+name)
	}
	l.Token = uint64(token)
	return l, l.Holder == holder, nil
}

// ReleaseLease implements candor.Leaser: the holder's lease expires now.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.exec(ctx, "release lease "+name, `UPDATE candor_leases SET expires = clock_timestamp() WHERE name = $1 AND holder = $2`, name, holder)
}

// checkFence checks a batch's fence (candor.WriteBatch.Fence) in its
// transaction, by the database's clock. It locks the lease's row for
// share, so that another holder's AcquireLease, an update of the row,
// waits until the transaction ends: the lease cannot pass between the
// check and the commit.
func checkFence(ctx context.Context, tx pgx.Tx, f *candor.Lease) error {
	if f == nil {
		return nil
	}
	var holder string
	var token int64
	var live bool
	err := tx.QueryRow(ctx, `SELECT holder, token, expires > clock_timestamp() FROM candor_leases WHERE name = $1 FOR SHARE`, f.Name).Scan(&holder, &token, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return candor.ErrFenced
	case err != nil:
		return err
	}
	if holder != f.Holder || uint64(token) != f.Token || !live {
		return candor.ErrFenced
	}
	return nil
}
