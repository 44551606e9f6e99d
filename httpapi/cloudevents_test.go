package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPostBinaryCloudEventAndCSV(t *testing.T) {
	h := mustHarness(t)
	ts := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	data := `{"subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"fields":` + okFields + `}`
	ce := func(id, source string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "ce-specversion": "1.0", "ce-id": id,
			"ce-source": source, "ce-type": "credit.instalment_late", "ce-time": ts}
	}
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, ce("b1", "urn:candor:source:bank7"), []byte(data)); r.status != 200 || r.body["accepted"] != 1.0 {
		t.Fatalf("binary mode: %d %s", r.status, r.raw)
	}
	// Another source's name in the CloudEvent is refused, naming it.
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, ce("b2", "urn:candor:source:court1"), []byte(data)); r.status != 422 ||
		!strings.Contains(r.raw, `"field":"source"`) || !strings.Contains(r.raw, "does not name source bank7") {
		t.Errorf("binary mode, another source: %d %s", r.status, r.raw)
	}
	structured := fmt.Sprintf(`{"specversion":"1.0","id":"b3","source":"court1","type":"credit.instalment_late","time":%q,"data":%s}`, ts, data)
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, map[string]string{"Content-Type": "application/cloudevents+json"}, []byte(structured)); r.status != 422 ||
		!strings.Contains(r.raw, "does not name source bank7") {
		t.Errorf("structured, another source: %d %s", r.status, r.raw)
	}
	noSpec := ce("b4", "bank7")
	delete(noSpec, "ce-specversion")
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, noSpec, []byte(data)); r.status != 422 || !strings.Contains(r.raw, "ce-specversion") {
		t.Errorf("binary mode without ce-specversion: %d %s", r.status, r.raw)
	}

	// CSV, its delimiter in the media type or the query.
	csv := "id;subject_kind;subject_scheme;subject_value;type;occurred_at;days_late;amount;currency\n" +
		"c1;person;national_id;CD7654321;credit.instalment_late;" + ts + ";45;120.50;EUR\n"
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, map[string]string{"Content-Type": `text/csv; delimiter=";"`}, []byte(csv)); r.status != 200 || r.body["accepted"] != 1.0 {
		t.Errorf("CSV, delimiter in the media type: %d %s", r.status, r.raw)
	}
	if r, _ := h.doWith(t, "POST", "/v1/events?delimiter=semicolon", h.bank, map[string]string{"Content-Type": "text/csv"}, []byte(csv)); r.status != 200 || r.body["duplicates"] != 1.0 {
		t.Errorf("CSV, delimiter in the query: %d %s", r.status, r.raw)
	}
	if r, _ := h.doWith(t, "POST", "/v1/events?delimiter=%22", h.bank, map[string]string{"Content-Type": "text/csv"}, []byte(csv)); r.status != 422 || !strings.Contains(r.raw, "cannot separate CSV fields") {
		t.Errorf("CSV, a quote as delimiter: %d %s", r.status, r.raw)
	}
	if r, _ := h.doWith(t, "POST", "/v1/events", h.bank, map[string]string{"Content-Type": "text/csv"}, []byte(csv)); r.status != 400 || !strings.Contains(r.raw, `missing column`) {
		t.Errorf("CSV of semicolons read with commas: %d %s", r.status, r.raw)
	}
}
