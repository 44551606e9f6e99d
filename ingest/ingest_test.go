package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/vault"
)

var testNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type env struct {
	cache   int // subject cache size; 0 for the default
	matcher ingest.Matcher
	dir     string
	store   *pebble.Store
	vault   *vault.Vault
	p       *ingest.Pipeline
	src     *candor.Source
}

func mustEnv(tb testing.TB) *env {
	tb.Helper()
	return mustEnvWith(tb, &env{})
}

// mustEnvWith sets e (its cache and matcher chosen by the caller) up and
// opens it.
func mustEnvWith(tb testing.TB, e *env) *env {
	tb.Helper()
	e.dir = tb.TempDir()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		tb.Fatal(err)
	}
	e.vault = v
	e.src = &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank,
		AllowedTypes: []string{"credit.instalment_late", "credit.instalment_paid", "court.money_judgment_entered", "tax.company_arrears_opened"}}
	e.open(tb)
	tb.Cleanup(func() { e.close(tb) })
	return e
}

func (e *env) open(tb testing.TB) { e.openWith(tb, func(*ingest.Options) {}) }

// openWith opens e with its options as set changes them.
func (e *env) openWith(tb testing.TB, set func(*ingest.Options)) {
	tb.Helper()
	st, err := pebble.Open(e.dir, pebble.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	e.store = st
	o := ingest.Options{Catalogue: catalogue.Default(), Vault: e.vault, Store: st, CacheSubjects: e.cache,
		Matcher: e.matcher, Now: func() time.Time { return testNow }}
	set(&o)
	e.p = ingest.New(o)
}

func (e *env) close(tb testing.TB) {
	if e.p == nil {
		return
	}
	e.p.Close()
	if err := e.store.Close(); err != nil {
		tb.Error(err)
	}
	e.p = nil
}

func (e *env) post(tb testing.TB, body string) (candor.IngestResult, error) {
	tb.Helper()
	inputs, problems, err := ingest.Decode([]byte(body), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		return candor.IngestResult{}, err
	}
	return e.p.Ingest(context.Background(), e.src, inputs, problems)
}

func late(id, nid string, days int) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2026-03-14T00:00:00Z","fields":{"days_late":%d,"amount":"120.50","currency":"EUR"}}`, id, nid, days)
}

// events reads back every event of the subject an identifier resolves to.
func (e *env) events(tb testing.TB, nid string) []*candor.Event {
	tb.Helper()
	key := e.key(tb, nid)
	if key == nil {
		return nil
	}
	out, err := key.ReadEvents(context.Background(), e.store)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// key returns the data key of the subject with national ID nid, or nil if
// there is none.
func (e *env) key(tb testing.TB, nid string) *vault.SubjectKey {
	tb.Helper()
	ctx := context.Background()
	id, err := e.store.SubjectByIndex(ctx, e.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid}))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	key, err := e.vault.SubjectKey(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func TestIngestAcceptsAndDedupes(t *testing.T) {
	e := mustEnv(t)
	res, err := e.post(t, late("a1", "AB1234567", 45)+"\n"+late("a2", "ab-123-4567", 60))
	if err != nil || res.Accepted != 2 || res.Duplicates != 0 || res.Commit == 0 {
		t.Fatalf("first post: %+v, %v", res, err)
	}
	evs := e.events(t, "AB1234567")
	if len(evs) != 2 || evs[0].Source != "bank7" || evs[0].Type != "credit.instalment_late" || evs[1].SourceEventID != "a2" {
		t.Fatalf("stored events: %+v", evs)
	}
	res2, err := e.post(t, late("a1", "AB1234567", 45)+"\n"+late("a3", "AB1234567", 90)+"\n"+late("a3", "AB1234567", 90))
	if err != nil || res2.Accepted != 1 || res2.Duplicates != 2 || res2.Commit <= res.Commit {
		t.Fatalf("second post: %+v, %v", res2, err)
	}
	// Restart: idempotency survives.
	e.close(t)
	e.open(t)
	res3, err := e.post(t, late("a2", "AB1234567", 60))
	if err != nil || res3.Accepted != 0 || res3.Duplicates != 1 {
		t.Fatalf("after restart: %+v, %v", res3, err)
	}
	if n := len(e.events(t, "AB1234567")); n != 3 {
		t.Fatalf("%d events stored, want 3", n)
	}
}

func TestIngestRefusesWhole(t *testing.T) {
	e := mustEnv(t)
	if _, err := e.post(t, late("s1", "AB1234567", 45)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		body  string
		code  string
		field string // field of the first problem
		index int
	}{
		{"conflict with stored", late("new1", "CD7654321", 10) + "\n" + late("s1", "AB1234567", 46), candor.EINVALID, "id", 1},
		{"conflict within request", late("new2", "CD7654321", 10) + "\n" + late("new2", "CD7654321", 11), candor.EINVALID, "id", 1},
		{"invalid field", late("new3", "CD7654321", 10) + "\n" + late("new4", "CD7654321", 0), candor.EINVALID, "fields.days_late", 1},
		{"not allowed for source", late("new5", "CD7654321", 10) + "\n" +
			`{"id":"c1","subject":{"kind":"person","scheme":"national_id","value":"CD7654321"},"type":"court.restriction_imposed","occurred_at":"2026-03-14T00:00:00Z","fields":{}}`,
			candor.EFORBIDDEN, "", 0},
		{"future", strings.Replace(late("new6", "CD7654321", 10), "2026-03-14", "2026-11-25", 1), candor.EINVALID, "occurred_at", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.post(t, tt.body)
			if candor.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if tt.code == candor.EFORBIDDEN && !strings.Contains(candor.ErrorMessage(err), "court.restriction_imposed") {
				t.Errorf("403 does not name the type: %v", err)
			}
			if ps := candor.ErrorDetails(err); tt.code == candor.EINVALID && (len(ps) == 0 || ps[0].Field != tt.field || ps[0].Index != tt.index) {
				t.Errorf("problems %+v, want the first at index %d field %s", ps, tt.index, tt.field)
			}
			if evs := e.events(t, "CD7654321"); len(evs) != 0 {
				t.Fatalf("a refused request stored %d events", len(evs))
			}
		})
	}
	if n := len(e.events(t, "AB1234567")); n != 1 {
		t.Fatalf("%d events for AB1234567, want 1", n)
	}
}

