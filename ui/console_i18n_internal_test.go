package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/catalogue"
	"github.com/candor-project/candor/credentials"
)

// Every message of messages_console.go has a Russian and a Chinese
// translation with the same verbs as its English key, and none was
// already in the person's catalogue; every value the console's and the
// public pages show as a word has one too, so that no page falls back
// to English for it.
func TestConsoleMessagesAreTranslated(t *testing.T) {
	if len(duplicateKeys) > 0 {
		t.Errorf("translated twice (in messages_console.go and messages.go or messages_data.go): %q", duplicateKeys)
	}
	verbs := regexp.MustCompile(`%(\[\d\])?[sdvq]`)
	count := func(s string) int { return len(verbs.FindAllString(s, -1)) }
	for k, tr := range consoleTranslations {
		if tr.ru == "" || tr.zh == "" {
			t.Errorf("%q lacks a translation", k)
		}
		if count(tr.ru) != count(k) || count(tr.zh) != count(k) {
			t.Errorf("%q: the translations' verbs differ: %q, %q", k, tr.ru, tr.zh)
		}
	}
	for k := range ruPlurals {
		if !translated(k) {
			t.Errorf("the Russian plural forms of %q are for no message", k)
		}
	}
	// Every message the Go code translates, however it names its locale
	// (l.T, localeOf(nil, r).T, l.Errorf).
	goKey := regexp.MustCompile(`(?:\.T\(|(?:\bl|localeOf\(nil, r\))\.Errorf\([^,]+, )"((?:[^"\\]|\\.)*)"`)
	files, _ := filepath.Glob("*.go")
	var values []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(src), -1) {
			values = append(values, strings.ReplaceAll(m[1], `\"`, `"`))
		}
	}
	for _, r := range append(consoleRoles, candor.RoleSource, candor.RoleRelyingParty) {
		values = append(values, words(r.String()))
	}
	for _, k := range candor.SourceKinds() {
		values = append(values, words(k.String()))
	}
	for _, p := range candor.Purposes() {
		values = append(values, purposeText(p))
		for _, b := range candor.Benefits(p) {
			values = append(values, words(b.Name))
		}
	}
	for _, k := range []candor.SubjectKind{candor.Person, candor.Organisation} {
		values = append(values, k.String()+"s", k.Noun())
	}
	for _, ty := range catalogue.Default().Types() {
		values = append(values, words(ty.Category.Policy().Name))
	}
	for _, w := range actWords {
		values = append(values, w)
	}
	for _, w := range tableTitles {
		values = append(values, w)
	}
	values = append(values, withheldKey, absentKey, string(candor.StatArrears), string(candor.StatDisputes), "counting grades", "simulating %s against %s",
		string(candor.VersionActive), string(candor.VersionSuperseded), string(candor.VersionProposed), "shipped", "no longer held",
		"status credential", "compliance badge", credentials.StatusValid.String(), credentials.StatusRevoked.String(), credentials.StatusSuspended.String())
	for _, st := range []candor.DisputeStatus{candor.DisputeOpen, candor.DisputeVerified, candor.DisputeCorrected, candor.DisputeWithdrawn, candor.DisputeExpired} {
		values = append(values, string(st))
	}
	for _, o := range []candor.Outcome{candor.OutcomeApprove, candor.OutcomeDecline, candor.OutcomeRefer} {
		values = append(values, o.String())
	}
	// What a verified credential says, for every statement it can show.
	for _, st := range catalogue.Statements() {
		e := credentials.Explain(&credentials.Result{IssuedAt: time.Now(), Claims: []credentials.Claim{{Name: st.Name, Value: "B"}}})
		for _, s := range e.Shown {
			values = append(values, s.Label)
		}
	}
	if len(values) < 120 {
		t.Fatalf("only %d values: the lists they come from are empty", len(values))
	}
	for _, v := range values {
		if !translated(v) {
			t.Errorf("the value %q has no translation", v)
		}
	}
}

// A page's words for times, numbers and periods follow its language.
func TestConsoleLocaleFormats(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 5, 0, 0, time.UTC)
	en, ru, zh := localeAt(0), localeAt(1), localeAt(2)
	for _, tc := range []struct{ got, want string }{
		{en.DT(at), "14 Mar 2026 09:05 UTC"}, {ru.DT(at), "14 марта 2026 09:05 UTC"}, {zh.DT(at), "2026年3月14日 09:05 UTC"},
		{en.Month(at), "March 2026"}, {ru.Month(at), "март 2026"}, {zh.Month(at), "2026年3月"},
		{en.N(1234567), "1,234,567"}, {zh.N(1234567), "1,234,567"},
		{en.Pct(0.653), "65.3 %"}, {ru.Pct(0.653), "65,3 %"},
		{en.Signed(-1.25), "−1.3"}, {ru.Signed(1.5), "+1,5"}, {en.Signed(0), "0"},
		{en.Period(730 * day), "2 years"}, {ru.Period(730 * day), "2 года"}, {ru.Period(5 * 365 * day), "5 лет"},
		{ru.Period(21 * 30 * day), "21 месяц"}, {zh.Period(36 * 30 * day), "36 个月"}, {en.Period(day), "1 day"},
		{ru.Waiting(3 * day), "3 дня"}, {en.Waiting(time.Hour), "under a day"},
		{en.Took(1500 * time.Millisecond), "1.5 s"}, {ru.Took(40 * time.Millisecond), "40 мс"},
		{en.C(countView{N: 120, About: true}), "about 120"}, {zh.C(countView{N: 120, About: true}), "约 120"},
		{ru.C(countView{Suppressed: true}), "<10"}, {ru.C(countView{N: 2500}), "2\u00a0500"},
		{ru.Word("tax_authority"), "налоговый орган"}, {en.Word("tax_authority"), "tax authority"}, {ru.Word("alice_b"), "alice_b"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
