package ui_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/ui"
)

// The console's pages, the public scorecard pages, the company register,
// the verifier and the open-data page in Russian and Chinese: every one,
// in every state the test can bring it to, says the page's language in
// its lang attribute, links to the page in the other languages, and
// shows no English message — in its text, or in the title, aria-label,
// placeholder, alt or data-label a reader or a phone shows. Text a page
// marks as English (lang="en": a scorecard's own prose that has no
// translation) and code are not messages.

// functionWords are English words that make two words in a row a
// message rather than a name ("Bank Seven" is a name; "of the" is not).
var functionWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an the of and or to in on at by for from with without as is are was be been not no none any each every all its it this that these those your you their who what when which why how until under over than per only more less yet") {
		functionWords[w] = true
	}
}

// englishWord reports whether a chunk of text between spaces, stripped
// of punctuation, is an English word: letters only (an apostrophe or a
// hyphen inside), not an acronym, not Candor's name. Identifiers (with
// digits, dots, underscores or slashes inside, or lower-case words
// joined by hyphens: rental-deposit) are not words.
var englishWordRe = regexp.MustCompile(`^[A-Za-z][a-z]*(?:['’-][A-Za-z]+)*$`)

func englishWord(chunk string) (string, bool) {
	w := strings.TrimFunc(chunk, func(r rune) bool { return strings.ContainsRune(`()[]{},.:;!?"'“”‘’«»—–…·`, r) })
	if w == "Candor" || !englishWordRe.MatchString(w) || strings.ToUpper(w) == w || strings.Contains(w, "-") && strings.ToLower(w) == w {
		return w, false
	}
	return w, true
}

// englishIn returns the English messages in one visible text: a run of
// three English words, or of two with a function word among them, or a
// run that is a message of the catalogue (known: its words, joined by a
// space), a one-word one only if it is the whole text.
func englishIn(text string, known map[string]bool) []string {
	text = strings.TrimSpace(html.UnescapeString(text))
	if w, ok := englishWord(text); ok && known[w] {
		return []string{w}
	}
	var out, run []string
	function := false
	flush := func() {
		if len(run) >= 3 || len(run) == 2 && (function || known[strings.Join(run, " ")]) {
			out = append(out, strings.Join(run, " "))
		}
		run, function = nil, false
	}
	for _, chunk := range strings.Fields(text) {
		w, ok := englishWord(chunk)
		if !ok {
			flush()
			continue
		}
		run = append(run, w)
		function = function || functionWords[strings.ToLower(w)]
		if strings.IndexAny(chunk[len(chunk)-1:], ".:;!?") == 0 {
			flush() // a sentence ends: its words and the next one's are not one run
		}
	}
	flush()
	return out
}

var (
	consoleTagRe  = regexp.MustCompile(`(?s)<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>`)
	consoleAttrRe = regexp.MustCompile(`([a-zA-Z-]+)\s*=\s*"([^"]*)"`)
	consoleVoid   = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}
	// consoleNotText are elements whose content is not a message.
	consoleNotText = map[string]bool{"script": true, "style": true, "code": true, "kbd": true, "pre": true}
	// consoleShownAttrs are the attributes whose values a page shows or reads
	// out.
	consoleShownAttrs = map[string]bool{"title": true, "aria-label": true, "placeholder": true, "alt": true, "data-label": true}
)

// visibleEnglish returns the English messages a page in language lang
// shows: in its text nodes and shown attributes, outside code, scripts,
// elements marked as in another language and elements marked as not to
// be translated (translate="no": what a person wrote, shown as written).
func visibleEnglish(page, lang string, known map[string]bool) []string {
	var out []string
	type open struct {
		name   string
		exempt bool
	}
	var stack []open
	exempt := func() bool { return len(stack) > 0 && stack[len(stack)-1].exempt }
	last := 0
	for _, m := range consoleTagRe.FindAllStringSubmatchIndex(page, -1) {
		if !exempt() {
			out = append(out, englishIn(page[last:m[0]], known)...)
		}
		last = m[1]
		if m[4] < 0 { // a comment
			continue
		}
		closing, name, attrs, selfClosing := page[m[2]:m[3]] == "/", strings.ToLower(page[m[4]:m[5]]), page[m[6]:m[7]], m[8] < m[9]
		if closing {
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == name {
					stack = stack[:i]
					break
				}
			}
			continue
		}
		ex := exempt() || consoleNotText[name]
		for _, a := range consoleAttrRe.FindAllStringSubmatch(attrs, -1) {
			switch {
			case a[1] == "lang" && a[2] != lang && name != "html", a[1] == "translate" && a[2] == "no":
				ex = true
			case consoleShownAttrs[a[1]] && !exempt():
				out = append(out, englishIn(a[2], known)...)
			}
		}
		if !consoleVoid[name] && !selfClosing {
			stack = append(stack, open{name, ex})
		}
	}
	return append(out, englishIn(page[last:], known)...)
}

