package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
)

// Every field and enum value of the shipped catalogue's types about
// persons, every event type's title, every purpose, every read purpose,
// every identifier scheme for persons, every benefit and every
// credential statement has a Russian and a Chinese translation, keyed by
// its stable identifier.
func TestPersonWordsAreTranslated(t *testing.T) {
	ok := func(tr trans, found bool) bool { return found && tr.ru != "" && tr.zh != "" }
	cat := catalogue.Default()
	for _, ty := range cat.Types() {
		if ty.SubjectKind != candor.Person {
			continue
		}
		if tr, found := dataTranslations[ty.Title]; !ok(tr, found) {
			t.Errorf("type %s: no translation of its title %q", ty.Name, ty.Title)
		}
		for _, f := range ty.Fields {
			if tr, found := fieldWords[f.Name]; !ok(tr, found) {
				t.Errorf("type %s: no translation of field %s", ty.Name, f.Name)
			}
			for _, v := range f.Values {
				if tr, found := enumWords[f.Name+"="+v]; !ok(tr, found) {
					t.Errorf("type %s: no translation of %s=%s", ty.Name, f.Name, v)
				}
			}
		}
	}
	for _, p := range candor.Purposes() {
		if tr, found := translations[purposeText(p)]; !ok(tr, found) {
			t.Errorf("no translation of purpose %s", p)
		}
		for _, b := range candor.Benefits(p) {
			if w, found := benefitWords[b.Name]; !ok(w.name, found) || !ok(w.desc, found) {
				t.Errorf("no translation of benefit %s", b.Name)
			}
		}
	}
	for _, r := range []candor.Role{candor.RoleOperator, candor.RoleReviewer} {
		for _, p := range candor.ReadPurposesOf(r) {
			if tr, found := readPurposeWords[p.String()]; !ok(tr, found) {
				t.Errorf("no translation of read purpose %s", p)
			}
		}
	}
	for _, d := range candor.Schemes().All() {
		if d.Code.AppliesTo(candor.Person) {
			if tr, found := schemeWords[d.Name]; !ok(tr, found) {
				t.Errorf("no translation of scheme %s", d.Name)
			}
		}
	}
	for _, st := range catalogue.Statements() {
		if tr, found := statementWords[st.Name]; !ok(tr, found) {
			t.Errorf("no translation of statement %s", st.Name)
		}
	}
	// A word with no translation is shown in English, not as nothing.
	ru := localeAt(1)
	if got := ru.field("no_such_field"); got != "no such field" {
		t.Errorf("an unknown field in Russian: %q", got)
	}
	if got := ru.fieldValue("region", "north", true); got != "север" {
		t.Errorf("region=north in Russian: %q", got)
	}
	if got := ru.fieldValue("amount", "120.50", false); got != "120.50" {
		t.Errorf("an amount in Russian: %q", got)
	}
}

// The messages the portal translates are not translated twice: a key in
// both catalogues would take either translation.
func TestPersonTranslationsAreNew(t *testing.T) {
	for k := range personTranslations {
		if _, dup := translations[k]; dup {
			t.Errorf("%q is in both translations and personTranslations", k)
		}
	}
	verbs := regexp.MustCompile(`%(\[\d\])?[sdvq]`)
	for _, f := range errorFormats {
		tr, ok := personTranslations[f]
		if !ok {
			t.Errorf("error format %q has no translation", f)
			continue
		}
		n := len(verbs.FindAllString(f, -1))
		for _, x := range []string{tr.ru, tr.zh} {
			if len(verbs.FindAllString(x, -1)) != n || regexp.MustCompile(`%(\[\d\])?[dvq]`).MatchString(x) {
				t.Errorf("%q: the translation %q must have %d verbs, each %%s (the arguments are matched text)", f, x, n)
			}
		}
	}
}

// Each error format is written, as it is, in the code of the portal or a
// service: one that is rewritten there fails here rather than leaving
// its message untranslated.
func TestErrorFormatsAreInTheCode(t *testing.T) {
	var src strings.Builder
	for _, glob := range []string{"*.go", "../*.go", "../decisions/*.go", "../disputes/*.go", "../identity/*.go", "../credentials/*.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "messages_person.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	for _, f := range errorFormats {
		if !strings.Contains(src.String(), `"`+f+`"`) {
			t.Errorf("the error format %q is in no code", f)
		}
	}
	ru := localeAt(1)
	for msg, want := range map[string]string{
		"no fact 42": "факта 42 нет",
		"Landlord One is not registered for the purpose credit, so a consent for it would be of no use": "«Landlord One» не зарегистрирована для цели «кредит», поэтому согласие для неё было бы бесполезно",
		"Nothing about \"work_permit_valid\": it is not in this credential.":                            "Ничего об утверждении «действующее разрешение на работу»: его нет в этом удостоверении.",
		"something no one wrote": "something no one wrote",
	} {
		if got := ru.message(msg); got != want {
			t.Errorf("message(%q) = %q, want %q", msg, got, want)
		}
	}
}

// Who looked says in words what each route the API, the portal and the
// console record reads, and why each reader read.
func TestEveryReadIsInWords(t *testing.T) {
	route := regexp.MustCompile(`HandleFunc\("((?:GET|POST) /(?:v1/(?:me|subjects|decisions|reviews)|me/)[^"]*)"`)
	files, _ := filepath.Glob("../httpapi/*.go")
	files = append(files, "ui.go", "credentials.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range route.FindAllStringSubmatch(string(b), -1) {
			n++
			r := m[1]
			if strings.HasPrefix(r, "POST ") && r != "POST /v1/decisions" && r != "POST /me/status" && r != "POST /v1/me/credentials" {
				continue // a form's or a change's answer, which reads nothing more
			}
			if _, ok := readWhat[r]; !ok {
				t.Errorf("what %s reads is not in words", r)
			}
		}
	}
	if n < 20 {
		t.Fatalf("found %d routes: the pattern no longer matches the code", n)
	}
	zh := localeAt(2)
	for _, tc := range []struct{ action, want string }{
		{"GET /v1/subjects/{id}/events?from=2026-01-01", "您的事实"},
		{"GET /console/reviews/d-123", "关于您的决定，用于复核"},
		{"features consumer-credit v2", "您的事实，用于拟合新版评分卡"},
	} {
		if got := zh.accessWhat(tc.action); got != tc.want {
			t.Errorf("accessWhat(%q) = %q, want %q", tc.action, got, tc.want)
		}
	}
	for _, tc := range []struct{ purpose, want string }{
		{"decision for rental by landlord1", "为“租赁”判断您是否符合条件"},
		{"decision for rental by landlord1 (replayed for its Idempotency-Key)", "为“租赁”判断您是否符合条件；再次出示了同一决定，未作新决定"},
		{"human_review", "为您请求的人工复核决定"},
		{"the subject's own read", "您用自己的 API 密钥读取"},
	} {
		if got := zh.accessWhy(tc.purpose); got != tc.want {
			t.Errorf("accessWhy(%q) = %q, want %q", tc.purpose, got, tc.want)
		}
	}
}
