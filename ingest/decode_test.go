package ingest_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/ingest"
)

const example = `{"id":"bank7-000123","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"type":"credit.instalment_late","occurred_at":"2026-03-14T00:00:00Z","fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}`

var exampleInput = candor.EventInput{
	ID:         "bank7-000123",
	Subject:    candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: "AB1234567"},
	Type:       "credit.instalment_late",
	OccurredAt: "2026-03-14T00:00:00Z",
	Fields: []candor.RawField{
		{Name: "days_late", Value: candor.RawValue{Kind: candor.RawNumber, Text: "45"}},
		{Name: "amount", Value: candor.RawValue{Kind: candor.RawString, Text: "120.50"}},
		{Name: "currency", Value: candor.RawValue{Kind: candor.RawString, Text: "EUR"}},
	},
}

const cloudExample = `{"specversion":"1.0","id":"bank7-000123","source":"urn:bank7","type":"credit.instalment_late","time":"2026-03-14T00:00:00Z","datacontenttype":"application/json","comexampleext":"ignored","data":{"subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},"fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}}`

func TestDecodeFormats(t *testing.T) {
	tests := []struct {
		name   string
		format ingest.Format
		body   string
		n      int
	}{
		{"json object", ingest.FormatJSON, example, 1},
		{"json array", ingest.FormatJSON, "[" + example + ",\n " + example + "]", 2},
		{"ndjson", ingest.FormatNDJSON, example + "\n\n" + example + "\r\n" + example, 3},
		{"cloudevent", ingest.FormatCloudEvent, cloudExample, 1},
		{"cloudevents batch", ingest.FormatCloudEventBatch, "[" + cloudExample + "," + cloudExample + "]", 2},
		{"csv", ingest.FormatCSV, "id,subject_kind,subject_scheme,subject_value,type,occurred_at,days_late,amount,currency,account\n" +
			"bank7-000123,person,national_id,AB1234567,credit.instalment_late,2026-03-14T00:00:00Z,45,120.50,EUR,\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := ingest.Decode([]byte(tt.body), tt.format, ingest.MaxEvents)
			if err != nil || len(problems) > 0 {
				t.Fatalf("Decode: %v %v", err, problems)
			}
			if len(got) != tt.n {
				t.Fatalf("got %d events, want %d", len(got), tt.n)
			}
			for _, in := range got {
				want := exampleInput
				if tt.format == ingest.FormatCSV { // CSV cells are untyped text
					want.Fields = []candor.RawField{
						{Name: "days_late", Value: candor.RawValue{Kind: candor.RawText, Text: "45"}},
						{Name: "amount", Value: candor.RawValue{Kind: candor.RawText, Text: "120.50"}},
						{Name: "currency", Value: candor.RawValue{Kind: candor.RawText, Text: "EUR"}},
					}
				}
				if !equalInput(in, want) {
					t.Errorf("got %+v\nwant %+v", in, want)
				}
			}
		})
	}
}

func equalInput(a, b candor.EventInput) bool {
	if a.ID != b.ID || a.Subject != b.Subject || a.Type != b.Type || a.OccurredAt != b.OccurredAt || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i] != b.Fields[i] {
			return false
		}
	}
	return true
}