// knownMessages are the catalogue's messages without arguments, and the
// texts of the catalogue of facts and of the scorecards that have a
// translation, each as its English words joined by a space: a page may
// show one alone (a heading, a column, a button, a scorecard's title).
func knownMessages() map[string]bool {
	out := map[string]bool{}
	for _, k := range append(ui.TranslationKeys(), ui.DataTranslationKeys()...) {
		if strings.Contains(k, "%") {
			continue
		}
		var ws []string
		for _, chunk := range strings.Fields(k) {
			if w, ok := englishWord(chunk); ok {
				ws = append(ws, w)
			}
		}
		if len(ws) > 1 || len(ws) == 1 && len(ws[0]) > 2 {
			out[strings.Join(ws, " ")] = true
		}
	}
	return out
}

// The checker finds English where there is English: in text, in a shown
// attribute, alone as a one-word message; and not in code, names,
// identifiers, numbers or text marked as English.
func TestVisibleEnglishFindsEnglish(t *testing.T) {
	known := knownMessages()
	for _, tc := range []struct {
		page string
		want []string
	}{
		{`<p>Это по-русски: Bank Seven, rental-deposit v2, <code>candor rp add --statutory</code>, 12 %, ε 1.</p>`, nil},
		{`<p>Это <span lang="en">Each month's rent paid on time adds 3 points.</span></p><p>Candor · API · SD-JWT · credit.instalment_late</p>`, nil},
		{`<h1>Записать ответ</h1><p>Open disputes, nearest deadline first.</p>`, []string{"Open disputes nearest deadline first"}},
		{`<blockquote translate="no">I was never late.</blockquote>`, nil},
		{`<button aria-label="Revoke key abc">Отозвать</button>`, []string{"Revoke key abc"}},
		{`<td data-label="Proposed by">alice</td>`, []string{"Proposed by"}},
		{`<input placeholder="the file name">`, []string{"the file name"}},
		{`<th scope="col">Total</th><th>Итого</th>`, []string{"Total"}},
		{`<svg><title>Grade migration from a to b</title></svg>`, []string{"Grade migration from a to b"}},
		{`<p>Ключ отозван. Key of the source.</p>`, []string{"Key of the source"}},
		{`<p>Подсчитано. Computed in seconds. Recompute now</p>`, []string{"Computed in seconds", "Recompute now"}},
	} {
		got := visibleEnglish(tc.page, "ru", known)
		if !slices.Equal(got, tc.want) {
			t.Errorf("visibleEnglish(%q) = %q, want %q", tc.page, got, tc.want)
		}
	}
}

// consolePage is a page to check: the page at path, for b, or the
// answer to post if set.
type consolePage struct {
	name string
	b    *browser
	path string
	post func(b *browser, lang string) page
}

// get fetches the page for a browser whose Accept-Language is lang.
func (pg consolePage) get(lang string) page {
	if pg.post != nil {
		return pg.post(pg.b, lang)
	}
	req, _ := http.NewRequest("GET", pg.b.base+pg.path, nil)
	req.Header.Set("Accept-Language", lang)
	return pg.b.do(req)
}

