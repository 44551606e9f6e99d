package erasure_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/disputes"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

var ctx = context.Background()

// The people of the test and what is known about them.
const (
	aliceID      = "ZQ7319462"      // only consent-based facts: erased whole
	aliceAccount = "ACCT-ZX9Q-7731" // a field value of one of her facts
	bobID        = "XW5550123"      // also under a court order: erased in part
)

// env is an installation filled through the real write path, with the
// transparency log.
type env struct {
	dir   string
	store *pebble.Store
	kr    *pebble.Keyring
	log   *tlog.Log
	vault *vault.Vault
	cat   *candor.Catalogue
	cards []*scoring.Compiled
	p     *ingest.Pipeline
	svc   *erasure.Service
}

func (e *env) dataDir() string    { return filepath.Join(e.dir, "data") }
func (e *env) keyringDir() string { return filepath.Join(e.dir, "data.keyring") }
func (e *env) logDir() string     { return filepath.Join(e.dataDir(), "log") } // where candor serve keeps it

func mustEnv(t *testing.T) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), cat: catalogue.Default()}
	var err error
	if e.store, err = pebble.Open(e.dataDir(), pebble.Options{}); err != nil {
		t.Fatal(err)
	}
	if e.log, err = tlog.Open(e.logDir(), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if e.kr, err = pebble.OpenKeyring(e.keyringDir(), pebble.Options{}); err != nil {
		t.Fatal(err)
	}
	e.vault, _ = vault.New(bytes.Repeat([]byte{5}, vault.KeySize), e.kr)
	if e.cards, err = scoring.Shipped(e.cat); err != nil {
		t.Fatal(err)
	}
	e.p = ingest.New(ingest.Options{Catalogue: e.cat, Vault: e.vault, Store: e.store, Matcher: scoring.NewMatcher(e.cards)})
	e.svc = erasure.New(erasure.Config{Store: e.store, Vault: e.vault, Catalogue: e.cat})
	t.Cleanup(func() {
		e.p.Close()
		e.log.Close()
		e.store.Close() // a second Close (after the test's) only returns an error
		e.kr.Close()
	})

	// Alice and Bob with late instalments, Bob with a court order too,
	// and twenty others, so that the store is not only theirs.
	var lines []string
	late := func(id, nid, account string) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2026-03-14T00:00:00Z","fields":{"account":%q,"days_late":45,"amount":"120.50","currency":"EUR"}}`, id, nid, account)
	}
	lines = append(lines, late("a1", aliceID, aliceAccount), late("a2", aliceID, aliceAccount+"B"), late("b1", bobID, "ACCT-BOB"))
	lines = append(lines, fmt.Sprintf(`{"id":"b2","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"court.restriction_imposed","occurred_at":"2026-04-01T00:00:00Z","fields":{"order_ref":"ORD-1","court":"District Court","legal_basis":"Insolvency Act s.11","restriction":"company_director","expires_on":"2030-01-01","appeal_route":"Court of Appeal"}}`, bobID))
	for i := range 20 {
		lines = append(lines, late(fmt.Sprint("o", i), fmt.Sprintf("OT%07d", i), fmt.Sprint("ACCT-", i)))
	}
	e.ingest(t, lines...)
	return e
}

func (e *env) ingest(t *testing.T, lines ...string) {
	t.Helper()
	// One source posts everything, so it is a court: only courts may post
	// court orders (charter point 9).
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceCourt,
		AllowedTypes: []string{"credit.instalment_late", "court.restriction_imposed"}}
	inputs, problems, err := ingest.Decode([]byte(strings.Join(lines, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Ingest(ctx, src, inputs, problems); err != nil {
		t.Fatal(err)
	}
}

func (e *env) subject(t *testing.T, nid string) candor.SubjectID {
	t.Helper()
	id, err := e.store.SubjectByIndex(ctx, e.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: nid}))
	if err != nil {
		t.Fatalf("subject %s: %v", nid, err)
	}
	return id
}