func TestDecodeErrors(t *testing.T) {
	many := strings.Repeat(example+"\n", 11)
	tests := []struct {
		name   string
		format ingest.Format
		body   string
		code   string
		want   string // substring of the message
	}{
		{"empty", ingest.FormatJSON, "  \n", candor.EMALFORMED, "empty body"},
		{"truncated", ingest.FormatJSON, `[{"id":"a"`, candor.EMALFORMED, "line 1, column 11"},
		{"trailing garbage", ingest.FormatJSON, example + "x", candor.EMALFORMED, "after the end"},
		{"not an object", ingest.FormatJSON, `42`, candor.EMALFORMED, "want an event object"},
		{"invalid utf8", ingest.FormatJSON, "[{\"id\":\"a\xff\"}]", candor.EMALFORMED, "UTF-8"},
		{"bad escape", ingest.FormatJSON, `{"id":"a\q"}`, candor.EMALFORMED, "invalid escape"},
		{"lone surrogate", ingest.FormatJSON, `{"id":"\ud800"}`, candor.EMALFORMED, "surrogate"},
		{"raw control char", ingest.FormatJSON, "{\"id\":\"a\tb\"}", candor.EMALFORMED, "control character"},
		{"leading zero", ingest.FormatJSON, `{"fields":{"n":01}}`, candor.EMALFORMED, "want ','"},
		{"too many", ingest.FormatNDJSON, many, candor.ETOOLARGE, "more than 10 events"},
		{"empty array", ingest.FormatJSON, `[]`, candor.EMALFORMED, "no events"},
		{"cloudevent array in single mode", ingest.FormatCloudEvent, "[" + cloudExample + "]", candor.EMALFORMED, "one CloudEvent object"},
		{"csv missing column", ingest.FormatCSV, "id,type\na,b\n", candor.EMALFORMED, `missing column "subject_kind"`},
		{"csv ragged", ingest.FormatCSV, "id,subject_kind,subject_scheme,subject_value,type,occurred_at\na,b\n", candor.EMALFORMED, "csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ingest.Decode([]byte(tt.body), tt.format, 10)
			if candor.ErrorCode(err) != tt.code || !strings.Contains(candor.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want %s containing %q", err, tt.code, tt.want)
			}
		})
	}
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name   string
		format ingest.Format
		body   string
		want   []candor.Problem
	}{
		{"unknown key", ingest.FormatJSON, `{"id":"a","colour":"red"}`, []candor.Problem{{Index: 0, Field: "colour"}}},
		{"id not a string", ingest.FormatJSON, `[{"id":"a"},{"id":7}]`, []candor.Problem{{Index: 1, Field: "id"}}},
		{"subject not an object", ingest.FormatJSON, `{"subject":"AB1234567"}`, []candor.Problem{{Index: 0, Field: "subject"}}},
		{"subject unknown key", ingest.FormatJSON, `{"subject":{"name":"x"}}`, []candor.Problem{{Index: 0, Field: "subject.name"}}},
		{"fields not an object", ingest.FormatJSON, `{"fields":[1]}`, []candor.Problem{{Index: 0, Field: "fields"}}},
		{"bad ndjson line", ingest.FormatNDJSON, example + "\n{\"id\":\n" + example, []candor.Problem{{Index: 1, Field: "id"}}},
		{"ndjson line with a key twice", ingest.FormatNDJSON, example + "\n" + strings.Replace(example, `"value":`, `"value":"CD7654321","value":`, 1),
			[]candor.Problem{{Index: 1, Field: "subject"}}},
		{"cloudevent extension not a scalar", ingest.FormatCloudEvent, strings.Replace(cloudExample, `"ignored"`, `{"a":[1]}`, 1),
			[]candor.Problem{{Index: 0, Field: "comexampleext"}}},
		{"cloudevent attribute name not lower-case", ingest.FormatCloudEvent, strings.Replace(cloudExample, `"comexampleext"`, `"ID"`, 1),
			[]candor.Problem{{Index: 0, Field: "ID"}}},
		{"cloudevent without specversion and source", ingest.FormatCloudEvent, `{"id":"a","type":"t","data":{}}`,
			[]candor.Problem{{Index: 0, Field: "specversion"}, {Index: 0, Field: "source"}}},
		{"cloudevent binary data", ingest.FormatCloudEvent, `{"specversion":"1.0","id":"a","source":"s","type":"t","data_base64":"AA=="}`,
			[]candor.Problem{{Index: 0, Field: "data_base64"}, {Index: 0, Field: "data"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems, err := ingest.Decode([]byte(tt.body), tt.format, ingest.MaxEvents)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("got problems %v, want %v", problems, tt.want)
			}
			for i, p := range problems {
				if p.Index != tt.want[i].Index || p.Field != tt.want[i].Field || p.Reason == "" {
					t.Errorf("problem %d = %+v, want index %d field %q and a reason", i, p, tt.want[i].Index, tt.want[i].Field)
				}
			}
		})
	}
}

func TestFormatForContentType(t *testing.T) {
	for ct, want := range map[string]ingest.Format{
		"application/json":                   ingest.FormatJSON,
		"application/json; charset=utf-8":    ingest.FormatJSON,
		"application/x-ndjson":               ingest.FormatNDJSON,
		"application/cloudevents+json":       ingest.FormatCloudEvent,
		"application/cloudevents-batch+json": ingest.FormatCloudEventBatch,
	} {
		if got, err := ingest.FormatForContentType(ct); err != nil || got != want {
			t.Errorf("%q: got %v, %v", ct, got, err)
		}
	}
	for _, ct := range []string{"", "text/plain", "application/json; charset=latin1", "multipart/form-data"} {
		if _, err := ingest.FormatForContentType(ct); candor.ErrorCode(err) != candor.EUNSUPPORTED {
			t.Errorf("%q: got %v, want EUNSUPPORTED", ct, err)
		}
	}
}

