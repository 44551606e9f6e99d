package ingest_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

func instalment(id, nid, account string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"credit.instalment_paid","occurred_at":"2026-03-14T00:00:00Z","fields":{"account":%q,"amount":"120.50","currency":"EUR"}}`, id, nid, account)
}

// A reference field is no channel for free text: what a source writes in it
// is stored as a keyed hash and at most its last four digits (issue 11,
// part 4), so "RELIGION: catholic" is nowhere readable, on disk or to a
// reader with the subject's key, while equal references still match.
func TestReferencesArePseudonymised(t *testing.T) {
	e := mustEnv(t)
	const nid = "GH1234567"
	body := strings.Join([]string{
		instalment("r1", nid, "RELIGION: catholic"),
		instalment("r2", nid, "RELIGION: catholic"),
		instalment("r3", nid, "ACC-0009-4821"),
		instalment("r4", nid, "HIV positive 1"),
		instalment("r5", nid, "gps 52.5200,13.4050"),
		instalment("r6", nid, "member of opposition party"),
	}, "\n")
	if res, err := e.post(t, body); err != nil || res.Accepted != 6 {
		t.Fatalf("%+v %v", res, err)
	}
	evs := e.events(t, nid)
	if len(evs) != 6 {
		t.Fatalf("%d events, want 6", len(evs))
	}
	refs := map[string]candor.Value{}
	for _, ev := range evs {
		refs[ev.SourceEventID] = ev.Field("account")
	}
	for _, tc := range []struct {
		id, shown string
	}{{"r1", "…"}, {"r2", "…"}, {"r3", "…4821"}, {"r4", "…1"}, {"r5", "…4050"}, {"r6", "…"}} {
		t.Run(tc.id, func(t *testing.T) {
			v := refs[tc.id]
			if v.Type != candor.FieldReference || v.String() != tc.shown || len(v.ReferenceHash()) != candor.ReferenceHashLen {
				t.Errorf("account = %+v (shown %q), want a pseudonym shown as %q", v, v.String(), tc.shown)
			}
			for _, word := range []string{"RELIGION", "catholic", "HIV", "positive", "ACC", "gps", "52.52", "opposition", "party"} {
				if strings.Contains(v.Str, word) {
					t.Errorf("the stored reference %q keeps %q", v.Str, word)
				}
			}
		})
	}
	if refs["r1"].ReferenceHash() != refs["r2"].ReferenceHash() {
		t.Error("the same reference got two pseudonyms: later facts could not be matched to it")
	}
	if refs["r1"].ReferenceHash() == refs["r3"].ReferenceHash() {
		t.Error("two references got one pseudonym")
	}
	// Posting the same events again is a duplicate, not a conflict: the
	// pseudonym is a function of the reference.
	if res, err := e.post(t, body); err != nil || res.Duplicates != 6 {
		t.Fatalf("re-post: %+v %v", res, err)
	}
	e.close(t)
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		for _, word := range []string{"catholic", "RELIGION", "positive", "opposition", "52.5200"} {
			if strings.Contains(string(data), word) {
				t.Errorf("%s holds %q", path, word)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func order(id, occurred string, fields string) string {
	return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":"KL1234567"},"type":"court.restriction_imposed","occurred_at":%q,"fields":{%s}}`, id, occurred, fields)
}

const goodOrder = `"order_ref":"RO-2026-17","court":"District Court","legal_basis":"Civil Procedure Act s. 712","restriction":"asset_disposal","expires_on":"2027-03-14","appeal_route":"Court of Appeal within 30 days"`

// Charter point 9: a restriction exists only as a court's fact with its
// reference, court, legal basis, finite expiry and appeal route.
func TestCourtOrders(t *testing.T) {
	e := mustEnv(t)
	court := &candor.Source{ID: "dc1", Name: "District Court", Kind: candor.SourceCourt, AllowedTypes: []string{"court.restriction_imposed"}}
	post := func(src *candor.Source, body string) error {
		inputs, problems, err := ingest.Decode([]byte(body), ingest.FormatNDJSON, ingest.MaxEvents)
		if err != nil {
			return err
		}
		_, err = e.p.Ingest(context.Background(), src, inputs, problems)
		return err
	}
	// A bank whose list names the type (registered before the rule, or
	// under another catalogue) still may not post it.
	bank := &candor.Source{ID: "bank7", Name: "Bank Seven", Kind: candor.SourceBank, AllowedTypes: []string{"court.restriction_imposed"}}
	err := post(bank, order("b1", "2026-03-14T00:00:00Z", goodOrder))
	if candor.ErrorCode(err) != candor.EFORBIDDEN || !strings.Contains(candor.ErrorMessage(err), "only courts may post court.restriction_imposed (charter point 9)") {
		t.Fatalf("a bank posted a court order: %v", err)
	}
	blank := strings.NewReplacer(`"RO-2026-17"`, `""`, `"District Court"`, `" "`, `"Civil Procedure Act s. 712"`, `"\u200b\u00a0"`, `"Court of Appeal within 30 days"`, `"-"`).Replace(goodOrder)
	for _, tc := range []struct {
		name     string
		body     string
		problems []string // "field: reason" substrings, one per problem
	}{
		{"blank texts", order("o1", "2026-03-14T00:00:00Z", blank), []string{
			"fields.order_ref: must not be blank", "fields.court: must not be blank", "fields.legal_basis: must not be blank", "fields.appeal_route: must not be blank"}},
		{"for ever", order("o2", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, "2027-03-14", "9999-12-31", 1)), []string{
			"fields.expires_on: must be on or before 2036-03-10: an order cannot outlive the 10y retention of court.restriction_imposed (charter point 9"}},
		{"expires before it is made", order("o3", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, "2027-03-14", "2026-03-14", 1)), []string{
			"fields.expires_on: must be after the day the order was made (2026-03-14)"}},
		{"restriction not listed", order("o4", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, "asset_disposal", "travel_ban", 1)), []string{
			"fields.restriction: must be one of company_director, asset_disposal, leaving_jurisdiction"}},
		{"no appeal route", order("o5", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, `,"appeal_route":"Court of Appeal within 30 days"`, "", 1)), []string{
			"fields.appeal_route: required"}},
		// The JSON reader refuses the line before the catalogue sees it.
		{"control characters", order("o6", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, "District Court", `District\u202eCourt`, 1)), []string{
			"fields.court: line 1: malformed JSON at column 198: string holds U+202E"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := post(court, tc.body)
			if candor.ErrorCode(err) != candor.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			ps := candor.ErrorDetails(err)
			if len(ps) != len(tc.problems) {
				t.Errorf("%d problems, want %d: %+v", len(ps), len(tc.problems), ps)
			}
			for _, want := range tc.problems {
				found := false
				for _, p := range ps {
					found = found || strings.Contains(p.Field+": "+p.Reason, want)
				}
				if !found {
					t.Errorf("no problem says %q: %+v", want, ps)
				}
			}
		})
	}
	if evs := e.events(t, "KL1234567"); len(evs) != 0 {
		t.Fatalf("refused orders stored %d events", len(evs))
	}
	// The last day the retention allows is accepted.
	if err := post(court, order("ok", "2026-03-14T00:00:00Z", strings.Replace(goodOrder, "2027-03-14", "2036-03-10", 1))); err != nil {
		t.Fatal(err)
	}
	evs := e.events(t, "KL1234567")
	if len(evs) != 1 || evs[0].Field("order_ref").Str != "RO-2026-17" || evs[0].Field("legal_basis").Str != "Civil Procedure Act s. 712" {
		t.Fatalf("the order was not stored as posted: %+v", evs)
	}
}
