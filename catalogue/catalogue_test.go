package catalogue_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

func TestDefault(t *testing.T) {
	c := catalogue.Default()
	if c != catalogue.Default() {
		t.Error("Default returned a different catalogue on the second call")
	}
	types := c.Types()
	if len(types) < 25 {
		t.Errorf("shipped catalogue has %d types, want at least 25", len(types))
	}
	categories := map[candor.Category]int{}
	kinds := map[candor.SubjectKind]int{}
	for _, et := range types {
		categories[et.Category]++
		kinds[et.SubjectKind]++
		if ps := et.Validate(); len(ps) > 0 {
			t.Errorf("%s: %v", et.Name, ps)
		}
		if c.Type(et.Name) != et {
			t.Errorf("Type(%q) does not return the listed type", et.Name)
		}
	}
	for _, cat := range candor.Categories() {
		if categories[cat] == 0 {
			t.Errorf("no shipped type in category %s", cat)
		}
	}
	for _, k := range []candor.SubjectKind{candor.Person, candor.Organisation} {
		if kinds[k] == 0 {
			t.Errorf("no shipped type about a %s", k)
		}
	}
}

// The example of the issue: the shipped type decodes with its bounds.
func TestDefaultInstalmentLate(t *testing.T) {
	et := catalogue.Default().Type("credit.instalment_late")
	if et == nil {
		t.Fatal("credit.instalment_late missing")
	}
	if et.Category != candor.CategoryCredit || et.SubjectKind != candor.Person || et.Retention != 6*365*24*time.Hour {
		t.Errorf("got category %s, subject %s, retention %s", et.Category, et.SubjectKind, candor.FormatRetention(et.Retention))
	}
	days := et.Field("days_late")
	if days == nil || days.Type != candor.FieldInt || !days.Required || days.Min == nil || *days.Min != 1 || days.Max == nil || *days.Max != 365 {
		t.Errorf("days_late = %+v", days)
	}
	amount := et.Field("amount")
	if amount == nil || amount.Type != candor.FieldAmount || *amount.Min != 100 || *amount.Max != 10_000_000*candor.AmountScale {
		t.Errorf("amount = %+v", amount)
	}
	if account := et.Field("account"); account == nil || account.Required || account.MaxLen != 40 {
		t.Errorf("account = %+v", account)
	}
}

// The shipped file on disk is the one embedded.
func TestLoadFileShipped(t *testing.T) {
	c, err := catalogue.LoadFile("catalogue.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.Types()), len(catalogue.Default().Types()); got != want {
		t.Errorf("catalogue.yaml has %d types, Default %d", got, want)
	}
}

