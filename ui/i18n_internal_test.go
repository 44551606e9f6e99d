package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/scoring"
)

// Every message the portal's Go code translates, and every value the
// templates translate, has a Russian and a Chinese translation with the
// same verbs as its English key. (New checks the templates' literal
// keys.)
func TestEveryMessageIsTranslated(t *testing.T) {
	// l.T("...") and localeOf(nil, r).T("...").
	goKey := regexp.MustCompile(`(?:\bl|\))\.T\("((?:[^"\\]|\\.)*)"`)
	files, _ := filepath.Glob("*.go")
	keys := append([]string{"That did not work", "Something went wrong"}, dynamicKeys...)
	for _, h := range errorHeadings {
		keys = append(keys, h)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: the pattern no longer matches the code", len(keys))
	}
	verbs := regexp.MustCompile(`%(\[\d\])?[sdv]`)
	count := func(s string) int { return len(verbs.FindAllString(s, -1)) }
	for _, k := range keys {
		tr, ok := translations[k]
		if !ok {
			tr, ok = personTranslations[k]
		}
		if !ok || tr.ru == "" || tr.zh == "" {
			t.Errorf("no translation of %q", k)
			continue
		}
		if count(tr.ru) != count(k) || count(tr.zh) != count(k) {
			t.Errorf("%q: the translations' verbs differ: %q, %q", k, tr.ru, tr.zh)
		}
	}
	for _, text := range [][]string{{`{{$.T "Not in the catalogue at all"}}`}} {
		if u := untranslated(text...); len(u) != 1 {
			t.Errorf("untranslated(%q) = %q", text, u)
		}
	}
}

// Every title and action of the shipped catalogue's types about persons,
// and every reason text of the shipped scorecards for persons, has a
// Russian and a Chinese translation: a person's explanations are whole in
// their language.
func TestPersonDataIsTranslated(t *testing.T) {
	cat := catalogue.Default()
	need := map[string]string{}
	for _, ty := range cat.Types() {
		if ty.SubjectKind == candor.Person {
			need[ty.Title], need[ty.Action] = ty.Name+" title", ty.Name+" action"
			p := ty.Category.Policy()
			need[sentence(p.Name)], need[sentence(p.Statement)+"."] = p.Name+" title", p.Name+" statement"
		}
	}
	cards, err := scoring.Shipped(cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if sc := c.Scorecard(); sc.SubjectKind == candor.Person {
			need[sc.Title] = sc.ID + " title"
			for _, b := range sc.Grades {
				need[b.Description] = sc.ID + " grade " + b.Grade
			}
			for _, r := range sc.Rules {
				need[r.ReasonText] = sc.ID + " " + r.ID
			}
			for _, ch := range sc.Characteristics {
				need[ch.ReasonText] = sc.ID + " " + ch.ID
			}
		}
	}
	for text, what := range need {
		if tr, ok := dataTranslations[text]; !ok || tr.ru == "" || tr.zh == "" {
			t.Errorf("%s: no translation of %q", what, text)
		}
	}
}
