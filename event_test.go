package candor_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

var now = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

func str(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawString, Text: s} }
func num(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawNumber, Text: s} }

// issueExample is the event of the issue:
//
//	{"id":"bank7-000123","subject":{"kind":"person","scheme":"national_id","value":"AB1234567"},
//	 "type":"credit.instalment_late","occurred_at":"2026-03-14T00:00:00Z",
//	 "fields":{"days_late":45,"amount":"120.50","currency":"EUR"}}
func issueExample() candor.EventInput {
	return candor.EventInput{
		ID:         "bank7-000123",
		Subject:    candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: "AB1234567"},
		Type:       "credit.instalment_late",
		OccurredAt: "2026-03-14T00:00:00Z",
		Fields: []candor.RawField{
			{Name: "days_late", Value: num("45")},
			{Name: "amount", Value: str("120.50")},
			{Name: "currency", Value: str("EUR")},
		},
	}
}

func TestValidateIssueExample(t *testing.T) {
	in := issueExample()
	ev, ps := catalogue.Default().Validate(&in, 3, now, nil)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	if ev.SourceEventID != "bank7-000123" || ev.Kind != candor.Person || ev.Type.Name != "credit.instalment_late" {
		t.Errorf("event = %+v", ev)
	}
	if ev.Identifier != (candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}) {
		t.Errorf("identifier = %v", ev.Identifier)
	}
	if !ev.OccurredAt.Equal(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)) || ev.OccurredAt.Location() != time.UTC {
		t.Errorf("occurred at %v", ev.OccurredAt)
	}
	// In the order the type declares them; the absent optional account left out.
	want := []candor.Field{
		{Name: "days_late", Value: candor.Value{Type: candor.FieldInt, Int: 45}},
		{Name: "amount", Value: candor.Value{Type: candor.FieldAmount, Int: 1_205_000}},
		{Name: "currency", Value: candor.Value{Type: candor.FieldCurrency, Str: "EUR"}},
	}
	if !slices.Equal(ev.Fields, want) {
		t.Errorf("fields = %+v, want %+v", ev.Fields, want)
	}
	if got := ev.Fields[1].Value.String(); got != "120.50" {
		t.Errorf("amount written back as %q", got)
	}
}

