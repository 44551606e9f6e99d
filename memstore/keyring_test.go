package memstore_test

import (
	"sync"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/storetest"
)

// TestKeyring runs the keyring's conformance suite, reopening by
// directory as TestStore does.
func TestKeyring(t *testing.T) {
	var (
		mu    sync.Mutex
		rings = map[string]*memstore.Keyring{}
	)
	storetest.RunKeyring(t, func(t *testing.T, dir string) candor.Keyring {
		mu.Lock()
		defer mu.Unlock()
		k, ok := rings[dir]
		if ok {
			k = k.Reopen()
		} else {
			k = memstore.NewKeyring()
		}
		rings[dir] = k
		return k
	})
}
