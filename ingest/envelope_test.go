package ingest_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

const binaryData = `{"subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}`

// binaryHeaders are the ce- headers of the example, as HTTP sends them
// (Go canonicalises their case).
func binaryHeaders() map[string][]string {
	return map[string][]string{"Ce-Specversion": {"1.0"}, "Ce-Id": {"bank7-000123"}, "Ce-Source": {"urn:candor:source:bank7"},
		"Ce-Type": {"credit.instalment_late"}, "Ce-Time": {"2026-03-14T00:00:00Z"}, "Ce-Comexampleext": {"ignored"},
		"Content-Type": {"application/json"}, "Authorization": {"Bearer x"}}
}

func TestDecodeBinaryCloudEvent(t *testing.T) {
	attrs := candor.CloudEventHeaders(binaryHeaders())
	if len(attrs) != 6 || attrs["specversion"][0] != "1.0" {
		t.Fatalf("CloudEventHeaders: %v", attrs)
	}
	got, problems, err := ingest.DecodeEnvelope(candor.Envelope{ContentType: "application/json", CloudEvent: attrs}, []byte(binaryData), ingest.MaxEvents)
	if err != nil || len(problems) > 0 || len(got) != 1 {
		t.Fatalf("binary mode: %v %v %v", got, problems, err)
	}
	if !equalInput(got[0], exampleInput) || got[0].Source != "urn:candor:source:bank7" {
		t.Errorf("got %+v\nwant %+v", got[0], exampleInput)
	}
	// Percent-encoded values are decoded, as the HTTP binding says.
	enc := candor.CloudEventHeaders(map[string][]string{"ce-specversion": {"1.0"}, "ce-id": {"a%20b%C3%A9"}, "ce-source": {"bank7"}, "ce-type": {"t"}})
	if got, _, err := ingest.DecodeBinaryCloudEvent(enc, "", []byte(binaryData)); err != nil || got[0].ID != "a bé" {
		t.Errorf("percent-encoded id: %v %v", got, err)
	}

	with := func(change func(h map[string][]string)) map[string][]string {
		h := binaryHeaders()
		change(h)
		return candor.CloudEventHeaders(h)
	}
	tests := []struct {
		name        string
		attrs       map[string][]string
		ct, body    string
		code, field string // field: of a problem, when code is ""
	}{
		{"no specversion", with(func(h map[string][]string) { delete(h, "Ce-Specversion") }), "application/json", binaryData, "", "ce-specversion"},
		{"other specversion", with(func(h map[string][]string) { h["Ce-Specversion"] = []string{"0.3"} }), "application/json", binaryData, "", "ce-specversion"},
		{"no source", with(func(h map[string][]string) { delete(h, "Ce-Source") }), "application/json", binaryData, "", "ce-source"},
		{"empty source", with(func(h map[string][]string) { h["Ce-Source"] = []string{""} }), "application/json", binaryData, "", "ce-source"},
		{"bad extension name", with(func(h map[string][]string) { h["Ce-Com_example"] = []string{"x"} }), "application/json", binaryData, "", "ce-com_example"},
		{"control character", with(func(h map[string][]string) { h["Ce-Type"] = []string{"credit%1B[31m"} }), "application/json", binaryData, "", "ce-type"},
		{"datacontenttype header", with(func(h map[string][]string) { h["Ce-Datacontenttype"] = []string{"text/plain"} }), "application/json", binaryData, "", "ce-datacontenttype"},
		{"attribute twice", with(func(h map[string][]string) { h["Ce-Id"] = []string{"a", "b"} }), "application/json", binaryData, candor.EMALFORMED, ""},
		{"bad percent-encoding", with(func(h map[string][]string) { h["Ce-Id"] = []string{"a%zz"} }), "application/json", binaryData, candor.EMALFORMED, ""},
		{"structured body with ce- headers", with(func(map[string][]string) {}), "application/cloudevents+json", binaryData, candor.EMALFORMED, ""},
		{"data not JSON", with(func(map[string][]string) {}), "text/plain", "days_late=45", candor.EUNSUPPORTED, ""},
		{"malformed data", with(func(map[string][]string) {}), "application/json", `{"subject":`, candor.EMALFORMED, ""},
		{"trailing data", with(func(map[string][]string) {}), "application/json", binaryData + "{}", candor.EMALFORMED, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems, err := ingest.DecodeEnvelope(candor.Envelope{ContentType: tt.ct, CloudEvent: tt.attrs}, []byte(tt.body), ingest.MaxEvents)
			if tt.code != "" {
				if candor.ErrorCode(err) != tt.code {
					t.Fatalf("got %v %v, want %s", problems, err, tt.code)
				}
				return
			}
			if err != nil || len(problems) == 0 || problems[0].Field != tt.field {
				t.Fatalf("got %v %v, want a problem with %s", problems, err, tt.field)
			}
		})
	}
}