// facts opens a subject's key and reads its facts.
func (e *env) facts(t *testing.T, sub candor.SubjectID) (*vault.SubjectKey, []*candor.Event) {
	t.Helper()
	key, err := e.vault.StoredKey(ctx, e.store, sub)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := key.ReadEvents(ctx, e.store)
	if err != nil {
		t.Fatal(err)
	}
	return key, evs
}

// verify logs what was recorded and checks the store against the log.
func (e *env) verify(t *testing.T) {
	t.Helper()
	if _, err := audit.NewAppender(e.store, e.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []candor.ScorecardKey
	for _, c := range e.cards {
		keys = append(keys, c.Key())
	}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: e.store, Vault: e.vault, Log: e.log, Cards: keys})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("audit verify: %q", r.Problems)
	}
}

// TestEraseWhole erases a person with only consent-based facts, then
// looks for her in every file of the data dir (the transparency log's
// included) and finds nothing: not her identifier or a field value (never
// stored in the clear), and, what makes the test mean something, not the
// bytes that were there before — her blind index, a sealed event — and no
// file of the keyring holds her wrapped data key, which the data dir never
// held. The log's directory holds only salted commitments: her
// subject ID is not in it.
func TestEraseWhole(t *testing.T) {
	e := mustEnv(t)
	alice := e.subject(t, aliceID)
	wrapped, err := e.kr.SubjectKey(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	bi := e.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: aliceID})
	var sealed []byte
	for ev, err := range e.store.Events(ctx, alice, candor.EventFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		sealed = bytes.Clone(ev.Sealed)
		break
	}
	// A read of hers, so that there is one to erase.
	al := audit.NewAccessLog(e.store, e.vault, nil)
	if err := al.Record(ctx, &candor.Access{Subject: alice, At: time.Now(), Principal: "op1", Role: candor.RoleOperator, Purpose: "test", Action: "GET /v1/subjects/{id}"}); err != nil {
		t.Fatal(err)
	}
	al.Close()
	e.verify(t)

	// Keys sit in sstables as a shared prefix and a suffix: look for the
	// blind index's last 24 bytes, which no other key shares.
	secrets := map[string][]byte{"blind index": bi[8:], "sealed event": sealed}
	clear := map[string][]byte{"identifier": []byte(aliceID), "field value": []byte(aliceAccount)}
	if err := e.store.Compact(ctx); err != nil { // in sstables, so that no value is split across WAL blocks
		t.Fatal(err)
	}
	for what, b := range secrets {
		if found := filesHolding(t, e.dataDir(), b); len(found) == 0 {
			t.Fatalf("before erasure, the %s is in no file of the data dir: this test would prove nothing", what)
		}
	}
	for what, b := range clear {
		if found := filesHolding(t, e.dataDir(), b); len(found) > 0 {
			t.Fatalf("the %s is stored in the clear, in %v", what, found)
		}
	}
	// Her wrapped data key is in the keyring, never in the data dir.
	if found := filesHolding(t, e.dataDir(), wrapped); len(found) > 0 {
		t.Fatalf("the data dir holds her wrapped data key, in %v", found)
	}
	if found := filesHolding(t, e.keyringDir(), wrapped); len(found) == 0 {
		t.Fatal("before erasure, her wrapped data key is in no file of the keyring: this test would prove nothing")
	}

	plan, err := e.svc.Plan(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Whole || len(plan.Keep) != 0 || len(plan.Erase) != 1 || plan.Erase[0].Category != "credit" || plan.Erase[0].Facts != 2 || plan.Done {
		t.Fatalf("plan: %+v, want 2 credit facts erased, nothing kept", plan)
	}
	done, err := e.svc.Erase(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if !done.Done || !done.Whole {
		t.Fatalf("erase: %+v", done)
	}
	if _, err := e.store.Subject(ctx, alice); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("erased subject: %v, want ENOTFOUND", err)
	}
	if _, err := e.store.SubjectByIndex(ctx, bi); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("erased subject's blind index: %v, want ENOTFOUND", err)
	}
	if _, err := e.svc.Plan(ctx, alice); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("plan after erasure: %v, want ENOTFOUND", err)
	}
	// The keyring's files no longer hold her key as soon as Erase returns.
	if found := filesHolding(t, e.keyringDir(), wrapped); len(found) > 0 {
		t.Errorf("after erasure, her wrapped data key is still in the keyring's %v", found)
	}
	if _, err := e.kr.SubjectKey(ctx, alice); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("her key after erasure: %v, want ENOTFOUND", err)
	}
	e.verify(t)

	// Compacted and closed (Pebble removes obsolete files by then),
	// nothing of hers is left in any file.
	if err := e.store.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	e.p.Close()
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	for what, b := range secrets {
		if found := filesHolding(t, e.dataDir(), b); len(found) > 0 {
			t.Errorf("after erasure and compaction, the %s is still in %v", what, found)
		}
	}
	for what, b := range clear {
		if found := filesHolding(t, e.dataDir(), b); len(found) > 0 {
			t.Errorf("after erasure, the %s is in %v", what, found)
		}
	}
	for what, b := range map[string][]byte{"subject ID": alice[:], "identifier": []byte(aliceID), "subject ID in hex": []byte(alice.String())} {
		if found := filesHolding(t, e.logDir(), b); len(found) > 0 {
			t.Errorf("the transparency log holds the %s, in %v", what, found)
		}
	}
}

