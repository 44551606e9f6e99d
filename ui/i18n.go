package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The portal speaks English, Russian and Simplified Chinese: a page's
// language is the one its ?lang= link chose (kept in a cookie), else the
// best match of the browser's Accept-Language, else English. Templates
// write each sentence as {{$.T "English text" args...}}: the English text
// is the message's key in a golang.org/x/text/message catalogue, and
// New refuses templates with a key that lacks a translation.

// languages are the portal's languages, English (the fallback) first.
var languages = []struct {
	Tag  language.Tag
	Code string // the lang attribute and the ?lang= value
	Name string // in the language itself
}{
	{language.English, "en", "English"},
	{language.Russian, "ru", "Русский"},
	{language.SimplifiedChinese, "zh-Hans", "简体中文"},
}

var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Russian, language.SimplifiedChinese})

// langCookie keeps the language a person chose.
const langCookie = "candor_lang"

// messages is the catalogue of every translated message.
var messages = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range []map[string]struct{ ru, zh string }{translations, personTranslations} {
		for key, tr := range m {
			b.SetString(language.Russian, key, tr.ru)
			b.SetString(language.SimplifiedChinese, key, tr.zh)
		}
	}
	return b
}()

// locale is a request's language.
type locale struct {
	index int // into languages
	p     *message.Printer
}

func localeAt(i int) locale {
	return locale{index: i, p: message.NewPrinter(languages[i].Tag, message.Catalog(messages))}
}

// localeOf picks r's language, and if r chose one with ?lang=, keeps the
// choice in a cookie on w (if not nil).
func localeOf(w http.ResponseWriter, r *http.Request) locale {
	if q := r.URL.Query().Get("lang"); q != "" {
		for i, l := range languages {
			if strings.EqualFold(q, l.Code) {
				if w != nil {
					http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
						HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
				}
				return localeAt(i)
			}
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		for i, l := range languages {
			if c.Value == l.Code {
				return localeAt(i)
			}
		}
	}
	_, i, _ := langMatcher.Match(parseAcceptLanguage(r.Header.Get("Accept-Language"))...)
	return localeAt(i)
}

// parseAcceptLanguage reads an Accept-Language header, ignoring what it
// cannot read.
func parseAcceptLanguage(h string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		return nil
	}
	return tags
}

// T translates an English message, formatting args into it with the
// language's number formats.
func (l locale) T(key string, args ...any) string { return l.p.Sprintf(key, args...) }

// D writes a day as the language writes it.
func (l locale) D(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	switch languages[l.index].Code {
	case "ru":
		return fmt.Sprintf("%d %s %d", t.Day(), ruMonths[t.Month()-1], t.Year())
	case "zh-Hans":
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format("2 Jan 2006")
}

var ruMonths = [12]string{"янв.", "февр.", "марта", "апр.", "мая", "июня", "июля", "авг.", "сент.", "окт.", "нояб.", "дек."}

// langLink is a link to the page in another language.
type langLink struct {
	Code, Name string
	Current    bool
}

func (l locale) links() []langLink {
	out := make([]langLink, len(languages))
	for i, x := range languages {
		out[i] = langLink{Code: x.Code, Name: x.Name, Current: i == l.index}
	}
	return out
}

// templateKey finds the messages templates translate: {{$.T "..."}} or
// {{.T "..."}}.
var templateKey = regexp.MustCompile(`\.T "((?:[^"\\]|\\.)*)"`)

// untranslated returns the keys in the templates' text that lack a
// Russian or Chinese translation.
func untranslated(texts ...string) []string {
	var out []string
	for _, text := range texts {
		for _, m := range templateKey.FindAllStringSubmatch(text, -1) {
			key := strings.ReplaceAll(m[1], `\"`, `"`)
			tr, ok := translations[key]
			if !ok {
				tr, ok = personTranslations[key]
			}
			if (!ok || tr.ru == "" || tr.zh == "") && !slices.Contains(out, key) {
				out = append(out, key)
			}
		}
	}
	return out
}
