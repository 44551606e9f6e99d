package audit_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cpebble "github.com/cockroachdb/pebble/v2"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/admins"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/stats"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

// installation is a store and its log, filled through the real write
// path: ingested events with matches, matches of a scorecard version
// materialised later, and access records.
type installation struct {
	dir   string
	vault *vault.Vault
	cards []*scoring.Compiled
	store *pebble.Store
	log   *tlog.Log
}

func (in *installation) storeDir() string { return filepath.Join(in.dir, "data") }
func (in *installation) logDir() string   { return filepath.Join(in.dir, "log") }

func (in *installation) open(tb testing.TB) {
	tb.Helper()
	in.store = mustStore(tb, in.storeDir())
	in.log = mustLog(tb, in.logDir())
}

func (in *installation) close(tb testing.TB) {
	tb.Helper()
	if in.log != nil {
		if err := in.log.Close(); err != nil {
			tb.Error(err)
		}
		in.log = nil
	}
	if in.store != nil {
		if err := in.store.Close(); err != nil {
			tb.Error(err)
		}
		in.store = nil
	}
}

func lateEvent(id, nid string, month int) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2026-%02d-14T00:00:00Z","fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}`, id, nid, month)
}

// emptyInstallation opens an empty store and log, with the shipped
// scorecards.
func emptyInstallation(tb testing.TB) *installation {
	tb.Helper()
	cards, err := scoring.Shipped(catalogue.Default())
	if err != nil {
		tb.Fatal(err)
	}
	in := &installation{dir: tb.TempDir(), vault: testVault(tb), cards: cards}
	in.open(tb)
	tb.Cleanup(func() { in.close(tb) })
	return in
}

func testVault(tb testing.TB) *vault.Vault {
	tb.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// keys returns the keys of the installation's scorecards.
func (in *installation) keys() []candor.ScorecardKey {
	var keys []candor.ScorecardKey
	for _, c := range in.cards {
		keys = append(keys, c.Key())
	}
	return keys
}

// ingest posts n late payments of subjects persons through a pipeline with
// opts (the catalogue, vault and store set here).
func (in *installation) ingest(tb testing.TB, opts ingest.Options, n, persons int) {
	tb.Helper()
	opts.Catalogue, opts.Vault, opts.Store = catalogue.Default(), in.vault, in.store
	p := ingest.New(opts)
	defer p.Close()
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	var body []string
	for i := range n {
		body = append(body, lateEvent(fmt.Sprint("e", i), fmt.Sprintf("AB%07d", i%persons), 1+i%9))
	}
	inputs, problems, err := ingest.Decode([]byte(strings.Join(body, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.Ingest(ctx, src, inputs, problems); err != nil {
		tb.Fatal(err)
	}
}

func mustInstallation(tb testing.TB) *installation {
	tb.Helper()
	in := emptyInstallation(tb)
	v, cards := in.vault, in.cards

	// Ingest with every scorecard but the last active.
	in.ingest(tb, ingest.Options{Matcher: scoring.NewMatcher(cards[:len(cards)-1])}, 12, 3)

	// Materialise the last version on its own, and read each subject once.
	last := cards[len(cards)-1]
	al := audit.NewAccessLog(in.store, v, nil)
	defer al.Close()
	for se, err := range in.store.Population(ctx, candor.Part{}) {
		if err != nil {
			tb.Fatal(err)
		}
		key, err := v.SubjectKey(ctx, se.Subject.ID)
		if err != nil {
			tb.Fatal(err)
		}
		evs, err := key.OpenEvents(se.Events)
		if err != nil {
			tb.Fatal(err)
		}
		if last.Scorecard().SubjectKind == se.Subject.Kind {
			ms := key.SealMatches(last.Matches(evs))
			salt := key.Salt()
			if _, err := in.store.Commit(ctx, &candor.WriteBatch{Matches: ms,
				Commitments: func(b *candor.WriteBatch, _ uint64) (w, _ []candor.Commitment) {
					for _, m := range b.Matches {
						w = append(w, candor.MatchCommitment(salt, m))
					}
					return w, nil
				}}); err != nil {
				tb.Fatal(err)
			}
		}
		if err := al.RecordWith(ctx, key, &candor.Access{Subject: se.Subject.ID, At: time.Now(), Principal: "op1",
			Role: candor.RoleOperator, Purpose: "test", Action: "GET /v1/subjects/{id}"}, nil); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := audit.NewAppender(in.store, in.log, nil, 0).Recover(ctx); err != nil {
		tb.Fatal(err)
	}
	return in
}

func (in *installation) verify(tb testing.TB, old []byte) *audit.Report {
	tb.Helper()
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: in.store, Vault: in.vault, Log: in.log, Cards: in.keys(), OldCheckpoint: old})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func (in *installation) checkpoint(tb testing.TB) []byte {
	tb.Helper()
	raw, err := in.log.WaitCheckpoint(ctx, mustMark(tb, in.store).Size)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func mustMark(tb testing.TB, s candor.AuditStore) candor.AuditMark {
	tb.Helper()
	m, err := s.AuditMark(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// tamper closes the installation, changes its store with Pebble directly
// and opens it again.
func (in *installation) tamper(tb testing.TB, table byte, fn func(b *cpebble.Batch, k, v []byte) bool) {
	tb.Helper()
	in.close(tb)
	db, err := cpebble.Open(in.storeDir(), &cpebble.Options{Logger: quietPebble{}})
	if err != nil {
		tb.Fatal(err)
	}
	it, err := db.NewIter(&cpebble.IterOptions{LowerBound: []byte{table}, UpperBound: []byte{table + 1}})
	if err != nil {
		tb.Fatal(err)
	}
	b := db.NewBatch()
	done := false
	for ok := it.First(); ok && !done; ok = it.Next() {
		done = fn(b, bytes.Clone(it.Key()), bytes.Clone(it.Value()))
	}
	if !done {
		tb.Fatalf("nothing to tamper with in table %#x", table)
	}
	if err := it.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := b.Commit(cpebble.Sync); err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	in.open(tb)
}

// Tables of the store's key layout (pebble/keys.go, pebble/audit.go).
const (
	tableEvent  = 0x04
	tableMatch  = 0x08
	tableAccess = 0x0c
)

func wantProblem(tb testing.TB, r *audit.Report, substr string) {
	tb.Helper()
	if r.OK() {
		tb.Fatalf("verify found nothing wrong: %+v", r)
	}
	for _, p := range r.Problems {
		if strings.Contains(p, substr) {
			tb.Logf("found: %q", r.Problems)
			return
		}
	}
	tb.Fatalf("no problem mentions %q: %q", substr, r.Problems)
}

func TestVerify(t *testing.T) {
	in := mustInstallation(t)
	old := in.checkpoint(t)
	r := in.verify(t, old)
	if !r.OK() || !r.Consistent {
		t.Fatalf("an untouched installation: %+v", r)
	}
	if r.Events != 12 || r.AccessRecords != 3 || r.Matches == 0 || r.Pending != 0 {
		t.Fatalf("verified %+v, want 12 events, 3 access records, some matches, nothing pending", r)
	}
	standalone := false
	for m, err := range in.store.Matches(ctx, r0Subject(t, in), in.cards[len(in.cards)-1].Key()) {
		if err != nil {
			t.Fatal(err)
		}
		standalone = standalone || m != nil
	}
	if !standalone {
		t.Fatal("no match materialised on its own; the test proves less than it says")
	}

	t.Run("FlippedEventByte", func(t *testing.T) {
		in := mustInstallation(t)
		in.tamper(t, tableEvent, func(b *cpebble.Batch, k, v []byte) bool {
			v[len(v)-1] ^= 1
			b.Set(k, v, nil)
			return true
		})
		wantProblem(t, in.verify(t, nil), "altered")
	})
	t.Run("DeletedEvent", func(t *testing.T) {
		in := mustInstallation(t)
		in.tamper(t, tableEvent, func(b *cpebble.Batch, k, v []byte) bool {
			b.Delete(k, nil)
			return true
		})
		wantProblem(t, in.verify(t, nil), "deleted")
	})
	t.Run("AlteredMatch", func(t *testing.T) {
		in := mustInstallation(t)
		in.tamper(t, tableMatch, func(b *cpebble.Batch, k, v []byte) bool {
			v[1] = byte(candor.StateActive) + 1 // another state: the score changes
			b.Set(k, v, nil)
			return true
		})
		wantProblem(t, in.verify(t, nil), "altered")
	})
	t.Run("AlteredStandaloneMatch", func(t *testing.T) {
		in := mustInstallation(t)
		last := in.cards[len(in.cards)-1].Key()
		in.tamper(t, tableMatch, func(b *cpebble.Batch, k, v []byte) bool {
			if candor.ScorecardKey(beUint64(k[17:25])) != last {
				return false
			}
			v[len(v)-1] ^= 1
			b.Set(k, v, nil)
			return true
		})
		wantProblem(t, in.verify(t, nil), "altered")
	})
	t.Run("DroppedAccessRecord", func(t *testing.T) {
		in := mustInstallation(t)
		in.tamper(t, tableAccess, func(b *cpebble.Batch, k, v []byte) bool {
			b.Delete(k, nil)
			return true
		})
		wantProblem(t, in.verify(t, nil), "deleted")
	})
	t.Run("LogRewritten", func(t *testing.T) {
		in := mustInstallation(t)
		old := in.checkpoint(t)
		// Someone with the signing key rebuilds the log from the store's
		// entries, in another order, and re-marks the store.
		in.log.Close()
		in.log = nil
		if err := os.RemoveAll(in.logDir()); err != nil {
			t.Fatal(err)
		}
		in.log = mustLog(t, in.logDir())
		var all []tlog.Bundle
		for e, err := range in.store.AuditEntries(ctx, 0) {
			if err != nil {
				t.Fatal(err)
			}
			all = append(audit.Bundles(e), all...)
		}
		if _, err := in.log.AppendAll(ctx, all); err != nil {
			t.Fatal(err)
		}
		if _, err := in.log.WaitCheckpoint(ctx, uint64(len(all))); err != nil {
			t.Fatal(err)
		}
		r := in.verify(t, old)
		wantProblem(t, r, "rewritten")
		if r.Consistent {
			t.Fatal("a rewritten log reported consistent")
		}
	})
}

func beUint64(b []byte) uint64 {
	var n uint64
	for _, c := range b[:8] {
		n = n<<8 | uint64(c)
	}
	return n
}

// r0Subject returns some subject of the installation.
func r0Subject(tb testing.TB, in *installation) candor.SubjectID {
	tb.Helper()
	for se, err := range in.store.Population(ctx, candor.Part{}) {
		if err != nil {
			tb.Fatal(err)
		}
		return se.Subject.ID
	}
	tb.Fatal("no subject")
	return candor.SubjectID{}
}

// TestVerifyPrivacySpends: the privacy-budget ledger's entries are
// accounted for by their commitments, and one altered behind the log's
// back (ε made smaller, to hide a spend) is reported.
func TestVerifyPrivacySpends(t *testing.T) {
	in := emptyInstallation(t)
	l := stats.NewLedger(in.store, nil)
	limit := candor.PrivacyBudget{Epsilon: candor.MicroEpsilon}
	for range 2 {
		if _, err := l.Spend(ctx, "analyst/k1", "arrears?kind=person", candor.MicroEpsilon/4, 0, limit); err != nil {
			t.Fatal(err)
		}
	}
	if r := in.verify(t, nil); !r.OK() || r.PrivacySpends != 2 {
		t.Fatalf("two spends: %+v", r)
	}
	id := candor.PrivacySpendID("analyst/k1", 2)
	rec, err := in.store.Record(ctx, candor.RecordPrivacySpend, id)
	if err != nil {
		t.Fatal(err)
	}
	var p candor.PrivacySpend
	if err := p.UnmarshalBinary(rec.Data); err != nil {
		t.Fatal(err)
	}
	p.Epsilon = 1
	altered := *rec
	if altered.Data, err = p.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if err := in.store.PutRecord(ctx, &altered); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, in.verify(t, nil), "privacy ledger entry "+id+": no recorded commitment")
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)              {}
func (quietPebble) Errorf(string, ...any)             {}
func (quietPebble) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// TestVerifyAdminActs: administrative acts are accounted for by their
// commitments, and an act removed or altered behind the log's back is
// reported.
func TestVerifyAdminActs(t *testing.T) {
	in := emptyInstallation(t)
	acts := admins.New(in.store, in.vault, nil)
	for _, name := range []string{"alice", "bob"} {
		if _, _, _, err := acts.Mint(ctx, nil, name); err != nil {
			t.Fatal(err)
		}
	}
	if r := in.verify(t, nil); !r.OK() || r.AdminActs != 2 {
		t.Fatalf("two acts: %+v", r)
	}
	rec, err := in.store.Record(ctx, candor.RecordAdminAct, candor.AdminActID(2))
	if err != nil {
		t.Fatal(err)
	}
	altered := *rec
	altered.Data = bytes.Replace(rec.Data, []byte("bob"), []byte("eve"), 1)
	if err := in.store.PutRecord(ctx, &altered); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, in.verify(t, nil), "administrative act "+candor.AdminActID(2)+": no recorded commitment")
	if err := in.store.DeleteRecord(ctx, candor.RecordAdminAct, candor.AdminActID(2)); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, in.verify(t, nil), "1 recorded commitments belong to nothing")
}

// TestVerifyIncompleteMatches: with the versions whose matches must be
// complete given, verify finds a subject whose events were stored
// without their matches with one of them (a version served before all
// its matches were stored), and nothing in a store where they are whole.
func TestVerifyIncompleteMatches(t *testing.T) {
	in := mustInstallation(t)
	defer in.close(t)
	complete := make([]audit.CompleteCard, len(in.cards))
	for i, c := range in.cards {
		complete[i] = c
	}
	check := func() *audit.Report {
		r, err := audit.Verify(ctx, audit.VerifyConfig{Store: in.store, Vault: in.vault, Log: in.log, Cards: in.keys(), Complete: complete})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check(); !r.OK() {
		t.Fatalf("a store with every match: %q", r.Problems)
	}
	// More events, matched without the last version.
	p := ingest.New(ingest.Options{Catalogue: catalogue.Default(), Vault: in.vault, Store: in.store, Matcher: scoring.NewMatcher(in.cards[:len(in.cards)-1])})
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	inputs, problems, err := ingest.Decode([]byte(lateEvent("later", "AB0000001", 10)), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ingest(ctx, src, inputs, problems); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := audit.NewAppender(in.store, in.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, check(), "matches are not complete")
}
