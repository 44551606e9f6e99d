package ingest

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// scanner is a strict RFC 8259 JSON reader over one request body, made for
// the event shape: it decodes the values Candor reads and skips the rest
// without building anything. Syntax errors carry the line and column.
type scanner struct {
	data []byte
	pos  int
	buf  []byte // scratch for strings with escapes
}

type syntaxError struct {
	msg       string
	line, col int
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at line %d, column %d: %s", e.line, e.col, e.msg)
}

func (s *scanner) errorf(format string, args ...any) error {
	line, col := 1, 1
	for _, c := range s.data[:min(s.pos, len(s.data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &syntaxError{msg: fmt.Sprintf(format, args...), line: line, col: col}
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		if s.pos >= len(s.data) {
			return s.errorf("unexpected end of input, want %q", c)
		}
		return s.errorf("unexpected %q, want %q", s.data[s.pos], c)
	}
	s.pos++
	return nil
}

// object calls member for each key of the object at the cursor; member must
// consume the value. Spotting keys given twice is the caller's business.
func (s *scanner) object(member func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.errorf("want an object key")
		}
		key, err := s.string()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or '}' after an object member")
		}
	}
}

// array calls elem for each element of the array at the cursor.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or ']' after an array element")
		}
	}
}

// value reads any value. Scalars come back as they were written (strings
// unescaped); objects and arrays are skipped and reported as RawOther.
func (s *scanner) value() (candor.RawValue, error) {
	switch c := s.peek(); {
	case c == '"':
		str, err := s.string()
		return candor.RawValue{Kind: candor.RawString, Text: str}, err
	case c == '{':
		return candor.RawValue{Kind: candor.RawOther}, s.object(func(string) error { _, err := s.value(); return err })
	case c == '[':
		return candor.RawValue{Kind: candor.RawOther}, s.array(func(int) error { _, err := s.value(); return err })
	case c == '-' || '0' <= c && c <= '9':
		n, err := s.number()
		return candor.RawValue{Kind: candor.RawNumber, Text: n}, err
	case c == 't':
		return candor.RawValue{Kind: candor.RawBool, Text: "true"}, s.literal("true")
	case c == 'f':
		return candor.RawValue{Kind: candor.RawBool, Text: "false"}, s.literal("false")
	case c == 'n':
		return candor.RawValue{Kind: candor.RawNull, Text: "null"}, s.literal("null")
	case c == 0:
		return candor.RawValue{}, s.errorf("unexpected end of input, want a value")
	default:
		return candor.RawValue{}, s.errorf("unexpected %q, want a value", c)
	}
}

func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.errorf("invalid literal, want %s", word)
	}
	s.pos += len(word)
	return nil
}

// number reads a JSON number and returns its text.
func (s *scanner) number() (string, error) {
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
		return "", s.errorf("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return "", s.errorf("invalid number: no digits after '.'")
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
			return "", s.errorf("invalid number: no digits in exponent")
		}
	}
	s.pos = i
	return string(d[start:i]), nil
}

// string reads a JSON string at the cursor. Unpaired surrogate escapes are
// errors, never silently replaced. The scanner's input must be valid UTF-8
// (Decode checks the whole body first), so strings need no check of their own.
func (s *scanner) string() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	d := s.data
	start := s.pos
	// Fast path: no escapes.
	for i := start; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			s.pos = i + 1
			return string(d[start:i]), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			s.pos = i
			return "", s.errorf("control character in string")
		}
	}
	b := s.buf[:0]
	i := start
	for {
		if i >= len(d) {
			s.pos = i
			return "", s.errorf("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.buf = b
			return string(b), nil
		case c < 0x20:
			s.pos = i
			return "", s.errorf("control character in string")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			s.pos = i
			return "", s.errorf("unterminated string")
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
			i += 4
			if ok && utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, ok2 = hex4(d, i+2)
				}
				if r = utf16.DecodeRune(r, r2); !ok2 || r == utf8.RuneError {
					s.pos = i
					return "", s.errorf("unpaired surrogate in \\u escape")
				}
				i += 6
			}
			if !ok {
				s.pos = i
				return "", s.errorf("invalid \\u escape")
			}
			b = utf8.AppendRune(b, r)
		default:
			s.pos = i - 1
			return "", s.errorf("invalid escape \\%c", esc)
		}
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d[i:i+4]), 16, 32)
	return rune(n), err == nil
}
