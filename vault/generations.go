package vault

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/candor-project/candor"
)

// staleWrap reloads a vault's wrapping keys (OnStaleWrap) when a key does
// not open or the keyring refuses a write as wrapped with a retired
// generation, once for all the callers that failed before it.
type staleWrap struct {
	reload func(ctx context.Context) error // nil: nothing to reload
	mu     sync.Mutex
	last   time.Time // when the last reload began
}

// refresh reloads the wrapping keys, unless a reload began after failed
// (the moment the caller found them stale): then that one serves.
func (s *staleWrap) refresh(ctx context.Context, failed time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last.After(failed) {
		return nil
	}
	s.last = time.Now()
	return s.reload(ctx)
}

// OnStaleWrap sets how the vault reloads its wrapping keys (with
// UseWrapKeysAt) when they seem stale: a wrapped key that opens under
// none of them, or keys the keyring refuses as wrapped with a retired
// generation (candor.ErrWrapRetired). Nodes sharing a keyring that keeps
// the generations (candor.WrapKeyring) set it; reload must not be called
// with the vault's keyring writes held. Call it before the vault is used.
func (v *Vault) OnStaleWrap(reload func(ctx context.Context) error) {
	v.stale.reload = reload
}

// WrapGeneration returns the generation new data keys are wrapped with.
func (v *Vault) WrapGeneration() uint32 { return v.wraps.Load().gen }

// SealWrapSecret seals the secret of generation gen of the wrapping key
// for a candor.WrapKeyring, under a key the master key derives for this
// use alone and bound to gen: whoever reads the keyring without the
// master key learns nothing of it.
func (v *Vault) SealWrapSecret(gen uint32, secret []byte) []byte {
	return seal(v.secrets, nil, secret, secretAAD(gen))
}

// OpenWrapSecret opens what SealWrapSecret sealed for gen. Errors: one
// saying it does not open (another master key, an altered record or the
// secret of another generation).
func (v *Vault) OpenWrapSecret(gen uint32, sealed []byte) ([]byte, error) {
	secret, err := open(v.secrets, sealed, secretAAD(gen))
	if err != nil || len(secret) != KeySize {
		return nil, fmt.Errorf("vault: the secret of wrapping key generation %d does not open: wrong master key or altered record", gen)
	}
	return secret, nil
}

func secretAAD(gen uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte("candor/v1/wrap-generation/"), gen)
}

// WrapAgain opens each of keys and wraps it again with the vault's
// current wrapping key (one step of a rotation kept in a
// candor.WrapKeyring, which stores them: RewrapSubjectKeys). The result
// has the same subjects in the same order, each with the generation it
// is now wrapped with. Errors: one naming a key that opens under no
// wrapping key the vault accepts.
func (v *Vault) WrapAgain(keys []candor.WrappedKey) ([]candor.WrappedKey, error) {
	out := make([]candor.WrappedKey, len(keys))
	w := v.wraps.Load()
	for i, k := range keys {
		sk, err := v.OpenSubjectKey(k.Subject, k.Wrapped)
		if err != nil {
			return nil, err
		}
		out[i] = candor.WrappedKey{Subject: k.Subject, Wrapped: seal(w.wrap, nil, sk.key[:], wrapAAD(k.Subject)), Generation: w.gen}
	}
	return out, nil
}