func TestIngestSubjectKindIsFixed(t *testing.T) {
	e := mustEnv(t)
	org := `{"id":"o1","subject":{"kind":"organisation","scheme":"tax_number","value":"1234567891"},"type":"tax.company_arrears_opened","occurred_at":"2026-03-14T00:00:00Z","fields":{"reference":"R1","amount":"10","currency":"EUR"}}`
	if _, err := e.post(t, org); err != nil {
		t.Fatal(err)
	}
	person := `{"id":"p1","subject":{"kind":"person","scheme":"tax_number","value":"1234567891"},"type":"court.money_judgment_entered","occurred_at":"2026-03-14T00:00:00Z","fields":{"case_ref":"K1","amount":"10","currency":"EUR"}}`
	_, err := e.post(t, person)
	if ps := candor.ErrorDetails(err); len(ps) != 1 || ps[0].Field != "subject.kind" {
		t.Fatalf("got %v, want a subject.kind problem", err)
	}
}

func TestIngestConcurrentNewSubject(t *testing.T) {
	e := mustEnv(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for i := range 50 {
				fmt.Fprintln(&b, late(fmt.Sprintf("g%d-%d", g, i), "EF1111111", 1+i))
			}
			if _, err := e.post(t, b.String()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(e.events(t, "EF1111111")); n != 16*50 {
		t.Fatalf("%d events under the subject, want %d (a subject was created twice?)", n, 16*50)
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	e := mustEnv(t)
	const nid, caseRef = "ZQ9876543", "CASE-QUOKKA-4471"
	body := fmt.Sprintf(`{"id":"j1","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"court.money_judgment_entered","occurred_at":"2026-03-14T00:00:00Z","fields":{"case_ref":%q,"amount":"987654.32","currency":"EUR"}}`, nid, caseRef)
	if res, err := e.post(t, body); err != nil || res.Accepted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if evs := e.events(t, nid); len(evs) != 1 || evs[0].Fields[0].Value.String() != "…4471" || evs[0].Fields[1].Value.String() != "987654.32" {
		t.Fatalf("event did not round-trip: %+v", evs)
	}
	e.close(t) // flush memtables and WAL to files
	files := 0
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, secret := range []string{nid, caseRef, "987654.32", "bank7"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %q in plaintext", path, secret)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walked %d files: %v", files, err)
	}
}

// TestCloseUnderLoad closes the pipeline while many requests are in flight:
// every request is answered, and what was acknowledged is stored.
func TestCloseUnderLoad(t *testing.T) {
	e := mustEnv(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				var b strings.Builder
				for j := range 100 {
					fmt.Fprintln(&b, late(fmt.Sprintf("c%d-%d-%d", g, i, j), fmt.Sprintf("GH%07d", j), 5))
				}
				_, err := e.post(t, b.String())
				if candor.ErrorCode(err) == candor.EUNAVAILABLE {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked += 100
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	e.p.Close()
	wg.Wait()
	total := 0
	for j := range 100 {
		total += len(e.events(t, fmt.Sprintf("GH%07d", j)))
	}
	if acked == 0 || total != acked {
		t.Fatalf("%d events acknowledged, %d stored", acked, total)
	}
}

// TestIngestResolvesFromStore runs with a one-entry subject cache, so that
// nearly every event's subject is read back from the store, across
// restarts: every subject keeps exactly one profile.
func TestIngestResolvesFromStore(t *testing.T) {
	e := mustEnvWith(t, &env{cache: 1})
	for round := range 3 {
		var b strings.Builder
		for i := range 40 {
			fmt.Fprintln(&b, late(fmt.Sprintf("r%d-%d", round, i), fmt.Sprintf("JK%07d", i%20), 1+round))
		}
		if res, err := e.post(t, b.String()); err != nil || res.Accepted != 40 {
			t.Fatalf("round %d: %+v %v", round, res, err)
		}
		e.close(t)
		e.open(t)
	}
	for i := range 20 {
		if n := len(e.events(t, fmt.Sprintf("JK%07d", i))); n != 6 {
			t.Fatalf("subject %d has %d events, want 6", i, n)
		}
	}
}
