package identity_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/erasure"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/memstore"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/postgres"
	"github.com/candor-project/candor/postgres/pgtest"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/scoring"
	"github.com/candor-project/candor/tlog"
	"github.com/candor-project/candor/vault"
)

var ctx = context.Background()

// The person of the tests, known by two identifiers, and someone else.
const (
	nid   = "AB1234567"   // national_id, posted by a bank
	snils = "11223344595" // ru_snils, posted by another bank and a tax office
	other = "ZZ7654321"
)

var (
	bank     = &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late", "credit.instalment_paid"}}
	tax      = &candor.Source{ID: "tax1", Name: "Tax Office", Kind: candor.SourceTaxAuthority, AllowedTypes: []string{"tax.return_late", "tax.return_filed"}}
	registry = &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry}
	now      = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
)

// world is an installation on one store: the write path, profiles read
// through linked identities, and (on Pebble) the transparency log.
type world struct {
	store    candor.Store
	log      *tlog.Log
	vault    *vault.Vault
	cards    []*scoring.Compiled
	p        *ingest.Pipeline
	links    *identity.Service
	profiles *profile.Service
}

type opener func(t testing.TB) candor.Store

func onPebble(t testing.TB) candor.Store {
	st, err := pebble.Open(filepath.Join(t.TempDir(), "data"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func onMemory(testing.TB) candor.Store { return memstore.New() }

func onPostgres(t testing.TB) candor.Store {
	st, err := postgres.Open(ctx, pgtest.Database(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var stores = []struct {
	name string
	open opener
}{{"pebble", onPebble}, {"memory", onMemory}, {"postgres", onPostgres}}

func newWorld(t testing.TB, st candor.Store, withLog bool) *world {
	t.Helper()
	cat := catalogue.Default()
	w := &world{store: st}
	w.vault, _ = vault.New(bytes.Repeat([]byte{7}, vault.KeySize), memstore.NewKeyring())
	var err error
	if w.cards, err = scoring.Shipped(cat); err != nil {
		t.Fatal(err)
	}
	if withLog {
		if w.log, err = tlog.Open(t.TempDir(), tlog.Options{CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	clock := func() time.Time { return now }
	w.p = ingest.New(ingest.Options{Catalogue: cat, Vault: w.vault, Store: st, Matcher: scoring.NewMatcher(w.cards), Now: clock})
	w.links = identity.New(identity.Config{Store: st, Vault: w.vault, Now: clock})
	w.profiles = profile.New(profile.Config{Store: st, Vault: w.vault, Catalogue: cat,
		Scorecards: scoring.NewPublished(w.cards, w.cards), Groups: w.links})
	t.Cleanup(func() {
		w.p.Close()
		if w.log != nil {
			w.log.Close()
		}
		st.Close()
	})
	return w
}

func line(id, scheme, value, typ, day, fields string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":%q,"value":%q},"type":%q,"occurred_at":"%sT00:00:00Z","fields":{%s}}`, id, scheme, value, typ, day, fields)
}

func late(id, scheme, value, day string) string {
	return line(id, scheme, value, "credit.instalment_late", day, `"account":"A-`+id+`","days_late":45,"amount":"120.50","currency":"EUR"`)
}

func paid(id, scheme, value, day string) string {
	return line(id, scheme, value, "credit.instalment_paid", day, `"account":"A-`+id+`","amount":"80.00","currency":"EUR"`)
}

func taxLate(id, scheme, value, day string) string {
	return line(id, scheme, value, "tax.return_late", day, `"tax_year":2025,"days_late":30`)
}

func (w *world) post(t testing.TB, src *candor.Source, lines ...string) {
	t.Helper()
	inputs, problems, err := ingest.Decode([]byte(strings.Join(lines, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if _, err := w.p.Ingest(ctx, src, inputs, nil); err != nil {
		t.Fatal(err)
	}
}

func ident(scheme, value string) candor.Identifier {
	s, _ := candor.ParseScheme(scheme)
	return candor.Identifier{Scheme: s, Value: value}
}

func (w *world) subject(t *testing.T, id candor.Identifier) candor.SubjectID {
	t.Helper()
	sub, _, err := w.profiles.Lookup(ctx, id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return sub
}

// facts describes the facts on the profile id is part of: source, ID,
// type and time of each, in time order.
func (w *world) facts(t *testing.T, id candor.Identifier) []string {
	t.Helper()
	evs, _, err := w.profiles.Events(ctx, w.subject(t, id), candor.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s/%s %s %s %v", e.Source, e.SourceEventID, e.Type, e.OccurredAt.Format("2006-01-02"), e.Fields))
	}
	slices.Sort(out)
	return out
}

// scores describes the profile's scores under every scorecard for
// persons, at two instants: points, grade, benefits, reasons and each
// contribution's rule, points and number of facts.
func (w *world) scores(t *testing.T, id candor.Identifier) string {
	t.Helper()
	var b strings.Builder
	for _, at := range []time.Time{now, now.AddDate(1, 0, 0)} {
		ss, err := w.profiles.Scores(ctx, w.subject(t, id), "", 0, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			fmt.Fprintf(&b, "%s v%d %.6f %d %s %v;", s.Scorecard, s.Version, s.Total, s.Points, s.Grade, s.Benefits)
			for _, c := range s.Contributions {
				fmt.Fprintf(&b, " %s %.6f %d", c.Rule, c.Points, len(c.Events))
			}
			for _, r := range s.Reasons {
				fmt.Fprintf(&b, " reason %s", r.Code)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (w *world) verify(t *testing.T) *audit.Report {
	t.Helper()
	if w.log == nil {
		return nil
	}
	if _, err := audit.NewAppender(w.store, w.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []candor.ScorecardKey
	for _, c := range w.cards {
		keys = append(keys, c.Key())
	}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: w.store, Vault: w.vault, Log: w.log, Cards: keys})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("audit verify: %d problems: %v", r.ProblemCount, r.Problems)
	}
	return r
}

// The facts of the tests: some posted under the national ID, some under
// the SNILS (or, in a store that never linked, wherever s names), and
// some about someone else.
func (w *world) postBefore(t *testing.T, s candor.Identifier) {
	t.Helper()
	w.post(t, bank, late("b1", "national_id", nid, "2026-03-14"), paid("b2", "national_id", nid, "2026-04-14"), late("o1", "national_id", other, "2026-05-01"))
	w.post(t, bank, late("b3", s.Scheme.String(), s.Value, "2026-06-14"), paid("b4", s.Scheme.String(), s.Value, "2026-07-14"))
	w.post(t, tax, taxLate("t1", s.Scheme.String(), s.Value, "2026-08-01"))
}

func (w *world) postAfter(t *testing.T, s candor.Identifier) {
	t.Helper()
	w.post(t, bank, late("b5", s.Scheme.String(), s.Value, "2026-09-14"))
}

var (
	byNID   = ident("national_id", nid)
	bySNILS = ident("ru_snils", snils)
)

func (w *world) link(t *testing.T) *candor.Link {
	t.Helper()
	l, err := w.links.Link(ctx, identity.Request{Source: registry, Ref: "civ-2026-001", First: byNID, Second: bySNILS})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The round trip: linked, the two identifiers show one profile with the
// facts and scores of a store that holds all of them under one subject,
// later posts under either identifier land on it, and every identifier
// is shown; unlinked, both profiles are what a store that never linked
// holds. audit verify passes throughout.
func TestLinkRoundTrip(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			w := newWorld(t, sc.open(t), sc.name == "pebble")
			one := newWorld(t, onMemory(t), false)   // everything under the national ID
			apart := newWorld(t, onMemory(t), false) // never linked
			w.postBefore(t, bySNILS)
			one.postBefore(t, byNID)
			apart.postBefore(t, bySNILS)
			w.verify(t)
			separate := w.scores(t, byNID)

			l := w.link(t)
			if l.Op != candor.OpLinked || l.Survivor != w.subject(t, byNID) || l.Alias != w.subject(t, bySNILS) {
				t.Fatalf("link %+v", l)
			}
			w.postAfter(t, bySNILS)
			one.postAfter(t, byNID)
			apart.postAfter(t, bySNILS)
			for _, id := range []candor.Identifier{byNID, bySNILS} {
				if got, want := w.facts(t, id), one.facts(t, byNID); !slices.Equal(got, want) {
					t.Errorf("linked, the profile of %s holds\n%s\nwant\n%s", id, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if got, want := w.scores(t, id), one.scores(t, byNID); got != want {
					t.Errorf("linked, the scores of %s are\n%s\nwant\n%s", id, got, want)
				}
				sub, err := w.profiles.Subject(ctx, w.subject(t, id))
				if err != nil || !slices.Contains(sub.Identifiers, byNID) || !slices.Contains(sub.Identifiers, bySNILS) {
					t.Errorf("linked, %s shows identifiers %v, %v; want both", id, sub.Identifiers, err)
				}
			}
			if w.scores(t, byNID) == separate {
				t.Error("the link changed no score: the test shows nothing")
			}
			if r := w.verify(t); r != nil && r.Links != 2 {
				t.Errorf("verify counted %d link records, want 2", r.Links)
			}

			if _, err := w.links.Unlink(ctx, identity.Request{Source: registry, Ref: "civ-2026-002", First: bySNILS, Second: byNID}); err != nil {
				t.Fatal(err)
			}
			for _, id := range []candor.Identifier{byNID, bySNILS} {
				if got, want := w.facts(t, id), apart.facts(t, id); !slices.Equal(got, want) {
					t.Errorf("unlinked, the profile of %s holds\n%s\nwant\n%s", id, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if got, want := w.scores(t, id), apart.scores(t, id); got != want {
					t.Errorf("unlinked, the scores of %s are\n%s\nwant\n%s", id, got, want)
				}
				sub, err := w.profiles.Subject(ctx, w.subject(t, id))
				if err != nil || !slices.Equal(sub.Identifiers, []candor.Identifier{id}) {
					t.Errorf("unlinked, %s shows identifiers %v, %v", id, sub.Identifiers, err)
				}
			}
			if r := w.verify(t); r != nil && r.Links != 4 {
				t.Errorf("verify counted %d link records, want 4 (linked and unlinked, each under both)", r.Links)
			}
			// Linked again: one profile again.
			w.link(t)
			if got, want := w.scores(t, bySNILS), one.scores(t, byNID); got != want {
				t.Errorf("linked again, the scores are\n%s\nwant\n%s", got, want)
			}
			w.verify(t)
		})
	}
}

// A link is refused, with an error that names the problem and writes
// nothing, from a source that is not a registry, across subject kinds,
// between identifiers of one subject or none, and for an identifier
// already linked elsewhere.
func TestLinkRefused(t *testing.T) {
	w := newWorld(t, onMemory(t), false)
	w.postBefore(t, bySNILS)
	org := &candor.Source{ID: "tax2", Name: "Tax Office", Kind: candor.SourceTaxAuthority, AllowedTypes: []string{"tax.company_return_late"}}
	w.post(t, org, `{"id":"c1","subject":{"kind":"organisation","scheme":"company_reg_no","value":"C01234567"},"type":"tax.company_return_late","occurred_at":"2026-03-01T00:00:00Z","fields":{"tax_year":2025,"days_late":10}}`)
	w.post(t, bank, late("x1", "passport", "UZB FA1234567", "2026-03-01"))
	req := func(src *candor.Source, a, b candor.Identifier) identity.Request {
		return identity.Request{Source: src, Ref: "ref-1", First: a, Second: b}
	}
	for _, tc := range []struct {
		name string
		req  identity.Request
		code string
		want string
	}{
		{"bank", req(bank, byNID, bySNILS), candor.EFORBIDDEN, "only a civil, company or tax registry"},
		{"no source", req(nil, byNID, bySNILS), candor.EFORBIDDEN, "only a civil, company or tax registry"},
		{"no ref", identity.Request{Source: registry, First: byNID, Second: bySNILS}, candor.EINVALID, "ref: required"},
		{"kinds", req(registry, byNID, ident("company_reg_no", "C01234567")), candor.EINVALID, "names a person and the company_reg_no an organisation"},
		{"one subject", req(registry, byNID, byNID), candor.EINVALID, "name one profile already"},
		{"unknown", req(registry, byNID, ident("ru_snils", "08765430300")), candor.ENOTFOUND, "no profile has the ru_snils given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.links.Link(ctx, tc.req)
			if candor.ErrorCode(err) != tc.code || !strings.Contains(candor.ErrorMessage(err), tc.want) {
				t.Errorf("err = %v, want %s %q", err, tc.code, tc.want)
			}
		})
	}
	if g, _ := w.links.Group(ctx, w.subject(t, byNID)); g.Linked() {
		t.Fatal("a refused link was stored")
	}
	first := w.link(t)
	if again := w.link(t); again.ID != first.ID {
		t.Errorf("linking again made link %s, want the standing %s", again.ID, first.ID)
	}
	byPassport := ident("passport", "UZBFA1234567")
	for _, r := range []identity.Request{req(registry, byPassport, bySNILS), req(registry, bySNILS, byPassport), req(registry, byPassport, byNID)} {
		_, err := w.links.Link(ctx, r)
		if candor.ErrorCode(err) != candor.ECONFLICT || !strings.Contains(candor.ErrorMessage(err), "already linked to another profile (link "+first.ID+")") {
			t.Errorf("link %s to %s: err = %v", r.First, r.Second, err)
		}
	}
	// The survivor may gain another alias; the group is then three.
	if _, err := w.links.Link(ctx, req(registry, byNID, byPassport)); err != nil {
		t.Fatal(err)
	}
	if g, _ := w.links.Group(ctx, w.subject(t, byPassport)); len(g.Members) != 3 || g.Survivor != w.subject(t, byNID) {
		t.Errorf("group %+v, want three with the national ID's subject first", g)
	}
	if _, err := w.links.Unlink(ctx, req(registry, byPassport, ident("national_id", other))); candor.ErrorCode(err) != candor.ENOTFOUND || !strings.Contains(err.Error(), "are not linked") {
		t.Errorf("unlinking what is not linked: %v", err)
	}
	// A dispute may undo a link: no source, the dispute as reference.
	if _, err := w.links.Unlink(ctx, identity.Request{Ref: "dispute-7", First: byNID, Second: byPassport}); err != nil {
		t.Errorf("unlink through a dispute: %v", err)
	}
}

// failing is a store whose commits fail: before anything is applied
// (crash before), or after the commit is durable (crash after).
type failing struct {
	candor.Store
	after bool
}

func (f failing) Commit(ctx context.Context, b *candor.WriteBatch) (uint64, error) {
	if f.after {
		if _, err := f.Store.Commit(ctx, b); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("the process died")
}

// A crash mid-merge leaves all or nothing: the link is one store commit
// of both members' records with their commitments. On restart (Pebble
// reopened) either both subjects are linked, with audit verify passing,
// or neither.
func TestLinkCrash(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprint("durable=", after), func(t *testing.T) {
			dir := t.TempDir()
			st, err := pebble.Open(dir, pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(t, st, true)
			w.postBefore(t, bySNILS)
			crashing := identity.New(identity.Config{Store: failing{st, after}, Vault: w.vault})
			if _, err := crashing.Link(ctx, identity.Request{Source: registry, Ref: "civ-1", First: byNID, Second: bySNILS}); err == nil {
				t.Fatal("the crashing link succeeded")
			}
			w.p.Close()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			st2, err := pebble.Open(dir, pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w.store, w.links = st2, identity.New(identity.Config{Store: st2, Vault: w.vault})
			w.profiles = profile.New(profile.Config{Store: st2, Vault: w.vault, Catalogue: catalogue.Default(), Groups: w.links})
			t.Cleanup(func() { st2.Close() })
			for _, id := range []candor.Identifier{byNID, bySNILS} {
				g, err := w.links.Group(ctx, w.subject(t, id))
				if err != nil {
					t.Fatal(err)
				}
				if g.Linked() != after {
					t.Errorf("after the crash, %s is linked: %v, want %v", id, g.Linked(), after)
				}
			}
			w.verify(t)
		})
	}
}

// Erasing a merged profile, by either identifier, erases every member
// under its own key: the national ID's subject, with only bank facts,
// whole; the SNILS's but for its tax fact, kept under a legal obligation.
// The log still verifies.
func TestEraseLinked(t *testing.T) {
	w := newWorld(t, onPebble(t), true)
	w.postBefore(t, bySNILS)
	w.link(t)
	er := erasure.New(erasure.Config{Store: w.store, Vault: w.vault, Catalogue: catalogue.Default(), Groups: w.links, Now: func() time.Time { return now }})
	plan, err := er.Erase(ctx, w.subject(t, bySNILS))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Whole || !plan.Done || len(plan.Erase) != 1 || plan.Erase[0].Facts != 4 || len(plan.Keep) != 1 || plan.Keep[0].Facts != 1 {
		t.Errorf("plan %+v: want the group's 4 credit facts erased and its tax fact kept", plan)
	}
	if _, _, err := w.profiles.Lookup(ctx, byNID); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("the national ID after erasure: %v", err)
	}
	if got := w.facts(t, bySNILS); len(got) != 1 || !strings.Contains(got[0], "tax.return_late") {
		t.Errorf("left on the SNILS's profile: %v, want only the tax fact", got)
	}
	if w.subject(t, ident("national_id", other)).IsZero() {
		t.Error("someone else was erased")
	}
	w.verify(t)
	// Erasure holds off link writes: with the links lease held
	// elsewhere, it waits, then refuses.
	someone := w.subject(t, ident("national_id", other))
	if _, held, err := w.store.(candor.Leaser).AcquireLease(ctx, identity.LinksLease, "someone-else", time.Minute); err != nil || !held {
		t.Fatal(held, err)
	}
	if _, err := er.Erase(ctx, someone); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("erasure with the links lease held elsewhere: %v", err)
	}
}

// decider takes rental decisions about the subjects of a world, through
// linked identities.
func (w *world) decider(t *testing.T) *decisions.Service {
	t.Helper()
	d := decisions.New(w.store, w.vault, catalogue.Default(), scoring.NewPublished(w.cards, w.cards), func() time.Time { return now })
	d.WithGroups(w.links)
	if err := d.PutRelyingParty(ctx, &candor.RelyingParty{ID: "landlord1", Name: "Landlord One", Purposes: []candor.Purpose{candor.PurposeRental}}); err != nil {
		t.Fatal(err)
	}
	return d
}

// decide takes a decision about the subject id names, with a fresh
// consent, and describes it.
func (w *world) decide(t *testing.T, d *decisions.Service, id candor.Identifier) string {
	t.Helper()
	c, err := d.Grant(ctx, w.subject(t, id), "landlord1", candor.PurposeRental, 0)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := d.RelyingParty(ctx, "landlord1")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := d.Decide(ctx, rp, candor.DecisionRequest{Consent: c.Code, Purpose: candor.PurposeRental, Benefit: "deposit_waived"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range dec.Reasons {
		reasons = append(reasons, r.Code)
	}
	return fmt.Sprintf("%s %s %v", dec.Outcome, dec.Grade, reasons)
}

// Decisions follow links, from the decisions service's caches too: a
// decision about either identifier is the one a store holding all the
// facts under one subject gives while linked, and the alias's own again
// once unlinked.
func TestDecisionsFollowLinks(t *testing.T) {
	w := newWorld(t, onMemory(t), false)
	one := newWorld(t, onMemory(t), false)
	w.postBefore(t, bySNILS)
	w.postAfter(t, bySNILS)
	one.postBefore(t, byNID)
	one.postAfter(t, byNID)
	more := []string{late("x1", "national_id", nid, "2026-10-01"), late("x2", "national_id", nid, "2026-10-15"), late("x3", "national_id", nid, "2026-11-01")}
	w.post(t, bank, more...)
	one.post(t, bank, more...)
	d, oneD := w.decider(t), one.decider(t)
	alone := w.decide(t, d, bySNILS) // cached now
	merged := one.decide(t, oneD, byNID)
	if alone == merged {
		t.Fatalf("the alias alone is decided as the merged profile (%s): the test shows nothing", alone)
	}
	w.link(t)
	for _, id := range []candor.Identifier{byNID, bySNILS} {
		if got := w.decide(t, d, id); got != merged {
			t.Errorf("linked, decision about %s: %s, want %s", id, got, merged)
		}
	}
	if _, err := w.links.Unlink(ctx, identity.Request{Source: registry, Ref: "civ-9", First: byNID, Second: bySNILS}); err != nil {
		t.Fatal(err)
	}
	if got := w.decide(t, d, bySNILS); got != alone {
		t.Errorf("unlinked, decision about the SNILS: %s, want %s", got, alone)
	}
}

// The public company register grades an organisation from the facts
// under every identifier linked to its registration number: as a store
// holding them all under the registration number does.
func TestRegisterFollowsLinks(t *testing.T) {
	insp := &candor.Source{ID: "insp1", Name: "Food Inspectorate", Kind: candor.SourceInspectorate, AllowedTypes: []string{"inspection.failed"}}
	companies := &candor.Source{ID: "companies1", Name: "Company Registry", Kind: candor.SourceRegistry}
	failed := func(id string, s candor.Identifier, day string) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"organisation","scheme":%q,"value":%q},"type":"inspection.failed","occurred_at":"%sT00:00:00Z","fields":{"inspection_type":"food_hygiene","severity":"major"}}`, id, s.Scheme, s.Value, day)
	}
	regNo, ogrn := ident("company_reg_no", "C01234567"), ident("ru_ogrn", "1027700132195")
	grade := func(w *world) string {
		reg := register.New(w.store, w.vault, scoring.NewPublished(w.cards, w.cards), func() time.Time { return now })
		reg.WithGroups(w.links)
		e, err := reg.Organisation(ctx, "C01234567")
		if err != nil {
			t.Fatal(err)
		}
		return e.Grade
	}
	w, one := newWorld(t, onMemory(t), false), newWorld(t, onMemory(t), false)
	w.post(t, insp, failed("i1", regNo, "2026-06-01"))
	w.post(t, insp, failed("i2", ogrn, "2026-07-01"), failed("i3", ogrn, "2026-08-01"))
	one.post(t, insp, failed("i1", regNo, "2026-06-01"), failed("i2", regNo, "2026-07-01"), failed("i3", regNo, "2026-08-01"))
	alone, all := grade(w), grade(one)
	if alone == all {
		t.Fatalf("one failed inspection grades as three (%s): the test shows nothing", alone)
	}
	if _, err := w.links.Link(ctx, identity.Request{Source: companies, Ref: "reg-1", First: regNo, Second: ogrn}); err != nil {
		t.Fatal(err)
	}
	if got := grade(w); got != all {
		t.Errorf("linked, the register grades %s, want %s", got, all)
	}
}

// Two nodes sharing a store cannot link one identifier to two profiles:
// link writes take a lease in the store. Of two concurrent links of the
// SNILS, to the national ID and to another person, exactly one stands;
// while another holder keeps the lease, a link waits, then is refused.
func TestLinkTwoNodes(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			w := newWorld(t, sc.open(t), false)
			w.postBefore(t, bySNILS)
			nodes := []*identity.Service{identity.New(identity.Config{Store: w.store, Vault: w.vault}), identity.New(identity.Config{Store: w.store, Vault: w.vault})}
			firsts := []candor.Identifier{byNID, ident("national_id", other)}
			errs := make(chan error, 2)
			for i, n := range nodes {
				go func() {
					_, err := n.Link(ctx, identity.Request{Source: registry, Ref: fmt.Sprint("civ-", i), First: firsts[i], Second: bySNILS})
					errs <- err
				}()
			}
			ok := 0
			for range 2 {
				switch err := <-errs; candor.ErrorCode(err) {
				case "":
					ok++
				case candor.ECONFLICT:
				default:
					t.Errorf("err = %v", err)
				}
			}
			g, err := w.links.Group(ctx, w.subject(t, bySNILS))
			if ok != 1 || err != nil || len(g.Members) != 2 {
				t.Errorf("%d links stood; the SNILS's group is %+v, %v", ok, g, err)
			}
			l, isLeaser := w.store.(candor.Leaser)
			if !isLeaser {
				t.Fatal("the store has no leases")
			}
			if _, held, err := l.AcquireLease(ctx, identity.LinksLease, "someone-else", time.Minute); err != nil || !held {
				t.Fatal(held, err)
			}
			start := time.Now()
			_, err = nodes[0].Unlink(ctx, identity.Request{Source: registry, Ref: "civ-9", First: byNID, Second: bySNILS})
			if candor.ErrorCode(err) != candor.EUNAVAILABLE || time.Since(start) < 2*time.Second {
				t.Errorf("with the lease held elsewhere: %v after %s", err, time.Since(start))
			}
		})
	}
}

// report logs what was recorded and returns what audit verify finds.
func (w *world) report(t *testing.T) *audit.Report {
	t.Helper()
	if _, err := audit.NewAppender(w.store, w.log, nil, 0).Recover(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []candor.ScorecardKey
	for _, c := range w.cards {
		keys = append(keys, c.Key())
	}
	r, err := audit.Verify(ctx, audit.VerifyConfig{Store: w.store, Vault: w.vault, Log: w.log, Cards: keys})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Link steps are verifiable: a step's record removed behind the log's
// back, or one added that was never logged, is reported by audit verify.
func TestLinkTamperDetected(t *testing.T) {
	w := newWorld(t, onPebble(t), true)
	w.postBefore(t, bySNILS)
	l := w.link(t)
	w.verify(t)
	alias := w.subject(t, bySNILS)
	id := candor.LinkRecordID(l, alias)
	rec, err := w.store.Record(ctx, candor.RecordLink, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeleteRecord(ctx, candor.RecordLink, id); err != nil {
		t.Fatal(err)
	}
	if r := w.report(t); !strings.Contains(strings.Join(r.Problems, "\n"), "belong to nothing in the store") {
		t.Errorf("a deleted link record went unnoticed: %v", r.Problems)
	}
	// Put back, the store verifies again; a forged unlink step does not.
	if err := w.store.PutRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w.verify(t)
	key, err := w.vault.StoredKey(ctx, w.store, alias)
	if err != nil {
		t.Fatal(err)
	}
	forged := *l
	forged.Op = candor.OpUnlinked
	enc, _ := forged.MarshalBinary()
	if err := w.store.PutRecord(ctx, key.SealRecord(candor.RecordLink, candor.LinkRecordID(&forged, alias), enc)); err != nil {
		t.Fatal(err)
	}
	if r := w.report(t); !strings.Contains(strings.Join(r.Problems, "\n"), "link record "+candor.LinkRecordID(&forged, alias)) {
		t.Errorf("a forged link step went unnoticed: %v", r.Problems)
	}
}
