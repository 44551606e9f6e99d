package profile_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/audit"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/profile"
	"github.com/candor-project/candor/scoring"
)

var ctx = context.Background()

// fixture is a store holding one person with three rent facts, and a
// profile service over it whose rental scorecard has an inactive second
// version (base 900 instead of 1000).
type fixture struct {
	*testenv.Env
	svc       *profile.Service
	published *scoring.Published
	next      *scoring.Compiled // rental-deposit version 2
	person    candor.SubjectID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{Env: testenv.NewInMemory(t)}
	f.next = testenv.NextVersion(t, f.Cat, "rental-deposit")
	f.MatchAlso(t, f.next) // materialised, should a test activate it
	src := &candor.Source{ID: "rents", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.paid", "rent.late"}}
	var lines []string
	for i, late := range []int{0, 45, 0} {
		typ, fields := "rent.paid", `{"amount":"650","currency":"EUR"}`
		if late > 0 {
			typ, fields = "rent.late", fmt.Sprintf(`{"days_late":%d,"amount":"650","currency":"EUR"}`, late)
		}
		lines = append(lines, fmt.Sprintf(`{"id":"r%d","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":%q,"occurred_at":%q,"fields":%s}`,
			i, typ, f.Now.AddDate(0, -3+i, 0).Format(time.RFC3339), fields))
	}
	f.Post(t, src, lines...)
	f.person = f.Person(t, "AB1234567")

	f.published = scoring.NewPublished(f.Cards, append([]*scoring.Compiled{f.next}, f.Cards...))
	f.svc = profile.New(profile.Config{Store: f.Store, Vault: f.Vault, Catalogue: f.Cat, Scorecards: f.published})
	return f
}

func TestLookupSubjectAndEvents(t *testing.T) {
	f := newFixture(t)
	id, kind, err := f.svc.Lookup(ctx, candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"})
	if err != nil || id != f.person || kind != candor.Person {
		t.Fatalf("Lookup: %v %v %v, want the person", id, kind, err)
	}
	if _, _, err := f.svc.Lookup(ctx, candor.Identifier{Scheme: candor.NationalID, Value: "ZZ0000000"}); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("Lookup of nobody: %v, want ENOTFOUND", err)
	}
	sub, err := f.svc.Subject(ctx, f.person)
	if err != nil || len(sub.Identifiers) != 1 || sub.Identifiers[0].Value != "AB1234567" {
		t.Fatalf("Subject: %+v %v, want the person with their national ID", sub, err)
	}

	all, truncated, err := f.svc.Events(ctx, f.person, candor.EventQuery{})
	if err != nil || len(all) != 3 || truncated {
		t.Fatalf("Events: %d events, truncated %v, %v; want 3, whole", len(all), truncated, err)
	}
	late, _, err := f.svc.Events(ctx, f.person, candor.EventQuery{Type: "rent.late"})
	if err != nil || len(late) != 1 || late[0].Type != "rent.late" {
		t.Errorf("Events of type rent.late: %d (%v), want the one", len(late), err)
	}
	two, truncated, err := f.svc.Events(ctx, f.person, candor.EventQuery{Limit: 2})
	if err != nil || len(two) != 2 || !truncated {
		t.Errorf("Events limited to 2: %d, truncated %v (%v); want 2, truncated", len(two), truncated, err)
	}
	recent, _, err := f.svc.Events(ctx, f.person, candor.EventQuery{Since: all[1].OccurredAt})
	if err != nil || len(recent) != 2 || recent[0].ID != all[1].ID {
		t.Errorf("Events since the second: %d (%v), want the last two", len(recent), err)
	}
	if _, _, err := f.svc.Events(ctx, f.person, candor.EventQuery{Type: "rent.nonesuch"}); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("Events of an unknown type: %v, want EINVALID", err)
	}
	if _, _, err := f.svc.Events(ctx, candor.NewSubjectID(), candor.EventQuery{}); candor.ErrorCode(err) != candor.ENOTFOUND {
		t.Errorf("Events of nobody: %v, want ENOTFOUND", err)
	}
}

