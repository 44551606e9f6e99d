package candor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
)

func TestNormaliseIdentifier(t *testing.T) {
	for _, tc := range []struct {
		scheme candor.Scheme
		in     string
		want   string // "" when invalid
	}{
		{candor.NationalID, "AB1234567", "AB1234567"},
		{candor.NationalID, "ab 123 45 67", "AB1234567"},
		{candor.NationalID, "Ab-123-4567", "AB1234567"},
		{candor.NationalID, " ab.1234567\t", "AB1234567"},
		{candor.NationalID, "AB123456", ""},   // too short
		{candor.NationalID, "AB12345678", ""}, // too long
		{candor.NationalID, "A12345678", ""},  // one letter
		{candor.NationalID, "ABC123456", ""},  // three letters
		{candor.NationalID, "ÄB1234567", ""},
		{candor.NationalID, "AB１234567", ""}, // a full-width digit
		{candor.NationalID, "", ""},
		// Tax numbers: weights 10..2 over the first nine digits, sum mod 11,
		// a remainder of 10 giving 0. 1·10+2·9+…+9·2 = 210 ≡ 1.
		{candor.TaxNumber, "1234567891", "1234567891"},
		{candor.TaxNumber, "123 456 789-1", "1234567891"},
		{candor.TaxNumber, "1234567890", ""}, // wrong check digit
		{candor.TaxNumber, "1234567892", ""},
		{candor.TaxNumber, "0000000050", "0000000050"}, // 5·2 = 10: remainder 10 maps to 0
		{candor.TaxNumber, "0000000000", "0000000000"},
		{candor.TaxNumber, "123456789", ""},   // nine digits
		{candor.TaxNumber, "12345678911", ""}, // eleven
		{candor.TaxNumber, "12345678A1", ""},
		{candor.CompanyRegNo, "C01234567", "C01234567"},
		{candor.CompanyRegNo, "c0123-4567", "C01234567"},
		{candor.CompanyRegNo, "c 0123 4567", "C01234567"},
		{candor.CompanyRegNo, "C1234567", ""},   // seven digits
		{candor.CompanyRegNo, "C012345678", ""}, // nine digits
		{candor.CompanyRegNo, "D01234567", ""},
		{candor.CompanyRegNo, "01234567C", ""},
		{candor.CompanyRegNo, "C0123456X", ""},
	} {
		t.Run(fmt.Sprintf("%s/%q", tc.scheme, tc.in), func(t *testing.T) {
			id, err := candor.NormaliseIdentifier(tc.scheme, tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted as %v", id)
				}
				if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), "not a valid "+tc.scheme.String()+": ") {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id != (candor.Identifier{Scheme: tc.scheme, Value: tc.want}) {
				t.Errorf("got %v, want %s:%s", id, tc.scheme, tc.want)
			}
		})
	}
	if _, err := candor.NormaliseIdentifier(0, "AB1234567"); candor.ErrorCode(err) != candor.EINVALID {
		t.Errorf("scheme 0: err = %v", err)
	}
}

// The message names the expected format, so a source can fix its data.
func TestNormaliseIdentifierMessages(t *testing.T) {
	for scheme, format := range map[candor.Scheme]string{
		candor.NationalID:   "two letters and seven digits",
		candor.TaxNumber:    "mod-11 check digit",
		candor.CompanyRegNo: "C and eight digits",
	} {
		_, err := candor.NormaliseIdentifier(scheme, "x")
		if msg := candor.ErrorMessage(err); !strings.Contains(msg, format) {
			t.Errorf("%s: message %q lacks %q", scheme, msg, format)
		}
	}
}

func TestTaxNumberCheckDigit(t *testing.T) {
	for nine, want := range map[string]byte{"123456789": '1', "000000005": '0', "000000000": '0', "100000000": '0', "000000001": '2'} {
		if got := candor.TaxNumberCheckDigit(nine); got != want {
			t.Errorf("TaxNumberCheckDigit(%s) = %c, want %c", nine, got, want)
		}
	}
}