// TestErasedSubjectIsForgotten: after an erasure the write path holds
// nothing of the subject; a new fact about the identifier makes a new
// subject, not one under the erased ID and key.
func TestErasedSubjectIsForgotten(t *testing.T) {
	e := mustEnv(t)
	alice := e.subject(t, aliceID)
	if _, err := e.svc.Erase(ctx, alice); err != nil {
		t.Fatal(err)
	}
	e.ingest(t, fmt.Sprintf(`{"id":"a3","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2026-05-14T00:00:00Z","fields":{"days_late":5,"amount":"1","currency":"EUR"}}`, aliceID))
	if again := e.subject(t, aliceID); again == alice {
		t.Fatal("a fact posted after the erasure was stored under the erased subject")
	}
	e.verify(t)
}

// filesHolding returns the files under dir that contain b.
func filesHolding(t *testing.T, dir string, b []byte) []string {
	t.Helper()
	var found []string
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if bytes.Contains(data, b) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no files under %s", dir)
	}
	return found
}

// TestErasePartly erases a person who is also under a court order: the
// order stays, with the reason, and the subject, its key and the
// order's access records with it; the consent-based facts, consents and
// decisions go.
func TestErasePartly(t *testing.T) {
	e := mustEnv(t)
	bob := e.subject(t, bobID)
	// Bob disputes both facts: the dispute of the credit fact goes with
	// it, that of the court order stays open.
	key, evs := e.facts(t, bob)
	al := audit.NewAccessLog(e.store, e.vault, nil)
	if err := al.Record(ctx, &candor.Access{Subject: bob, At: time.Now(), Principal: "op1", Role: candor.RoleOperator, Purpose: "test", Action: "GET /v1/subjects/{id}"}); err != nil {
		t.Fatal(err)
	}
	al.Close()
	disp := disputes.New(e.store, e.vault, e.cat, nil)
	for _, ev := range evs {
		if _, err := disp.Open(ctx, bob, ev.ID, "This is not mine."); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*candor.Record{
		key.SealRecord(candor.RecordConsent, "c1", []byte(`{}`)),
		key.SealRecord(candor.RecordDecision, "d1", []byte(`{}`)),
		key.SealRecord(candor.RecordOptOut, "o1", []byte(`{}`)),
	} {
		if err := e.store.PutRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := e.svc.Plan(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	want := erasure.ReasonLegalObligation + candor.CategoryCourtOrder.Policy().Statement
	until := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Add(e.cat.Type("court.restriction_imposed").Retention)
	if plan.Whole || len(plan.Keep) != 1 || plan.Keep[0].Category != "court_order" || plan.Keep[0].Reason != want ||
		!plan.Keep[0].KeptUntil.Equal(until) ||
		len(plan.Erase) != 1 || plan.Erase[0].Category != "credit" {
		t.Fatalf("plan: %+v", plan)
	}
	if fmt.Sprint(plan.EraseRecord) != "[{consents 1 } {decisions 1 } {disputes 1 }]" || len(plan.KeepRecord) != 3 ||
		plan.KeepRecord[0].Kind != "opt-outs" || plan.KeepRecord[1].Kind != "disputes" || plan.KeepRecord[2].Kind != "access records" {
		t.Fatalf("records: erase %v, keep %v", plan.EraseRecord, plan.KeepRecord)
	}
	if _, err := e.svc.Erase(ctx, bob); err != nil {
		t.Fatal(err)
	}
	evs, err = key.ReadEvents(ctx, e.store)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != "court.restriction_imposed" {
		t.Fatalf("after a partial erasure: %d events left, want the court order alone", len(evs))
	}
	open, err := disp.Queue(ctx, "bank7")
	if err != nil || len(open) != 1 || open[0].Type != "court.restriction_imposed" {
		t.Fatalf("open disputes after the erasure: %v, %v; want the court order's alone", open, err)
	}
	for kind, want := range map[candor.RecordKind]int{candor.RecordConsent: 0, candor.RecordDecision: 0, candor.RecordOptOut: 1, candor.RecordDispute: 1} {
		n := 0
		for _, err := range e.store.Records(ctx, kind, bob) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != want {
			t.Errorf("records of kind %d: %d, want %d", kind, n, want)
		}
	}
	e.verify(t)
	// Again: nothing more to erase, the order still kept.
	again, err := e.svc.Erase(ctx, bob)
	if err != nil || len(again.Erase) != 0 || len(again.Keep) != 1 {
		t.Fatalf("erasing again: %+v, %v", again, err)
	}
}

// TestWithdrawnOrderIsNotKept: a court order its source withdrew after a
// dispute no longer stands, so no legal obligation keeps it and Bob is
// erased whole.
func TestWithdrawnOrderIsNotKept(t *testing.T) {
	e := mustEnv(t)
	bob := e.subject(t, bobID)
	_, evs := e.facts(t, bob)
	disp := disputes.New(e.store, e.vault, e.cat, nil)
	for _, ev := range evs {
		if ev.Type != "court.restriction_imposed" {
			continue
		}
		d, err := disp.Open(ctx, bob, ev.ID, "The order was quashed on appeal.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := disp.Answer(ctx, "bank7", d.ID, candor.DisputeReply{Answer: candor.AnswerWithdraw}); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := e.svc.Plan(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Whole || len(plan.Keep) != 0 {
		t.Fatalf("plan after the order was withdrawn: %+v, want a whole erasure", plan)
	}
	if _, err := e.svc.Erase(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Subject(ctx, bob); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("bob after the erasure: %v", err)
	}
	e.verify(t)
}

// crashing is a store whose process dies (as far as the erasure can
// tell) when it commits an erasure: after the key was shredded, before
// the commit.
type crashing struct{ candor.Store }

func (c crashing) Commit(ctx context.Context, b *candor.WriteBatch) (uint64, error) {
	if len(b.Erase) > 0 {
		return 0, candor.Errorf(candor.EUNAVAILABLE, "killed")
	}
	return c.Store.Commit(ctx, b)
}

// TestEraseCutShortIsFinished: an erasure cut short between the shredding
// of the key and its commit leaves the subject's records in the store,
// unreadable, and audit verify failing; after a restart Resume finishes it
// from the intent recorded before the shredding: the subject, her index
// and records are gone, the log accounts for every commitment again, and
// no intent is left. An intent younger than Resume's bound is left alone
// (an erasure under way on another node).
func TestEraseCutShortIsFinished(t *testing.T) {
	e := mustEnv(t)
	alice := e.subject(t, aliceID)
	al := audit.NewAccessLog(e.store, e.vault, nil)
	if err := al.Record(ctx, &candor.Access{Subject: alice, At: time.Now(), Principal: "op1", Role: candor.RoleOperator, Purpose: "test", Action: "GET /v1/subjects/{id}"}); err != nil {
		t.Fatal(err)
	}
	al.Close()
	e.verify(t)

	cut := erasure.New(erasure.Config{Store: crashing{e.store}, Vault: e.vault, Catalogue: e.cat})
	if _, err := cut.Erase(ctx, alice); err == nil || !strings.Contains(err.Error(), "shredded") {
		t.Fatalf("erasure into a store that dies at the commit: %v", err)
	}
	if _, err := e.kr.SubjectKey(ctx, alice); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Fatalf("her key after the shredding: %v, want it gone", err)
	}
	if _, err := e.store.Subject(ctx, alice); err != nil {
		t.Fatalf("she is gone though the commit never happened: %v; the test proves nothing", err)
	}

	// The process dies; the store is opened again.
	e.p.Close()
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.store, err = pebble.Open(e.dataDir(), pebble.Options{}); err != nil {
		t.Fatal(err)
	}
	e.p = ingest.New(ingest.Options{Catalogue: e.cat, Vault: e.vault, Store: e.store, Matcher: scoring.NewMatcher(e.cards)})
	if _, err := audit.NewAppender(e.store, e.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: e.store, Vault: e.vault, Log: e.log})
	if err != nil || r.OK() {
		t.Fatalf("audit verify before the erasure is finished: %v %q; want her missing key reported", err, r.Problems)
	}

	svc := erasure.New(erasure.Config{Store: e.store, Vault: e.vault, Catalogue: e.cat})
	if n, err := svc.Resume(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("Resume of intents older than an hour: %d, %v; want none touched", n, err)
	}
	if n, err := svc.Resume(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("Resume: %d, %v; want her erasure finished", n, err)
	}
	if _, err := e.store.Subject(ctx, alice); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("after Resume she is still stored: %v", err)
	}
	bi := e.vault.BlindIndex(candor.Identifier{Scheme: candor.NationalID, Value: aliceID})
	if _, err := e.store.SubjectByIndex(ctx, bi); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("after Resume her blind index: %v, want ENOTFOUND", err)
	}
	for ev, err := range e.store.Events(ctx, alice, candor.EventFilter{}) {
		t.Errorf("after Resume an event of hers is stored: %v %v", ev, err)
		break
	}
	for rec, err := range e.store.AllRecords(ctx, candor.RecordErasing) {
		t.Errorf("an intent is left: %v %v", rec, err)
		break
	}
	e.verify(t)
	if n, err := svc.Resume(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("Resume again: %d, %v; want nothing to do", n, err)
	}
	// Her facts' idempotency keys are kept, as a whole erasure keeps them.
	src := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceCourt, AllowedTypes: []string{"credit.instalment_late"}}
	inputs, problems, err := ingest.Decode([]byte(fmt.Sprintf(`{"id":"a1","subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_late","occurred_at":"2026-03-14T00:00:00Z","fields":{"account":%q,"days_late":45,"amount":"120.50","currency":"EUR"}}`, aliceID, aliceAccount)), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Ingest(ctx, src, inputs, problems); candor.ErrorCode(err) != candor.EERASED {
		t.Errorf("her erased fact posted again: %v, want EERASED", err)
	}
}
