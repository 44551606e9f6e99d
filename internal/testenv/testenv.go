package testenv

import (
	"bytes"
	"context"
	"github.com/candor-project/candor/identity"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/vault"
)

// Env is the store and what fills it. Now is the clock: Clock reads it.
type Env struct {
	Now      time.Time
	Store    candor.Store
	Keyring  candor.Keyring
	Vault    *vault.Vault
	Cat      *candor.Catalogue
	Cards    []*scoring.Compiled
	Pipeline *ingest.Pipeline
	// Links is the identity service the pipeline takes link facts with.
	Links *identity.Service
}

// Start is where the clock starts.
var Start = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// New opens an empty Pebble store in a temporary directory; the test's
// cleanup closes it.
func New(tb testing.TB) *Env {
	tb.Helper()
	st, err := pebble.Open(tb.TempDir(), pebble.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	kr, err := pebble.OpenKeyring(tb.TempDir(), pebble.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return newEnv(tb, st, kr)
}

// NewInMemory is New on an empty in-memory store (memstore), for tests
// that need a store but no disk.
func NewInMemory(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, memstore.New(), memstore.NewKeyring())
}

// newEnv fills an Env around st and kr, which its cleanup closes.
func newEnv(tb testing.TB, st candor.Store, kr candor.Keyring) *Env {
	tb.Helper()
	e := &Env{Now: Start, Cat: catalogue.Default(), Store: st, Keyring: kr}
	var err error
	if e.Vault, err = vault.New(bytes.Repeat([]byte{5}, vault.KeySize), kr); err != nil {
		tb.Fatal(err)
	}
	if e.Cards, err = scoring.Shipped(e.Cat); err != nil {
		tb.Fatal(err)
	}
	e.Links = identity.New(identity.Config{Store: st, Vault: e.Vault, Now: e.Clock})
	e.Pipeline = ingest.New(ingest.Options{Catalogue: e.Cat, Vault: e.Vault, Store: st, Matcher: scoring.NewMatcher(e.Cards), Now: e.Clock, Links: e.Links})
	tb.Cleanup(func() { e.Pipeline.Close(); st.Close(); kr.Close() })
	return e
}

// Clock returns Now.
func (e *Env) Clock() time.Time { return e.Now }

// Post ingests NDJSON lines as src, and fails the test if anything is
// refused.
func (e *Env) Post(tb testing.TB, src *candor.Source, lines ...string) {
	tb.Helper()
	inputs, problems, err := ingest.Decode([]byte(strings.Join(lines, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil || len(problems) > 0 {
		tb.Fatal(err, problems)
	}
	if _, err := e.Pipeline.Ingest(context.Background(), src, inputs, nil); err != nil {
		tb.Fatal(err)
	}
}

// Person returns the ID of the stored person with national ID nid.
func (e *Env) Person(tb testing.TB, nid string) candor.SubjectID {
	tb.Helper()
	id, err := e.Store.SubjectByIndex(context.Background(), e.Vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid}))
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// NextVersion compiles version 2 of the shipped scorecard id, the same
// but for a base 100 points lower: every subject scores 100 points fewer
// under it than under version 1.
func NextVersion(tb testing.TB, cat *candor.Catalogue, id string) *scoring.Compiled {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "scoring", "scorecards", id+".yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	base := regexp.MustCompile(`\nbase: (-?\d+)\n`).FindSubmatch(src)
	if base == nil || !bytes.Contains(src, []byte("\nversion: 1\n")) {
		tb.Fatalf("%s: no version 1 with a base", id)
	}
	b, _ := strconv.Atoi(string(base[1]))
	src = bytes.Replace(src, []byte("\nversion: 1\n"), []byte("\nversion: 2\n"), 1)
	src = bytes.Replace(src, base[0], []byte("\nbase: "+strconv.Itoa(b-100)+"\n"), 1)
	c, err := scoring.Load(id+"-v2.yaml", src, cat)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// MatchAlso makes the events posted from now on matched with cards too,
// besides Cards, as a version is materialised before it is activated.
func (e *Env) MatchAlso(tb testing.TB, cards ...*scoring.Compiled) {
	tb.Helper()
	e.Pipeline.Close()
	e.Pipeline = ingest.New(ingest.Options{Catalogue: e.Cat, Vault: e.Vault, Store: e.Store,
		Matcher: scoring.NewMatcher(append(slices.Clone(e.Cards), cards...)), Now: e.Clock, Links: e.Links})
}
