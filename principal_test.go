package candor_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

func TestNormalisePrincipal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"alice ", "alice"},
		{"  ALICE\t", "alice"},
		{"Alice", "alice"},
		{"ａｌｉｃｅ", "alice"},        // fullwidth
		{"ALİCE", "ali̇ce"},       // dotted capital I folds to i + combining dot: not "alice"
		{"Mary  Ann", "mary ann"}, // runs of spaces are one
		{"Straße", "strasse"},     // full case folding
		{"ﬁona", "fiona"},         // ligature, NFKC
		{"Zoë", "zoë"},
		{"Zoe\u0308", "zoë"}, // decomposed, composed by NFKC
		{"o'brien-smith", "o'brien-smith"},
		{"Δημήτρης", "δημήτρησ"}, // final sigma folds to σ
		{"山田たろう", "山田たろう"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := candor.NormalisePrincipal(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("NormalisePrincipal(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "required"},
		{"blank", " \t ", "required"},
		{"zero width space", "ali\u200bce", "not allowed"},
		{"bidi override", "\u202ealice", "not allowed"},
		{"NUL", "alice\x00", "not allowed"},
		{"ANSI escape", "\x1b[31malice", "not allowed"},
		{"Cyrillic a among Latin", "\u0430lice", "more than one script"},
		{"symbol", "alice☺", "not allowed"},
		{"too long", strings.Repeat("a", candor.MaxPrincipal+1), "more than"},
		{"invalid UTF-8", "alice\xff", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := candor.NormalisePrincipal(tc.in)
			if candor.ErrorCode(err) != candor.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NormalisePrincipal(%q) = %q, %v; want EINVALID saying %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzNormalisePrincipal checks that a normalised name is stable (normalising
// it again changes nothing), bounded and free of surrounding space.
func FuzzNormalisePrincipal(f *testing.F) {
	for _, s := range []string{"alice", " ALICE ", "ａｌｉｃｅ", "Straße", "\u0430lice", "ali\u200bce", "Zoe\u0308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := candor.NormalisePrincipal(s)
		if err != nil {
			return
		}
		again, err := candor.NormalisePrincipal(n)
		if err != nil || again != n {
			t.Fatalf("not stable: %q -> %q -> %q, %v", s, n, again, err)
		}
		if n == "" || strings.TrimSpace(n) != n || utf8.RuneCountInString(n) > candor.MaxPrincipal {
			t.Fatalf("%q -> %q", s, n)
		}
	})
}
