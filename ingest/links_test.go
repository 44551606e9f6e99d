package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/internal/testenv"
)

var (
	civilRegistry = &candor.Source{ID: "civreg", Name: "Civil Registry", Kind: candor.SourceRegistry,
		AllowedTypes: []string{"identity.resident_registered"}}
	aBank = &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank,
		AllowedTypes: []string{"credit.instalment_late", "identity.linked"}}
)

const (
	resident = `{"id":"%s","subject":{"kind":"person","scheme":"%s","value":"%s"},"type":"identity.resident_registered","occurred_at":"2026-01-05T00:00:00Z","fields":{"birth_year":1980,"region":"north"}}`
	linkFact = `{"id":"%s","subject":{"kind":"person","scheme":"%s","value":"%s"},"type":"%s","occurred_at":"2026-01-06T00:00:00Z","fields":{"other_scheme":"%s","other_value":"%s"}}`
	lateFact = `{"id":"%s","subject":{"kind":"person","scheme":"%s","value":"%s"},"type":"credit.instalment_late","occurred_at":"2026-02-01T00:00:00Z","fields":{"days_late":10,"amount":"50","currency":"EUR","account":"L-1"}}`
)

func post(t *testing.T, e *testenv.Env, src *candor.Source, lines ...string) (candor.IngestResult, error) {
	t.Helper()
	inputs, problems, err := ingest.Decode([]byte(strings.Join(lines, "\n")), ingest.FormatNDJSON, ingest.MaxEvents)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	return e.Pipeline.Ingest(context.Background(), src, inputs, nil)
}