func TestSchemes(t *testing.T) {
	for _, tc := range []struct {
		scheme               candor.Scheme
		name                 string
		person, organisation bool
	}{
		{candor.NationalID, "national_id", true, false},
		{candor.TaxNumber, "tax_number", true, true},
		{candor.CompanyRegNo, "company_reg_no", false, true},
	} {
		if got, ok := candor.ParseScheme(tc.name); !ok || got != tc.scheme || got.String() != tc.name {
			t.Errorf("ParseScheme(%q) = %v, %v", tc.name, got, ok)
		}
		if tc.scheme.AppliesTo(candor.Person) != tc.person || tc.scheme.AppliesTo(candor.Organisation) != tc.organisation {
			t.Errorf("%s applies to person %v, organisation %v", tc.name, tc.scheme.AppliesTo(candor.Person), tc.scheme.AppliesTo(candor.Organisation))
		}
		if tc.scheme.AppliesTo(0) {
			t.Errorf("%s applies to kind 0", tc.name)
		}
	}
	for _, s := range []string{"", "unknown", "shoe_size", "NATIONAL_ID"} {
		if _, ok := candor.ParseScheme(s); ok {
			t.Errorf("ParseScheme(%q) succeeded", s)
		}
	}
	if candor.Scheme(0).String() != "unknown" || candor.Scheme(99).String() != "unknown" || candor.Scheme(0).AppliesTo(candor.Person) {
		t.Error("scheme 0 or 99 is not unknown")
	}
	id := candor.Identifier{Scheme: candor.TaxNumber, Value: "1234567891"}
	if id.String() != "tax_number:1234567891" {
		t.Errorf("Identifier.String() = %q", id)
	}
}

func TestSubjectKinds(t *testing.T) {
	for _, k := range []candor.SubjectKind{candor.Person, candor.Organisation} {
		if got, ok := candor.ParseSubjectKind(k.String()); !ok || got != k {
			t.Errorf("ParseSubjectKind(%q) = %v, %v", k, got, ok)
		}
	}
	for _, s := range []string{"", "unknown", "Person", "household"} {
		if _, ok := candor.ParseSubjectKind(s); ok {
			t.Errorf("ParseSubjectKind(%q) succeeded", s)
		}
	}
	if candor.SubjectKind(0).String() != "unknown" || candor.SubjectKind(3).String() != "unknown" {
		t.Error("kinds 0 and 3 are not unknown")
	}
}

