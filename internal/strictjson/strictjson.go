package strictjson

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// Bounds of every body.
const (
	MaxDepth   = 32 // objects and arrays nested in each other
	MaxMembers = 64 // members of one object
)

// Text is what a string may hold.
type Text uint8

const (
	Line      Text = iota // one line: no control character at all
	Multiline             // free text: tab and newline (LF or CR LF) too
)

// Kind is the kind of a JSON value.
type Kind uint8

const (
	String Kind = iota + 1
	Number
	Bool
	Null
	Object
	Array
)

// Error is a body that is not the JSON Candor reads.
type Error struct {
	Msg       string
	Line, Col int    // of the offending byte, from 1
	Path      string // to the value being read, like [3].data.subject; "" at the top
}

func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("malformed JSON at line %d, column %d, in %s: %s", e.Line, e.Col, e.Path, e.Msg)
}

// step is one level of the path to the cursor: an array index, or the
// offsets in the input of an object key as written.
type step struct {
	array            bool
	index            int
	keyStart, keyEnd int
}

// Scanner reads one JSON text. The caller walks it: Object and Array call
// back for each member or element, which the callback must consume with
// String, Scalar, Skip or a nested Object or Array. The zero value reads an
// empty input; Reset starts on another.
type Scanner struct {
	data  []byte
	pos   int
	depth int
	buf   []byte // scratch for strings with escapes
	path  [MaxDepth]step
}

// NewScanner returns a scanner of data.
func NewScanner(data []byte) *Scanner { return &Scanner{data: data} }

// Reset makes s read data from its start, keeping its scratch memory.
func (s *Scanner) Reset(data []byte) { s.data, s.pos, s.depth = data, 0, 0 }

// Errorf returns an *Error at the cursor.
func (s *Scanner) Errorf(format string, args ...any) error {
	return s.errorAt(s.pos, fmt.Sprintf(format, args...))
}

