package register_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/testenv"
	"github.com/candor-project/candor/register"
	"github.com/candor-project/candor/scoring"
)

// TestOrganisation: an organisation's grade follows its facts; a person's
// number, a malformed one and one nobody has get one answer; without the
// register's scorecard every look-up is EUNAVAILABLE.
func TestOrganisation(t *testing.T) {
	e := testenv.NewInMemory(t)
	inspect := &candor.Source{ID: "inspect", Name: "Inspectorate", Kind: candor.SourceInspectorate,
		AllowedTypes: []string{"inspection.failed", "inspection.passed"}}
	rents := &candor.Source{ID: "rents", Name: "Rent registry", Kind: candor.SourceLandlord, AllowedTypes: []string{"rent.paid"}}
	for _, src := range []*candor.Source{inspect, rents} {
		if err := e.Store.PutSource(context.Background(), src); err != nil {
			t.Fatal(err)
		}
	}
	when := e.Now.Add(-30 * 24 * time.Hour).Format(time.RFC3339)
	org := func(id, regNo, typ, fields string) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"organisation","scheme":"company_reg_no","value":%q},"type":%q,"occurred_at":%q,"fields":%s}`,
			id, regNo, typ, when, fields)
	}
	e.Post(t, inspect,
		org("i1", "C12345678", "inspection.failed", `{"inspection_type":"food_hygiene","severity":"critical"}`),
		org("i2", "C87654321", "inspection.passed", `{"inspection_type":"food_hygiene"}`))
	e.Post(t, rents, fmt.Sprintf(`{"id":"r1","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"rent.paid","occurred_at":%q,"fields":{"amount":"650","currency":"EUR"}}`, when))

	published := scoring.NewPublished(e.Cards, e.Cards)
	reg := register.New(e.Store, e.Vault, published, e.Clock)
	ctx := context.Background()

	failed, err := reg.Organisation(ctx, "c-1234-5678")
	if err != nil {
		t.Fatal(err)
	}
	passed, err := reg.Organisation(ctx, "C87654321")
	if err != nil {
		t.Fatal(err)
	}
	if failed.CompanyRegNo != "C12345678" || failed.Scorecard.ID != candor.RegisterScorecard || !failed.AsOf.Equal(e.Now) {
		t.Errorf("entry: %+v", failed)
	}
	if fr, pr := failed.Scorecard.GradeRank(failed.Grade), passed.Scorecard.GradeRank(passed.Grade); fr < 0 || pr < 0 || fr <= pr {
		t.Errorf("a critical failed inspection grades %s, a passed one %s: want the first worse", failed.Grade, passed.Grade)
	}

	for _, q := range []string{"AB1234567" /* a person's national ID */, "not a number", "C00000000", ""} {
		_, err := reg.Organisation(ctx, q)
		if candor.ErrorCode(err) != candor.ENOTFOUND || !strings.HasPrefix(candor.ErrorMessage(err), "No organisation is registered under") {
			t.Errorf("%q: %v, want the one ENOTFOUND answer", q, err)
		}
	}

	// The register follows the served set: unpublished while its
	// scorecard is not served, published again under the version served.
	var others []*scoring.Compiled
	for _, c := range e.Cards {
		if c.Scorecard().ID != candor.RegisterScorecard {
			others = append(others, c)
		}
	}
	published.Set(others, others)
	if _, err := reg.Organisation(ctx, "C12345678"); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("without %s: %v, want EUNAVAILABLE", candor.RegisterScorecard, err)
	}
	if _, err := register.New(e.Store, e.Vault, nil, e.Clock).Organisation(ctx, "C12345678"); candor.ErrorCode(err) != candor.EUNAVAILABLE {
		t.Errorf("with no served set: %v, want EUNAVAILABLE", err)
	}
	v2 := testenv.NextVersion(t, e.Cat, candor.RegisterScorecard)
	published.Set(append(others, v2), append(e.Cards, v2))
	if got, err := reg.Organisation(ctx, "C12345678"); err != nil || got.Scorecard.Version != 2 {
		t.Errorf("after Set with version 2: %+v, %v; want an entry under version 2", got, err)
	}
}