func TestLoadFileValid(t *testing.T) {
	c, err := catalogue.LoadFile("testdata/valid_small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const day = 24 * time.Hour
	rent := c.Type("rent.paid")
	if rent == nil || rent.Retention != 18*30*day || rent.Description != "Rent was paid by its due date." {
		t.Fatalf("rent.paid = %+v", rent)
	}
	if f := rent.Field("amount"); *f.Min != 100 || *f.Max != 100000*candor.AmountScale || !f.Required {
		t.Errorf("amount = %+v", f)
	}
	if f := rent.Field("receipt_no"); f.Type != candor.FieldReference || f.MaxLen != 80 || f.Required {
		t.Errorf("receipt_no = %+v", f)
	}
	insp := c.Type("inspection.passed")
	if insp == nil || insp.SubjectKind != candor.Organisation || insp.Retention != 90*day {
		t.Fatalf("inspection.passed = %+v", insp)
	}
	if f := insp.Field("inspection_type"); f.Type != candor.FieldEnum || strings.Join(f.Values, ",") != "food_hygiene,fire_safety" {
		t.Errorf("inspection_type = %+v", f)
	}
	if f := insp.Field("score"); *f.Min != 0 || *f.Max != 5 {
		t.Errorf("score = %+v", f)
	}
	if f := insp.Field("follow_up"); f.Type != candor.FieldBool {
		t.Errorf("follow_up = %+v", f)
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := catalogue.LoadFile("testdata/no_such_file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

// problems returns the problems of a loader error, failing the test if err is
// not a *candor.CatalogueError.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("loaded without error")
	}
	var ce *candor.CatalogueError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v, want *candor.CatalogueError", err, err)
	}
	if len(ce.Problems) == 0 {
		t.Fatal("CatalogueError without problems")
	}
	return ce.Problems
}

// checkProblems asserts that there are exactly len(want) problems and that
// each want[i] (a list of substrings) matches one of them, and that the
// error's text carries them too.
func checkProblems(t *testing.T, err error, want [][]string) {
	t.Helper()
	ps := problems(t, err)
	for _, subs := range want {
		found := false
		for _, p := range ps {
			all := true
			for _, s := range subs {
				all = all && strings.Contains(p, s)
			}
			found = found || all
		}
		if !found {
			t.Errorf("no problem contains all of %q; problems:\n  %s", subs, strings.Join(ps, "\n  "))
		}
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n  %s", len(ps), len(want), strings.Join(ps, "\n  "))
	}
	for _, p := range ps {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("Error() %q lacks problem %q", err.Error(), p)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	for _, tc := range []struct {
		file string
		want [][]string // one list of substrings per expected problem
	}{
		{"unknown_category.yaml", [][]string{
			{"testdata/unknown_category.yaml:9: entry 2 (civic.rally_attended): ", `unknown category "politics"`, "labour_compliance"},
		}},
		{"bad_field_type.yaml", [][]string{
			{"testdata/bad_field_type.yaml:8: entry 1 (credit.loan_repaid): ", `field "ratio": unknown type "float"`, "int, amount, currency, date, enum, bool, text, reference"},
		}},
		{"retention_too_long.yaml", [][]string{
			{"testdata/retention_too_long.yaml:5: entry 1 (credit.default): ", "retention 7y exceeds the credit category maximum of 6y"},
		}},
		{"duplicate_name.yaml", [][]string{
			{"testdata/duplicate_name.yaml:10: entry 3 (rent.paid): ", "duplicate name rent.paid", "entry 1 (line 2)"},
		}},
		{"court_order_missing_fields.yaml", [][]string{
			{"testdata/court_order_missing_fields.yaml:2: entry 1 (court.restriction_imposed): ", `required date field "expires_on"`},
			{"testdata/court_order_missing_fields.yaml:2: entry 1 (court.restriction_imposed): ", `required text field "appeal_route"`},
			{"testdata/court_order_missing_fields.yaml:2: entry 1 (court.restriction_imposed): ", `required enum field "restriction"`},
		}},
		{"malformed.yaml", [][]string{
			{"testdata/malformed.yaml:4: entry 1 (rent.paid): ", "mapping values are not allowed"},
		}},
		{"unknown_key.yaml", [][]string{
			{"testdata/unknown_key.yaml:6: entry 1 (rent.paid): ", `unknown key "weight"`, "name, category, subject"},
			{"testdata/unknown_key.yaml:8: entry 1 (rent.paid): ", `field "amount": unknown key "unit"`, "max_length, values"},
		}},
		{"min_max_wrong_type.yaml", [][]string{
			{"testdata/min_max_wrong_type.yaml:7: entry 1 (rent.late): ", `field "days_late": min of an int field must be a whole number`, `"0.5"`},
			{"testdata/min_max_wrong_type.yaml:8: entry 1 (rent.late): ", `field "amount": max of an amount field must be a decimal`, `"1e6"`},
			{"testdata/min_max_wrong_type.yaml:10: entry 1 (rent.late): ", `field "reference": min applies only to int and amount fields`},
		}},
		{"bad_retention.yaml", [][]string{
			{"testdata/bad_retention.yaml:5: entry 1 (rent.paid): ", `retention "3 years"`, "like 6y"},
		}},
		{"unknown_subject.yaml", [][]string{
			{"testdata/unknown_subject.yaml:4: entry 1 (rent.paid): ", `unknown subject kind "household"`, "person or organisation"},
		}},
		{"alias.yaml", [][]string{
			{"testdata/alias.yaml:7: entry 2: ", "aliases (*paid) are not supported"},
		}},
		// Every problem of every entry, each once.
		{"many_problems.yaml", [][]string{
			{"many_problems.yaml:6: entry 1 (credit.foo): ", "retention 9y exceeds the credit category maximum of 6y"},
			{"many_problems.yaml:8: entry 1 (credit.foo): ", `field "religion": name contains "religio"`},
			{"many_problems.yaml:9: entry 1 (credit.foo): ", `field "note": text and reference fields need a max_length`},
			{"many_problems.yaml:10: entry 2 (labour.union_member): ", "an amount needs exactly one currency field"},
			{"many_problems.yaml:11: entry 2 (labour.union_member): ", `unknown category "trade_union"`},
			{"many_problems.yaml:12: entry 2 (labour.union_member): ", `unknown subject kind "persons"`},
			{"many_problems.yaml:13: entry 2 (labour.union_member): ", `retention "forever"`},
			{"many_problems.yaml:16: entry 3 (credit.foo): ", "duplicate name credit.foo", "entry 1 (line 3)"},
		}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			c, err := catalogue.LoadFile(filepath.Join("testdata", tc.file))
			if c != nil {
				t.Error("a catalogue came back with the error")
			}
			checkProblems(t, err, tc.want)
		})
	}
}

// entry builds a one-entry catalogue file with the given extra lines for the
// entry (indented for it) and fields.
func entry(extra string, fields ...string) string {
	var b strings.Builder
	b.WriteString("types:\n  - name: rent.paid\n    category: utility_and_rent\n    subject: person\n    retention: 3y\n")
	for _, l := range strings.Split(extra, "\n") {
		if l != "" {
			b.WriteString("    " + l + "\n")
		}
	}
	if len(fields) > 0 {
		b.WriteString("    fields:\n")
		for _, f := range fields {
			b.WriteString("      - " + f + "\n")
		}
	}
	return b.String()
}

func TestLoadErrors(t *testing.T) {
	manyFields := make([]string, candor.MaxFields+1)
	for i := range manyFields {
		manyFields[i] = fmt.Sprintf("{name: f%d, type: bool}", i)
	}
	for _, tc := range []struct {
		name string
		data string
		want [][]string
	}{
		{"empty file", "", [][]string{{"in.yaml: no event types"}}},
		{"comments only", "# nothing\n", [][]string{{"in.yaml: no event types"}}},
		{"empty list", "types: []\n", [][]string{{"in.yaml:1: no event types"}}},
		{"top level is a list", "- name: a.b\n", [][]string{{"in.yaml:1: want a mapping with a types: list", "not a list"}}},
		{"types is a mapping", "types: {a: b}\n", [][]string{{"in.yaml:1: types must be a list", "not a mapping"}}},
		{"unknown top-level key", "version: 2\n" + entry(""), [][]string{{"in.yaml:1: ", `unknown key "version" (want types)`}}},
		{"two documents", entry("") + "---\n" + entry(""), [][]string{{"in.yaml:6: ", "more than one YAML document"}}},
		{"invalid UTF-8", "types:\n  - name: rent.\xff\n", [][]string{{"in.yaml: not valid UTF-8"}}},
		{"tab indentation", "types:\n\t- name: rent.paid\n", [][]string{{"in.yaml:2: ", "found character that cannot start any token"}}},
		{"entry not a mapping", "types:\n  - rent.paid\n", [][]string{{"in.yaml:2: entry 1: want a mapping", `not the text "rent.paid"`}}},
		{"entry keys missing", "types:\n  - name: rent.paid\n", [][]string{
			{"in.yaml:2: entry 1 (rent.paid): category is required"},
			{"in.yaml:2: entry 1 (rent.paid): subject is required"},
			{"in.yaml:2: entry 1 (rent.paid): retention is required"},
		}},
		{"name not text", "types:\n  - {name: 12, category: tax, subject: person, retention: 1y}\n", [][]string{{"in.yaml:2: entry 1: name must be text", `the number "12"`}}},
		{"name malformed", "types:\n  - {name: Rent Paid, category: tax, subject: person, retention: 1y}\n", [][]string{{`in.yaml:2: entry 1 ("Rent Paid"): name "Rent Paid" must be lower-case words`}}},
		{"key given twice", entry("category: tax"), [][]string{{"in.yaml:6: entry 1 (rent.paid): ", `key "category" given twice (first at line 3)`}}},
		{"merge key", entry("<<: {description: x}"), [][]string{{"in.yaml:6: entry 1 (rent.paid): merge keys (<<) are not supported"}}},
		{"lifts_order outside court_order", entry("lifts_order: true"), [][]string{{"in.yaml:6: entry 1 (rent.paid): lifts_order is only for court_order types"}}},
		{"lifts_order not a bool", entry("lifts_order: yes"), [][]string{{"in.yaml:6: entry 1 (rent.paid): lifts_order must be true or false", `"yes"`}}},
		{"retention overflows", strings.Replace(entry(""), "3y", "600y", 1), [][]string{{"in.yaml:5: entry 1 (rent.paid): ", `retention "600y": too long`}}},
		{"retention zero", strings.Replace(entry(""), "3y", "0d", 1), [][]string{{"in.yaml:5: entry 1 (rent.paid): retention must be positive"}}},
		{"retention a number", strings.Replace(entry(""), "3y", "3", 1), [][]string{{"in.yaml:5: entry 1 (rent.paid): ", "retention must be a number and y, m or d", `not the number "3"`}}},
		{"fields not a list", entry("fields: {a: b}"), [][]string{{"in.yaml:6: entry 1 (rent.paid): fields must be a list", "not a mapping"}}},
		{"field not a mapping", entry("", "amount"), [][]string{{"in.yaml:7: entry 1 (rent.paid): field 1: want a mapping", `not the text "amount"`}}},
		{"field without name", entry("", "{type: int}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): field 1: name is required"}}},
		{"field without type", entry("", "{name: days}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": type is required`}}},
		{"field type not text", entry("", "{name: days, type: [int]}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": type must be one of int`, "not a list"}}},
		{"field required not a bool", entry("", `{name: days, type: int, required: "true"}`), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": required must be true or false`}}},
		{"field given twice", entry("", "{name: days, type: int}", "{name: days, type: bool}"), [][]string{{"in.yaml:8: entry 1 (rent.paid): ", `field "days": declared twice`}}},
		{"forbidden field name", entry("", "{name: health_score, type: int}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "health_score": name contains "health"`}}},
		{"enum without values", entry("", "{name: kind, type: enum}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "kind": enum fields need values`}}},
		{"enum values not a list", entry("", "{name: kind, type: enum, values: {a: b}}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "kind": values must be a list`}}},
		{"enum value not a word", entry("", "{name: kind, type: enum, values: [ok, Not OK]}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "kind": enum value "Not OK"`}}},
		{"values on an int", entry("", "{name: days, type: int, values: [a]}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": values apply only to enum fields`}}},
		{"reference without max_length", entry("", "{name: note, type: reference}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "note": text and reference fields need a max_length`}}},
		{"string is no type", entry("", "{name: note, type: string, max_length: 40}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "note": string is not a field type: use reference`, "charter point 1"}}},
		{"text outside a court order", entry("", "{name: note, type: text, max_length: 40}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "note": text fields are only for court orders`}}},
		{"max_length too big", entry("", "{name: note, type: reference, max_length: 1000}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "note": max_length must be a whole number from 1 to 256`}}},
		{"max_length on an int", entry("", "{name: days, type: int, max_length: 3}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": max_length applies only to text and reference fields`}}},
		{"min above max", entry("", "{name: days, type: int, min: 5, max: 1}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "days": min is above max`}}},
		{"amount bound with five decimals", entry("", `{name: amount, type: amount, min: "0.00001"}`, "{name: currency, type: currency}"), [][]string{{"in.yaml:7: entry 1 (rent.paid): ", `field "amount": min of an amount field`, `"0.00001"`}}},
		{"amount without currency", entry("", "{name: amount, type: amount}"), [][]string{{"in.yaml:2: entry 1 (rent.paid): an amount needs exactly one currency field"}}},
		{"too many fields", entry("", manyFields...), [][]string{{"in.yaml:2: entry 1 (rent.paid): at most 64 fields, not 65"}}},
		{"court order lifting without order_ref", "types:\n  - {name: court.lifted, category: court_order, subject: person, retention: 1y, lifts_order: true}\n",
			[][]string{{"in.yaml:2: entry 1 (court.lifted): ", `court_order types must have a required text field "order_ref"`}}},
		// A misspelt category is reported once, not again as "unknown
		// category" by the validation that follows.
		{"unknown category with lifts_order", strings.Replace(entry("lifts_order: true"), "utility_and_rent", "court_orders", 1),
			[][]string{{"in.yaml:3: entry 1 (rent.paid): ", `unknown category "court_orders"`}}},
		{"empty category", strings.Replace(entry(""), "utility_and_rent", `""`, 1), [][]string{{"in.yaml:3: entry 1 (rent.paid): category is empty"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := catalogue.Load("in.yaml", []byte(tc.data))
			if c != nil {
				t.Error("a catalogue came back with the error")
			}
			checkProblems(t, err, tc.want)
		})
	}
}

// Loads that succeed: layouts YAML allows beyond the shipped file's.
func TestLoadValid(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		check      func(*candor.Catalogue) bool
	}{
		{"flow style", `{types: [{name: rent.paid, category: utility_and_rent, subject: person, retention: 3y}]}`,
			func(c *candor.Catalogue) bool { return c.Type("rent.paid") != nil }},
		{"document marker and empty fields", "---\ntypes:\n  - name: rent.paid\n    category: utility_and_rent\n    subject: person\n    retention: 3y\n    fields:\n",
			func(c *candor.Catalogue) bool { return len(c.Type("rent.paid").Fields) == 0 }},
		{"unquoted amount bounds", entry("", "{name: amount, type: amount, min: 0.5, max: 100}", "{name: currency, type: currency}"),
			func(c *candor.Catalogue) bool {
				f := c.Type("rent.paid").Field("amount")
				return *f.Min == 5000 && *f.Max == 100*candor.AmountScale
			}},
		{"negative int bound", entry("", "{name: delta, type: int, min: -10, max: 10}"),
			func(c *candor.Catalogue) bool { return *c.Type("rent.paid").Field("delta").Min == -10 }},
		{"an anchor without alias", entry("description: &d Rent was paid."),
			func(c *candor.Catalogue) bool { return c.Type("rent.paid").Description == "Rent was paid." }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := catalogue.Load("in.yaml", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("loaded %+v", c.Types())
			}
		})
	}
}

// FuzzLoad feeds the loader arbitrary files: it parses an operator's file,
// which is outside input. It must never panic; what it accepts must be a
// catalogue every type of which is valid and usable for validating events.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "catalogue.yaml")
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(entry("", "{name: amount, type: amount, min: 0.5, max: 100}", "{name: currency, type: currency}")))
	f.Add([]byte("types:\n  - {name: court.lifted, category: court_order, subject: person, retention: 1y, lifts_order: true}\n"))
	now := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := catalogue.Load("fuzz.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatal("catalogue and error both returned")
			}
			var ce *candor.CatalogueError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("err = %T %v, want *candor.CatalogueError with problems", err, err)
			}
			for _, p := range ce.Problems {
				if !strings.HasPrefix(p, "fuzz.yaml") {
					t.Fatalf("problem %q does not name the file", p)
				}
			}
			return
		}
		if len(c.Types()) == 0 {
			t.Fatal("empty catalogue accepted")
		}
		for _, et := range c.Types() {
			if ps := et.Validate(); len(ps) > 0 {
				t.Fatalf("accepted type %s has problems: %v", et.Name, ps)
			}
			// Every accepted type can be used to validate an event.
			in := candor.EventInput{ID: "x", Type: et.Name, OccurredAt: "2026-03-13T00:00:00Z",
				Subject: candor.SubjectRef{Kind: et.SubjectKind.String(), Scheme: "tax_number", Value: "1234567897"}}
			for _, fs := range et.Fields {
				in.Fields = append(in.Fields, candor.RawField{Name: fs.Name, Value: candor.RawValue{Kind: candor.RawText, Text: "1"}})
			}
			c.Validate(&in, 0, now, nil)
		}
	})
}