func TestValidateProblems(t *testing.T) {
	const instalment = "credit.instalment_late"
	setField := func(name string, v candor.RawValue) func(*candor.EventInput) {
		return func(in *candor.EventInput) {
			for i := range in.Fields {
				if in.Fields[i].Name == name {
					in.Fields[i].Value = v
					return
				}
			}
			in.Fields = append(in.Fields, candor.RawField{Name: name, Value: v})
		}
	}
	dropField := func(name string) func(*candor.EventInput) {
		return func(in *candor.EventInput) {
			in.Fields = slices.DeleteFunc(in.Fields, func(f candor.RawField) bool { return f.Name == name })
		}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*candor.EventInput)
		field  string // the Problem.Field; "" for a valid input
		reason []string
	}{
		{"valid", func(*candor.EventInput) {}, "", nil},
		{"valid with optional field", setField("account", str("ACC-1")), "", nil},
		{"valid amount as JSON number", setField("amount", num("120.5")), "", nil},
		{"valid explicit null for optional field", setField("account", candor.RawValue{Kind: candor.RawNull}), "", nil},
		{"valid identifier written loosely", func(in *candor.EventInput) { in.Subject.Value = "ab 123-4567" }, "", nil},
		{"valid 4 minutes ahead", func(in *candor.EventInput) { in.OccurredAt = now.Add(4 * time.Minute).Format(time.RFC3339) }, "", nil},
		{"valid with offset and fraction", func(in *candor.EventInput) { in.OccurredAt = "2026-03-14T02:00:00.123+02:00" }, "", nil},
		{"valid id of 128 bytes", func(in *candor.EventInput) { in.ID = strings.Repeat("x", 128) }, "", nil},

		{"unknown type", func(in *candor.EventInput) { in.Type = "credit.score" }, "type", []string{"unknown event type", "credit.score"}},
		{"empty type", func(in *candor.EventInput) { in.Type = "" }, "type", []string{"required"}},
		{"unknown field", setField("colour", str("red")), "fields.colour", []string{"unknown field", instalment}},
		{"field above maximum", setField("days_late", num("366")), "fields.days_late", []string{"above the maximum of 365"}},
		{"field below minimum", setField("days_late", num("0")), "fields.days_late", []string{"below the minimum of 1"}},
		{"amount below minimum", setField("amount", str("0.00")), "fields.amount", []string{"below the minimum of 0.01"}},
		{"amount above maximum", setField("amount", str("10000000.0001")), "fields.amount", []string{"above the maximum of 10000000.00"}},
		{"missing required field", dropField("currency"), "fields.currency", []string{"required"}},
		{"null for required field", setField("currency", candor.RawValue{Kind: candor.RawNull}), "fields.currency", []string{"required"}},
		{"field given twice", func(in *candor.EventInput) {
			in.Fields = append(in.Fields, candor.RawField{Name: "days_late", Value: num("46")})
		}, "fields.days_late", []string{"given twice"}},
		{"string for int", setField("days_late", str("45")), "fields.days_late", []string{"must be a whole number"}},
		{"fraction for int", setField("days_late", num("45.0")), "fields.days_late", []string{"must be a whole number"}},
		{"int overflow", setField("days_late", num("99999999999999999999")), "fields.days_late", []string{"must be a whole number"}},
		{"bool for amount", setField("amount", candor.RawValue{Kind: candor.RawBool, Text: "true"}), "fields.amount", []string{"decimal amount"}},
		{"object for string", setField("account", candor.RawValue{Kind: candor.RawOther, Text: "{}"}), "fields.account", []string{"must be a string"}},
		{"number for currency", setField("currency", num("978")), "fields.currency", []string{"ISO 4217"}},
		{"bad identifier format", func(in *candor.EventInput) { in.Subject.Value = "A12345678" }, "subject.value", []string{"not a valid national_id", "two letters and seven digits"}},
		{"empty identifier", func(in *candor.EventInput) { in.Subject.Value = "" }, "subject.value", []string{"required"}},
		{"scheme not for the kind", func(in *candor.EventInput) {
			in.Subject.Kind = "organisation"
			in.Type = "inspection.passed"
			in.Fields = []candor.RawField{{Name: "inspection_type", Value: str("food_hygiene")}}
		}, "subject.scheme", []string{"national_id does not identify", "organisation"}},
		{"unknown scheme", func(in *candor.EventInput) { in.Subject.Scheme = "shoe_size" }, "subject.scheme", []string{"unknown identifier scheme", "shoe_size"}},
		{"empty scheme", func(in *candor.EventInput) { in.Subject.Scheme = "" }, "subject.scheme", []string{"required"}},
		{"unknown subject kind", func(in *candor.EventInput) { in.Subject.Kind = "household" }, "subject.kind", []string{"person or organisation", "household"}},
		{"subject kind not the type's", func(in *candor.EventInput) {
			in.Subject = candor.SubjectRef{Kind: "organisation", Scheme: "company_reg_no", Value: "C01234567"}
		}, "subject.kind", []string{instalment, "is about a person", "organisation"}},
		{"more than 5 minutes ahead", func(in *candor.EventInput) { in.OccurredAt = now.Add(6 * time.Minute).Format(time.RFC3339) }, "occurred_at", []string{"in the future", "5m0s"}},
		{"older than retention", func(in *candor.EventInput) { in.OccurredAt = "2020-03-14T00:00:00Z" }, "occurred_at", []string{"older than the 6y retention", instalment}},
		{"not RFC 3339", func(in *candor.EventInput) { in.OccurredAt = "2026-03-14" }, "occurred_at", []string{"RFC 3339"}},
		{"not RFC 3339 either", func(in *candor.EventInput) { in.OccurredAt = "14/03/2026 00:00" }, "occurred_at", []string{"RFC 3339"}},
		{"empty occurred_at", func(in *candor.EventInput) { in.OccurredAt = "" }, "occurred_at", []string{"required"}},
		{"empty id", func(in *candor.EventInput) { in.ID = "" }, "id", []string{"required"}},
		{"id too long", func(in *candor.EventInput) { in.ID = strings.Repeat("x", 129) }, "id", []string{"longer than 128 bytes"}},
		{"id with control character", func(in *candor.EventInput) { in.ID = "bank7\x00123" }, "id", []string{"printable"}},
		{"id invalid UTF-8", func(in *candor.EventInput) { in.ID = "bank7-\xff" }, "id", []string{"printable"}},
		{"invalid UTF-8 in string field", setField("account", str("ACC\xff1")), "fields.account", []string{"printable"}},
		{"newline in string field", setField("account", str("ACC\n1")), "fields.account", []string{"printable single-line"}},
		{"NUL in string field", setField("account", str("ACC\x001")), "fields.account", []string{"printable"}},
		{"DEL in string field", setField("account", str("ACC\x7f1")), "fields.account", []string{"printable"}},
		{"C1 control in string field", setField("account", str("ACC\u00851")), "fields.account", []string{"printable"}},
		{"line separator in string field", setField("account", str("ACC\u20281")), "fields.account", []string{"single-line"}},
		{"bidi override in string field", setField("account", str("ACC\u202e1")), "fields.account", []string{"single-line"}},
		{"string too long", setField("account", str(strings.Repeat("é", 41))), "fields.account", []string{"longer than 40 characters"}},
		{"amount with 5 decimals", setField("amount", str("120.12345")), "fields.amount", []string{"at most four decimals"}},
		{"amount with comma", setField("amount", str("120,50")), "fields.amount", []string{"decimal amount"}},
		{"amount in exponent form", setField("amount", num("1.2e2")), "fields.amount", []string{"decimal amount"}},
		{"lower-case currency", setField("currency", str("eur")), "fields.currency", []string{"ISO 4217"}},
		{"unknown currency", setField("currency", str("XYZ")), "fields.currency", []string{"ISO 4217"}},
		{"currency too long", setField("currency", str("EURO")), "fields.currency", []string{"ISO 4217"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := issueExample()
			tc.edit(&in)
			before := []candor.Problem{{Index: 0, Field: "earlier", Reason: "kept"}}
			ev, ps := catalogue.Default().Validate(&in, 7, now, before)
			if ps[0] != before[0] {
				t.Errorf("earlier problem lost: %v", ps)
			}
			ps = ps[1:]
			if tc.field == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				if ev.Type == nil {
					t.Fatal("valid input gave no event")
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("%d problems, want 1 on %s: %v", len(ps), tc.field, ps)
			}
			p := ps[0]
			if p.Index != 7 || p.Field != tc.field {
				t.Errorf("problem %v, want index 7 and field %s", p, tc.field)
			}
			for _, s := range tc.reason {
				if !strings.Contains(p.Reason, s) {
					t.Errorf("reason %q lacks %q", p.Reason, s)
				}
			}
			if ev.Type != nil || ev.SourceEventID != "" || ev.Fields != nil {
				t.Errorf("an invalid input gave an event: %+v", ev)
			}
		})
	}
}

