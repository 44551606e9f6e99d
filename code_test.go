package candor

import (
	"math/rand/v2"
	"testing"
)

// TestNormaliseCodeASCII checks the allocation-free path against the
// rune-by-rune one on codes as typed and on random ASCII strings.
func TestNormaliseCodeASCII(t *testing.T) {
	cases := []string{"", "ABC-DEF-GHJ-KMN", "abc-def-ghj-kmn", "abcdefghjkmn", "ABC DEF GHJ KMN", " a-b-c d e f g h j k m n ",
		"ABC-DEF-GHJ-KM", "ABC-DEF-GHJ-KMNP", "ABCDEFGHJKMNP", "ab1-2c3-$%^-x_y", "---", "ABC-DEF-GHJ-KMN-"}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcDEF123- -xyZ_!"
	for range 5000 {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		got, ascii := normaliseASCIICode(s)
		if !ascii {
			t.Fatalf("normaliseASCIICode(%q) says it is not ASCII", s)
		}
		if want := normaliseAnyCode(s); got != want {
			t.Errorf("normaliseASCIICode(%q) = %q, rune by rune %q", s, got, want)
		}
	}
	if _, ascii := normaliseASCIICode("abc-def-ghj-kmñ"); ascii {
		t.Error("a code with ñ taken for ASCII")
	}
	if got, want := NormaliseCode("abc-def-ghj-kmñ"), normaliseAnyCode("abc-def-ghj-kmñ"); got != want {
		t.Errorf("NormaliseCode of a non-ASCII code = %q, want %q", got, want)
	}
	code := NewCode()
	if n := testing.AllocsPerRun(100, func() { _ = NormaliseCode(code) }); n != 0 {
		t.Errorf("NormaliseCode of a code in NewCode's form: %v allocations, want 0", n)
	}
	if got := NormaliseCode(code); got != code {
		t.Errorf("NormaliseCode(%q) = %q", code, got)
	}
}