func TestDecodeEnvelopeCSV(t *testing.T) {
	semi := "id;subject_kind;subject_scheme;subject_value;type;occurred_at;days_late;amount;currency\n" +
		"bank7-000123;person;national_id;AB1234567;credit.instalment_late;2026-03-14T00:00:00Z;45;120.50;EUR\n"
	for _, env := range []candor.Envelope{
		{ContentType: `text/csv; delimiter=";"`},
		{ContentType: `text/csv; charset=utf-8; header=present; delimiter=semicolon`},
		{ContentType: "text/csv", Delimiter: ";"},
		{ContentType: "text/csv", Delimiter: "semicolon"},
		{ContentType: `text/csv; delimiter=";"`, Delimiter: "Semicolon"},
	} {
		got, problems, err := ingest.DecodeEnvelope(env, []byte(semi), ingest.MaxEvents)
		if err != nil || len(problems) > 0 || len(got) != 1 || got[0].ID != "bank7-000123" || len(got[0].Fields) != 3 {
			t.Errorf("%+v: %v %v %v", env, got, problems, err)
		}
	}
	tab := strings.ReplaceAll(semi, ";", "\t")
	if got, _, err := ingest.DecodeEnvelope(candor.Envelope{ContentType: "text/csv", Delimiter: "tab"}, []byte(tab), ingest.MaxEvents); err != nil || len(got) != 1 {
		t.Errorf("tab: %v %v", got, err)
	}
	// Without the delimiter, the header is one column: the error says which are missing.
	if _, _, err := ingest.DecodeEnvelope(candor.Envelope{ContentType: "text/csv"}, []byte(semi), ingest.MaxEvents); candor.ErrorCode(err) != candor.EMALFORMED {
		t.Errorf("semicolons read with commas: %v", err)
	}
	for _, env := range []candor.Envelope{
		{ContentType: `text/csv; delimiter="a"`},
		{ContentType: `text/csv; delimiter="\""`},
		{ContentType: "text/csv", Delimiter: ";;"},
		{ContentType: "text/csv", Delimiter: "\n"},
		{ContentType: `text/csv; delimiter=","`, Delimiter: ";"},
		{ContentType: "application/x-ndjson", Delimiter: ";"},
	} {
		if _, _, err := ingest.DecodeEnvelope(env, []byte(semi), ingest.MaxEvents); candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(candor.ErrorMessage(err), "elimiter") && !strings.Contains(candor.ErrorMessage(err), "separate") {
			t.Errorf("%+v: %v, want EINVALID about the delimiter", env, err)
		}
	}
}

func TestNamesSource(t *testing.T) {
	for attr, want := range map[string]bool{
		"bank7": true, "urn:bank7": true, "urn:candor:source:bank7": true, "https://bank7.example/events/bank7": true,
		"bank77": false, "urn:bank77": false, "tax1": false, "urn:tax1": false, "https://x/bank7?x=1": false, "bank7#a": false,
		"https://bank7.example/": false, "": false, "BANK7": false,
	} {
		if got := candor.NamesSource(attr, "bank7"); got != want {
			t.Errorf("NamesSource(%q, bank7) = %v, want %v", attr, got, want)
		}
	}
}

