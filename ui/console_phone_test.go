package ui_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/chromedp/chromedp"
)

// TestConsolePagesDoNotClip opens every console page and every public
// page of TestConsoleAndPublicPagesInTheirLanguage (those reached by a
// link) in English, Russian and Chinese, on a 390 px phone screen and a
// 1280 px desktop one, and fails if anything on one reaches past the
// screen's edge (overflowJS). It saves a screenshot of each, as JPEG
// (in CANDOR_SCREENS if set, else in the test's artifact directory).
func TestConsolePagesDoNotClip(t *testing.T) {
	bin := os.Getenv("CANDOR_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("set CANDOR_TEST_CHROMIUM to a Chromium binary to run the browser tests")
	}
	if os.Getenv("CANDOR_TEST_STORE") != "" {
		t.Skip("the pages' layout does not depend on the store: checked once, on the default store")
	}
	h := mustHarness(t)
	pages, _ := consolePages(t, h)
	ctx, do := startChromium(t, bin, 30*time.Second)
	dir := screensDir(t)
	// The browser signs in to the console as each page's viewer does,
	// with a key of its own of the same role.
	roles := map[*browser]candor.Role{}
	for _, pg := range pages {
		if strings.HasPrefix(pg.path, "/console/") && pg.path != "/console/signin" {
			roles[pg.b] = candor.RoleOperator
		}
	}
	for _, pg := range pages {
		switch pg.name {
		case "scorecards in the console", "scorecards, the proposer's":
			roles[pg.b] = candor.RolePolicyAdmin
		case "reviews", "review":
			roles[pg.b] = candor.RoleReviewer
		}
	}
	var as *browser // whose pages the browser is signed in for
	n := 0
	for _, pg := range pages {
		if pg.path == "" || pg.name == "scorecards, the proposer's" {
			continue // a form's answer, or the same page as another's
		}
		if role, ok := roles[pg.b]; ok && pg.b != as {
			do("sign in as "+role.String(), chromedp.EmulateViewport(1280, 900), chromedp.Navigate(h.srv.URL+"/console/signin"), chromedp.WaitVisible(chromedp.CSS("#key")),
				chromedp.SendKeys(chromedp.CSS("#key"), h.consoleKey(t, role, "screen-"+strconv.Itoa(n))), chromedp.Submit(chromedp.CSS("#key")),
				chromedp.WaitVisible(chromedp.CSS(`ul.tiles`))) // the console's home, after the sign-in
			as, n = pg.b, n+1
		}
		for _, lang := range []string{"en", "ru", "zh-Hans"} {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			do(pg.name+" "+lang, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(h.srv.URL+pg.path+sep+"lang="+lang), chromedp.WaitVisible(chromedp.CSS("main")))
			// The same page, laid out again on each screen.
			for _, screen := range []struct {
				name string
				set  chromedp.Action[chromedp.Void]
			}{{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)}, {"desktop", chromedp.EmulateViewport(1280, 900)}} {
				do(pg.name+" "+lang+" on the "+screen.name+" screen", screen.set)
				sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
				bad, err := chromedp.Run(sctx, chromedp.Evaluate[string](overflowJS))
				if err != nil {
					scancel()
					t.Fatalf("%s: %v", pg.path, err)
				}
				if bad != "" {
					t.Errorf("%s (%s) on the %s screen:\n%s", pg.path, lang, screen.name, bad)
				}
				png, err := chromedp.Run(sctx, chromedp.FullScreenshot(75))
				scancel()
				if err != nil {
					t.Fatalf("screenshot %s: %v", pg.name, err)
				}
				name := screen.name + "-" + strings.NewReplacer(" ", "-", ",", "", "'", "").Replace(pg.name) + "-" + lang + ".jpg"
				if err := os.WriteFile(dir+"/"+name, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
