package pebble

import (
	"context"
	"fmt"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/registrydoc"
	"github.com/cockroachdb/pebble/v2"
)

// Sources, API keys and meta values are written rarely, one at a time with
// a sync; sources and keys as JSON documents (internal/registrydoc).

// PutSource creates or replaces a source. It returns EINVALID if the ID is
// empty.
func (s *Store) PutSource(ctx context.Context, src *candor.Source) error {
	if src.ID == "" {
		return candor.Errorf(candor.EINVALID, "source id is required")
	}
	v, err := registrydoc.EncodeSource(src)
	if err != nil {
		return fmt.Errorf("pebble: put source: %w", err)
	}
	return s.put(sourceKey(src.ID), v, "put source")
}

// Source returns a source, or ENOTFOUND.
func (s *Store) Source(ctx context.Context, id string) (*candor.Source, error) {
	v, err := s.getValue(sourceKey(id))
	if err != nil {
		return nil, notFound(err, "source %q not found", id)
	}
	return registrydoc.DecodeSource(v)
}

// Sources returns every source, ordered by ID.
func (s *Store) Sources(ctx context.Context) ([]*candor.Source, error) {
	var srcs []*candor.Source
	err := s.scan(tableSource, func(v []byte) error {
		src, err := registrydoc.DecodeSource(v)
		srcs = append(srcs, src)
		return err
	})
	if err != nil {
		return nil, err
	}
	return srcs, nil
}

// PutKey creates or replaces an API key. It returns EINVALID if the ID is
// empty.
func (s *Store) PutKey(ctx context.Context, k *candor.APIKey) error {
	if k.ID == "" {
		return candor.Errorf(candor.EINVALID, "API key id is required")
	}
	v, err := registrydoc.EncodeAPIKey(k)
	if err != nil {
		return fmt.Errorf("pebble: put key: %w", err)
	}
	if err := s.put(apiKeyKey(k.ID), v, "put key"); err != nil {
		return err
	}
	s.keys.invalidate(apiKeyKey(k.ID))
	return nil
}

// Key returns an API key by its ID, or ENOTFOUND. Keys found are cached
// (cache.go): PutKey invalidates, so a revocation is seen by every Key
// that starts after PutKey returned.
func (s *Store) Key(ctx context.Context, id string) (*candor.APIKey, error) {
	k := apiKeyKey(id)
	key, err := s.keys.get(k, func() (*candor.APIKey, error) {
		v, err := s.getValue(k)
		if err != nil {
			return nil, notFound(err, "API key %q not found", id)
		}
		return registrydoc.DecodeAPIKey(v)
	})
	if err != nil {
		return nil, err
	}
	c := *key
	return &c, nil
}

// Keys returns every API key, ordered by ID.
func (s *Store) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	var keys []*candor.APIKey
	err := s.scan(tableKey, func(v []byte) error {
		k, err := registrydoc.DecodeAPIKey(v)
		keys = append(keys, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// GetMeta returns the value under name, or ENOTFOUND.
func (s *Store) GetMeta(ctx context.Context, name string) ([]byte, error) {
	v, err := s.getValue(metaKey(name))
	if err != nil {
		return nil, notFound(err, "meta value %q not found", name)
	}
	return v, nil
}

// PutMeta durably stores value under name. It returns EINVALID if name is
// empty.
func (s *Store) PutMeta(ctx context.Context, name string, value []byte) error {
	if name == "" {
		return candor.Errorf(candor.EINVALID, "meta name is required")
	}
	return s.put(metaKey(name), value, "put meta")
}

// getValue returns a copy of the value under k, pebble.ErrNotFound, or an
// error if the store is closed.
func (s *Store) getValue(k []byte) ([]byte, error) {
	if !s.gate.enter() {
		return nil, errClosed()
	}
	defer s.gate.leave()
	return s.get(k)
}

func (s *Store) put(k, v []byte, op string) error {
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	if err := s.db.Set(k, v, pebble.Sync); err != nil {
		return fmt.Errorf("pebble: %s: %w", op, err)
	}
	return nil
}

// scan calls fn with the value of every key in table, in key order.
func (s *Store) scan(table byte, fn func(v []byte) error) error {
	if !s.gate.enter() {
		return errClosed()
	}
	defer s.gate.leave()
	lower, upper := tableBounds(table)
	var fnErr error
	err := s.each(lower, upper, func(_, v []byte) error {
		fnErr = fn(v)
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("pebble: scan: %w", err)
	}
	return err
}
