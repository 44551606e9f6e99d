package registrydoc

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/candor-project/candor"
)

// ErrCorrupt is returned for a document that is not a whole version-1
// source or API key.
var ErrCorrupt = errors.New("corrupt registry document")

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

// EncodeSource returns src's document.
func EncodeSource(src *candor.Source) ([]byte, error) {
	return json.Marshal(sourceV1{
		V: 1, ID: src.ID, Name: src.Name, Kind: uint8(src.Kind),
		AllowedTypes: src.AllowedTypes, CreatedAt: src.CreatedAt,
	})
}

// DecodeSource decodes a document EncodeSource wrote. An error wraps
// ErrCorrupt and quotes the document's start.
func DecodeSource(v []byte) (*candor.Source, error) {
	var r sourceV1
	if err := json.Unmarshal(v, &r); err != nil || r.V != 1 {
		return nil, fmt.Errorf("%w: source %.40q", ErrCorrupt, v)
	}
	return &candor.Source{
		ID: r.ID, Name: r.Name, Kind: candor.SourceKind(r.Kind),
		AllowedTypes: r.AllowedTypes, CreatedAt: r.CreatedAt,
	}, nil
}

// EncodeAPIKey returns k's document; the key's hash is kept in hex.
func EncodeAPIKey(k *candor.APIKey) ([]byte, error) {
	return json.Marshal(apiKeyV1{
		V: 1, ID: k.ID, Role: uint8(k.Role), Principal: k.Principal,
		Hash: hex.EncodeToString(k.Hash[:]), CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt,
	})
}

// DecodeAPIKey decodes a document EncodeAPIKey wrote. An error wraps
// ErrCorrupt and does not quote the document (it holds a key's hash).
func DecodeAPIKey(v []byte) (*candor.APIKey, error) {
	var r apiKeyV1
	err := json.Unmarshal(v, &r)
	k := &candor.APIKey{
		ID: r.ID, Role: candor.Role(r.Role), Principal: r.Principal,
		CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt,
	}
	if err != nil || r.V != 1 || len(r.Hash) != hex.EncodedLen(len(k.Hash)) {
		return nil, fmt.Errorf("%w: API key", ErrCorrupt)
	}
	if _, err := hex.Decode(k.Hash[:], []byte(r.Hash)); err != nil {
		return nil, fmt.Errorf("%w: API key", ErrCorrupt)
	}
	return k, nil
}
