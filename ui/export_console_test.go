package ui

// DataTranslationKeys returns the English texts of the catalogue and the
// scorecards that have a translation, for the tests of package ui_test.
func DataTranslationKeys() []string {
	out := make([]string, 0, len(dataTranslations))
	for k := range dataTranslations {
		out = append(out, k)
	}
	return out
}