// FuzzDecode checks the decoder never panics and agrees with encoding/json:
// whatever it accepts without problems is valid JSON with the same values.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(example), uint8(ingest.FormatJSON))
	f.Add([]byte("["+example+","+example+"]"), uint8(ingest.FormatJSON))
	f.Add([]byte(example+"\n"+example), uint8(ingest.FormatNDJSON))
	f.Add([]byte(cloudExample), uint8(ingest.FormatCloudEvent))
	f.Add([]byte("["+cloudExample+"]"), uint8(ingest.FormatCloudEventBatch))
	f.Add([]byte(`{"id":"\u00e9\ud83d\ude00","fields":{"a":-0.5e+3,"b":[1,{"c":null}],"d":true}}`), uint8(ingest.FormatJSON))
	f.Add([]byte("id,subject_kind,subject_scheme,subject_value,type,occurred_at,x\n1,2,3,4,5,6,\"a\nb\"\n"), uint8(ingest.FormatCSV))
	// The attacks of issue 11: deep nesting, repeated keys, control
	// characters and bidirectional overrides.
	f.Add([]byte(strings.Repeat("[", 100)), uint8(ingest.FormatJSON))
	f.Add([]byte(`{"fields":{"a":`+strings.Repeat(`{"a":`, 40)), uint8(ingest.FormatNDJSON))
	f.Add([]byte(strings.Replace(example, `"id":`, `"id":"x","id":`, 1)), uint8(ingest.FormatJSON))
	f.Add([]byte(strings.Replace(cloudExample, `"subject":`, `"subject":{},"subject":`, 1)), uint8(ingest.FormatCloudEvent))
	f.Add([]byte(strings.Replace(cloudExample, `"value":`, `"value":"x","\u0076alue":`, 1)), uint8(ingest.FormatCloudEvent))
	f.Add([]byte(strings.Replace(example, `"EUR"`, `"\u001b[31mEUR\u0000"`, 1)), uint8(ingest.FormatJSON))
	f.Add([]byte(strings.Replace(example, `"AB1234567"`, "\"AB\u202e765\"", 1)), uint8(ingest.FormatNDJSON))
	f.Add([]byte(strings.Replace(cloudExample, `"ignored"`, `[[[{"a":1,"a":2}]]]`, 1)), uint8(ingest.FormatCloudEventBatch))
	f.Add([]byte("\xef\xbb\xbfid;subject_kind;subject_scheme;subject_value;type;occurred_at\n1;2;3;4;5;\"6;7\"\n"), uint8(ingest.FormatCSV))
	f.Add([]byte("{\n"+example+"\n}\n"), uint8(ingest.FormatNDJSON))
	f.Fuzz(func(t *testing.T, body []byte, format uint8) {
		f := ingest.Format(format%5 + 1)
		if f == ingest.FormatCSV {
			if _, _, err := ingest.DecodeCSV(body, ';', 100); err != nil {
				if c := candor.ErrorCode(err); c != candor.EMALFORMED && c != candor.ETOOLARGE {
					t.Fatalf("DecodeCSV: unexpected error code %s: %v", c, err)
				}
			}
		}
		inputs, problems, err := ingest.Decode(body, f, 100)
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // Decode skips a byte order mark
		if err != nil {
			if c := candor.ErrorCode(err); c != candor.EMALFORMED && c != candor.ETOOLARGE {
				t.Fatalf("unexpected error code %s: %v", c, err)
			}
			return
		}
		if len(inputs) == 0 || len(inputs) > 100 {
			t.Fatalf("got %d inputs", len(inputs))
		}
		if f == ingest.FormatCSV {
			return
		}
		// Whatever the JSON decoder reads, it reads strictly: no string
		// holds a refused character, no value is nested too deep.
		if !json.Valid(body) && f != ingest.FormatNDJSON {
			t.Fatalf("accepted invalid JSON: %q", body)
		}
		for _, in := range inputs {
			for _, s := range []string{in.ID, in.Type, in.OccurredAt, in.Subject.Kind, in.Subject.Scheme, in.Subject.Value} {
				if _, at := candor.ForbiddenRune(s, false); at >= 0 {
					t.Fatalf("accepted %q in %q", s, body)
				}
			}
			for _, fl := range in.Fields {
				if _, at := candor.ForbiddenRune(fl.Name+fl.Value.Text, false); at >= 0 {
					t.Fatalf("accepted field %q in %q", fl, body)
				}
			}
		}
		if f != ingest.FormatJSON || len(problems) > 0 {
			return
		}
		// Differential check against encoding/json.
		type subject struct{ Kind, Scheme, Value string }
		type event struct {
			ID         string                     `json:"id"`
			Type       string                     `json:"type"`
			OccurredAt string                     `json:"occurred_at"`
			Subject    subject                    `json:"subject"`
			Fields     map[string]json.RawMessage `json:"fields"`
		}
		var evs []event
		if body[firstNonSpace(body)] == '[' {
			if err := json.Unmarshal(body, &evs); err != nil {
				t.Fatalf("encoding/json rejects what Decode accepted: %v", err)
			}
		} else {
			var e event
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("encoding/json rejects what Decode accepted: %v", err)
			}
			evs = []event{e}
		}
		if len(evs) != len(inputs) {
			t.Fatalf("Decode found %d events, encoding/json %d", len(inputs), len(evs))
		}
		for i, e := range evs {
			in := inputs[i]
			if e.ID != in.ID || e.Type != in.Type || e.OccurredAt != in.OccurredAt ||
				e.Subject.Kind != in.Subject.Kind || e.Subject.Scheme != in.Subject.Scheme || e.Subject.Value != in.Subject.Value {
				t.Fatalf("event %d differs: %+v vs %+v", i, in, e)
			}
			names := map[string]int{}
			for _, fl := range in.Fields {
				names[fl.Name]++
			}
			for _, fl := range in.Fields {
				if names[fl.Name] > 1 { // encoding/json keeps the last; the catalogue refuses repeats
					continue
				}
				raw, ok := e.Fields[fl.Name]
				if !ok {
					t.Fatalf("field %q missing in encoding/json's view", fl.Name)
				}
				if fl.Value.Kind == candor.RawString {
					var s string
					if json.Unmarshal(raw, &s) != nil || s != fl.Value.Text {
						t.Fatalf("field %q: %q vs %s", fl.Name, fl.Value.Text, raw)
					}
				}
			}
		}
	})
}