func TestSubjectID(t *testing.T) {
	a, b := candor.NewSubjectID(), candor.NewSubjectID()
	if a == b || a.IsZero() {
		t.Fatalf("NewSubjectID gave %s and %s", a, b)
	}
	s := a.String()
	if len(s) != 32 || strings.ToLower(s) != s {
		t.Errorf("String() = %q, want 32 lower-case hex digits", s)
	}
	for _, in := range []string{s, strings.ToUpper(s)} {
		got, err := candor.ParseSubjectID(in)
		if err != nil || got != a {
			t.Errorf("ParseSubjectID(%q) = %v, %v; want %v", in, got, err, a)
		}
	}
	for _, tc := range []struct{ in, reason string }{
		{"", "32 hex digits"},
		{s[:31], "32 hex digits"},
		{s + "0", "32 hex digits"},
		{"g" + s[1:], "32 hex digits"},
		{" " + s[1:], "32 hex digits"},
		{strings.Repeat("0", 32), "must not be zero"},
	} {
		_, err := candor.ParseSubjectID(tc.in)
		if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(candor.ErrorMessage(err), tc.reason) {
			t.Errorf("ParseSubjectID(%q): err = %v, want %s saying %q", tc.in, err, candor.EINVALID, tc.reason)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, tc := range []struct {
		in    string
		units int64
		out   string // FormatAmount(units)
	}{
		{"0", 0, "0.00"},
		{"-0", 0, "0.00"},
		{"1", 10_000, "1.00"},
		{"120.50", 1_205_000, "120.50"},
		{"120.5", 1_205_000, "120.50"},
		{"0.0001", 1, "0.0001"},
		{"0.001", 10, "0.001"},
		{"0.01", 100, "0.01"},
		{"0.1", 1000, "0.10"},
		{"1.2345", 12_345, "1.2345"},
		{"1.2340", 12_340, "1.234"},
		{"007.5", 75_000, "7.50"},
		{"-120.50", -1_205_000, "-120.50"},
		{"-0.0001", -1, "-0.0001"},
		{"-0.5", -5_000, "-0.50"},
		{"99999999999999.9999", 999_999_999_999_999_999, "99999999999999.9999"},
		{"-99999999999999.9999", -999_999_999_999_999_999, "-99999999999999.9999"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			units, ok := candor.ParseAmount(tc.in)
			if !ok || units != tc.units {
				t.Fatalf("ParseAmount(%q) = %d, %v; want %d", tc.in, units, ok, tc.units)
			}
			out := candor.FormatAmount(units)
			if out != tc.out {
				t.Errorf("FormatAmount(%d) = %q, want %q", units, out, tc.out)
			}
			if back, ok := candor.ParseAmount(out); !ok || back != units {
				t.Errorf("ParseAmount(FormatAmount(%d)) = %d, %v", units, back, ok)
			}
		})
	}
	for _, in := range []string{
		"", "-", ".", "1.", ".5", "-.5", "+1", "1.23456", "1,5", "1e3", " 1", "1 ", "--1", "1.-5",
		"0x10", "NaN", "Inf", "１", "100000000000000", // fifteen digits: past the limit
	} {
		if units, ok := candor.ParseAmount(in); ok {
			t.Errorf("ParseAmount(%q) = %d, want refusal", in, units)
		}
	}
	// The extremes of int64 format without overflow.
	for _, units := range []int64{math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		out := candor.FormatAmount(units)
		if !strings.Contains(out, "922337203685477.580") {
			t.Errorf("FormatAmount(%d) = %q", units, out)
		}
	}
}

func TestRetention(t *testing.T) {
	const day = 24 * time.Hour
	const year = 365 * day
	for _, tc := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"6y", 6 * year, "6y"},
		{"18m", 18 * 30 * day, "18m"},
		{"90d", 90 * day, "3m"},
		{"1d", day, "1d"},
		{"365d", year, "1y"},
		{"0d", 0, "0y"},
		{"292y", 292 * year, "292y"}, // the most a time.Duration holds
	} {
		got, err := candor.ParseRetention(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		if out := candor.FormatRetention(got); out != tc.out {
			t.Errorf("FormatRetention(%v) = %q, want %q", got, out, tc.out)
		}
	}
	for _, in := range []string{
		"", "y", "6", "6 y", "6Y", "6w", "-6y", "six years", "6yy", "1.5y",
		"293y", "585y", "1000000y", "9999999d", "99999999999999999999y", // would overflow and wrap
	} {
		if got, err := candor.ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) = %v, want an error", in, got)
		}
	}
}

func TestCurrency(t *testing.T) {
	for code, want := range map[string]bool{
		"EUR": true, "USD": true, "AED": true, "ZWG": true, "CHF": true,
		"eur": false, "XXX": false, "XAU": false, "": false, "EU": false, "EURO": false,
		"D A": false, "ED ": false, " AE": false, "AED ": false,
	} {
		if got := candor.IsCurrency(code); got != want {
			t.Errorf("IsCurrency(%q) = %v", code, got)
		}
	}
}

func TestFieldTypes(t *testing.T) {
	for _, name := range []string{"int", "amount", "currency", "date", "enum", "bool", "text", "reference"} {
		ft, ok := candor.ParseFieldType(name)
		if !ok || ft.String() != name {
			t.Errorf("ParseFieldType(%q) = %v, %v", name, ft, ok)
		}
	}
	for _, name := range []string{"", "unknown", "float", "Int", "string"} {
		if _, ok := candor.ParseFieldType(name); ok {
			t.Errorf("ParseFieldType(%q) succeeded", name)
		}
	}
}

