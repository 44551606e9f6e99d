package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/storetest"
)

// TestStore runs the conformance suite; each store the suite opens is a
// schema of one fresh database, named after the suite's directory so that
// a reopen finds the same data.
func TestStore(t *testing.T) {
	db := pgtest.Database(t)
	storetest.RunWith(t, func(t *testing.T, dir string) candor.Store {
		h := sha256.Sum256([]byte(dir))
		s, err := postgres.Open(context.Background(), pgtest.Schema(t, db, "s_"+hex.EncodeToString(h[:8])), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
