package ui_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestInBrowser drives Chromium through the portal as a person would:
// sign in with a demo link, read a grade's explanation, look at the data,
// download it, grant and revoke a consent, ask for a review, see who looked, dispute
// a fact and see its source's answer, move
// around with the keyboard and on a phone-sized screen. It saves a screenshot of every
// page in the test's artifact directory (go test -artifacts keeps them).
//
// It runs only when CANDOR_TEST_CHROMIUM names a Chromium binary
// (.ci/run installs Debian's chromium and sets it).
func TestInBrowser(t *testing.T) {
	bin := os.Getenv("CANDOR_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("set CANDOR_TEST_CHROMIUM to a Chromium binary (e.g. /usr/bin/chromium from Debian's chromium package) to run the browser tests")
	}
	h := mustHarness(t)
	// Enough people for the console's charts to show counts of 10 or
	// more, and a scorecard version to simulate.
	h.population(t, "PA", 30, 3)
	h.population(t, "PB", 12, 95)
	h.proposeCreditV2(t)
	ctx, do := startChromium(t, bin, 20*time.Second, chromedp.Flag("window-size", "1100,900"))
	dir := t.ArtifactDir()
	shot := func(name string) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// until waits until the page's text holds want: after a form's
	// submission, the next page.
	until := func(want string) {
		t.Helper()
		// A console page showing a pass under way reloads itself: wait
		// for one that does not.
		js := "document.readyState === 'complete' && document.body.innerText.includes(" + strconv.Quote(want) + ") && " +
			"!document.body.innerText.includes('Under way since')"
		var err error
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
			var ok bool
			ok, err = chromedp.Run(sctx, chromedp.Evaluate[bool](js)) // fails while the page navigates
			scancel()
			if ok && err == nil {
				return
			}
		}
		t.Fatalf("waiting for %q (%v)", want, err)
	}
	text := func(sel string) string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// Sign in with a one-time link.
	do("open the sign-in link", chromedp.Navigate(h.srv.URL+h.demo.Link(h.ids["AB1234567"])), chromedp.WaitVisible(chromedp.CSS("main button")))
	shot("01-signin")
	do("press Sign in", chromedp.Click(chromedp.CSS("main button")))
	until("Main reasons")

	// A grade and its explanation.
	shot("02-grades")
	if got := text("main"); !strings.Contains(got, "Main reasons") || !strings.Contains(got, "What would change it") || !strings.Contains(got, "late") {
		t.Errorf("the grades page does not explain the grade:\n%s", got)
	}

	// The keyboard: the first Tab reaches the skip link, which is then shown.
	do("tab", chromedp.KeyEvent("\t"))
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement.className")); err != nil || got != "skip" {
		t.Errorf("the first Tab focuses %q (%v), want the skip link", got, err)
	}

	do("my data", chromedp.Navigate(h.srv.URL+"/me/data"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("03-data")
	if got := text("main"); !strings.Contains(got, "Bank Seven") {
		t.Errorf("my data lacks the source:\n%s", got)
	}

	// Download my data: the browser saves the JSON file the link serves.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	do("download", chromedp.Click(chromedp.CSS(`a[href="/me/export.json"]`)))
	var saved []byte
	for deadline := time.Now().Add(20 * time.Second); saved == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		names, _ := filepath.Glob(filepath.Join(downloads, "candor-my-data-*.json"))
		if len(names) == 1 {
			saved, _ = os.ReadFile(names[0])
		}
	}
	if !strings.Contains(string(saved), `"facts"`) || !strings.Contains(string(saved), "credit.instalment_late") || !strings.Contains(string(saved), `"grades"`) {
		t.Errorf("the downloaded file (%d bytes) lacks the facts and grades:\n%.500s", len(saved), saved)
	}

	// Grant a consent, then revoke it.
	do("grant", chromedp.Navigate(h.srv.URL+"/me/consents"), chromedp.WaitVisible(chromedp.CSS("#days")),
		chromedp.SetValue(chromedp.CSS("#days"), "14"), chromedp.Click(chromedp.CSS(`form[action="/me/consents"] button`)))
	until("Consent given")
	shot("04-consent-granted")
	if got := text(".flash"); !strings.Contains(got, "Consent given") {
		t.Errorf("after granting: %q", got)
	}
	do("revoke", chromedp.Click(chromedp.CSS(`form[action="/me/consents/revoke"] button`)))
	until("is revoked")
	shot("05-consent-revoked")
	if got := text(".flash"); !strings.Contains(got, "is revoked") {
		t.Errorf("after revoking: %q", got)
	}

	// A decision, and a request for its review.
	code := h.grantConsent(t, "AB1234567")
	if _, err := h.decide(code); err != nil {
		t.Fatal(err)
	}
	do("decisions", chromedp.Navigate(h.srv.URL+"/me/decisions"), chromedp.WaitVisible(chromedp.CSS("textarea")),
		chromedp.SendKeys(chromedp.CSS("textarea"), "The late payment was the bank's error."),
		chromedp.Click(chromedp.CSS(`form[action$="/review"] button`)))
	until("request for a review is recorded")
	shot("06-decisions")
	if got := text("main"); !strings.Contains(got, "A reviewer will look at it") {
		t.Errorf("after asking for a review:\n%s", got)
	}

	do("who looked", chromedp.Navigate(h.srv.URL+"/me/access"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("06b-who-looked")
	if got := text("main"); !strings.Contains(got, "the decisions about you") {
		t.Errorf("who looked lacks the reads just made:\n%s", got)
	}

	// Dispute a fact: it stops counting at once; its source withdraws it.
	do("dispute", chromedp.Navigate(h.srv.URL+"/me/data"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/me/disputes/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/me/disputes/new"]`)), chromedp.WaitVisible(chromedp.CSS("#statement")))
	shot("06c-dispute-form")
	do("open the dispute", chromedp.SendKeys(chromedp.CSS("#statement"), "I paid this instalment on time; my bank statement shows it."),
		chromedp.Click(chromedp.CSS(`form[action="/me/disputes"] button`)))
	until("Dispute opened")
	shot("06d-dispute-opened")
	queue, err := h.disputes.Queue(context.Background(), "bank7")
	if err != nil || len(queue) != 1 {
		t.Fatalf("the bank's queue after the dispute: %v, %v", queue, err)
	}
	if _, err := h.disputes.Answer(context.Background(), "bank7", queue[0].ID, candor.DisputeReply{Answer: candor.AnswerWithdraw, Note: "Our error: the payment arrived on time."}); err != nil {
		t.Fatal(err)
	}
	do("disputes", chromedp.Navigate(h.srv.URL+"/me/disputes"), chromedp.WaitVisible(chromedp.CSS("main h2")))
	shot("06e-dispute-withdrawn")
	if got := text("main"); !strings.Contains(got, "withdrawn") || !strings.Contains(got, "Our error") {
		t.Errorf("the disputes page after the withdrawal:\n%s", got)
	}

	// Opt out of a scorecard that rests on consent, and back in.
	do("opt out", chromedp.Navigate(h.srv.URL+"/me/grades"), chromedp.WaitVisible(chromedp.CSS(`form[action="/me/opt-outs"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/me/opt-outs"] button`)))
	until("You opted out of this scorecard.")
	shot("06f-opted-out")
	do("opt back in", chromedp.Click(chromedp.CSS(`form[action="/me/opt-outs"] button`)))
	until("You opted back in")

	// What an erasure would remove and keep.
	do("erasure page", chromedp.Navigate(h.srv.URL+"/me/erasure"), chromedp.WaitVisible(chromedp.CSS(`form[action="/me/erasure"] button`)))
	shot("06g-erasure")

	// Public pages, on a phone-sized screen too.
	do("scorecard", chromedp.Navigate(h.srv.URL+"/scorecards/rental-deposit"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot("07-scorecard")
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(h.srv.URL+"/me/grades"), chromedp.WaitVisible(chromedp.CSS(".grade")))
	shot("08-grades-phone")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the grades page is %v px wide on a 390 px screen (%v)", w, err)
	}
	do("register", chromedp.Navigate(h.srv.URL+"/register"), chromedp.SetValue(chromedp.CSS("#reg_no"), "C12345678"),
		chromedp.Click(chromedp.CSS("main form button")))
	until("As of")
	shot("09-register-phone")

	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	until("Sign in to see your data")
	if got := text("header"); strings.Contains(got, "My grades") {
		t.Errorf("still signed in after signing out: %q", got)
	}

	// Another person erases their data: signed out for good.
	do("sign in as another", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(h.srv.URL+h.demo.Link(h.ids["CD7654321"])),
		chromedp.WaitVisible(chromedp.CSS("main button")), chromedp.Click(chromedp.CSS("main button")))
	until("Main reasons")
	do("erase", chromedp.Navigate(h.srv.URL+"/me/erasure"), chromedp.WaitVisible(chromedp.CSS(`input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS(`input[name="confirm"]`)), chromedp.Click(chromedp.CSS(`form[action="/me/erasure"] button`)))
	until("Your data is erased")
	shot("11-erased")
	if got := text("header"); strings.Contains(got, "My grades") {
		t.Errorf("still signed in after erasure: %q", got)
	}

	// The operator console: sign in with an operator's key, then the
	// population's grades and a scorecard simulation, on a desktop screen
	// and a phone's.
	do("desktop", chromedp.EmulateViewport(1100, 900))
	do("console sign-in", chromedp.Navigate(h.srv.URL+"/console/signin"), chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), h.consoleKey(t, candor.RoleOperator, "olga")), chromedp.Submit(chromedp.CSS("#key")))
	until("Signed in to the console")
	shot("20-console-home")
	do("sources", chromedp.Navigate(h.srv.URL+"/console/sources"), chromedp.WaitVisible(chromedp.CSS("main section")),
		chromedp.Click(chromedp.CSS(`form[action="/console/sources/bank7/keys"] button`)))
	until("the only time its token is shown")
	shot("21-console-new-key")
	do("sources again", chromedp.Navigate(h.srv.URL+"/console/sources"), chromedp.WaitVisible(chromedp.CSS("main table")))
	shot("22-console-sources")
	do("population", chromedp.Navigate(h.srv.URL+"/console/population"), chromedp.WaitVisible(chromedp.CSS("main form button")),
		chromedp.Click(chromedp.CSS("main form button")))
	until("Persons by grade")
	shot("23-console-population")
	if got := text("main"); !strings.Contains(got, "<10") || !strings.Contains(got, "Consumer credit") {
		t.Errorf("the population page:\n%s", got)
	}
	do("simulate", chromedp.Navigate(h.srv.URL+"/console/scorecards"), chromedp.WaitVisible(chromedp.CSS("#candidate")),
		chromedp.SetValue(chromedp.CSS("#candidate"), "consumer-credit/2"), chromedp.SetValue(chromedp.CSS("#baseline"), "consumer-credit/1"),
		chromedp.Click(chromedp.CSS(`form[action^="/console/scorecards/simulate"] button`)))
	until("Grade migration from consumer-credit v1 to consumer-credit v2")
	shot("24-console-simulation")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('svg.chart circle').length")); err != nil || n != 25 {
		t.Errorf("the migration chart has %d cells (%v), want 25", n, err)
	}
	do("console on a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(h.srv.URL+"/console/population"),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	shot("25-console-population-phone")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the population page is %v px wide on a 390 px screen (%v)", w, err)
	}
	// The last simulation stays on the scorecards page.
	do("the simulation on a phone", chromedp.Navigate(h.srv.URL+"/console/scorecards"), chromedp.WaitVisible(chromedp.CSS("#result svg")))
	shot("26-console-simulation-phone")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the simulation is %v px wide on a 390 px screen (%v)", w, err)
	}
	// The open-data page, with last month's release, on a phone and a
	// desktop screen.
	if _, err := h.stats.Publish(context.Background(), time.Now().UTC().AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	do("open data on a phone", chromedp.Navigate(h.srv.URL+"/open-data"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	shot("40-open-data-phone")
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the open-data page is %v px wide on a 390 px screen (%v)", w, err)
	}
	do("open data", chromedp.EmulateViewport(1100, 900), chromedp.Navigate(h.srv.URL+"/open-data"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	shot("41-open-data")

	// The operator records the answer a source gave by letter to a dispute
	// (the company's: the second person was erased above).
	h.openDispute(t, "C12345678")
	do("desktop again", chromedp.EmulateViewport(1100, 900))
	do("dispute queue", chromedp.Navigate(h.srv.URL+"/console/disputes"), chromedp.WaitVisible(chromedp.CSS("main table a")))
	shot("27-console-disputes")
	do("a dispute", chromedp.Click(chromedp.CSS("main table a")), chromedp.WaitVisible(chromedp.CSS("#note")))
	if got := text("main"); !strings.Contains(got, "I was never late.") {
		t.Errorf("the dispute lacks the person's statement:\n%s", got)
	}
	do("record the answer", chromedp.Click(chromedp.CSS(`input[value="verify"]`)),
		chromedp.SendKeys(chromedp.CSS("#note"), "The inspectorate's letter of 2 December confirms the failed inspection."))
	shot("28-console-dispute")
	do("submit the answer", chromedp.Click(chromedp.CSS(`form[action$="/resolve"] button`)))
	until("settled: verified")
	shot("29-console-disputes-settled")

	// A reviewer closes the review the person asked for above.
	do("operator signs out", chromedp.Click(chromedp.CSS(`form[action="/console/signout"] button`)))
	until("Sign in to the console")
	do("reviewer signs in", chromedp.SendKeys(chromedp.CSS("#key"), h.consoleKey(t, candor.RoleReviewer, "rita")), chromedp.Submit(chromedp.CSS("#key")))
	until("Signed in to the console")
	do("review queue", chromedp.Navigate(h.srv.URL+"/console/reviews"), chromedp.WaitVisible(chromedp.CSS("main table a")))
	shot("30-console-reviews")
	do("a case", chromedp.Click(chromedp.CSS("main table a")), chromedp.WaitVisible(chromedp.CSS("#rationale")))
	if got := text("main"); !strings.Contains(got, "The late payment was the bank's error.") {
		t.Errorf("the case lacks the person's statement:\n%s", got)
	}
	do("close it", chromedp.Click(chromedp.CSS(`input[value="approve"]`)), chromedp.SendKeys(chromedp.CSS("#rationale"), "The bank confirmed its error."))
	shot("31-console-review")
	do("submit", chromedp.Click(chromedp.CSS(`form[action$="/close"] button`)))
	until("closed: the decision is")
	shot("32-console-reviews-closed")
	t.Logf("screenshots in %s", dir)
}
