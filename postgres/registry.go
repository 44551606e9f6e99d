package postgres

import (
	"context"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/registrydoc"
	"github.com/jackc/pgx/v5"
)

// Sources and API keys are kept as the JSON documents the Pebble store
// keeps too (internal/registrydoc). They are not cached: several nodes write them, and a revoked
// key must be refused by every node at once; a read is one primary-key
// lookup.

// PutSource creates or replaces a source. It returns EINVALID if the ID is
// empty.
func (s *Store) PutSource(ctx context.Context, src *candor.Source) error {
	if src.ID == "" {
		return candor.Errorf(candor.EINVALID, "source id is required")
	}
	doc, err := registrydoc.EncodeSource(src)
	if err != nil {
		return fmt.Errorf("postgres: put source: %w", err)
	}
	return s.exec(ctx, "put source", `INSERT INTO candor_sources (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, src.ID, string(doc))
}

// Source returns a source, or ENOTFOUND.
func (s *Store) Source(ctx context.Context, id string) (*candor.Source, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	var doc []byte
	if err := s.pool.QueryRow(ctx, `SELECT doc FROM candor_sources WHERE id = $1`, id).Scan(&doc); err != nil {
		return nil, s.notFound(err, "source %q not found", id)
	}
	return registrydoc.DecodeSource(doc)
}

// Sources returns every source, ordered by ID.
func (s *Store) Sources(ctx context.Context) ([]*candor.Source, error) {
	return collect(s, ctx, "sources", `SELECT doc FROM candor_sources ORDER BY id`, registrydoc.DecodeSource)
}

// PutKey creates or replaces an API key. It returns EINVALID if the ID is
// empty.
func (s *Store) PutKey(ctx context.Context, k *candor.APIKey) error {
	if k.ID == "" {
		return candor.Errorf(candor.EINVALID, "API key id is required")
	}
	doc, err := registrydoc.EncodeAPIKey(k)
	if err != nil {
		return fmt.Errorf("postgres: put key: %w", err)
	}
	return s.exec(ctx, "put key", `INSERT INTO candor_api_keys (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, k.ID, string(doc))
}

// Key returns an API key by its ID, or ENOTFOUND.
func (s *Store) Key(ctx context.Context, id string) (*candor.APIKey, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	var doc []byte
	if err := s.pool.QueryRow(ctx, `SELECT doc FROM candor_api_keys WHERE id = $1`, id).Scan(&doc); err != nil {
		return nil, s.notFound(err, "API key %q not found", id)
	}
	return registrydoc.DecodeAPIKey(doc)
}

// Keys returns every API key, ordered by ID.
func (s *Store) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	return collect(s, ctx, "keys", `SELECT doc FROM candor_api_keys ORDER BY id`, registrydoc.DecodeAPIKey)
}

// GetMeta returns the value under name, or ENOTFOUND.
func (s *Store) GetMeta(ctx context.Context, name string) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	var v []byte
	if err := s.pool.QueryRow(ctx, `SELECT value FROM candor_meta WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, s.notFound(err, "meta value %q not found", name)
	}
	return v, nil
}

// PutMeta durably stores value under name. It returns EINVALID if name is
// empty.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	if name == "" {
		return candor.Errorf(candor.EINVALID, "meta name is required")
	}
	if value == nil {
		value = []byte{}
	}
	return s.exec(ctx, "put meta", `INSERT INTO candor_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
}

func (s *Store) exec(ctx context.Context, what, sql string, args ...any) error {
	if err := s.enter(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, sql, args...)
	return s.wrap(err, what)
}

// collect reads the documents a query returns and decodes each.
func collect[T any](s *Store, ctx context.Context, what, sql string, decode func([]byte) (T, error)) ([]T, error) {
	var out []T
	for doc, err := range query(s, ctx, what, sql, nil, func(rows pgx.Rows) ([]byte, error) {
		var doc []byte
		return doc, rows.Scan(&doc)
	}) {
		if err != nil {
			return nil, err
		}
		v, err := decode(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