func subjectOf(t *testing.T, e *testenv.Env, scheme candor.Scheme, value string) (candor.SubjectID, bool) {
	t.Helper()
	id, err := candor.NormaliseIdentifier(scheme, value)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.Store.SubjectByIndex(context.Background(), e.Vault.BlindIndex(id))
	if candor.ErrorCode(err) == candor.ENOTFOUND {
		return sub, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return sub, true
}

func members(t *testing.T, e *testenv.Env, s candor.SubjectID) []candor.SubjectID {
	t.Helper()
	m, err := e.Links.Members(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sprintf(format string, args ...any) string {
	return strings.TrimSpace(fmtSprintf(format, args...))
}

// A registry's batch of a fact and a link to an identifier no profile has
// yet commits whole: the person's fact, the link fact and the link step.
// The identifier is reserved: a later post under it lands on its subject,
// a member of the linked profile. Posted again, the batch changes nothing.
func TestLinkFactsBatch(t *testing.T) {
	e := testenv.New(t)
	batch := []string{
		sprintf(resident, "r-1", "national_id", "AB1234567"),
		sprintf(linkFact, "l-1", "national_id", "AB1234567", "identity.linked", "ru_snils", "112-233-445 95"),
	}
	res, err := post(t, e, civilRegistry, batch...)
	if err != nil || res.Accepted != 2 || res.Commit == 0 {
		t.Fatalf("batch: %+v, %v", res, err)
	}
	a, _ := subjectOf(t, e, candor.NationalID, "AB1234567")
	b, ok := subjectOf(t, e, scheme(t, "ru_snils"), "11223344595")
	if !ok {
		t.Fatal("the linked SNILS has no subject: the identifier is not reserved")
	}
	if m := members(t, e, b); len(m) != 2 || m[0] != a || m[1] != b {
		t.Fatalf("members of the SNILS's subject: %v, want %v then %v", m, a, b)
	}
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}}
	if _, err := post(t, e, bank, sprintf(lateFact, "b-1", "ru_snils", "11223344595")); err != nil {
		t.Fatal(err)
	}
	if again, _ := subjectOf(t, e, scheme(t, "ru_snils"), "11223344595"); again != b {
		t.Fatalf("a post under the reserved SNILS made subject %v, not %v", again, b)
	}
	if m := members(t, e, a); len(m) != 2 {
		t.Fatalf("members after the bank's post: %v", m)
	}
	// Idempotent: the same batch again is two duplicates and no new step.
	before := linkSteps(t, e, a)
	res, err = post(t, e, civilRegistry, batch...)
	if err != nil || res.Accepted != 0 || res.Duplicates != 2 {
		t.Fatalf("the batch again: %+v, %v", res, err)
	}
	if after := linkSteps(t, e, a); after != before {
		t.Fatalf("the batch again wrote link steps: %d, then %d", before, after)
	}
	// The same ID with another identifier is refused.
	_, err = post(t, e, civilRegistry, sprintf(linkFact, "l-1", "national_id", "AB1234567", "identity.linked", "ru_inn", "500100732259"))
	if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(candor.ErrorMessage(err)+detail(err), "stored before with different content") {
		t.Fatalf("l-1 with other content: %v %s", err, detail(err))
	}
	// Unlinked by a fact: two profiles again.
	if _, err := post(t, e, civilRegistry, sprintf(linkFact, "u-1", "ru_snils", "11223344595", "identity.unlinked", "national_id", "AB1234567")); err != nil {
		t.Fatal(err)
	}
	if m := members(t, e, a); len(m) != 1 {
		t.Fatalf("members after the unlink: %v", m)
	}
}

// linkSteps counts the link records stored under s.
func linkSteps(t *testing.T, e *testenv.Env, s candor.SubjectID) int {
	t.Helper()
	n := 0
	for _, err := range e.Store.Records(context.Background(), candor.RecordLink, s) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func detail(err error) string {
	var ce *candor.Error
	if !asError(err, &ce) {
		return ""
	}
	var b strings.Builder
	for _, p := range ce.Details {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// Link facts are refused as the link endpoint refuses them, each as a
// problem of the batch, and a refused batch stores nothing: not its
// other events either.
func TestLinkFactsRefused(t *testing.T) {
	e := testenv.New(t)
	if _, err := post(t, e, civilRegistry,
		sprintf(resident, "r-1", "national_id", "AB1234567"),
		sprintf(resident, "r-2", "national_id", "CD7654321"),
		sprintf(linkFact, "l-1", "national_id", "AB1234567", "identity.linked", "ru_snils", "11223344595")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		src   *candor.Source
		lines []string
		code  string
		want  string
	}{
		{"not a registry", aBank, []string{sprintf(linkFact, "x-1", "national_id", "CD7654321", "identity.linked", "ru_inn", "500100732259")},
			candor.EFORBIDDEN, "only a civil, company or tax registry"},
		{"linked elsewhere", civilRegistry, []string{
			sprintf(resident, "r-3", "national_id", "EF1111111"),
			sprintf(linkFact, "x-2", "national_id", "CD7654321", "identity.linked", "ru_snils", "11223344595")},
			candor.ECONFLICT, "item 1: the ru_snils is already linked to another profile"},
		{"not linked", civilRegistry, []string{
			sprintf(resident, "r-3", "national_id", "EF1111111"),
			sprintf(linkFact, "x-3", "national_id", "CD7654321", "identity.unlinked", "national_id", "AB1234567")},
			candor.ENOTFOUND, "are not linked"},
		{"unlink of an unknown identifier", civilRegistry, []string{
			sprintf(linkFact, "x-4", "national_id", "GH2222222", "identity.unlinked", "national_id", "AB1234567")},
			candor.ENOTFOUND, "no profile has this national_id"},
		{"across kinds", civilRegistry, []string{
			sprintf(linkFact, "x-5", "national_id", "CD7654321", "identity.linked", "company_reg_no", "C01234567")},
			candor.EINVALID, "company_reg_no does not identify a person"},
		{"a bad event beside a good link", civilRegistry, []string{
			sprintf(linkFact, "x-6", "national_id", "CD7654321", "identity.linked", "ru_inn", "500100732259"),
			strings.Replace(sprintf(resident, "r-4", "national_id", "EF1111111"), "1980", "1800", 1)},
			candor.EINVALID, "item 1: fields.birth_year"},
		{"a conflict and a missing profile: the conflict's code, both named", civilRegistry, []string{
			sprintf(linkFact, "x-7", "national_id", "CD7654321", "identity.linked", "ru_snils", "11223344595"),
			sprintf(linkFact, "x-8", "national_id", "GH2222222", "identity.unlinked", "national_id", "AB1234567")},
			candor.ECONFLICT, "item 1: subject.value: no profile has this national_id"},
		{"the second of two links of one identifier", civilRegistry, []string{
			sprintf(linkFact, "x-9", "national_id", "CD7654321", "identity.linked", "ru_inn", "500100732259"),
			sprintf(linkFact, "x-10", "national_id", "EF1111111", "identity.linked", "ru_inn", "500100732259")},
			candor.ECONFLICT, "item 1: the ru_inn is already linked to another profile"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cd, _ := subjectOf(t, e, candor.NationalID, "CD7654321")
			steps := linkSteps(t, e, cd)
			_, err := post(t, e, c.src, c.lines...)
			if candor.ErrorCode(err) != c.code || !strings.Contains(candor.ErrorMessage(err)+"\n"+detail(err), c.want) {
				t.Fatalf("got %v\n%s\nwant %s naming %q", err, detail(err), c.code, c.want)
			}
			if _, ok := subjectOf(t, e, candor.NationalID, "EF1111111"); ok {
				t.Error("a refused batch stored a subject")
			}
			if _, ok := subjectOf(t, e, scheme(t, "ru_inn"), "500100732259"); ok {
				t.Error("a refused batch reserved an identifier")
			}
			if n := linkSteps(t, e, cd); n != steps {
				t.Errorf("a refused batch wrote %d link steps", n-steps)
			}
		})
	}
}

var fmtSprintf = fmt.Sprintf

func asError(err error, target **candor.Error) bool { return errors.As(err, target) }

func scheme(t *testing.T, name string) candor.Scheme {
	t.Helper()
	s, ok := candor.ParseScheme(name)
	if !ok {
		t.Fatalf("no scheme %s", name)
	}
	return s
}
