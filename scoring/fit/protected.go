package fit

import (
	"strings"
	"unicode"
)

// protectedWords are name parts that mark a protected attribute: the GDPR
// Art. 9 special categories and the US Reg B prohibited bases.
var protectedWords = map[string]string{
	"sex": "sex", "gender": "sex", "female": "sex", "male": "sex",
	"age": "age", "birth": "age", "born": "age",
	"race": "race", "racial": "race", "colour": "race", "color": "race",
	"ethnic": "ethnic origin", "ethnicity": "ethnic origin", "caste": "ethnic origin",
	"nationality": "national origin", "foreign": "national origin", "citizenship": "national origin", "migrant": "national origin",
	"religion": "religion", "religious": "religion", "belief": "religion",
	"marital": "marital status", "married": "marital status", "spouse": "marital status",
	"pregnancy": "pregnancy", "pregnant": "pregnancy",
	"disability": "disability", "disabled": "disability", "health": "health",
	"political": "political opinion", "politics": "political opinion",
	"orientation": "sexual orientation",
}

// CharterRefusal is why a protected attribute is refused as a
// characteristic.
const CharterRefusal = "charter point 1 (closed catalogue: no category for protected attributes; GDPR Art. 9, US Reg B) forbids it as a characteristic; give it to the fairness audit instead (--audit)"

// Protected returns why name denotes a protected attribute (sex, age,
// ethnic or national origin, religion, marital status, ...), or "" when it
// does not. Name parts are split at anything that is not a letter and at
// lower-to-upper case changes.
func Protected(name string) string {
	for _, w := range words(name) {
		if what, ok := protectedWords[w]; ok {
			return what + " is a protected attribute: " + CharterRefusal
		}
	}
	return ""
}

func words(name string) []string {
	var out []string
	var b strings.Builder
	var prev rune
	flush := func() {
		if b.Len() > 0 {
			out = append(out, strings.ToLower(b.String()))
			b.Reset()
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	flush()
	return out
}
