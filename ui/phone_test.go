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
	"github.com/chromedp/chromedp"
)

// overflowJS lists what sticks out of a phone's screen: the page wider
// than the viewport, a table scrolled sideways within its box, and any
// cell, link, button or field whose box reaches past the screen's edge.
const overflowJS = `(() => {
  const vw = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > vw) bad.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
  for (const el of document.querySelectorAll('.table-wrap')) {
    if (el.scrollWidth > el.clientWidth + 1) bad.push('a table is ' + el.scrollWidth + ' px wide in ' + el.clientWidth + ' px');
  }
  for (const el of document.querySelectorAll('main a, main button, main input, main select, main textarea, main td, main th, main svg')) {
    const head = el.closest('thead');
    if (head && getComputedStyle(head).position === 'absolute') continue; // visually hidden: each cell is labelled instead
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 1 || r.left < -1)) bad.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 40) + '" spans ' + Math.round(r.left) + ' to ' + Math.round(r.right));
  }
  return bad.join('\n');
})()`

// TestPhonesDoNotClip opens each page with a table on a 390 px wide
// phone screen (and the grades and data pages, in each language, at
// 1280 px too) and fails if anything on it reaches past the screen's
// edge — State, Drops off, Dispute, Revoke and the simulation's columns
// must all be on screen without scrolling sideways. It saves a
// screenshot of each page (in docs/screens when CANDOR_SCREENS names that
// directory, else in the test's artifact directory).
func TestPhonesDoNotClip(t *testing.T) {
	bin := os.Getenv("CANDOR_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("set CANDOR_TEST_CHROMIUM to a Chromium binary to run the browser tests")
	}
	h := mustHarness(t)
	h.population(t, "PA", 30, 3)
	h.population(t, "PB", 12, 95)
	h.proposeCreditV2(t)
	h.grantConsent(t, "AB1234567")
	if _, err := h.decide(h.grantConsent(t, "AB1234567")); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	dir := os.Getenv("CANDOR_SCREENS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	until := func(want string) {
		t.Helper()
		js := "document.readyState === 'complete' && document.body.innerText.includes(" + strconv.Quote(want) + ") && !document.body.innerText.includes('Under way since')"
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
			ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](js))
			scancel()
			if ok && err == nil {
				return
			}
		}
		t.Fatalf("waiting for %q", want)
	}
	check := func(name, path, sel string, wants ...string) {
		t.Helper()
		do("open "+path, chromedp.Navigate(h.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel)))
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		bad, err := chromedp.Run(sctx, chromedp.Evaluate[string](overflowJS))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if bad != "" {
			t.Errorf("%s on a 390 px screen:\n%s", path, bad)
		}
		for _, w := range wants {
			if ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('main *')].some(e => (e.children.length === 0 && e.textContent.trim() === `+strconv.Quote(w)+` || e.dataset.label === `+strconv.Quote(w)+`) && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right <= document.documentElement.clientWidth)`)); err != nil || !ok {
				t.Errorf("%s: %q is not on screen (%v)", path, w, err)
			}
		}
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(h.srv.URL+h.demo.Link(h.ids["AB1234567"])), chromedp.WaitVisible(chromedp.CSS("main button")),
		chromedp.Click(chromedp.CSS("main button")))
	until("Main reasons")
	check("phone-grades", "/me/grades", ".grade")
	check("phone-data", "/me/data", "table", "Dispute", "State", "Drops off")
	check("phone-consents", "/me/consents", "table", "Revoke", "State")
	check("phone-decisions", "/me/decisions", "textarea")
	check("phone-access", "/me/access", "table", "How", "What")
	// The same pages in Russian and Chinese, whose words are longer or
	// do not break at spaces.
	for _, lang := range []string{"ru", "zh-Hans"} {
		check("phone-grades-"+lang, "/me/grades?lang="+lang, ".grade")
		check("phone-data-"+lang, "/me/data", "table")
		check("phone-access-"+lang, "/me/access", "table")
	}
	// And on a desktop screen, in each language.
	do("desktop", chromedp.EmulateViewport(1280, 900))
	for _, lang := range []string{"en", "ru", "zh-Hans"} {
		check("desktop-grades-"+lang, "/me/grades?lang="+lang, ".grade")
		check("desktop-data-"+lang, "/me/data", "table")
	}
	do("phone again", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do("back to English", chromedp.Navigate(h.srv.URL+"/me/grades?lang=en"), chromedp.WaitVisible(chromedp.CSS(".grade")))

	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	until("Sign in")
	do("console", chromedp.Navigate(h.srv.URL+"/console/signin"), chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), h.consoleKey(t, candor.RoleOperator, "olga")), chromedp.Submit(chromedp.CSS("#key")))
	until("Signed in to the console")
	do("simulate", chromedp.Navigate(h.srv.URL+"/console/scorecards"), chromedp.WaitVisible(chromedp.CSS("#candidate")),
		chromedp.SetValue(chromedp.CSS("#candidate"), "consumer-credit/2"),
		chromedp.Click(chromedp.CSS(`form[action^="/console/scorecards/simulate"] button`)))
	until("Grade migration from consumer-credit v1 to consumer-credit v2")
	check("phone-console-simulation", "/console/scorecards", "#result table", "Total")
	if !strings.HasPrefix(dir, os.TempDir()) {
		t.Logf("screenshots in %s", dir)
	}
}
