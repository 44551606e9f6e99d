package candor

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MaxPrincipal is the longest administrator principal, in characters.
const MaxPrincipal = 64

var fold = cases.Fold()

// NormalisePrincipal returns the one spelling of a person's name as an
// administrator principal, so that two spellings of one person are one
// principal: Unicode NFKC, case-folded, trimmed, runs of spaces made one
// ("  ALICE ", "alice" and "ａｌｉｃｅ" are all "alice"). A name may hold
// letters, marks, digits, spaces and - . _ ' only, with the letters of one
// script (so "аlice" with a Cyrillic а is refused, not a second alice).
// Errors: EINVALID naming the problem.
func NormalisePrincipal(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", Errorf(EINVALID, "principal: not valid UTF-8")
	}
	s := norm.NFKC.String(fold.String(norm.NFKC.String(name)))
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", Errorf(EINVALID, "principal: a name is required")
	}
	if n := utf8.RuneCountInString(s); n > MaxPrincipal {
		return "", Errorf(EINVALID, "principal: %d characters, more than %d", n, MaxPrincipal)
	}
	var script *unicode.RangeTable
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			sc := scriptOf(r)
			if sc == nil {
				return "", Errorf(EINVALID, "principal %q: letter %U is of no script a name may use", s, r)
			}
			if script != nil && sc != script {
				return "", Errorf(EINVALID, "principal %q: letters of more than one script", s)
			}
			script = sc
		case unicode.IsMark(r) || unicode.IsDigit(r) || strings.ContainsRune(" -._'", r):
		default:
			return "", Errorf(EINVALID, "principal %q: character %U is not allowed (letters, digits, spaces and - . _ ' only)", s, r)
		}
	}
	return s, nil
}

// nameScripts are the scripts a principal's letters may be written in.
var nameScripts = []*unicode.RangeTable{unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Armenian,
	unicode.Hebrew, unicode.Arabic, unicode.Devanagari, unicode.Han, unicode.Hiragana, unicode.Katakana,
	unicode.Hangul, unicode.Thai, unicode.Georgian}

// scriptOf returns the script of a letter (Japanese kana count as Han,
// as they are written together), or nil.
func scriptOf(r rune) *unicode.RangeTable {
	for _, t := range nameScripts {
		if unicode.Is(t, r) {
			if t == unicode.Hiragana || t == unicode.Katakana {
				return unicode.Han
			}
			return t
		}
	}
	return nil
}
