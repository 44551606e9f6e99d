package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/ui"
)

// The checker of pages in a language other than English: what a person
// reads or hears of a page — its text nodes, its title, and the title,
// aria-label, placeholder, alt and data-label attributes (the last shows
// as a table cell's label on phones) — may hold no English word. A word
// is English if it is made of ASCII letters and is not:
//   - an identifier or a code: it has a digit (AB1234567, v2, 15:04,
//     late_30), or a '_', '.', '/', '@' or ':' inside (credit.instalment_late,
//     /me/data), or is in capitals (grades A and AAA, EUR, UTC, QR, CSV,
//     SD-JWT);
//   - inside a <code> element, and lower case with '-' (rental-deposit);
//   - the brand Candor, or one of the names the caller allows (the names
//     of sources and relying parties, which are proper names);
//   - inside an element whose lang attribute names another language (the
//     language switcher's "English"), or one marked translate="no": what
//     people wrote themselves (a dispute's statement, a reviewer's
//     reasons), quoted as they wrote it.
//
// It is a function of the test package so that any page's test can use
// it: assertNoUntranslated(t, "ru", body, "Bank Seven").

// untranslatedAllowed are ASCII words any language's page may show.
var untranslatedAllowed = []string{"Candor", "MiB"}

var (
	markupRe = regexp.MustCompile(`(?s)<!--.*?-->|<![^>]*>|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*(/?)>`)
	attrRe   = regexp.MustCompile(`([^\s=>/]+)(?:="([^"]*)")?`)
	voidTags = []string{"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
	// checkedAttrs are the attributes a person reads or hears.
	checkedAttrs = []string{"title", "aria-label", "placeholder", "alt", "data-label"}
)

// untranslatedIn returns each English word of page (in language lang),
// with the text it stands in, as "word: text".
func untranslatedIn(lang, page string, allow ...string) []string {
	allowed := append(slices.Clone(untranslatedAllowed), allow...)
	var found []string
	type open struct {
		tag        string
		skip, code bool
	}
	var stack []open
	skipping := func() bool { return len(stack) > 0 && stack[len(stack)-1].skip }
	inCode := func() bool { return len(stack) > 0 && stack[len(stack)-1].code }
	check := func(where, text string, code bool) {
		for _, w := range englishWords(html.UnescapeString(text), code, allowed) {
			found = append(found, fmt.Sprintf("%q in %s %q", w, where, strings.Join(strings.Fields(html.UnescapeString(text)), " ")))
		}
	}
	last := 0
	for _, m := range markupRe.FindAllStringSubmatchIndex(page, -1) {
		if !skipping() {
			check("text", page[last:m[0]], inCode())
		}
		last = m[1]
		if m[4] < 0 { // a comment or <!doctype>
			continue
		}
		closing, tag := page[m[2]:m[3]] == "/", strings.ToLower(page[m[4]:m[5]])
		if closing {
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].tag == tag {
					stack = stack[:i]
					break
				}
			}
			continue
		}
		attrs := map[string]string{}
		for _, a := range attrRe.FindAllStringSubmatch(page[m[6]:m[7]], -1) {
			attrs[strings.ToLower(a[1])] = a[2]
		}
		skip := skipping() || tag == "script" || tag == "style" || attrs["hreflang"] != "" || attrs["translate"] == "no" || (attrs["lang"] != "" && attrs["lang"] != lang && tag != "html")
		if !skip {
			for _, a := range checkedAttrs {
				if v, ok := attrs[a]; ok {
					check(tag+" "+a, v, false)
				}
			}
		}
		if slices.Contains(voidTags, tag) || page[m[8]:m[9]] == "/" {
			continue
		}
		stack = append(stack, open{tag: tag, skip: skip, code: inCode() || tag == "code"})
	}
	if !skipping() {
		check("text", page[last:], false)
	}
	return found
}

// englishWords returns the English words of text: see untranslatedIn.
// A word is a run of ASCII letters, digits and identifiers' punctuation:
// Chinese is not written with spaces.
func englishWords(text string, code bool, allowed []string) []string {
	var out []string
	for _, tok := range asciiRun.FindAllString(text, -1) {
		tok = strings.Trim(tok, ".:-")
		if !hasASCIILetter(tok) || strings.ContainsAny(tok, "0123456789_./@:") || slices.Contains(allowed, tok) {
			continue
		}
		if code && strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz-") == "" {
			continue
		}
		for part := range strings.SplitSeq(tok, "-") {
			if hasASCIILetter(part) && strings.ToUpper(part) != part && !slices.Contains(allowed, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

var asciiRun = regexp.MustCompile(`[A-Za-z0-9_./@:#+-]+`)

func hasASCIILetter(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) })
}