func (s *Scanner) errorAt(pos int, msg string) error {
	line, col := 1, 1
	for _, c := range s.data[:min(pos, len(s.data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Msg: msg, Line: line, Col: col, Path: s.Path()}
}

// Path returns the path to the value at the cursor: keys joined by dots,
// array indexes in brackets.
func (s *Scanner) Path() string {
	var b strings.Builder
	for _, st := range s.path[:s.depth] {
		switch {
		case st.array:
			fmt.Fprintf(&b, "[%d]", st.index)
		case st.keyEnd > st.keyStart:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			key := s.data[st.keyStart:st.keyEnd]
			if plainKey(key) {
				b.Write(key)
			} else {
				b.WriteString(strconv.QuoteToASCII(string(key)))
			}
		}
	}
	return b.String()
}

func plainKey(k []byte) bool {
	for _, c := range k {
		if !(c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek returns the next byte that is not white space, without consuming
// it, or 0 at the end of the input (or at a NUL byte, which is not JSON).
func (s *Scanner) Peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *Scanner) expect(c byte) error {
	if s.Peek() != c {
		if s.pos >= len(s.data) {
			return s.Errorf("unexpected end of input, want %q", c)
		}
		return s.Errorf("unexpected %q, want %q", s.data[s.pos], c)
	}
	s.pos++
	return nil
}

// End returns an error unless only white space is left.
func (s *Scanner) End() error {
	if s.ws(); s.pos < len(s.data) {
		return s.Errorf("unexpected data after the end of the JSON value")
	}
	return nil
}

// open enters an object or array at the cursor.
func (s *Scanner) open(c byte) error {
	if s.depth >= MaxDepth {
		return s.Errorf("nested deeper than %d levels", MaxDepth)
	}
	if err := s.expect(c); err != nil {
		return err
	}
	s.path[s.depth] = step{array: c == '['}
	s.depth++
	return nil
}

// keySet holds the keys of one object, to refuse repeated ones; the first
// few without allocating.
type keySet struct {
	inline [12][]byte
	more   [][]byte
	n      int
}

// add records key, which must stay unchanged while k is used, and reports
// whether it was new.
func (k *keySet) add(key []byte) bool {
	for _, seen := range k.inline[:min(k.n, len(k.inline))] {
		if string(seen) == string(key) {
			return false
		}
	}
	for _, seen := range k.more {
		if string(seen) == string(key) {
			return false
		}
	}
	if k.n < len(k.inline) {
		k.inline[k.n] = key
	} else {
		k.more = append(k.more, key)
	}
	k.n++
	return true
}

// Object reads the object at the cursor, calling member for each key (a
// Line string, unescaped: a view valid until member returns, to be copied
// if kept); member must consume the value. A key given twice, more than
// MaxMembers members or nesting deeper than MaxDepth is an error.
func (s *Scanner) Object(member func(key []byte) error) error {
	if err := s.open('{'); err != nil {
		return err
	}
	st := &s.path[s.depth-1]
	if s.Peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	var keys keySet
	for {
		*st = step{}
		if s.Peek() != '"' {
			return s.Errorf("want an object key")
		}
		at := s.pos
		key, err := s.str(Line)
		if err != nil {
			return err
		}
		if len(key) != s.pos-at-2 { // unescaped into the scratch buffer, which the next string reuses
			key = bytes.Clone(key)
		}
		if keys.n == MaxMembers {
			return s.errorAt(at, fmt.Sprintf("more than %d members in one object", MaxMembers))
		}
		if !keys.add(key) {
			return s.errorAt(at, fmt.Sprintf("key %s given twice", strconv.QuoteToASCII(string(key))))
		}
		st.keyStart, st.keyEnd = at+1, s.pos-1
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		if more, err := s.afterValue(false); err != nil || !more {
			return err
		}
	}
}

// Array reads the array at the cursor, calling elem for each element,
// which elem must consume.
func (s *Scanner) Array(elem func(i int) error) error {
	if err := s.open('['); err != nil {
		return err
	}
	st := &s.path[s.depth-1]
	if s.Peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for i := 0; ; i++ {
		st.index = i
		if err := elem(i); err != nil {
			return err
		}
		if more, err := s.afterValue(true); err != nil || !more {
			return err
		}
	}
}

// afterValue reads what follows a member of the object or an element of
// the array at the cursor's depth: a comma (more is true), or the closing
// bracket, which ends it.
func (s *Scanner) afterValue(array bool) (more bool, err error) {
	closer, what := byte('}'), "'}' after an object member"
	if array {
		closer, what = ']', "']' after an array element"
	}
	switch s.Peek() {
	case ',':
		s.pos++
		return true, nil
	case closer:
		s.pos++
		s.depth--
		return false, nil
	}
	return false, s.Errorf("want ',' or %s", what)
}

// Scalar reads the value at the cursor. A string (a Line string) comes
// back unescaped, a number or literal as written; an object or an array is
// skipped, and only its kind returned.
func (s *Scanner) Scalar() (Kind, string, error) {
	switch c := s.Peek(); {
	case c == '"':
		str, err := s.String(Line)
		return String, str, err
	case c == '{':
		return Object, "", s.Skip()
	case c == '[':
		return Array, "", s.Skip()
	case c == '-' || '0' <= c && c <= '9':
		n, err := s.number()
		return Number, string(n), err
	case c == 't':
		return Bool, "true", s.literal("true")
	case c == 'f':
		return Bool, "false", s.literal("false")
	case c == 'n':
		return Null, "null", s.literal("null")
	case s.pos >= len(s.data):
		return 0, "", s.Errorf("unexpected end of input, want a value")
	default:
		return 0, "", s.Errorf("unexpected %q, want a value", c)
	}
}

// Skip reads past the value at the cursor, checking it as strictly as the
// rest (but for keys given twice: a skipped value is never used). It
// neither recurses nor allocates, however deep the value.
func (s *Scanner) Skip() error {
	base := s.depth
	for {
		// A value is expected at the cursor.
		switch c := s.Peek(); c {
		case '{', '[':
			if err := s.open(c); err != nil {
				return err
			}
			if s.Peek() == c+2 { // '}' and ']' follow '{' and '[' by two
				s.pos++
				s.depth--
				break
			}
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue
		default:
			if _, _, err := s.scalarOnly(); err != nil {
				return err
			}
		}
		// After a value: close what ends here, until another value is due.
		for {
			if s.depth == base {
				return nil
			}
			st := &s.path[s.depth-1]
			more, err := s.afterValue(st.array)
			if err != nil {
				return err
			}
			if !more {
				continue
			}
			if st.array {
				st.index++
			} else if err := s.skipKey(); err != nil {
				return err
			}
			break
		}
	}
}

// skipKey reads a key and its colon inside Skip.
func (s *Scanner) skipKey() error {
	st := &s.path[s.depth-1]
	*st = step{}
	if s.Peek() != '"' {
		return s.Errorf("want an object key")
	}
	at := s.pos
	if _, err := s.str(Line); err != nil {
		return err
	}
	st.keyStart, st.keyEnd = at+1, s.pos-1
	return s.expect(':')
}

// scalarOnly reads a string, number or literal without keeping it.
func (s *Scanner) scalarOnly() (Kind, []byte, error) {
	switch c := s.Peek(); {
	case c == '"':
		b, err := s.str(Line)
		return String, b, err
	case c == '-' || '0' <= c && c <= '9':
		n, err := s.number()
		return Number, n, err
	case c == 't':
		return Bool, nil, s.literal("true")
	case c == 'f':
		return Bool, nil, s.literal("false")
	case c == 'n':
		return Null, nil, s.literal("null")
	case s.pos >= len(s.data):
		return 0, nil, s.Errorf("unexpected end of input, want a value")
	default:
		return 0, nil, s.Errorf("unexpected %q, want a value", c)
	}
}

func (s *Scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.Errorf("invalid literal, want %s", word)
	}
	s.pos += len(word)
	return nil
}

// number reads a JSON number and returns its text, a view of the input.
func (s *Scanner) number() ([]byte, error) {
	start := s.pos
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return nil, s.Errorf("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return nil, s.Errorf("invalid number: no digits after '.'")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return nil, s.Errorf("invalid number: no digits in exponent")
		}
	}
	s.pos = i
	return d[start:i], nil
}

// String reads the string at the cursor, holding what t allows.
func (s *Scanner) String(t Text) (string, error) {
	if s.Peek() != '"' {
		return "", s.Errorf("want a string")
	}
	b, err := s.str(t)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// str reads a string at the cursor and returns its contents, unescaped: a
// view of the input or of the scratch buffer, valid until the next read.
func (s *Scanner) str(t Text) ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	d := s.data
	start := s.pos
	check := false // the string holds more than printable ASCII
	// Fast path: no escapes.
	for i := start; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			if check {
				return d[start:i], s.checkText(d[start:i], t, start-1)
			}
			return d[start:i], nil
		case c == '\\':
			return s.unescape(start, i, t)
		case c < 0x20:
			s.pos = i
			return nil, s.Errorf("control character %s in string", candor.DescribeRune(rune(c)))
		case c >= 0x7f:
			check = true
		}
	}
	s.pos = len(d)
	return nil, s.Errorf("unterminated string")
}

