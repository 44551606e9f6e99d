package candor

import (
	"fmt"
	"unicode/utf8"
)

// Text that people, operators and sources submit is shown to others: on
// pages, in terminals, in exports. It may hold no control characters (C0,
// DEL, C1: NUL, ANSI escape sequences, which start with ESC or CSI), no
// line or paragraph separators (U+2028, U+2029) and no bidirectional
// overrides or isolates (U+202A–U+202E, U+2066–U+2069), which make text
// read differently from what it holds. Multi-line free text (a dispute
// statement, a review's rationale) may also hold tab and newline (LF, or
// CR LF).

// ForbiddenRune returns the first character of s that such text may not
// hold and its byte offset, or -1 if there is none. Invalid UTF-8 is
// reported as utf8.RuneError.
func ForbiddenRune[T ~string | ~[]byte](s T, multiline bool) (rune, int) {
	for i, r := range string(s) { // no copy: the compiler ranges over s
		switch {
		case r >= 0x20 && r < 0x7f: // printable ASCII: the common case
		case r == utf8.RuneError && !(i+2 < len(s) && s[i] == 0xef && s[i+1] == 0xbf && s[i+2] == 0xbd):
			return r, i // invalid UTF-8, not a U+FFFD written out
		case multiline && (r == '\t' || r == '\n'):
		case multiline && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
		case !TextRune(r):
			return r, i
		}
	}
	return 0, -1
}

// TextRune reports whether r may appear in single-line submitted text.
func TextRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return false
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return false
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides, isolates
		return false
	}
	return true
}

// DescribeRune names a character ForbiddenRune returned, for an error
// message: its code point and what it is.
func DescribeRune(r rune) string {
	what := "a control character"
	switch {
	case r == utf8.RuneError:
		return "invalid UTF-8"
	case r == 0:
		what = "NUL"
	case r == 0x1b || r == 0x9b:
		what = "a terminal escape (ANSI) sequence"
	case r == '\t' || r == '\n' || r == '\r':
		what = "a tab or line break, allowed in multi-line text only"
	case r == 0x2028 || r == 0x2029:
		what = "a line or paragraph separator"
	case r >= 0x202a:
		what = "a bidirectional override or isolate"
	}
	return fmt.Sprintf("U+%04X (%s)", r, what)
}

// CheckText checks submitted text: valid UTF-8 holding no character
// ForbiddenRune refuses. Errors: EINVALID naming the field, the character
// and its position (in characters, from 1).
func CheckText(field, s string, multiline bool) error {
	r, at := ForbiddenRune(s, multiline)
	if at < 0 {
		return nil
	}
	if r == utf8.RuneError {
		return Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	return Errorf(EINVALID, "%s holds %s at character %d: submitted text may not hold control characters, escape sequences or bidirectional overrides",
		field, DescribeRune(r), utf8.RuneCountInString(s[:at])+1)
}

// Clip shortens s to at most n bytes, cut at a character boundary, with
// "…" appended when it cut: for echoing what a caller sent in an error or
// a record, where a long value must not grow either and a character cut
// in half would leave invalid UTF-8.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
