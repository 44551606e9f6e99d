package ui

// TranslationKeys returns the English keys of every translated message,
// for the tests of package ui_test.
func TranslationKeys() []string {
	out := make([]string, 0, len(translations))
	for k := range translations {
		out = append(out, k)
	}
	return out
}
