package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/strictjson"
)

// read reads one whole value with Object, Array and Scalar, as a caller
// that uses every part of it would.
func read(data []byte) error {
	s := strictjson.NewScanner(data)
	var value func() error
	value = func() error {
		switch s.Peek() {
		case '{':
			return s.Object(func([]byte) error { return value() })
		case '[':
			return s.Array(func(int) error { return value() })
		}
		_, _, err := s.Scalar()
		return err
	}
	if err := value(); err != nil {
		return err
	}
	return s.End()
}

func TestScannerRefuses(t *testing.T) {
	members := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"k` + strings.Repeat("x", i) + `":0`)
		}
		return "{" + b.String() + "}"
	}
	tests := []struct {
		name, in, want string
		line, col      int
	}{
		{"33 levels", strings.Repeat("[", 33) + strings.Repeat("]", 33), "nested deeper than 32 levels", 1, 33},
		{"a million levels", strings.Repeat(`{"a":`, 1_000_000), "nested deeper than 32 levels", 1, 32*5 + 1},
		{"key twice", `{"a":1,"b":2,"a":3}`, `column 14: key "a" given twice`, 1, 14},
		{"key twice, escaped", "{\"a\":1,\n\"\\u0061\":3}", `key "a" given twice`, 2, 1},
		{"key twice, deep", `[{"x":[{"a":1,"a":2}]}]`, `in [0].x[0]: key "a" given twice`, 1, 15},
		{"key twice after many", members(20)[:len(members(20))-1] + `,"kxxxxxxxxxxxxxxx":1}`, "given twice", 1, 0},
		{"too many members", members(65), "more than 64 members", 1, 0},
		{"NUL escaped", `["a\u0000"]`, "U+0000 (NUL)", 1, 2},
		{"newline escaped", `{"a":"x\ny"}`, "in a: string holds U+000A", 1, 6},
		{"ESC", `["\u001b[2J"]`, "U+001B", 1, 2},
		{"DEL raw", "[\"\x7f\"]", "U+007F", 1, 2},
		{"C1 raw", "[\"\u0085\"]", "U+0085", 1, 2},
		{"RLO raw", "[\"a\u202eb\"]", "U+202E", 1, 2},
		{"PDI escaped", `["\u2069"]`, "U+2069", 1, 2},
		{"bidi in a key", "{\"a\u202d\":1}", "U+202D", 1, 2},
		{"raw control", "[\"a\tb\"]", "control character U+0009", 1, 4},
		{"invalid UTF-8", "[\"a\xffb\"]", "invalid UTF-8", 1, 2},
		{"unpaired surrogate", `["\ud800x"]`, "unpaired surrogate", 1, 0},
		{"bad escape", `["\x"]`, `invalid escape \x`, 1, 0},
		{"trailing data", `{} {}`, "after the end", 1, 4},
		{"unclosed", `[1,2`, "want ',' or ']'", 1, 5},
		{"mismatched", `[1}`, "want ',' or ']'", 1, 3},
		{"empty", ``, "unexpected end of input", 1, 1},
		{"leading zero", `[01]`, "want ',' or ']'", 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := read([]byte(tt.in))
			var se *strictjson.Error
			if !errors.As(err, &se) || !strings.Contains(se.Error(), tt.want) {
				t.Fatalf("got %v, want an *Error containing %q", err, tt.want)
			}
			if se.Line != tt.line || tt.col != 0 && se.Col != tt.col {
				t.Errorf("at line %d column %d, want %d, %d", se.Line, se.Col, tt.line, tt.col)
			}
		})
	}
}

func TestScannerAccepts(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("[", 32) + strings.Repeat("]", 32),
		`{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`, // the same key in different objects
		`["caf\u00e9","日本語","\ufffd","😀","\ud83d\ude00",-0.5e+3,true,false,null]`,
	} {
		if err := read([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// Skipping a value allocates nothing, however deep or wide: the memory a
// body takes is what the caller keeps. Skip checks all read does but for
// keys given twice and members counted.
func TestSkip(t *testing.T) {
	deep := []byte(strings.Repeat(`{"k":[`, 16) + `"\u00e9"` + strings.Repeat(`]}`, 16))
	wide := []byte(`[` + strings.TrimSuffix(strings.Repeat(`{"a":"\u00e9","b":[1,2,{"c":null}]},`, 1000), ",") + `]`)
	for _, in := range [][]byte{deep, wide} {
		s := strictjson.NewScanner(in)
		if err := s.Skip(); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(10, func() {
			s.Reset(in)
			s.Skip()
		})
		if allocs != 0 {
			t.Errorf("Skip of %d bytes: %v allocations", len(in), allocs)
		}
	}
	// An error costs no more however deep the input.
	errAllocs := func(n int) float64 {
		in := []byte(strings.Repeat("[", n))
		return testing.AllocsPerRun(5, func() { strictjson.NewScanner(in).Skip() })
	}
	// (Not to the allocation: the race detector's runtime adds a varying
	// few. One per level would be a million more.)
	if a, b := errAllocs(100), errAllocs(1_000_000); b > a+64 {
		t.Errorf("a refused 100-deep value: %v allocations; 1,000,000 deep: %v", a, b)
	}
	for _, in := range []string{`{"a":1,"a":2}`, `[` + strings.Repeat(`"\u00e9",`, 100) + `{"b":{}}]`} {
		if err := strictjson.NewScanner([]byte(in)).Skip(); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
	for _, in := range []string{`[{"a":"\u0000"}]`, strings.Repeat(`{"a":`, 33), `[1,]`, `{"a" 1}`, `{"a":1,}`, `[1 2]`, `{1:2}`} {
		if err := strictjson.NewScanner([]byte(in)).Skip(); err == nil {
			t.Errorf("%s: skipped without an error", in)
		}
	}
}

type purpose string

func (p *purpose) UnmarshalText(b []byte) error {
	if string(b) != "rental" && string(b) != "credit" {
		return errors.New("unknown purpose " + string(b))
	}
	*p = purpose(b)
	return nil
}

type request struct {
	Name    string  `json:"name"`
	Note    string  `json:"note" text:"multiline"`
	Days    int     `json:"days"`
	Event   uint64  `json:"event"`
	Confirm bool    `json:"confirm"`
	Purpose purpose `json:"purpose"`
	skipped string
}

func TestUnmarshal(t *testing.T) {
	var got request
	err := strictjson.Unmarshal([]byte(` {"name":"Ann","note":"a\n\tb\r\nc","days":-3,"event":18446744073709551615,"confirm":true,"purpose":"rental"} `), &got)
	want := request{Name: "Ann", Note: "a\n\tb\r\nc", Days: -3, Event: 1<<64 - 1, Confirm: true, Purpose: "rental"}
	if err != nil || got != want {
		t.Fatalf("got %+v, %v", got, err)
	}
	tests := []struct{ in, want string }{
		{`{"name":"a","name":"b"}`, `key "name" given twice`},
		{`{"Name":"a"}`, `unknown key "Name"`},
		{`{"skipped":"a"}`, `unknown key "skipped"`},
		{`{"name":null}`, "must be a string"},
		{`{"name":1}`, "must be a string"},
		{`{"name":"a\nb"}`, "U+000A"},
		{`{"note":"a\rb"}`, "U+000D"},
		{`{"note":"a\u0000"}`, "U+0000"},
		{`{"note":"\u202e"}`, "U+202E"},
		{`{"days":1.5}`, "not an integer"},
		{`{"days":1e2}`, "not an integer"},
		{`{"days":"1"}`, "must be an integer"},
		{`{"days":99999999999999999999}`, "out of range"},
		{`{"event":-1}`, "not a non-negative integer"},
		{`{"confirm":1}`, "must be true or false"},
		{`{"purpose":"astrology"}`, "unknown purpose astrology"},
		{`{"purpose":7}`, "must be a string"},
		{`{"name":"a"}{}`, "after the end"},
		{`[]`, "want a JSON object"},
		{` `, "empty body"},
		{`{"name":` + strings.Repeat("[", 100), "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r request
			err := strictjson.Unmarshal([]byte(tt.in), &r)
			var se *strictjson.Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an *Error containing %q", err, tt.want)
			}
		})
	}
	var m map[string]string
	if err := strictjson.Unmarshal([]byte(`{}`), &m); err == nil || errors.As(err, new(*strictjson.Error)) {
		t.Errorf("a map: got %v, want the caller's error", err)
	}
	var bad struct {
		F float64 `json:"f"`
	}
	if err := strictjson.Unmarshal([]byte(`{"f":1}`), &bad); err == nil || errors.As(err, new(*strictjson.Error)) {
		t.Errorf("a float field: got %v, want the caller's error", err)
	}
}

// accepts is an independent statement of what the reader accepts, on top
// of encoding/json: valid UTF-8 JSON, nesting at most 32, no key twice and
// at most 64 in an object, no string with a character candor refuses.
func accepts(data []byte) bool {
	if !utf8.Valid(data) || !json.Valid(data) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		keys      map[string]bool
		object    bool
		expectKey bool
	}
	var stack []*frame
	value := func() { // a value ended
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if len(stack) == strictjson.MaxDepth {
					return false
				}
				stack = append(stack, &frame{keys: map[string]bool{}, object: v == '{', expectKey: v == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			value()
		case string:
			if _, at := candor.ForbiddenRune(v, false); at >= 0 {
				return false
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				top := stack[n-1]
				if top.keys[v] || len(top.keys) == strictjson.MaxMembers {
					return false
				}
				top.keys[v] = true
				top.expectKey = false
				continue
			}
			value()
		default:
			value()
		}
	}
}

// FuzzScanner checks the reader against accepts, both ways (but for
// surrogate escapes, which encoding/json replaces and strictjson refuses
// when unpaired), and that it never panics.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,{"b":null}],"c":"d"}`, `{"a":1,"a":2}`, `[{"x":{"a":1,"\u0061":2}}]`,
		strings.Repeat("[", 33), strings.Repeat("[", 32) + strings.Repeat("]", 32), strings.Repeat(`{"a":`, 40),
		`["\u0000"]`, `["\u202e"]`, "[\"\u2066\"]", `["\u001b[31m"]`, "[\"\x7f\"]", "[\"\u0085\"]", `["\ud800"]`, `["\ud83d\ude00"]`,
		"[\"\xff\"]", `{"a":1}x`, `-0.0e-0`, `"\n"`, `""`, "0\x00", "{\"a\":1}\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := read(data)
		if err != nil && !errors.As(err, new(*strictjson.Error)) {
			t.Fatalf("%q: %v is not an *Error", data, err)
		}
		ok := accepts(data)
		if err == nil && !ok {
			t.Fatalf("accepted %q", data)
		}
		if err != nil && ok && !bytes.Contains(bytes.ToLower(data), []byte(`\ud`)) {
			t.Fatalf("refused %q: %v", data, err)
		}
	})
}

// Lists of strings (POST /v1/me/credentials's statements) hold strings
// only, each checked as a line of text.
func TestUnmarshalStringList(t *testing.T) {
	type listRequest struct {
		Statements []string `json:"statements"`
	}
	var got listRequest
	if err := strictjson.Unmarshal([]byte(`{"statements":["a","b"]}`), &got); err != nil || !slices.Equal(got.Statements, []string{"a", "b"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if err := strictjson.Unmarshal([]byte(`{"statements":[]}`), &got); err != nil || len(got.Statements) != 0 {
		t.Fatalf("empty list: %+v, %v", got, err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{"statements":null}`, "must be an array of strings"},
		{`{"statements":"a"}`, "must be an array of strings"},
		{`{"statements":["a",1]}`, "must be a string"},
		{`{"statements":[["a"]]}`, "must be a string"},
		{`{"statements":["\u202e"]}`, "U+202E"},
		{`{"statements":["a"],"statements":["b"]}`, `key "statements" given twice`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var r listRequest
			err := strictjson.Unmarshal([]byte(tt.in), &r)
			var se *strictjson.Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an *Error containing %q", err, tt.want)
			}
		})
	}
}