func TestScores(t *testing.T) {
	f := newFixture(t)
	all, err := f.svc.Scores(ctx, f.person, "", 0, f.Now)
	if err != nil {
		t.Fatal(err)
	}
	var cards []string
	for _, s := range all {
		cards = append(cards, s.Scorecard)
	}
	if strings.Join(cards, ",") != "consumer-credit,rental-deposit" && strings.Join(cards, ",") != "rental-deposit,consumer-credit" {
		t.Fatalf("scored under %v, want the person's two active scorecards", cards)
	}
	v1, err := f.svc.Scores(ctx, f.person, "rental-deposit", 0, f.Now)
	if err != nil || len(v1) != 1 || v1[0].Version != 1 {
		t.Fatalf("active rental-deposit: %+v %v", v1, err)
	}
	v2, err := f.svc.Scores(ctx, f.person, "rental-deposit", 2, f.Now)
	if err != nil || len(v2) != 1 || v2[0].Version != 2 {
		t.Fatalf("rental-deposit v2: %+v %v", v2, err)
	}
	if v2[0].Points != v1[0].Points-100 {
		t.Errorf("v2 (base 900, scored from the events) %d points; v1 (base 1000, from the matches) %d: want 100 fewer", v2[0].Points, v1[0].Points)
	}
	for _, c := range []struct {
		card    string
		version int
		want    string
	}{{"rental-deposit", 3, candor.ENOTFOUND}, {"nonesuch", 0, candor.ENOTFOUND}, {"business-compliance", 0, candor.EINVALID}} {
		if _, err := f.svc.Scores(ctx, f.person, c.card, c.version, f.Now); candor.ErrorCode(err) != c.want {
			t.Errorf("Scores under %s v%d: %v, want %s", c.card, c.version, err, c.want)
		}
	}
}

// TestScoresAfterSet: a version activated with Set scores the next
// request, from its stored matches, and the version it replaced is still
// scored when asked for.
func TestScoresAfterSet(t *testing.T) {
	f := newFixture(t)
	before, err := f.svc.Scores(ctx, f.person, "rental-deposit", 0, f.Now)
	if err != nil || before[0].Version != 1 {
		t.Fatalf("active rental-deposit: %+v %v", before, err)
	}
	active := []*scoring.Compiled{f.Cards[0], f.Cards[1], f.next}
	f.published.Set(active, append(f.Cards, f.next))
	after, err := f.svc.Scores(ctx, f.person, "rental-deposit", 0, f.Now)
	if err != nil || after[0].Version != 2 || after[0].Points != before[0].Points-100 {
		t.Fatalf("active rental-deposit after Set: %+v %v; want version 2, 100 points fewer", after, err)
	}
	old, err := f.svc.Scores(ctx, f.person, "rental-deposit", 1, f.Now)
	if err != nil || old[0].Version != 1 || old[0].Points != before[0].Points {
		t.Errorf("rental-deposit v1 after Set: %+v %v; want what it scored before", old, err)
	}
}

func TestAccessAndProofs(t *testing.T) {
	f := newFixture(t)
	al := audit.NewAccessLog(f.Store, f.Vault, nil)
	defer al.Close()
	a := &candor.Access{Subject: f.person, At: f.Now, Principal: "op1", Role: candor.RoleOperator, Purpose: "fraud investigation", Action: "GET /v1/subjects/{id}"}
	if err := al.Record(ctx, a); err != nil {
		t.Fatal(err)
	}
	entries, err := f.svc.Access(ctx, f.person)
	if err != nil || len(entries) != 1 {
		t.Fatalf("Access: %d entries (%v), want 1", len(entries), err)
	}
	if e := entries[0]; e.N != 1 || e.Principal != "op1" || e.Purpose != a.Purpose || e.Commit == 0 || e.Commitment == (candor.Commitment{}) {
		t.Errorf("access entry %+v, want the record with its number, commit and commitment", e)
	}
	if _, err := f.svc.AccessProof(ctx, f.person, 1); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("AccessProof without a log: %v, want EUNAVAILABLE", err)
	}
	if _, _, err := f.svc.WriteProofs(ctx, f.person, 0); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("WriteProofs without a log: %v, want EUNAVAILABLE", err)
	}
}
