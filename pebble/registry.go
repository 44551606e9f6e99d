package pebble

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/candor-project/candor"
	"github.com/cockroachdb/pebble/v2"
)

// Sources, API keys and meta values are written rarely, so they are stored
// as JSON (sources and keys, in versioned shapes of their own so that a
// renamed Go field does not change the format) and written one at a time
// with a sync.

type sourceV1 struct {
	V            int       `json:"v"`
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Kind         uint8     `json:"kind"`
	AllowedTypes []string  `json:"allowed_types,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

type apiKeyV1 struct {
	V         int       `json:"v"`
	ID        string    `json:"id"`
	Role      uint8     `json:"role"`
	Principal string    `json:"principal"`
	Hash      string    `json:"hash"` // hex
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at"`
}

// PutSource creates or replaces a source. It returns EINVALID if the ID is
// empty.
func (s *Store) PutSource(ctx context.Context, src *candor.Source) error {
	if src.ID == "" {
		return candor.Errorf(candor.EINVALID, "source id is required")
	}
	v, err := json.Marshal(sourceV1{
		V: 1, ID: src.ID, Name: src.Name, Kind: uint8(src.Kind),
		AllowedTypes: src.AllowedTypes, CreatedAt: src.CreatedAt,
	})
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
	return decodeSource(v)
}

// Sources returns every source, ordered by ID.
func (s *Store) Sources(ctx context.Context) ([]*candor.Source, error) {
	var srcs []*candor.Source
	err := s.scan(tableSource, func(v []byte) error {
		src, err := decodeSource(v)
		srcs = append(srcs, src)
		return err
	})
	if err != nil {
		return nil, err
	}
	return srcs, nil
}

func decodeSource(v []byte) (*candor.Source, error) {
	var r sourceV1
	if err := json.Unmarshal(v, &r); err != nil || r.V != 1 {
		return nil, fmt.Errorf("pebble: corrupt source record: %.40q", v)
	}
	return &candor.Source{
		ID: r.ID, Name: r.Name, Kind: candor.SourceKind(r.Kind),
		AllowedTypes: r.AllowedTypes, CreatedAt: r.CreatedAt,
	}, nil
}

// PutKey creates or replaces an API key. It returns EINVALID if the ID is
// empty.
func (s *Store) PutKey(ctx context.Context, k *candor.APIKey) error {
	if k.ID == "" {
		return candor.Errorf(candor.EINVALID, "API key id is required")
	}
	v, err := json.Marshal(apiKeyV1{
		V: 1, ID: k.ID, Role: uint8(k.Role), Principal: k.Principal,
		Hash: hex.EncodeToString(k.Hash[:]), CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt,
	})
	if err != nil {
		return fmt.Errorf("pebble: put key: %w", err)
	}
	return s.put(apiKeyKey(k.ID), v, "put key")
}

// Key returns an API key by its ID, or ENOTFOUND.
func (s *Store) Key(ctx context.Context, id string) (*candor.APIKey, error) {
	v, err := s.getValue(apiKeyKey(id))
	if err != nil {
		return nil, notFound(err, "API key %q not found", id)
	}
	return decodeAPIKey(v)
}

// Keys returns every API key, ordered by ID.
func (s *Store) Keys(ctx context.Context) ([]*candor.APIKey, error) {
	var keys []*candor.APIKey
	err := s.scan(tableKey, func(v []byte) error {
		k, err := decodeAPIKey(v)
		keys = append(keys, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

func decodeAPIKey(v []byte) (*candor.APIKey, error) {
	var r apiKeyV1
	err := json.Unmarshal(v, &r)
	k := &candor.APIKey{
		ID: r.ID, Role: candor.Role(r.Role), Principal: r.Principal,
		CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt,
	}
	if err != nil || r.V != 1 || hex.DecodedLen(len(r.Hash)) != len(k.Hash) {
		return nil, fmt.Errorf("pebble: corrupt API key record")
	}
	if _, err := hex.Decode(k.Hash[:], []byte(r.Hash)); err != nil {
		return nil, fmt.Errorf("pebble: corrupt API key record")
	}
	return k, nil
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