// validType is a valid event type for the tests to spoil.
func validType() candor.EventType {
	min, max := int64(1), int64(365)
	return candor.EventType{
		Name: "credit.instalment_late", Category: candor.CategoryCredit, SubjectKind: candor.Person,
		Retention: 6 * 365 * 24 * time.Hour,
		Fields: []candor.FieldSpec{
			{Name: "days_late", Type: candor.FieldInt, Required: true, Min: &min, Max: &max},
			{Name: "amount", Type: candor.FieldAmount, Required: true},
			{Name: "currency", Type: candor.FieldCurrency, Required: true},
			{Name: "account", Type: candor.FieldReference, MaxLen: 40},
			{Name: "product", Type: candor.FieldEnum, Values: []string{"card", "loan"}},
		},
	}
}

func courtOrderType() candor.EventType {
	return candor.EventType{
		Name: "court.restriction_imposed", Category: candor.CategoryCourtOrder, SubjectKind: candor.Person,
		Retention: 10 * 365 * 24 * time.Hour,
		Fields: []candor.FieldSpec{
			{Name: "order_ref", Type: candor.FieldText, Required: true, MaxLen: 40},
			{Name: "court", Type: candor.FieldText, Required: true, MaxLen: 120},
			{Name: "legal_basis", Type: candor.FieldText, Required: true, MaxLen: 200},
			{Name: "restriction", Type: candor.FieldEnum, Required: true, Values: []string{"company_director", "asset_disposal"}},
			{Name: "expires_on", Type: candor.FieldDate, Required: true},
			{Name: "appeal_route", Type: candor.FieldText, Required: true, MaxLen: 200},
		},
	}
}

