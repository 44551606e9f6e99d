package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// String appends s as a JSON string, as encoding/json writes it: with
// HTML escaping (<, >, & as \u003c ...) if html, as json.Marshal does,
// and without, as an Encoder with SetEscapeHTML(false) does.
func String(b []byte, s string, html bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || html && (c == '<' || c == '>' || c == '&') {
			return slow(b, s, html)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// slow appends s through encoding/json.
func slow(b []byte, s string, html bool) []byte {
	if html {
		out, _ := json.Marshal(s) // a string always marshals
		return append(b, out...)
	}
	buf := jsonBuffer{b: b}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return buf.b[:len(buf.b)-1] // Encode adds a newline
}

type jsonBuffer struct{ b []byte }

func (j *jsonBuffer) Write(p []byte) (int, error) {
	j.b = append(j.b, p...)
	return len(p), nil
}

// Time appends t as encoding/json writes a time.Time: RFC 3339 with
// nanoseconds, quoted. It fails, as encoding/json does, for a year
// outside 0 to 9999.
func Time(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		_, err := t.MarshalJSON()
		return b, err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// Float appends f as encoding/json writes a float64. It fails for NaN
// and infinities, as encoding/json does.
func Float(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		_, err := json.Marshal(f)
		return b, err
	}
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		out, err := json.Marshal(f)
		return append(b, out...), err
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64), nil
}

// Int appends n.
func Int(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// Uint appends n.
func Uint(b []byte, n uint64) []byte { return strconv.AppendUint(b, n, 10) }