func TestCloudEventSourceChecked(t *testing.T) {
	e := mustEnv(t)
	post := func(env candor.Envelope, body string) error {
		_, err := e.p.Post(context.Background(), e.src, env, []byte(body))
		return err
	}
	other := strings.Replace(cloudExample, `"urn:bank7"`, `"urn:candor:source:tax1"`, 1)
	err := post(candor.Envelope{ContentType: "application/cloudevents-batch+json"}, "["+cloudExample+","+strings.Replace(other, "bank7-000123", "x2", 1)+"]")
	if ps := candor.ErrorDetails(err); candor.ErrorCode(err) != candor.EINVALID || len(ps) != 1 || ps[0].Index != 1 || ps[0].Field != "source" ||
		!strings.Contains(ps[0].Reason, "does not name source bank7") {
		t.Errorf("structured, another source: %v %+v", err, ps)
	}
	h := binaryHeaders()
	h["Ce-Source"] = []string{"https://tax.example/tax1"}
	if err := post(candor.Envelope{ContentType: "application/json", CloudEvent: candor.CloudEventHeaders(h)}, binaryData); candor.ErrorCode(err) != candor.EINVALID ||
		!strings.Contains(candor.ErrorDetails(err)[0].Reason, "does not name source bank7") {
		t.Errorf("binary, another source: %v", err)
	}
	if evs := e.events(t, "AB1234567"); len(evs) != 0 {
		t.Fatalf("refused posts stored %d events", len(evs))
	}
	if err := post(candor.Envelope{ContentType: "application/json", CloudEvent: candor.CloudEventHeaders(binaryHeaders())}, binaryData); err != nil {
		t.Fatalf("binary, its own source: %v", err)
	}
	if evs := e.events(t, "AB1234567"); len(evs) != 1 || evs[0].SourceEventID != "bank7-000123" || evs[0].Source != "bank7" {
		t.Fatalf("stored: %+v", evs)
	}
}

// FuzzDecodeBinaryCloudEvent feeds binary-mode attributes and data: no
// panic, and what is read is valid UTF-8 with problems for the rest.
func FuzzDecodeBinaryCloudEvent(f *testing.F) {
	f.Add("1.0", "bank7-000123", "urn:bank7", "credit.instalment_late", "comexampleext", "ignored", "application/json", []byte(binaryData))
	f.Add("0.3", "a%20b", "%ZZ", "t%1B", "Com_ext", "x%00", "application/cloudevents+json", []byte(`{"subject":{},"subject":{}}`))
	f.Add("", "", "", "", "datacontenttype", "text/plain", "", []byte(`{"fields":`+strings.Repeat(`{"a":`, 40)))
	f.Add("1.0", "\xff", "a/b?c", "\u202e", "", "", "application/json; charset=latin1", []byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, spec, id, source, typ, extName, extValue, ct string, body []byte) {
		h := map[string][]string{"ce-specversion": {spec}, "ce-id": {id}, "ce-source": {source}, "ce-type": {typ}}
		if extName != "" {
			h["ce-"+extName] = []string{extValue}
		}
		inputs, problems, err := ingest.DecodeBinaryCloudEvent(candor.CloudEventHeaders(h), ct, body)
		if err != nil {
			if candor.ErrorCode(err) != candor.EMALFORMED && candor.ErrorCode(err) != candor.EUNSUPPORTED {
				t.Fatalf("unexpected error code: %v", err)
			}
			return
		}
		if len(inputs) != 1 {
			t.Fatalf("%d events from one binary-mode CloudEvent", len(inputs))
		}
		in := inputs[0]
		for _, s := range []string{in.ID, in.Type, in.Source, in.OccurredAt} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 read: %q", s)
			}
		}
		for _, p := range problems {
			if p.Index != 0 || p.Reason == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}

// FuzzDecodeEnvelope feeds media types and delimiters: an error is one of
// those documented, never a panic.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(`text/csv; delimiter=";"`, "", []byte("id;subject_kind\n1;2\n"))
	f.Add("text/csv", "tab", []byte("id\tsubject_kind\n"))
	f.Add(`text/csv; delimiter="\""`, ";;", []byte("a"))
	f.Add("text/csv; delimiter=;", "\xff", []byte(""))
	f.Add("application/json", ";", []byte("{}"))
	f.Fuzz(func(t *testing.T, ct, delim string, body []byte) {
		_, _, err := ingest.DecodeEnvelope(candor.Envelope{ContentType: ct, Delimiter: delim}, body, 100)
		switch candor.ErrorCode(err) {
		case "", candor.EMALFORMED, candor.EINVALID, candor.EUNSUPPORTED, candor.ETOOLARGE:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