// consolePages brings h to a state where every page of the console and
// the public pages has something to show — counts over 10, a simulation,
// a dispute, a review, a fairness audit, a release of open data, a
// credential and a badge to verify — and returns the pages.
func consolePages(t *testing.T, h *harness) (pages []consolePage, approve func()) {
	t.Helper()
	ctx := context.Background()
	svc := h.withCredentials(t)
	h.population(t, "PA", 30, 3)
	h.population(t, "PB", 12, 95)
	dispute := h.openDispute(t, "CD7654321")
	d, err := h.decide(h.grantConsent(t, "AB1234567"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.decisions.RequestReview(ctx, h.ids["AB1234567"], d.ID, "Wrong."); err != nil {
		t.Fatal(err)
	}
	if _, err := h.stats.Publish(ctx, time.Now().UTC().AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	// A fitted version proposed by alice and audited, for bob to approve.
	alice, bob := h.browser(t), h.browser(t)
	aliceToken, aliceKey := h.adminKey(t, "alice")
	bobToken, _ := h.adminKey(t, "bob")
	alice.consoleSignIn(aliceToken)
	bob.consoleSignIn(bobToken)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "policy", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if p := alice.post("/console/scorecards/propose", url.Values{"csrf": {alice.csrf("/console/scorecards")}, "file": {"cc2.yaml"}, "source": {string(read("consumer-credit-2.yaml"))}}); p.status != http.StatusSeeOther {
		t.Fatalf("proposing: %d %s", p.status, p.body)
	}
	if _, err := h.cfg.Policy.Audit(ctx, aliceKey, "consumer-credit", 2, read("audit-sample.csv"), read("audit-protected.csv")); err != nil {
		t.Fatal(err)
	}
	approve = func() {
		if p := bob.post("/console/scorecards/approve", url.Values{"csrf": {bob.csrf("/console/scorecards")}, "version": {"consumer-credit/2"}}); p.status != http.StatusSeeOther {
			t.Fatalf("approving: %d %s", p.status, p.body)
		}
		bob.get("/console/") // its flash, in English
	}
	op, rev := h.mustConsole(t, candor.RoleOperator), h.mustConsole(t, candor.RoleReviewer)
	if p := op.post("/console/population/recompute", url.Values{"csrf": {op.csrf("/console/population")}}); p.status != http.StatusSeeOther {
		t.Fatalf("recompute: %d", p.status)
	}
	op.afterPass("/console/population")
	if p := bob.post("/console/scorecards/simulate", url.Values{"csrf": {bob.csrf("/console/scorecards")}, "candidate": {"consumer-credit/2"}, "baseline": {""}}); p.status != http.StatusSeeOther {
		t.Fatalf("simulate: %d %s", p.status, p.body)
	}
	bob.afterPass("/console/scorecards")

	shown, err := svc.Issue(ctx, h.ids["AB1234567"], credentials.Request{Kind: credentials.Shown, Statements: []string{"no_standing_court_restriction", "tax_obligations_current"}})
	if err != nil {
		t.Fatal(err)
	}
	badge, err := svc.Issue(ctx, h.ids["C12345678"], credentials.Request{Kind: credentials.Badge})
	if err != nil {
		t.Fatal(err)
	}
	badgeURL, _ := url.Parse(badge.QR)
	verify := func(text string) func(*browser, string) page {
		return func(b *browser, lang string) page {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("text", text)
			mw.Close()
			req, _ := http.NewRequest("POST", b.base+"/verify", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Accept-Language", lang)
			return b.do(req)
		}
	}
	newKey := func(b *browser, lang string) page {
		req, _ := http.NewRequest("POST", b.base+"/console/sources/bank7/keys", strings.NewReader(url.Values{"csrf": {b.csrf("/console/sources")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", lang)
		return b.do(req)
	}
	// The flashes of the actions above, in English, are shown once: here.
	for _, b := range []*browser{alice, bob, op, rev} {
		b.get("/console/")
	}
	anon := h.browser(t)
	pages = []consolePage{
		{"console sign-in", anon, "/console/signin", nil},
		{"scorecards", anon, "/scorecards", nil},
		{"rental-deposit", anon, "/scorecards/rental-deposit", nil},
		{"business-compliance", anon, "/scorecards/business-compliance", nil},
		{"consumer-credit", anon, "/scorecards/consumer-credit", nil},
		{"register", anon, "/register", nil},
		{"register entry with badge", anon, badgeURL.RequestURI(), nil},
		{"register, no such company", anon, "/register?reg_no=C00000000", nil},
		{"verify", anon, "/verify", nil},
		{"verify, valid", anon, "", verify(shown.QR)},
		{"verify, not valid", anon, "", verify("hello")},
		{"verify, nothing", anon, "", verify("")},
		{"open data", anon, "/open-data", nil},
		{"operator's home", op, "/console/", nil},
		{"sources", op, "/console/sources", nil},
		{"relying parties", op, "/console/relying-parties", nil},
		{"new key", op, "", newKey},
		{"population", op, "/console/population", nil},
		{"disputes", op, "/console/disputes", nil},
		{"dispute", op, "/console/disputes/" + dispute, nil},
		{"policy administrator's home", bob, "/console/", nil},
		{"scorecards in the console", bob, "/console/scorecards", nil},
		{"scorecards, the proposer's", alice, "/console/scorecards", nil},
		{"reviewer's home", rev, "/console/", nil},
		{"reviews", rev, "/console/reviews", nil},
		{"review", rev, "/console/reviews/" + d.ID, nil},
	}
	return pages, approve
}

func TestConsoleAndPublicPagesInTheirLanguage(t *testing.T) {
	h := mustHarness(t)
	pages, approve := consolePages(t, h)
	known := knownMessages()
	check := func(stage string) {
		for _, pg := range pages {
			for _, lc := range []struct{ accept, lang, not string }{{"ru-RU,ru;q=0.9", "ru", "zh-Hans"}, {"zh-CN,zh;q=0.9", "zh-Hans", "ru"}} {
				p := pg.get(lc.accept)
				if p.status != http.StatusOK && p.status != http.StatusNotFound {
					t.Errorf("%s %s (%s): %d %.300s", stage, pg.name, lc.lang, p.status, p.body)
					continue
				}
				if !strings.Contains(p.body, `<html lang="`+lc.lang+`">`) || !strings.Contains(p.body, `href="?lang=`+lc.not+`"`) || !strings.Contains(p.body, `href="?lang=en"`) {
					t.Errorf("%s %s (%s): no lang attribute %s or no link to the other languages", stage, pg.name, lc.lang, lc.lang)
				}
				for _, e := range visibleEnglish(p.body, lc.lang, known) {
					t.Errorf("%s %s (%s) shows English: %q", stage, pg.name, lc.lang, e)
				}
			}
			// The same page in English is full of what the checker looks
			// for: it would see a message left untranslated.
			if p := pg.get("en"); len(visibleEnglish(p.body, "en", known)) < 3 {
				t.Errorf("%s %s in English: the checker finds %q, no sign it can see English", stage, pg.name, visibleEnglish(p.body, "en", known))
			}
		}
	}
	check("before approval:")
	approve() // consumer-credit v2, fitted, is served: characteristics on its page
	check("after approval:")

	// Dates, numbers and months in the language.
	op := pages[slices.IndexFunc(pages, func(p consolePage) bool { return p.name == "population" })]
	if body := op.get("ru").body; !regexp.MustCompile(`Подсчитано \d+ [а-я]+\.? 20\d\d \d\d:\d\d UTC`).MatchString(body) {
		t.Errorf("the russian population page has no russian date:\n%s", text(body))
	}
	od := pages[slices.IndexFunc(pages, func(p consolePage) bool { return p.name == "open data" })]
	if body := od.get("zh-CN").body; !regexp.MustCompile(`<h2>20\d\d年\d+月</h2>`).MatchString(body) || !strings.Contains(body, "年") {
		t.Errorf("the chinese open-data page has no chinese month:\n%s", text(body))
	}
	rd := pages[slices.IndexFunc(pages, func(p consolePage) bool { return p.name == "rental-deposit" })]
	if body := html.UnescapeString(text(rd.get("ru").body)); !strings.Contains(body, "факты за последние 24 месяца") || !strings.Contains(body, "факты за последние 5 лет") || !strings.Contains(body, "+1,5 за факт") {
		t.Errorf("the russian scorecard page does not say its periods in Russian:\n%s", body)
	}
}