// assertNoUntranslated fails t if page, in language lang, has an English
// word (see untranslatedIn); allow are words it may have (proper names).
// It says which words are words of the portal's English messages.
func assertNoUntranslated(t *testing.T, lang, what, page string, allow ...string) {
	t.Helper()
	found := untranslatedIn(lang, page, allow...)
	if len(found) == 0 {
		return
	}
	english := englishVocabulary()
	for i, f := range found {
		w, _, _ := strings.Cut(f, " in ")
		if english[strings.ToLower(strings.Trim(w, `"`))] {
			found[i] = f + " (a word of the English messages)"
		}
	}
	slices.Sort(found)
	found = slices.Compact(found)
	t.Errorf("%s in %s has %d untranslated words:\n  %s", what, lang, len(found), strings.Join(found, "\n  "))
}

// englishVocabulary is the set of words of the portal's English
// messages, lower case.
func englishVocabulary() map[string]bool {
	out := map[string]bool{}
	for _, k := range ui.TranslationKeys() {
		for _, w := range strings.FieldsFunc(k, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) {
			if len(w) > 1 {
				out[strings.ToLower(w)] = true
			}
		}
	}
	return out
}

// The checker finds English words in text and in the attributes people
// read, and lets identifiers, codes, grades, the brand and allowed names
// through; an element in another language is not its business.
func TestUntranslatedChecker(t *testing.T) {
	for _, tc := range []struct {
		page string
		want []string // the words found
	}{
		{`<p>Мои оценки</p>`, nil},
		{`<p>Мои оценки: Main reasons</p>`, []string{"Main", "reasons"}},
		{`<td data-label="Drops off">1 мая 2026</td>`, []string{"Drops", "off"}},
		{`<a aria-label="Dispute the fact">оспорить</a><input placeholder="name">`, []string{"Dispute", "the", "fact", "name"}},
		{`<html lang="ru"><head><title>My data · Candor</title></head></html>`, []string{"My", "data"}},
		{`<p>Оценка AAA, B; EUR 120.50; национальный номер AB1234567; credit.instalment_late; /v1/me/scores; late_30; 15:04 UTC; SD-JWT VC; Candor</p>`, nil},
		{`<p>методика <code>rental-deposit</code>, версия 1</p>`, nil},
		{`<p>методика rental-deposit</p>`, []string{"rental", "deposit"}},
		{`<p>Источник: Bank Seven</p>`, nil},
		{`<nav><a href="?lang=en" lang="en" hreflang="en">English</a> <span lang="en">Main</span></nav>`, nil},
		{`<p>JSON-файл; days late: 95</p>`, []string{"days", "late"}},
		{`<p>来自Bank Seven · 撤销给予Landlord的授权</p>`, []string{"Landlord"}},
		{`<p>Заявление: <span translate="no">“I was never late.”</span></p>`, nil},
		{`<p>a &amp; b</p><!-- comment words --><br><p>ok<br/>fine</p>`, []string{"a", "b", "ok", "fine"}},
		{`<svg><title>Grade history</title><line x1="1"/></svg><p>日期</p>`, []string{"Grade", "history"}},
	} {
		var got []string
		for _, f := range untranslatedIn("ru", tc.page, "Bank", "Seven") {
			w, _, _ := strings.Cut(f, " in ")
			got = append(got, strings.Trim(w, `"`))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: found %q, want %q", tc.page, got, tc.want)
		}
	}
}

// personNames are the proper names a populated person's pages show.
var personNames = []string{"Bank", "Seven", "Landlord", "One", "City", "Water", "Civil", "Registry", "olga", "rita"}

