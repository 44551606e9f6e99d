package population

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
)

// TestKeyCursor: over each part of a split, a cursor finds exactly the
// keys a lookup finds, with the same bytes, and ENOTFOUND for subjects
// with none, whether it reads one iteration or starts a new one every 64
// lookups; on the Pebble keyring, the in-memory one and PostgreSQL's
// (with CANDOR_TEST_POSTGRES; it reads keys in pages of 1,000).
func TestKeyCursor(t *testing.T) {
	pk, err := pebble.OpenKeyring(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pk.Close()
	keyrings := map[string]candor.Keyring{"pebble": pk, "memstore": memstore.NewKeyring()}
	if url := pgtest.DatabaseIfSet(t); url != "" {
		pg, err := postgres.OpenKeyring(context.Background(), url, "candor_keyring")
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		keyrings["postgres"] = pg
	}
	for name, kr := range keyrings {
		t.Run(name, func(t *testing.T) { testKeyCursor(t, kr) })
	}
}

func testKeyCursor(t *testing.T, kr candor.Keyring) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	var ids []candor.SubjectID
	var keys []candor.WrappedKey
	for i := range 3000 {
		var id candor.SubjectID
		for j := range id {
			id[j] = byte(r.Uint32())
		}
		if i < 3 { // the ends of the ID space and a part's boundary
			id = [...]candor.SubjectID{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x20}}[i]
		}
		ids = append(ids, id)
		if i%5 != 0 { // every fifth subject has no key
			keys = append(keys, candor.WrappedKey{Subject: id, Wrapped: []byte{byte(i), byte(i >> 8), 7}})
		}
	}
	if err := kr.PutSubjectKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ids, func(a, b candor.SubjectID) int { return slices.Compare(a[:], b[:]) })
	for _, refresh := range []int{0, 1} {
		for _, of := range []int{1, 8} {
			found := 0
			for i := range of {
				part := candor.Part{Index: i, Of: of}
				c := newKeyCursor(ctx, kr, part)
				if refresh == 1 {
					c.refresh = 0
				}
				lo, hi, last := part.Bounds()
				for _, id := range ids {
					if n := beUint64(id); n < lo || !last && n >= hi {
						continue
					}
					want, werr := kr.SubjectKey(ctx, id)
					got, err := c.find(id)
					if candor.ErrorCode(err) != candor.ErrorCode(werr) || string(got) != string(want) {
						t.Fatalf("part %d of %d, refresh %d: subject %s: %x, %v; a lookup finds %x, %v", i, of, refresh, id, got, err, want, werr)
					}
					if err == nil {
						found++
					} else if candor.ErrorCode(err) != candor.ENOTFOUND {
						t.Fatal(err)
					}
				}
				c.close()
			}
			if found != len(keys) {
				t.Errorf("split in %d, refresh %d: found %d keys, want %d", of, refresh, found, len(keys))
			}
		}
	}
}

func beUint64(id candor.SubjectID) uint64 {
	var n uint64
	for _, b := range id[:8] {
		n = n<<8 | uint64(b)
	}
	return n
}