// One input with many faults yields every one of them.
func TestValidateEveryProblem(t *testing.T) {
	in := candor.EventInput{
		ID:         "",
		Subject:    candor.SubjectRef{Kind: "person", Scheme: "company_reg_no", Value: "C01234567"},
		Type:       "credit.instalment_late",
		OccurredAt: "yesterday",
		Fields: []candor.RawField{
			{Name: "days_late", Value: num("1000")},
			{Name: "amount", Value: str("1.23456")},
			{Name: "currency", Value: str("eur")},
			{Name: "account", Value: str("a\tb")},
			{Name: "colour", Value: str("red")},
		},
	}
	_, ps := catalogue.Default().Validate(&in, 2, now, nil)
	want := []string{"id", "subject.scheme", "occurred_at", "fields.colour", "fields.account", "fields.days_late", "fields.amount", "fields.currency"}
	var got []string
	for _, p := range ps {
		got = append(got, p.Field)
		if p.Index != 2 || p.Reason == "" {
			t.Errorf("problem %v", p)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems on %v, want %v: %v", got, want, ps)
	}
}

// A field's position among many submitted fields is kept exactly (it was once
// held in an int8 and wrapped past 127).
func TestValidateManyFields(t *testing.T) {
	in := issueExample()
	var raw []candor.RawField
	for i := 0; i < 300; i++ {
		raw = append(raw, candor.RawField{Name: fmt.Sprintf("x%d", i), Value: str("1")})
	}
	in.Fields = append(raw, in.Fields...)
	_, ps := catalogue.Default().Validate(&in, 0, now, nil)
	if len(ps) != 300 {
		t.Fatalf("%d problems, want 300", len(ps))
	}
	for _, p := range ps {
		if !strings.HasPrefix(p.Field, "fields.x") || !strings.Contains(p.Reason, "unknown field") {
			t.Errorf("problem %v", p)
		}
	}
}

// testCatalogue has one field of every type, for checking how raw values parse.
func testCatalogue(t *testing.T) *candor.Catalogue {
	t.Helper()
	min, max := int64(-5), int64(5)
	amin, amax := int64(-100*candor.AmountScale), int64(100*candor.AmountScale)
	c, err := candor.NewCatalogue([]candor.EventType{{
		Name: "test.every_type", Category: candor.CategoryLicencePermit, SubjectKind: candor.Person,
		Retention: 365 * 24 * time.Hour,
		Fields: []candor.FieldSpec{
			{Name: "i", Type: candor.FieldInt, Min: &min, Max: &max},
			{Name: "a", Type: candor.FieldAmount, Min: &amin, Max: &amax},
			{Name: "c", Type: candor.FieldCurrency},
			{Name: "d", Type: candor.FieldDate},
			{Name: "e", Type: candor.FieldEnum, Values: []string{"low", "high"}},
			{Name: "b", Type: candor.FieldBool},
			{Name: "s", Type: candor.FieldReference, MaxLen: 6},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestValidateFieldTypes(t *testing.T) {
	c := testCatalogue(t)
	text := func(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawText, Text: s} }
	boolean := func(s string) candor.RawValue { return candor.RawValue{Kind: candor.RawBool, Text: s} }
	for _, tc := range []struct {
		field  string
		raw    candor.RawValue
		want   candor.Value // when reason is ""
		str    string       // want.String()
		reason string
	}{
		{"i", num("-5"), candor.Value{Type: candor.FieldInt, Int: -5}, "-5", ""},
		{"i", text("5"), candor.Value{Type: candor.FieldInt, Int: 5}, "5", ""},
		{"i", num("6"), candor.Value{}, "", "above the maximum of 5"},
		{"i", num("-6"), candor.Value{}, "", "below the minimum of -5"},
		{"i", boolean("true"), candor.Value{}, "", "whole number"},
		{"i", text(" 5"), candor.Value{}, "", "whole number"},
		{"a", str("-99.9999"), candor.Value{Type: candor.FieldAmount, Int: -999_999}, "-99.9999", ""},
		{"a", text("100"), candor.Value{Type: candor.FieldAmount, Int: 1_000_000}, "100.00", ""},
		{"a", str("100.0001"), candor.Value{}, "", "above the maximum of 100.00"},
		{"a", str("-100.01"), candor.Value{}, "", "below the minimum of -100.00"},
		{"a", str(".5"), candor.Value{}, "", "decimal amount"},
		{"a", str("5."), candor.Value{}, "", "decimal amount"},
		{"a", str("+5"), candor.Value{}, "", "decimal amount"},
		{"c", text("GBP"), candor.Value{Type: candor.FieldCurrency, Str: "GBP"}, "GBP", ""},
		{"c", str("GB"), candor.Value{}, "", "ISO 4217"},
		{"d", str("2024-02-29"), candor.Value{Type: candor.FieldDate, Int: 19782}, "2024-02-29", ""},
		{"d", str("1969-12-31"), candor.Value{Type: candor.FieldDate, Int: -1}, "1969-12-31", ""},
		{"d", str("2023-02-29"), candor.Value{}, "", "date like 2026-03-14"},
		{"d", str("2024-02-29T00:00:00Z"), candor.Value{}, "", "date like"},
		{"d", num("20240229"), candor.Value{}, "", "date like"},
		{"e", str("high"), candor.Value{Type: candor.FieldEnum, Str: "high"}, "high", ""},
		{"e", str("HIGH"), candor.Value{}, "", "must be one of low, high"},
		{"e", num("1"), candor.Value{}, "", "must be one of low, high"},
		{"b", boolean("true"), candor.Value{Type: candor.FieldBool, Int: 1}, "true", ""},
		{"b", text("false"), candor.Value{Type: candor.FieldBool, Int: 0}, "false", ""},
		{"b", str("true"), candor.Value{}, "", "true or false"},
		{"b", num("1"), candor.Value{}, "", "true or false"},
		{"s", str("äöü"), candor.Value{Type: candor.FieldReference, Str: "äöü"}, "…", ""}, // as sent: ingest pseudonymises it
		{"s", str("AB-123"), candor.Value{Type: candor.FieldReference, Str: "AB-123"}, "…123", ""},
		{"s", str("abcdefg"), candor.Value{}, "", "longer than 6 characters"},
		{"s", str(" "), candor.Value{}, "", "must not be blank"},
		{"s", str(" -./ "), candor.Value{}, "", "must not be blank"},
		{"s", str("\u200b"), candor.Value{}, "", "must not be blank"},
		{"s", str("a\u202eb"), candor.Value{}, "", "printable"},
		{"s", num("1"), candor.Value{}, "", "must be a string"},
	} {
		t.Run(fmt.Sprintf("%s=%s", tc.field, tc.raw.Text), func(t *testing.T) {
			in := candor.EventInput{
				ID: "e1", Subject: candor.SubjectRef{Kind: "person", Scheme: "tax_number", Value: "1234567891"},
				Type: "test.every_type", OccurredAt: "2026-03-14T00:00:00Z",
				Fields: []candor.RawField{{Name: tc.field, Value: tc.raw}},
			}
			ev, ps := c.Validate(&in, 0, now, nil)
			if tc.reason != "" {
				if len(ps) != 1 || ps[0].Field != "fields."+tc.field || !strings.Contains(ps[0].Reason, tc.reason) {
					t.Errorf("problems %v, want one on fields.%s saying %q", ps, tc.field, tc.reason)
				}
				return
			}
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			if len(ev.Fields) != 1 || ev.Fields[0].Value != tc.want {
				t.Fatalf("fields = %+v, want %+v", ev.Fields, tc.want)
			}
			if s := ev.Fields[0].Value.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
		})
	}
}

func TestValueJSON(t *testing.T) {
	for _, tc := range []struct {
		v    candor.Value
		want any
	}{
		{candor.Value{Type: candor.FieldInt, Int: 45}, int64(45)},
		{candor.Value{Type: candor.FieldBool, Int: 1}, true},
		{candor.Value{Type: candor.FieldBool}, false},
		{candor.Value{Type: candor.FieldAmount, Int: 1_205_000}, "120.50"},
		{candor.Value{Type: candor.FieldDate, Int: 0}, "1970-01-01"},
		{candor.Value{Type: candor.FieldEnum, Str: "high"}, "high"},
	} {
		if got := tc.v.JSON(); got != tc.want {
			t.Errorf("%+v.JSON() = %#v, want %#v", tc.v, got, tc.want)
		}
	}
}

func TestEventExpiry(t *testing.T) {
	et := catalogue.Default().Type("rent.late") // 3y
	occurred := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	e := candor.Event{OccurredAt: occurred, State: candor.StateDisputed}
	expires := occurred.Add(3 * 365 * 24 * time.Hour)
	if got := e.ExpiresAt(et); !got.Equal(expires) {
		t.Errorf("ExpiresAt = %v, want %v", got, expires)
	}
	for _, tc := range []struct {
		at   time.Time
		want candor.EventState
	}{
		{expires.Add(-time.Nanosecond), candor.StateDisputed},
		{expires, candor.StateExpired},
		{expires.Add(time.Hour), candor.StateExpired},
	} {
		if got := e.EffectiveState(et, tc.at); got != tc.want {
			t.Errorf("EffectiveState at %v = %s, want %s", tc.at, got, tc.want)
		}
	}
	if got := e.EffectiveState(nil, expires.Add(time.Hour)); got != candor.StateDisputed {
		t.Errorf("EffectiveState without a type = %s", got)
	}
	for s, want := range map[candor.EventState]string{
		candor.StateActive: "active", candor.StateRemoved: "removed", candor.StateExpired: "expired", 0: "unknown", 99: "unknown",
	} {
		if s.String() != want {
			t.Errorf("EventState(%d) = %q, want %q", s, s.String(), want)
		}
	}
}
