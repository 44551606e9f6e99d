package ui

// TranslationKeys returns the English keys of every translated message,
// for the tests of package ui_test.
func TranslationKeys() []string {
	out := make([]string, 0, len(translations))
	for _, m := range []map[string]struct{ ru, zh string }{translations, personTranslations} {
		for k := range m {
			out = append(out, k)
		}
	}
	return out
}
