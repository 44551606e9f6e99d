package testenv

import (
	"context"
	"os"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
)

// EnvStore names the store the delivery suites (httpapi, ui) run on:
// "postgres" for a fresh PostgreSQL database per test (on the server
// pgtest.EnvURL names), "memory" for a fresh in-memory store (memstore),
// "pebble" or nothing for Pebble in a temporary directory; any other value
// fails the test. .ci/run runs them on Pebble and PostgreSQL.
const EnvStore = "CANDOR_TEST_STORE"

// Store opens an empty store of the kind EnvStore names. It is not closed
// for the caller, which may need to close it after what uses it.
func Store(tb testing.TB) candor.Store {
	tb.Helper()
	switch os.Getenv(EnvStore) {
	case "postgres":
		if os.Getenv(pgtest.EnvURL) == "" {
			tb.Fatalf("%s=postgres needs %s, a PostgreSQL server's URL", EnvStore, pgtest.EnvURL)
		}
		st, err := postgres.Open(context.Background(), pgtest.Database(tb), postgres.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		return st
	case "memory":
		return memstore.New()
	case "", "pebble":
		st, err := pebble.Open(tb.TempDir(), pebble.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		return st
	default:
		tb.Fatalf("%s=%q: want postgres, memory or pebble", EnvStore, os.Getenv(EnvStore))
		return nil
	}
}

// Keyring opens an empty keyring of the kind EnvStore names: on
// PostgreSQL in a fresh database of its own, in memory, or on Pebble in a
// temporary directory apart from the store's. The test's cleanup closes it.
func Keyring(tb testing.TB) candor.Keyring {
	tb.Helper()
	var kr candor.Keyring
	switch os.Getenv(EnvStore) {
	case "postgres":
		k, err := postgres.OpenKeyring(context.Background(), pgtest.Database(tb), "")
		if err != nil {
			tb.Fatal(err)
		}
		kr = k
	case "memory":
		kr = memstore.NewKeyring()
	default:
		k, err := pebble.OpenKeyring(tb.TempDir(), pebble.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		kr = k
	}
	tb.Cleanup(func() { kr.Close() })
	return kr
}
