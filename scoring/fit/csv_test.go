package fit_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/candor-project/candor/scoring/fit"
)

func TestReadCSV(t *testing.T) {
	d, err := fit.ReadCSV(strings.NewReader("outcome,late_payments,product\n1,3,card\n0,0,mortgage\n0,,card\n1,5,\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows() != 4 || len(d.Columns) != 2 {
		t.Fatalf("%d rows, %d columns", d.Rows(), len(d.Columns))
	}
	late, product := d.Columns[0], d.Columns[1]
	if !late.Numeric || late.Num[1] != 0 || late.Num[2] == late.Num[2] {
		t.Errorf("late_payments: %+v (row 3 must be missing, NaN)", late)
	}
	if product.Numeric || product.Code[3] != -1 || product.Levels[product.Code[1]] != "mortgage" {
		t.Errorf("product: %+v", product)
	}
	if string(d.Outcome) != "\x01\x00\x00\x01" {
		t.Errorf("outcomes %v", d.Outcome)
	}
}

func TestReadCSVRefuses(t *testing.T) {
	mapping := func(s string) *fit.Mapping {
		m, err := fit.ParseMapping([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		name, csv string
		m         *fit.Mapping
		want      string
	}{
		{"outcome not 0/1", "outcome,x\n1,1\n0,2\n2,3\n", nil, `line 4: outcome "2" is not 1 (bad) or 0 (good)`},
		{"constant column", "outcome,x,k\n1,1,7\n0,2,7\n1,3,\n", nil, `column "k" is constant`},
		{"single class", "outcome,x\n0,1\n0,2\n", nil, "single-class sample: all 2 rows have outcome 0"},
		{"no outcome column", "result,x\n1,1\n", nil, `no outcome column "outcome"`},
		{"column not in the mapping", "outcome,x\n1,1\n0,2\n", mapping("characteristics: [{name: y, column: why}]"), `characteristic "y": column "why" is not in the file`},
		{"protected attribute by name", "outcome,x,age\n1,1,30\n0,2,40\n", nil, `column "age": age is a protected attribute: charter point 1`},
		{"protected column by mapping", "outcome,x,a9\n1,1,A91\n0,2,A92\n", mapping("protected: [a9]"), `column "a9" is a protected attribute: charter point 1`},
		{"text in a numeric column", "outcome,x\n1,1\n0,two\n", mapping("characteristics: [{name: x, column: x, kind: numeric}]"), `line 3: characteristic "x": "two" is not a finite number`},
		{"ragged row", "outcome,x\n1,1\n0\n", nil, "wrong number of fields"},
		{"empty", "", nil, "empty file"},
		{"no rows", "outcome,x\n", nil, "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := fit.ReadCSV(strings.NewReader(tc.csv), tc.m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if d != nil {
				t.Error("a refused file returned a dataset")
			}
		})
	}
}

func TestParseMappingRefuses(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "outcomes: class", "field outcomes not found"},
		{"protected characteristic", "protected: [a13]\ncharacteristics: [{name: years, column: a13}]", `reads column "a13", a protected attribute: charter point 1`},
		{"bad kind", "characteristics: [{name: x, column: x, kind: text}]", "kind \"text\" must be numeric or categorical"},
		{"two-character comma", "comma: ';;'", "must be one character"},
		{"no names without header", "no_header: true", "needs names"},
		{"value both good and bad", "bad: ['1']\ngood: ['1']", `"1" is both bad and good`},
		{"categorical aggregate", "characteristics: [{name: x, column: x, kind: categorical, types: [rent.late], aggregate: count}]", `characteristic "x": an aggregate (count) is numeric, not categorical`},
		{"aggregate without types", "characteristics: [{name: x, column: x, aggregate: count}]", `characteristic "x": aggregate count needs the event types it counts`},
		{"types without aggregate", "characteristics: [{name: x, column: x, types: [rent.late]}]", `characteristic "x": types, condition, field, currency and window define an aggregate, which is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := fit.ParseMapping([]byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReadGroups(t *testing.T) {
	g, err := fit.ReadGroups(strings.NewReader("sex,age_band\nf,<25\nm,\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if g.Labels[1][1] != "(missing)" || g.Labels[0][0] != "f" {
		t.Errorf("groups %+v", g)
	}
	var many bytes.Buffer
	many.WriteString("age\n")
	for i := range 60 {
		many.WriteString(strings.Repeat("1", i+1) + "\n")
	}
	for _, tc := range []struct {
		name, csv string
		rows      int
		want      string
	}{
		{"too few rows", "sex\nf\n", 2, "1 rows, the sample 2"},
		{"too many rows", "sex\nf\nm\nf\n", 2, "more rows than the sample's 2"},
		{"unbanded", many.String(), 60, "more than 50 groups: band it first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := fit.ReadGroups(strings.NewReader(tc.csv), tc.rows); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzReadCSV: whatever the bytes, the reader never panics, and what it
// accepts is a valid sample.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("outcome,late_payments,product\n1,3,card\n0,0,mortgage\n0,,card\n1,5,\n"), false)
	f.Add([]byte("outcome,x\n1,1\n0,\"2\n\"\n"), false)
	f.Add([]byte("1 A11 6\n2 A12 48\n1 A14 12\n"), true)
	m, err := fit.ParseMapping([]byte("comma: ' '\nno_header: true\nnames: [class, a1, a2]\noutcome: class\nbad: ['2']\ngood: ['1']"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, mapped bool) {
		mm := (*fit.Mapping)(nil)
		if mapped {
			mm = m
		}
		d, err := fit.ReadCSV(bytes.NewReader(data), mm)
		if err != nil {
			if d != nil {
				t.Fatal("error with a dataset")
			}
			return
		}
		if verr := d.Validate(); verr != nil {
			t.Fatalf("accepted an invalid sample: %v", verr)
		}
		for _, c := range d.Columns {
			for i := range c.Len() {
				if !c.Numeric && c.Code[i] >= int32(len(c.Levels)) {
					t.Fatalf("column %q row %d: code %d of %d levels", c.Name, i, c.Code[i], len(c.Levels))
				}
			}
		}
	})
}

func TestReadCSVRefusesEndlessLine(t *testing.T) {
	long := "outcome,x\n1," + strings.Repeat("9", fit.MaxColumns*(fit.MaxField+3)+1) + "\n"
	if _, err := fit.ReadCSV(strings.NewReader(long), nil); err == nil || !strings.Contains(err.Error(), "a line longer than") {
		t.Errorf("err = %v", err)
	}
}

// FuzzParseMapping: no input panics the mapping parser, and a mapping it
// accepts never maps a protected column.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte("comma: ' '\nno_header: true\nnames: [a, b, c]\noutcome: c\nbad: ['2']\ngood: ['1']\nprotected: [a]\ncharacteristics: [{name: x, column: b, kind: numeric}]"))
	f.Add([]byte("a: &x [1]\nb: *x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := fit.ParseMapping(data)
		if err != nil {
			return
		}
		for _, c := range m.Characteristics {
			for _, p := range m.Protected {
				if c.Column == p {
					t.Fatalf("accepted protected column %q as characteristic %q", p, c.Name)
				}
			}
		}
	})
}

// FuzzReadGroups: no input panics the audit file reader, and what it
// accepts gives every attribute a label per row.
func FuzzReadGroups(f *testing.F) {
	f.Add([]byte("sex,age_band\nf,<25\nm,\n"), 2)
	f.Add([]byte("a\n\"x\ny\"\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, rows int) {
		if rows < 0 || rows > 1000 {
			return
		}
		g, err := fit.ReadGroups(bytes.NewReader(data), rows)
		if err != nil {
			return
		}
		for a, labels := range g.Labels {
			if len(labels) != rows {
				t.Fatalf("attribute %d: %d labels for %d rows", a, len(labels), rows)
			}
		}
	})
}