// populatedPerson gives the person AB1234567 of h something on every
// page: facts with enum fields from two sources, a link to a second
// identifier, consents given and revoked, a decision with its review
// asked for, a refused request, a dispute, and reads by others of every
// kind. It returns the ID of a fact the person may dispute.
func (h *harness) populatedPerson(t *testing.T) candor.EventID {
	t.Helper()
	ctx := context.Background()
	subject := h.ids["AB1234567"]
	water := &candor.Source{ID: "water1", Name: "City Water", Kind: candor.SourceUtility, AllowedTypes: []string{"utility.bill_overdue", "utility.bill_paid"}}
	registry := &candor.Source{ID: "civil1", Name: "Civil Registry", Kind: candor.SourceRegistry}
	for _, s := range []*candor.Source{water, registry} {
		if err := h.store.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Now().UTC().Add(-20 * 24 * time.Hour).Format(time.RFC3339)
	raw := func(kind candor.RawKind, s string) candor.RawValue { return candor.RawValue{Kind: kind, Text: s} }
	if _, err := h.ingest.Ingest(ctx, water, []candor.EventInput{{ID: "w1", Subject: candor.SubjectRef{Kind: "person", Scheme: "national_id", Value: "AB1234567"},
		Type: "utility.bill_overdue", OccurredAt: when, Fields: []candor.RawField{
			{Name: "service", Value: raw(candor.RawString, "electricity")}, {Name: "days_overdue", Value: raw(candor.RawNumber, "45")},
			{Name: "amount", Value: raw(candor.RawString, "60.00")}, {Name: "currency", Value: raw(candor.RawString, "EUR")}}}}, nil); err != nil {
		t.Fatal(err)
	}
	links := identity.New(identity.Config{Store: h.store, Vault: h.vault})
	if _, err := links.Link(ctx, identity.Request{Source: registry, Ref: "civ-1",
		First: candor.Identifier{Scheme: candor.NationalID, Value: "AB1234567"}, Second: candor.Identifier{Scheme: candor.NationalID, Value: "CD7654321"}}); err != nil {
		t.Fatal(err)
	}
	d, err := h.decide(h.grantConsent(t, "AB1234567"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.decisions.RequestReview(ctx, subject, d.ID, "I paid on time."); err != nil {
		t.Fatal(err)
	}
	revoked := h.grantConsent(t, "AB1234567")
	if _, err := h.decisions.Revoke(ctx, subject, revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := h.decide(revoked); err == nil {
		t.Fatal("a decision on a revoked consent")
	}
	h.grantConsent(t, "AB1234567")
	h.openDispute(t, "AB1234567")
	for _, r := range []struct {
		role                      candor.Role
		principal, purpose, route string
	}{
		{candor.RoleRelyingParty, h.landlord.ID, "decision for rental by " + h.landlord.ID, "POST /v1/decisions"},
		{candor.RoleRelyingParty, h.landlord.ID, "decision shown again to " + h.landlord.ID, "GET /v1/decisions/{id}"},
		{candor.RoleSource, "bank7", "data_quality", "GET /v1/subjects:lookup?scheme=national_id"},
		{candor.RoleOperator, "olga", "subject_request", "GET /v1/subjects/{id}/events"},
		{candor.RoleOperator, "olga", "model_development", "features consumer-credit v1"},
		{candor.RoleReviewer, "rita", "human_review", "GET /console/reviews/" + d.ID},
		{candor.RoleSubject, subject.String(), "the subject's own read", "GET /v1/me/scores"},
	} {
		_, key := candor.NewAPIKey(r.role, r.principal, time.Now())
		if err := h.store.PutKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := h.access.Record(ctx, &candor.Access{Subject: subject, At: time.Now().UTC(), Principal: key.ID, Role: r.role,
			Purpose: r.purpose, Action: r.route}); err != nil {
			t.Fatal(err)
		}
	}
	facts, err := h.vault.StoredKey(ctx, h.store, subject)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := facts.ReadEvents(ctx, h.store)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == "utility.bill_overdue" {
			return e.ID
		}
	}
	t.Fatal("no utility bill among the facts")
	return 0
}

// personPages are the paths of every page of a signed-in person, and
// what each must show (so that an empty page does not pass).
func personPages(fact candor.EventID) []struct{ path, want string } {
	return []struct{ path, want string }{
		{"/me/grades", `class="grade"`}, {"/me/data", "<table"}, {"/me/consents", "<table"}, {"/me/decisions", `class="answer"`},
		{"/me/disputes", `class="steps"`}, {fmt.Sprintf("/me/disputes/new?fact=%d", fact), "<textarea"}, {"/me/access", "<table"},
		{"/me/erasure", `name="confirm"`}, {"/me/status", `type="checkbox"`}, {"/erased", `href="/"`},
	}
}

// No page of a person, with something on each, has an English word
// left in Russian or Chinese; nor have the messages after their forms
// (flash messages) and the errors their forms can meet.
func TestNoUntranslatedPersonPages(t *testing.T) {
	h := mustHarness(t)
	h.withCredentials(t)
	fact := h.populatedPerson(t)
	for _, lang := range []string{"ru", "zh-Hans"} {
		b := h.browser(t)
		b.signIn("AB1234567")
		b.get("/me/grades?lang=" + lang) // the choice is kept in a cookie
		for _, pg := range personPages(fact) {
			p := b.get(pg.path)
			if p.status != http.StatusOK || !strings.Contains(p.body, pg.want) || !strings.Contains(p.body, `<html lang="`+lang+`">`) {
				t.Fatalf("%s in %s: %d, lacks %q:\n%s", pg.path, lang, p.status, pg.want, p.body)
			}
			assertNoUntranslated(t, lang, pg.path, p.body, personNames...)
		}
		csrf := b.csrf("/me/status")
		shown := b.post("/me/status", url.Values{"csrf": {csrf}, "kind": {"shown"}, "statement": {"no_standing_court_restriction"}, "document": {"national_id"}})
		if shown.status != http.StatusOK {
			t.Fatalf("the QR code page in %s: %d", lang, shown.status)
		}
		assertNoUntranslated(t, lang, "the QR code page", shown.body, personNames...)
		if p := b.get("/me/status"); !strings.Contains(p.body, `<span class="state valid">`) {
			t.Errorf("the credential shown is not listed in %s", lang)
		} else {
			assertNoUntranslated(t, lang, "/me/status with a credential issued", p.body, personNames...)
		}
		// Each form's message on the next page, and the errors.
		after := func(what, path string, form url.Values, next string) {
			t.Helper()
			form.Set("csrf", csrf)
			p := b.post(path, form)
			if next != "" {
				if p.status != http.StatusSeeOther {
					t.Fatalf("%s in %s: %d\n%s", what, lang, p.status, p.body)
				}
				p = b.get(next)
				if !strings.Contains(p.body, `class="flash"`) {
					t.Fatalf("%s in %s: no message on %s", what, lang, next)
				}
			} else if p.status < 400 || !strings.Contains(p.body, `class="error"`) {
				t.Fatalf("%s in %s: %d, no error\n%s", what, lang, p.status, p.body)
			}
			assertNoUntranslated(t, lang, what, p.body, personNames...)
		}
		after("a consent given", "/me/consents", url.Values{"relying_party": {h.landlord.ID}, "purpose": {"rental"}, "days": {"30"}}, "/me/consents")
		code := regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(b.get("/me/consents").body)[1]
		after("a consent revoked", "/me/consents/revoke", url.Values{"code": {code}}, "/me/consents")
		after("a purpose not in the list", "/me/consents", url.Values{"relying_party": {h.landlord.ID}, "purpose": {"astrology"}, "days": {"30"}}, "")
		after("too many days", "/me/consents", url.Values{"relying_party": {h.landlord.ID}, "purpose": {"rental"}, "days": {"99999"}}, "")
		after("a purpose the party lacks", "/me/consents", url.Values{"relying_party": {h.landlord.ID}, "purpose": {"credit"}, "days": {"30"}}, "")
		after("an opt-out", "/me/opt-outs", url.Values{"scorecard": {"rental-deposit"}, "action": {"out"}}, "/me/grades")
		after("an opt-in", "/me/opt-outs", url.Values{"scorecard": {"rental-deposit"}, "action": {"in"}}, "/me/grades")
		after("an empty dispute", "/me/disputes", url.Values{"fact": {fmt.Sprint(fact)}, "statement": {""}}, "")
		after("a fact not the person's", "/me/disputes", url.Values{"fact": {"999999"}, "statement": {"x"}}, "")
		after("a review asked twice", "/me/decisions/"+regexp.MustCompile(`id="d-([^"]+)"`).FindStringSubmatch(b.get("/me/decisions").body)[1]+"/review",
			url.Values{"statement": {"again"}}, "")
		after("an erasure not confirmed", "/me/erasure", url.Values{}, "")
		if p := b.get("/me/nothing-here"); p.status == http.StatusNotFound {
			assertNoUntranslated(t, lang, "a page that does not exist", p.body, personNames...)
		}
	}
}
