package candor_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// Issue 11, part 6: free text (a dispute statement, a note, a review's
// statement or rationale) refuses NUL, control characters, ANSI escapes
// and bidirectional overrides, whichever entry point it comes through.
func TestCheckStatement(t *testing.T) {
	tests := []struct {
		name, text, want string // want: in the error, "" for none
	}{
		{"plain", "I was never late.", ""},
		{"lines and tabs", "Line one.\n\tLine two.\r\nLine three.", ""},
		{"other scripts", "Ich war nie säumig. 我从未迟到。 ﷽ \ufffd", ""},
		{"NUL", "a\x00b", "U+0000 (NUL) at character 2"},
		{"ANSI colour", "\x1b[31mred", "U+001B (a terminal escape (ANSI) sequence) at character 1"},
		{"CSI", "x\u009b2J", "U+009B"},
		{"bell", "a\ab", "U+0007 (a control character)"},
		{"lone CR", "a\rb", "U+000D"},
		{"DEL", "a\x7f", "U+007F"},
		{"NEL", "a\u0085", "U+0085"},
		{"RLO", "\u202egnorw", "U+202E (a bidirectional override or isolate)"},
		{"LRE", "a\u202ab", "U+202A"},
		{"FSI", "a\u2068b", "U+2068"},
		{"PDI", "a\u2069", "U+2069"},
		{"line separator", "a\u2028b", "U+2028 (a line or paragraph separator)"},
		{"invalid UTF-8", "a\xffb", "not valid UTF-8"},
		{"blank", " \n\t", "is required"},
		{"too long", strings.Repeat("é", candor.MaxStatement+1), "more than 4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := candor.CheckStatement("statement", tt.text, true)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(candor.ErrorMessage(err), tt.want) || !strings.HasPrefix(candor.ErrorMessage(err), "statement") {
				t.Fatalf("got %v, want EINVALID naming the statement and %q", err, tt.want)
			}
		})
	}
	// One-line text allows no tab or newline at all.
	for _, s := range []string{"a\tb", "a\nb", "a\r\nb"} {
		if err := candor.CheckText("reference", s, false); candor.ErrorCode(err) != candor.EINVALID {
			t.Errorf("CheckText(%q, one line) = %v", s, err)
		}
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer value", 8, "a longer…"},
		{"naïve", 3, "na…"}, // ï is two bytes: not cut in half
		{"ĳĳ", 1, "…"},
	} {
		got := candor.Clip(c.s, c.n)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
