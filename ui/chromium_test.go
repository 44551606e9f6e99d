package ui_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startChromium starts the Chromium at bin for t, with extra flags, and
// closes it when t ends. It returns the browser's context and do, which
// runs steps within limit and stops the test when they fail.
func startChromium(t *testing.T, bin string, limit time.Duration, extra ...chromedp.ExecAllocatorOption) (context.Context, func(what string, steps ...chromedp.Action[chromedp.Void])) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser, without a timeout
		t.Fatalf("starting %s: %v", bin, err)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, limit)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	return ctx, do
}

// screensDir is where a browser test keeps its screenshots:
// CANDOR_SCREENS (docs/screens, say), else the test's artifacts.
func screensDir(t *testing.T) string {
	if dir := os.Getenv("CANDOR_SCREENS"); dir != "" {
		return dir
	}
	return t.ArtifactDir()
}
