package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// A registry posts link facts through POST /v1/events in every format it
// takes (JSON, NDJSON, a structured CloudEvent, a batch of CloudEvents,
// CSV), beside other facts, each post committed whole; refusals are the
// batch's problems, with the link endpoint's statuses. A link to an
// identifier no profile has reserves it: a bank's later fact posted under
// it lands on the linked profile.
func TestLinkFactsThroughEvents(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	if err := h.store.PutSource(ctx, &candor.Source{ID: "civil2", Name: "Civil Registry", Kind: candor.SourceRegistry,
		AllowedTypes: []string{"identity.resident_registered"}}); err != nil {
		t.Fatal(err)
	}
	registry := h.key(t, candor.RoleSource, "civil2")
	ts := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	resident := func(id, nid string) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":"identity.resident_registered","occurred_at":%q,"fields":{"birth_year":1980,"region":"north"}}`, id, nid, ts)
	}
	fact := func(id, typ, nid, otherScheme, otherValue string) string {
		return fmt.Sprintf(`{"id":%q,"subject":{"kind":"person","scheme":"national_id","value":%q},"type":%q,"occurred_at":%q,"fields":{"other_scheme":%q,"other_value":%q}}`, id, nid, typ, ts, otherScheme, otherValue)
	}
	cloud := func(id, typ, nid, otherScheme, otherValue string) string {
		return fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"civil2","type":%q,"time":%q,"data":{"subject":{"kind":"person","scheme":"national_id","value":%q},"fields":{"other_scheme":%q,"other_value":%q}}}`, id, typ, ts, nid, otherScheme, otherValue)
	}
	lookup := func(scheme, value string) (string, int) {
		lk := h.do(t, "GET", "/v1/subjects:lookup?scheme="+scheme+"&value="+value, h.operator, "", nil)
		id, _ := lk.body["id"].(string)
		return id, lk.status
	}
	profileHas := func(scheme, value, other string) bool {
		id, status := lookup(scheme, value)
		sub := h.do(t, "GET", "/v1/subjects/"+id, h.operator, "", nil)
		return status == 200 && strings.Contains(sub.raw, `"value":"`+other+`"`)
	}
	for _, c := range []struct {
		name, contentType, body string
		nid, otherScheme, other string
	}{
		{"JSON", "application/json", "[" + resident("j1", "AA1000001") + "," + fact("j2", "identity.linked", "AA1000001", "ru_snils", "112-233-445 95") + "]",
			"AA1000001", "ru_snils", "11223344595"},
		{"NDJSON", "application/x-ndjson", resident("n1", "AA1000002") + "\n" + fact("n2", "identity.linked", "AA1000002", "ru_inn", "500100732259"),
			"AA1000002", "ru_inn", "500100732259"},
		{"CloudEvent", "application/cloudevents+json", cloud("c1", "identity.linked", "AA1000003", "ru_inn", "7707083893"),
			"AA1000003", "ru_inn", "7707083893"},
		{"CloudEvents batch", "application/cloudevents-batch+json", "[" + cloud("c2", "identity.linked", "AA1000004", "national_id", "AB7777777") + "]",
			"AA1000004", "national_id", "AB7777777"},
		{"CSV", "text/csv", "id,subject_kind,subject_scheme,subject_value,type,occurred_at,other_scheme,other_value,birth_year,region\n" +
			"v1,person,national_id,AA1000005,identity.resident_registered," + ts + ",,,1980,north\n" +
			"v2,person,national_id,AA1000005,identity.linked," + ts + ",tax_number,1234567891,,\n",
			"AA1000005", "tax_number", "1234567891"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/events", registry, c.contentType, []byte(c.body))
			links, _ := r.body["links"].([]any)
			if r.status != 200 || len(links) != 1 || links[0].(map[string]any)["type"] != "identity.linked" {
				t.Fatalf("post: %d %s", r.status, r.raw)
			}
			if !profileHas("national_id", c.nid, c.other) || !profileHas(c.otherScheme, c.other, c.nid) {
				t.Fatalf("the linked profile does not show both identifiers")
			}
			if r := h.do(t, "POST", "/v1/events", registry, c.contentType, []byte(c.body)); r.status != 200 || r.body["accepted"] != 0.0 || r.body["links"] != nil {
				t.Errorf("posted again: %d %s, want duplicates only", r.status, r.raw)
			}
		})
	}
	// The reserved SNILS: a bank's fact under it is the linked person's.
	post := h.do(t, "POST", "/v1/events", h.bank, "application/x-ndjson",
		[]byte(strings.Replace(event("b1", "112-233-445 95", ts, okFields), `"national_id"`, `"ru_snils"`, 1)))
	if post.status != 200 {
		t.Fatalf("bank: %d %s", post.status, post.raw)
	}
	nid, _ := lookup("national_id", "AA1000001")
	evs := h.do(t, "GET", "/v1/subjects/"+nid+"/events", h.operator, "", nil)
	if !strings.Contains(evs.raw, `"credit.instalment_late"`) {
		t.Errorf("the bank's fact under the reserved SNILS is not on the linked profile: %s", evs.raw)
	}

	for _, c := range []struct {
		name, token, contentType, body string
		status                         int
		want                           string
	}{
		{"a bank links", h.bank, "application/x-ndjson", fact("x1", "identity.linked", "AB1234567", "ru_inn", "7707083892"), 403, "only a civil, company or tax registry"},
		{"linked elsewhere, beside a good fact", registry, "application/x-ndjson",
			resident("x2", "AA1000009") + "\n" + fact("x3", "identity.linked", "AA1000009", "ru_snils", "11223344595"), 409, "already linked to another profile"},
		{"across kinds", registry, "application/cloudevents+json", cloud("x4", "identity.linked", "AA1000009", "company_reg_no", "C01234567"), 422, "company_reg_no does not identify a person"},
		{"not linked", registry, "application/json", fact("x5", "identity.unlinked", "AA1000001", "ru_inn", "500100732259"), 404, "are not linked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(t, "POST", "/v1/events", c.token, c.contentType, []byte(c.body))
			if r.status != c.status || !strings.Contains(r.raw, c.want) {
				t.Fatalf("%d %s, want %d %q", r.status, r.raw, c.status, c.want)
			}
			if _, status := lookup("national_id", "AA1000009"); status != 404 {
				t.Errorf("a refused post stored its other fact's subject: %d", status)
			}
		})
	}
}