func TestEventTypeValidate(t *testing.T) {
	if ps := func() []string { et := validType(); return et.Validate() }(); len(ps) > 0 {
		t.Fatalf("valid type: %v", ps)
	}
	if ps := func() []string { et := courtOrderType(); return et.Validate() }(); len(ps) > 0 {
		t.Fatalf("valid court order type: %v", ps)
	}
	field := func(name string) func(*candor.EventType) *candor.FieldSpec {
		return func(et *candor.EventType) *candor.FieldSpec { return et.Field(name) }
	}
	five, one := int64(5), int64(1)
	for _, tc := range []struct {
		name string
		base func() candor.EventType
		edit func(*candor.EventType)
		want []string // substrings of the single problem
	}{
		{"forbidden word religion", validType, func(et *candor.EventType) { field("account")(et).Name = "religion" }, []string{`field "religion"`, `contains "religio"`, "charter"}},
		{"forbidden word inside a name", validType, func(et *candor.EventType) { field("account")(et).Name = "party_member_since" }, []string{`contains "party"`}},
		{"forbidden word health", validType, func(et *candor.EventType) { field("account")(et).Name = "health_status" }, []string{`contains "health"`}},
		{"enum without values", validType, func(et *candor.EventType) { field("product")(et).Values = nil }, []string{`field "product"`, "enum fields need values"}},
		{"forbidden word in an enum value", courtOrderType, func(et *candor.EventType) {
			field("restriction")(et).Values = []string{"company_director", "political_activity"}
		}, []string{`field "restriction"`, `enum value "political_activity" contains "political"`, "charter"}},
		{"enum value twice", validType, func(et *candor.EventType) { field("product")(et).Values = []string{"card", "card"} }, []string{`enum value "card" must be a distinct`}},
		{"enum value not a word", validType, func(et *candor.EventType) { field("product")(et).Values = []string{"card", "Loan Card"} }, []string{`enum value "Loan Card"`}},
		{"values on a non-enum", validType, func(et *candor.EventType) { field("account")(et).Values = []string{"a"} }, []string{`field "account"`, "values apply only to enum"}},
		{"string without max_length", validType, func(et *candor.EventType) { field("account")(et).MaxLen = 0 }, []string{`field "account"`, "text and reference fields need a max_length from 1 to 256"}},
		{"string max_length too big", validType, func(et *candor.EventType) { field("account")(et).MaxLen = 257 }, []string{"max_length from 1 to 256"}},
		{"max_length on an int", validType, func(et *candor.EventType) { field("days_late")(et).MaxLen = 3 }, []string{`field "days_late"`, "max_length applies only to text and reference"}},
		{"min above max", validType, func(et *candor.EventType) { field("days_late")(et).Min = &five; field("days_late")(et).Max = &one }, []string{"min is above max"}},
		{"min on a string", validType, func(et *candor.EventType) { field("account")(et).Min = &one }, []string{"min and max apply only to int and amount"}},
		{"amount without currency", validType, func(et *candor.EventType) {
			et.Fields = slices.DeleteFunc(et.Fields, func(f candor.FieldSpec) bool { return f.Name == "currency" })
		}, []string{"an amount needs exactly one currency field"}},
		{"two currencies", validType, func(et *candor.EventType) {
			et.Fields = append(et.Fields, candor.FieldSpec{Name: "currency2", Type: candor.FieldCurrency})
		}, []string{"an amount needs exactly one currency field"}},
		{"field declared twice", validType, func(et *candor.EventType) {
			et.Fields = append(et.Fields, candor.FieldSpec{Name: "days_late", Type: candor.FieldBool})
		}, []string{`field "days_late": declared twice`}},
		{"field type unknown", validType, func(et *candor.EventType) { field("account")(et).Type = 0; field("account")(et).MaxLen = 0 }, []string{`field "account": unknown type`}},
		{"field name malformed", validType, func(et *candor.EventType) { field("account")(et).Name = "Account" }, []string{`field "Account": name must be lower-case`}},
		{"too many fields", validType, func(et *candor.EventType) {
			for i := len(et.Fields); i <= candor.MaxFields; i++ {
				et.Fields = append(et.Fields, candor.FieldSpec{Name: fmt.Sprintf("f%d", i), Type: candor.FieldBool})
			}
		}, []string{"at most 64 fields, not 65"}},
		{"name without dot", validType, func(et *candor.EventType) { et.Name = "instalment_late" }, []string{`name "instalment_late" must be lower-case words`}},
		{"name too long", validType, func(et *candor.EventType) { et.Name = "credit." + strings.Repeat("x", 58) }, []string{"must be lower-case words"}},
		{"unknown category", validType, func(et *candor.EventType) { et.Category = 0 }, []string{"unknown category"}},
		{"out-of-range category", validType, func(et *candor.EventType) { et.Category = 200 }, []string{"unknown category"}},
		{"unknown subject kind", validType, func(et *candor.EventType) { et.SubjectKind = 0 }, []string{"subject kind must be person or organisation"}},
		{"no retention", validType, func(et *candor.EventType) { et.Retention = 0 }, []string{"retention must be positive"}},
		{"retention above the maximum", validType, func(et *candor.EventType) { et.Retention = 7 * 365 * 24 * time.Hour }, []string{"retention 7y exceeds the credit category maximum of 6y"}},
		{"lifts_order outside court_order", validType, func(et *candor.EventType) { et.LiftsOrder = true }, []string{"lifts_order is only for court_order types"}},
		{"court order without appeal route", courtOrderType, func(et *candor.EventType) {
			et.Fields = slices.DeleteFunc(et.Fields, func(f candor.FieldSpec) bool { return f.Name == "appeal_route" })
		}, []string{`required text field "appeal_route"`, "charter point 9"}},
		{"court order expiry optional", courtOrderType, func(et *candor.EventType) { field("expires_on")(et).Required = false }, []string{`required date field "expires_on"`}},
		{"court order expiry as string", courtOrderType, func(et *candor.EventType) {
			f := field("expires_on")(et)
			f.Type, f.MaxLen = candor.FieldText, 10
		}, []string{`required date field "expires_on"`}},
		{"court order restriction as text", courtOrderType, func(et *candor.EventType) {
			f := field("restriction")(et)
			f.Type, f.MaxLen, f.Values = candor.FieldText, 40, nil
		}, []string{`required enum field "restriction"`, "charter point 9"}},
		{"text outside a court order", validType, func(et *candor.EventType) { field("account")(et).Type = candor.FieldText },
			[]string{`field "account": text fields are only for court orders`, "charter point 1"}},
		{"lifting order without order_ref", courtOrderType, func(et *candor.EventType) {
			et.LiftsOrder = true
			et.Fields = []candor.FieldSpec{{Name: "reason", Type: candor.FieldEnum, Required: true, Values: []string{"expired"}}}
		}, []string{`required text field "order_ref"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			et := tc.base()
			tc.edit(&et)
			ps := et.Validate()
			if len(ps) != 1 {
				t.Fatalf("%d problems, want 1: %q", len(ps), ps)
			}
			for _, s := range tc.want {
				if !strings.Contains(ps[0], s) {
					t.Errorf("problem %q lacks %q", ps[0], s)
				}
			}
		})
	}
	// A lifting order needs only its order_ref.
	lift := courtOrderType()
	lift.LiftsOrder = true
	lift.Fields = lift.Fields[:1]
	if ps := lift.Validate(); len(ps) > 0 {
		t.Errorf("lifting order: %v", ps)
	}
}

func TestNewCatalogue(t *testing.T) {
	a, b := validType(), courtOrderType()
	c, err := candor.NewCatalogue([]candor.EventType{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if names := []string{c.Types()[0].Name, c.Types()[1].Name}; names[0] != b.Name || names[1] != a.Name {
		t.Errorf("Types() not sorted by name: %v", names)
	}
	if c.Type(a.Name) == nil || c.Type("credit.nope") != nil {
		t.Error("Type lookup wrong")
	}

	bad := validType()
	bad.Retention = 0
	bad.Fields[0].Name = "ethnicity"
	_, err = candor.NewCatalogue([]candor.EventType{a, bad, a})
	var ce *candor.CatalogueError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v, want *candor.CatalogueError", err, err)
	}
	want := []string{
		"entry 2 (credit.instalment_late): retention must be positive",
		`entry 2 (credit.instalment_late): field "ethnicity": name contains "ethnic"`,
		"entry 2 (credit.instalment_late): duplicate name credit.instalment_late",
		"entry 3 (credit.instalment_late): duplicate name credit.instalment_late",
	}
	if len(ce.Problems) != len(want) {
		t.Fatalf("problems %q, want %d", ce.Problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(ce.Problems[i], w) {
			t.Errorf("problem %d = %q, want %q...", i, ce.Problems[i], w)
		}
	}
	if !strings.HasPrefix(err.Error(), "invalid catalogue: entry 2") {
		t.Errorf("Error() = %q", err)
	}

	_, err = candor.NewCatalogue(nil)
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0] != "no event types" {
		t.Errorf("empty catalogue: err = %v", err)
	}
}

func TestSubjectIDJSON(t *testing.T) {
	id := candor.NewSubjectID()
	b, err := json.Marshal(struct{ S candor.SubjectID }{id})
	if err != nil || string(b) != `{"S":"`+id.String()+`"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var legacy []byte
	legacy = append(legacy, `{"S":[`...)
	for i, c := range id {
		if i > 0 {
			legacy = append(legacy, ',')
		}
		legacy = strconv.AppendInt(legacy, int64(c), 10)
	}
	legacy = append(legacy, "]}"...)
	for _, in := range [][]byte{b, legacy} {
		var got struct{ S candor.SubjectID }
		if err := json.Unmarshal(in, &got); err != nil || got.S != id {
			t.Errorf("unmarshal %s: %v, %v", in, got.S, err)
		}
	}
	for _, bad := range []string{`{"S":"abc"}`, `{"S":"` + strings.Repeat("zz", 16) + `"}`, `{"S":[1,2]}`, `{"S":7}`} {
		var got struct{ S candor.SubjectID }
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("unmarshal %s: no error", bad)
		}
	}
}