func firstNonSpace(b []byte) int {
	for i, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return i
		}
	}
	return 0
}

// TestSpreadsheetCSV: a CSV file as a spreadsheet saves it, with a byte
// order mark, reads as it would without; with semicolons it reads through
// DecodeCSV, a quoted cell keeping its semicolon; a delimiter that cannot
// separate fields is refused.
func TestSpreadsheetCSV(t *testing.T) {
	const header = "id,subject_kind,subject_scheme,subject_value,type,occurred_at,note\n"
	const row = "e1,person,national_id,AB1234567,credit.instalment_paid,2026-03-14T00:00:00Z,\"a; b\"\n"
	const semi = "id;subject_kind;subject_scheme;subject_value;type;occurred_at;note\n" +
		"e1;person;national_id;AB1234567;credit.instalment_paid;2026-03-14T00:00:00Z;\"a; b\"\n"
	plain, _, err := ingest.Decode([]byte(header+row), ingest.FormatCSV, 10)
	if err != nil {
		t.Fatal(err)
	}
	bom, _, err := ingest.Decode([]byte("\xef\xbb\xbf"+header+row), ingest.FormatCSV, 10)
	if err != nil || !reflect.DeepEqual(bom, plain) {
		t.Fatalf("with a byte order mark: %+v, %v; want %+v", bom, err, plain)
	}
	got, _, err := ingest.DecodeCSV([]byte("\xef\xbb\xbf"+semi), ';', 10)
	if err != nil || !reflect.DeepEqual(got, plain) {
		t.Fatalf("semicolon-separated: %+v, %v; want %+v", got, err, plain)
	}
	if _, _, err := ingest.Decode([]byte(semi), ingest.FormatCSV, 10); candor.ErrorCode(err) != candor.EMALFORMED || !strings.Contains(err.Error(), "missing column") {
		t.Errorf("semicolons read as commas: %v, want the missing columns named", err)
	}
	for _, bad := range []rune{'"', '\n', 'x', '7', 0} {
		if _, _, err := ingest.DecodeCSV([]byte(semi), bad, 10); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("delimiter %q: %v, want EINVALID", bad, err)
		}
	}
}

// TestNDJSONSpreadOverLines: an event object pretty-printed over several
// lines is one error saying so, not one per line.
func TestNDJSONSpreadOverLines(t *testing.T) {
	_, problems, err := ingest.Decode([]byte("{\n  \"id\": \"e1\",\n  \"type\": \"credit.instalment_paid\"\n}\n"), ingest.FormatNDJSON, 10)
	if candor.ErrorCode(err) != candor.EMALFORMED || len(problems) != 0 || !strings.Contains(err.Error(), "one whole event object on each line") {
		t.Errorf("%v, %v; want one EMALFORMED error saying NDJSON takes one object a line", problems, err)
	}
}