// unescape continues str from the first escape, at i.
func (s *Scanner) unescape(start, i int, t Text) ([]byte, error) {
	d := s.data
	b := append(s.buf[:0], d[start:i]...)
	defer func() { s.buf = b[:0] }()
	for {
		if i >= len(d) {
			s.pos = i
			return nil, s.Errorf("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return b, s.checkText(b, t, start-1)
		case c < 0x20:
			s.pos = i
			return nil, s.Errorf("control character %s in string", candor.DescribeRune(rune(c)))
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			s.pos = i
			return nil, s.Errorf("unterminated string")
		}
		esc := d[i+1]
		i += 2
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d, i)
			if !ok {
				s.pos = i
				return nil, s.Errorf("invalid \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, ok2 = hex4(d, i+2)
				}
				if r = utf16.DecodeRune(r, r2); !ok2 || r == utf8.RuneError {
					s.pos = i
					return nil, s.Errorf("unpaired surrogate in \\u escape")
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default:
			s.pos = i - 1
			return nil, s.Errorf("invalid escape \\%c", esc)
		}
	}
}

// checkText checks a string's contents against t; at is where it starts.
func (s *Scanner) checkText(b []byte, t Text, at int) error {
	r, i := candor.ForbiddenRune(b, t == Multiline)
	if i < 0 {
		return nil
	}
	if r == utf8.RuneError {
		return s.errorAt(at, "invalid UTF-8 in string")
	}
	return s.errorAt(at, fmt.Sprintf("string holds %s at character %d", candor.DescribeRune(r), utf8.RuneCount(b[:i])+1))
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
