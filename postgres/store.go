package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-project/candor"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Logger receives the listener's reconnections. If nil, slog.Default().
	Logger *slog.Logger
	// MaxConns bounds the connection pool; zero means pgxpool's default
	// (the larger of 4 and the number of CPUs).
	MaxConns int32
	// MustExist refuses to create anything: Open fails if the schema holds
	// no Candor store.
	MustExist bool
}

// Store is a candor.Store on PostgreSQL. Its methods are safe for
// concurrent use, and several Stores, in one process or many, may share
// one database schema.
type Store struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	closed atomic.Bool

	versions subjectVersions // versions.go
	notify   notifier        // versions.go

	stop     context.CancelFunc
	listener sync.WaitGroup
}

var (
	_ candor.Store              = (*Store)(nil)
	_ candor.KeyLister          = (*Store)(nil)
	_ candor.PipelinedCommitter = (*Store)(nil)
)

// Open connects to the database url names (a postgres:// URL or a
// key=value connection string; a search_path parameter selects the
// schema), brings the schema to SchemaVersion and starts listening for
// other nodes' writes. It fails if the database cannot be reached or holds
// a schema of a later version.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool, opts.MustExist, false); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.startListener(ctx, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close stops listening and closes the pool, waiting for connections in
// use (including those of iterations not yet finished) to be released.
// Calls made after Close return an EUNAVAILABLE error; so does a second
// Close.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return errClosed()
	}
	s.stop()
	s.listener.Wait()
	s.pool.Close()
	return nil
}

func errClosed() error { return candor.Errorf(candor.EUNAVAILABLE, "store is closed") }

// Size returns the size on disk of the store's tables and their indexes
// in bytes, or 0 if it cannot be read.
func (s *Store) Size() int64 {
	if s.closed.Load() {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
		WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'm')`).Scan(&n)
	if err != nil {
		return 0
	}
	return n
}

// wrap turns a database error into what the store contract promises:
// ECONFLICT for a unique violation (another commit stored the same key),
// EUNAVAILABLE after Close, the context's error as is, and otherwise an
// error prefixed with what was being done.
func (s *Store) wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*candor.Error](err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == "23505" {
		return candor.Errorf(candor.ECONFLICT, "%s: already stored (%s)", what, pe.ConstraintName)
	}
	if s.closed.Load() {
		return errClosed()
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// notFound is wrap, with pgx.ErrNoRows turned into ENOTFOUND.
func (s *Store) notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return candor.Errorf(candor.ENOTFOUND, format, args...)
	}
	return s.wrap(err, fmt.Sprintf(format, args...))
}

// enter refuses calls once the store is closed.
func (s *Store) enter() error {
	if s.closed.Load() {
		return errClosed()
	}
	return nil
}
