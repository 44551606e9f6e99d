package ui_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-project/candor/ui"
)

// The person's pages speak the browser's language — Russian or Chinese
// by Accept-Language, English otherwise — or the one chosen with a
// ?lang= link, kept for the next pages; the page's lang attribute says
// which; and no translated English sentence is left on a translated page.
func TestPersonPagesInTheirLanguage(t *testing.T) {
	h := mustHarness(t)
	if _, err := h.decide(h.grantConsent(t, "AB1234567")); err != nil {
		t.Fatal(err)
	}
	b := h.browser(t)
	b.signIn("AB1234567")
	get := func(path, accept string) page {
		t.Helper()
		req, _ := http.NewRequest("GET", b.base+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return b.do(req)
	}
	// English sentences of three words or more: none may remain on a
	// Russian or Chinese page.
	var sentences []string
	for _, k := range ui.TranslationKeys() {
		if len(strings.Fields(k)) >= 3 && !strings.Contains(k, "%") {
			sentences = append(sentences, k)
		}
	}
	for _, tc := range []struct{ accept, lang, want string }{
		{"ru-RU,ru;q=0.9,en;q=0.5", "ru", "Мои оценки"},
		{"zh-CN,zh;q=0.9", "zh-Hans", "我的等级"},
		{"de-DE,fr;q=0.8", "en", "My grades"},
		{"", "en", "My grades"},
	} {
		for _, path := range []string{"/", "/me/grades", "/me/data", "/me/access", "/me/consents", "/me/decisions", "/me/disputes", "/me/erasure"} {
			p := get(path, tc.accept)
			if p.status != 200 {
				t.Fatalf("%s (%s): %d", path, tc.accept, p.status)
			}
			if !strings.Contains(p.body, `<html lang="`+tc.lang+`">`) || !strings.Contains(p.body, tc.want) {
				t.Errorf("%s with Accept-Language %q: want lang %s and %q:\n%.600s", path, tc.accept, tc.lang, tc.want, p.body)
			}
			if tc.lang == "en" {
				continue
			}
			body := text(p.body)
			for _, s := range sentences {
				if strings.Contains(body, s) {
					t.Errorf("%s in %s still says %q", path, tc.lang, s)
				}
			}
		}
	}
	// Dates in the language.
	if p := get("/me/data", "ru"); !strings.Contains(p.body, " 20") || strings.Contains(text(p.body), "Drops off") {
		t.Errorf("russian data page:\n%s", text(p.body))
	}
	if p := get("/me/data", "zh-CN"); !strings.Contains(p.body, "年") {
		t.Errorf("chinese data page has no chinese dates:\n%s", text(p.body))
	}
	// A choice made with a link is kept, whatever the browser says.
	if p := get("/me/grades?lang=zh-Hans", "ru"); !strings.Contains(p.body, `<html lang="zh-Hans">`) {
		t.Fatalf("?lang=zh-Hans: %.300s", p.body)
	}
	if p := get("/me/access", "ru"); !strings.Contains(p.body, `<html lang="zh-Hans">`) || !strings.Contains(p.body, "谁查看过") {
		t.Errorf("the chosen language is not kept: %.300s", p.body)
	}
	// The switch links to every language.
	for _, want := range []string{`href="?lang=en"`, `href="?lang=ru"`, `href="?lang=zh-Hans"`} {
		if p := get("/me/grades", ""); !strings.Contains(p.body, want) {
			t.Errorf("no language link %s", want)
		}
	}
}

// A sentence that starts with a letter outside ASCII is capitalised
// whole, not cut inside the letter's bytes.
func TestCapitalisedTranslations(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	p := b.get("/me/grades?lang=ru")
	if !strings.Contains(p.body, "Снижена из-за") || !utf8.ValidString(p.body) {
		t.Errorf("the russian grade text is not capitalised whole:\n%s", text(p.body))
	}
}

// The explanations' words from the catalogue and the scorecards are in
// the person's language too.
func TestExplanationsInTheirLanguage(t *testing.T) {
	h := mustHarness(t)
	b := h.browser(t)
	b.signIn("AB1234567")
	body := text(b.get("/me/grades?lang=ru").body)
	for _, want := range []string{"Оплатите просроченные платежи", "Платёж по кредиту внесён с опозданием", "просроченный платёж по кредиту"} {
		if !strings.Contains(body, want) {
			t.Errorf("the russian grades page lacks %q:\n%s", want, body)
		}
	}
	for _, english := range []string{"Pay any instalment", "Loan instalment paid late", "late loan instalment"} {
		if strings.Contains(body, english) {
			t.Errorf("the russian grades page says %q", english)
		}
	}
	if body := text(b.get("/me/data?lang=zh-Hans").body); !strings.Contains(body, "逾期的贷款分期") || strings.Contains(body, "Late loan instalment") {
		t.Errorf("the chinese data page:\n%s", body)
	}
}
