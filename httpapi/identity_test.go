package httpapi_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

// A registry links a person's national ID and SNILS over the API: the
// operator then reads one profile with both identifiers and both banks'
// facts by either identifier; unlinked, two again. Other sources, kinds
// that differ and identifiers linked elsewhere are refused.
func TestIdentityLinks(t *testing.T) {
	h := mustHarness(t)
	ctx := context.Background()
	for _, s := range []*candor.Source{
		{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry},
		{ID: "bank8", Name: "Bank Eight", Kind: candor.SourceBank, AllowedTypes: []string{"credit.instalment_late"}},
	} {
		if err := h.store.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	registry := h.key(t, candor.RoleSource, "civil1")
	recent := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	snilsEvent := strings.Replace(event("s1", "112-233-445 95", recent, okFields), `"national_id"`, `"ru_snils"`, 1)
	for _, post := range []struct{ token, body string }{
		{h.bank, event("n1", "AB1234567", recent, okFields) + "\n" + event("o1", "ZZ7654321", recent, okFields)},
		{h.bank, snilsEvent},
	} {
		if r := h.do(t, "POST", "/v1/events", post.token, "application/x-ndjson", []byte(post.body)); r.status != 200 {
			t.Fatalf("post: %d %s", r.status, r.raw)
		}
	}
	n := 0
	link := func(token, typ, kind, scheme, value, otherScheme, otherValue string) response {
		n++
		body := `{"id":"civ-` + strconv.Itoa(n) + `","type":"` + typ + `","kind":"` + kind + `","scheme":"` + scheme + `","value":"` + value + `","other_scheme":"` + otherScheme + `","other_value":"` + otherValue + `"}`
		return h.do(t, "POST", "/v1/identity/links", token, "application/json", []byte(body))
	}
	lookup := func(scheme, value string) string {
		lk := h.do(t, "GET", "/v1/subjects:lookup?scheme="+scheme+"&value="+value, h.operator, "", nil)
		id, _ := lk.body["id"].(string)
		if lk.status != 200 {
			t.Fatalf("lookup %s: %d %s", scheme, lk.status, lk.raw)
		}
		return id
	}
	events := func(id string) int { // the banks' facts, not the registry's link facts
		evs := h.do(t, "GET", "/v1/subjects/"+id+"/events", h.operator, "", nil)
		list, _ := evs.body["events"].([]any)
		n := 0
		for _, e := range list {
			if e.(map[string]any)["type"] == "credit.instalment_late" {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name, token, typ, kind, scheme, value, otherScheme, otherValue string
		status                                                         int
		want                                                           string
	}{
		{"a bank", h.bank, "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "11223344595", 403, "registry"},
		{"bad snils", registry, "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "11223344594", 422, "not a valid ru_snils: the check digit does not match"},
		{"bad type", registry, "identity.merged", "person", "national_id", "AB1234567", "ru_snils", "11223344595", 422, "identity.linked or identity.unlinked"},
		{"kinds", registry, "identity.linked", "person", "national_id", "AB1234567", "company_reg_no", "C01234567", 422, "company_reg_no does not identify a person"},
		{"not linked", registry, "identity.unlinked", "person", "national_id", "AB1234567", "ru_snils", "11223344595", 404, "are not linked"},
	} {
		if r := link(tc.token, tc.typ, tc.kind, tc.scheme, tc.value, tc.otherScheme, tc.otherValue); r.status != tc.status || !strings.Contains(r.raw, tc.want) {
			t.Errorf("%s: %d %s, want %d %q", tc.name, r.status, r.raw, tc.status, tc.want)
		}
	}
	nid, snils := lookup("national_id", "AB1234567"), lookup("ru_snils", "11223344595")
	if events(nid) != 1 || events(snils) != 1 {
		t.Fatalf("before the link: %d and %d events", events(nid), events(snils))
	}
	if r := link(registry, "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "112-233-445 95"); r.status != 200 || r.body["type"] != "identity.linked" {
		t.Fatalf("link: %d %s", r.status, r.raw)
	}
	body := `{"id":"civ-` + strconv.Itoa(n) + `","type":"identity.linked","kind":"person","scheme":"national_id","value":"AB1234567","other_scheme":"ru_snils","other_value":"112-233-445 95"}`
	if r := h.do(t, "POST", "/v1/identity/links", registry, "application/json", []byte(body)); r.status != 200 || r.body["duplicate"] != true {
		t.Errorf("the same fact again: %d %s, want a duplicate", r.status, r.raw)
	}
	for _, id := range []string{nid, snils} {
		if n := events(id); n != 2 {
			t.Errorf("linked, subject %s shows %d events, want both identifiers' 2", id, n)
		}
		sub := h.do(t, "GET", "/v1/subjects/"+id, h.operator, "", nil)
		if !strings.Contains(sub.raw, `"value":"AB1234567"`) || !strings.Contains(sub.raw, `"value":"11223344595"`) {
			t.Errorf("linked, subject %s shows %s, want both identifiers", id, sub.raw)
		}
	}
	if r := link(registry, "identity.linked", "person", "national_id", "ZZ7654321", "ru_snils", "11223344595"); r.status != 409 || !strings.Contains(r.raw, "already linked to another profile") {
		t.Errorf("link elsewhere: %d %s", r.status, r.raw)
	}
	if r := link(registry, "identity.unlinked", "person", "ru_snils", "11223344595", "national_id", "AB1234567"); r.status != 200 || r.body["type"] != "identity.unlinked" {
		t.Fatalf("unlink: %d %s", r.status, r.raw)
	}
	if events(nid) != 1 || events(snils) != 1 {
		t.Errorf("unlinked: %d and %d events, want 1 and 1", events(nid), events(snils))
	}

	// Linked again, the person disputes the link: it goes to review and
	// stands meanwhile; verified by the registry, it stands; disputed
	// again and withdrawn, two profiles again.
	if r := link(registry, "identity.linked", "person", "national_id", "AB1234567", "ru_snils", "11223344595"); r.status != 200 {
		t.Fatalf("link again: %d %s", r.status, r.raw)
	}
	person := h.key(t, candor.RoleSubject, snils)
	myLink := func() string {
		mine := h.do(t, "GET", "/v1/me/links", person, "", nil)
		list, _ := mine.body["links"].([]any)
		if mine.status != 200 || len(list) > 1 {
			t.Fatalf("my links: %d %s", mine.status, mine.raw)
		}
		if len(list) == 0 {
			return ""
		}
		if list[0].(map[string]any)["source"] != "civil1" {
			t.Fatalf("my links: %s", mine.raw)
		}
		return list[0].(map[string]any)["link"].(string)
	}
	id := myLink()
	answer := func(statement, reply string) {
		t.Helper()
		r := h.do(t, "POST", "/v1/me/links/"+id+"/dispute", person, "application/json", []byte(`{"statement":"`+statement+`"}`))
		if r.status != 200 || r.body["status"] != "open" || r.body["dispute"] == nil || r.body["type"] != nil {
			t.Fatalf("dispute: %d %s", r.status, r.raw)
		}
		if events(nid) != 2 || events(snils) != 2 || myLink() != id {
			t.Fatalf("a link under review stands: %d and %d events", events(nid), events(snils))
		}
		if again := h.do(t, "POST", "/v1/me/links/"+id+"/dispute", person, "application/json", nil); again.status != 409 {
			t.Errorf("disputed while under review: %d %s", again.status, again.raw)
		}
		if a := h.do(t, "POST", "/v1/sources/me/disputes/"+r.body["dispute"].(string), registry, "application/json", []byte(`{"answer":"`+reply+`"}`)); a.status != 200 {
			t.Fatalf("the registry's answer: %d %s", a.status, a.raw)
		}
	}
	answer("Not my SNILS.", "verify")
	if events(nid) != 2 || myLink() != id {
		t.Fatalf("verified: %d events, link %q", events(nid), myLink())
	}
	answer("Still not mine.", "withdraw")
	if events(nid) != 1 || events(snils) != 1 || myLink() != "" {
		t.Errorf("withdrawn: %d and %d events, want 1 and 1, and no link", events(nid), events(snils))
	}
	if r := h.do(t, "POST", "/v1/me/links/"+id+"/dispute", person, "application/json", nil); r.status != 404 {
		t.Errorf("dispute of an undone link: %d %s", r.status, r.raw)
	}
}

// The catalogue lists every identifier scheme with its format, so that a
// source can check its data before posting it, and the built-in link
// fact types beside the catalogue's own.
func TestCatalogueListsSchemes(t *testing.T) {
	h := mustHarness(t)
	r := h.do(t, "GET", "/v1/catalogue", "", "", nil)
	schemes, _ := r.body["schemes"].([]any)
	if r.status != 200 || len(schemes) != len(candor.Schemes().All()) {
		t.Fatalf("catalogue: %d, %d schemes", r.status, len(schemes))
	}
	for _, want := range []string{`"name":"identity.linked"`, `"name":"identity.unlinked"`, `"subject":"any"`, `"name":"other_scheme"`, `"name":"cn_resident_id"`, `"check":"iso7064-mod11-2"`, `"name":"ru_snils"`, `"subjects":["person","organisation"]`, "e.g. 112-233-445 95"} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("catalogue lacks %s", want)
		}
	}
}

// identityLinks drives the linked-identity routes for TestOpenAPIContract:
// a registry links alice's national ID to a SNILS, alice lists the link
// and disputes it.
func (c *contractRun) identityLinks(t *testing.T, alice string) {
	if err := c.h.store.PutSource(context.Background(), &candor.Source{ID: "civil9", Name: "Civil Registry", Kind: candor.SourceRegistry}); err != nil {
		t.Fatal(err)
	}
	registry := c.h.key(t, candor.RoleSource, "civil9")
	recent := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	c.call(t, "POST", "/v1/events", c.h.bank, "application/x-ndjson",
		strings.Replace(event("cs1", "112-233-445 95", recent, okFields), `"national_id"`, `"ru_snils"`, 1), 200)
	c.call(t, "POST", "/v1/identity/links", registry, "application/json",
		`{"id":"civ-9","type":"identity.linked","kind":"person","scheme":"national_id","value":"AB1234567","other_scheme":"ru_snils","other_value":"11223344595"}`, 200)
	links := c.call(t, "GET", "/v1/me/links", alice, "", "", 200).body["links"].([]any)
	id := links[0].(map[string]any)["link"].(string)
	c.call(t, "POST", "/v1/me/links/"+id+"/dispute", alice, "", "", 200)
}
