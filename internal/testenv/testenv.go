package testenv

import (
	"bytes"
	"context"
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
	Vault    *vault.Vault
	Cat      *candor.Catalogue
	Cards    []*scoring.Compiled
	Pipeline *ingest.Pipeline
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
	return newEnv(tb, st)
}

// NewInMemory is New on an empty in-memory store (memstore), for tests
// that need a store but no disk.
func NewInMemory(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, memstore.New())
}

// newEnv fills an Env around st, which its cleanup closes.
func newEnv(tb testing.TB, st candor.Store) *Env {
	tb.Helper()
	e := &Env{Now: Start, Cat: catalogue.Default(), Store: st}
	var err error
	if e.Vault, err = vault.New(bytes.Repeat([]byte{5}, vault.KeySize)); err != nil {
		tb.Fatal(err)
	}
	if e.Cards, err = scoring.Shipped(e.Cat); err != nil {
		tb.Fatal(err)
	}
	e.Pipeline = ingest.New(ingest.Options{Catalogue: e.Cat, Vault: e.Vault, Store: st, Matcher: scoring.NewMatcher(e.Cards), Now: e.Clock})
	tb.Cleanup(func() { e.Pipeline.Close(); st.Close() })
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
