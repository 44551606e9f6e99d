package ui_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor"
	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// smallPNG re-encodes a screenshot with its 256 commonest colours, each
// other colour drawn as the nearest of them, and cut to maxShotHeight:
// pages are mostly flat colours, so the picture keeps its look at a
// fraction of the size. (The overflow check reads the whole page.)
func smallPNG(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	bounds := img.Bounds()
	bounds.Max.Y = min(bounds.Max.Y, bounds.Min.Y+maxShotHeight)
	rgba := image.NewRGBA(bounds)
	draw.Draw(rgba, bounds, img, bounds.Min, draw.Src)
	at := func(i int) uint32 { return uint32(rgba.Pix[i])<<16 | uint32(rgba.Pix[i+1])<<8 | uint32(rgba.Pix[i+2]) }
	count := map[uint32]int{}
	for i := 0; i < len(rgba.Pix); i += 4 {
		count[at(i)]++
	}
	colours := slices.Collect(maps.Keys(count))
	slices.SortFunc(colours, func(a, b uint32) int { return cmp.Or(count[b]-count[a], cmp.Compare(a, b)) })
	pal := make(color.Palette, 0, 256)
	for _, c := range colours[:min(256, len(colours))] {
		pal = append(pal, color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 0xff})
	}
	index := make(map[uint32]uint8, len(colours))
	for _, c := range colours {
		index[c] = uint8(pal.Index(color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 0xff}))
	}
	out := image.NewPaletted(bounds, pal)
	for i, j := 0, 0; i < len(rgba.Pix); i, j = i+4, j+1 {
		out.Pix[j] = index[at(i)]
	}
	var buf bytes.Buffer
	err = png.Encode(&buf, out)
	return buf.Bytes(), err
}

// maxShotHeight is the height screenshots are cut to, in pixels.
const maxShotHeight = 2400

// topScreenshot is a PNG of the page's top, as wide as the page and at
// most maxHeight pixels high: cheaper than a whole long page.
func topScreenshot(maxHeight float64) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		size, err := chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, document.documentElement.scrollHeight]`)(ctx, t)
		if err != nil || len(size) != 2 {
			return nil, fmt.Errorf("the page's size: %v", err)
		}
		r, err := cdp.Call(ctx, t, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{CaptureBeyondViewport: new(true), FromSurface: new(true),
			Format: cdppage.CaptureScreenshotFormatPng, Clip: &cdppage.Viewport{Width: size[0], Height: min(size[1], maxHeight), Scale: 1}})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

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

// TestPhonesDoNotClip opens every page of a person with something on
// each, in English, Russian and Chinese, on a 390 px wide phone screen
// and on a 1280 px desktop screen, and fails if anything on it reaches
// past the screen's edge — State, Drops off, Dispute, Revoke and the
// simulation's columns must all be on screen without scrolling sideways.
// It saves a screenshot of each (in docs/screens when CANDOR_SCREENS
// names that directory, else in the test's artifact directory), as a
// PNG of at most 256 colours to keep the set small.
func TestPhonesDoNotClip(t *testing.T) {
	bin := os.Getenv("CANDOR_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("set CANDOR_TEST_CHROMIUM to a Chromium binary to run the browser tests")
	}
	h := mustHarness(t)
	h.population(t, "PA", 30, 3)
	h.population(t, "PB", 12, 95)
	h.proposeCreditV2(t)
	h.withCredentials(t)
	fact := h.populatedPerson(t)
	ctx, do := startChromium(t, bin, 30*time.Second)
	dir := screensDir(t)
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
	// inspect checks the page open and saves its screenshot as name.
	inspect := func(name, path string, wants ...string) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		bad, err := chromedp.Run(sctx, chromedp.Evaluate[string](overflowJS))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if bad != "" {
			t.Errorf("%s (%s):\n%s", path, name, bad)
		}
		for _, w := range wants {
			if ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('main *')].some(e => (e.children.length === 0 && e.textContent.trim() === `+strconv.Quote(w)+` || e.dataset.label === `+strconv.Quote(w)+`) && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right <= document.documentElement.clientWidth)`)); err != nil || !ok {
				t.Errorf("%s: %q is not on screen (%v)", path, w, err)
			}
		}
		png, err := chromedp.Run(sctx, topScreenshot(maxShotHeight))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if png, err = smallPNG(png); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name, path, sel string, wants ...string) {
		t.Helper()
		do("open "+path, chromedp.Navigate(h.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel)))
		inspect(name, path, wants...)
	}

	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do("sign in", chromedp.Navigate(h.srv.URL+h.demo.Link(h.ids["AB1234567"])), chromedp.WaitVisible(chromedp.CSS("main button")),
		chromedp.Click(chromedp.CSS("main button")))
	until("Main reasons")
	// Every page of the person, on a phone and on a desktop, in each
	// language; in English, the columns that used to fall off a phone's
	// edge are checked by name.
	pages := []struct {
		name, path, sel string
		wants           []string // in English
	}{
		{"grades", "/me/grades", ".grade", nil},
		{"data", "/me/data", "table", []string{"Dispute", "State", "Drops off"}},
		{"consents", "/me/consents", "table", []string{"Revoke", "State"}},
		{"decisions", "/me/decisions", ".answer", nil},
		{"disputes", "/me/disputes", ".steps", nil},
		{"dispute-new", fmt.Sprintf("/me/disputes/new?fact=%d", fact), "textarea", nil},
		{"access", "/me/access", "table", []string{"How", "What"}},
		{"erasure", "/me/erasure", `input[name="confirm"]`, nil},
		{"status", "/me/status", `input[type="checkbox"]`, nil},
	}
	for _, screen := range []struct {
		name   string
		width  int64
		mobile bool
	}{{"phone", 390, true}, {"desktop", 1280, false}} {
		if screen.mobile {
			do(screen.name, chromedp.EmulateViewport(screen.width, 844, chromedp.EmulateMobile))
		} else {
			do(screen.name, chromedp.EmulateViewport(screen.width, 900))
		}
		for _, lang := range []string{"en", "ru", "zh-Hans"} {
			for _, pg := range pages {
				sep := "?"
				if strings.Contains(pg.path, "?") {
					sep = "&"
				}
				var wants []string
				if lang == "en" && screen.mobile {
					wants = pg.wants
				}
				check(screen.name+"-"+pg.name+"-"+lang, pg.path+sep+"lang="+lang, pg.sel, wants...)
			}
			// The QR code shown, made with the status page's form.
			do("show a QR code", chromedp.Navigate(h.srv.URL+"/me/status?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`input[type="checkbox"]`)),
				chromedp.Click(chromedp.CSS(`input[type="checkbox"]`)), chromedp.Click(chromedp.CSS(`button[value="shown"]`)),
				chromedp.WaitVisible(chromedp.CSS(".qr svg")))
			inspect(screen.name+"-status-shown-"+lang, "/me/status (shown)")
		}
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
