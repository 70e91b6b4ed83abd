// Package browsertest starts the headless Chromium that the page tests
// drive with chromedp. Like storagetest with PostgreSQL: without Chromium
// a test is skipped with "browser tests skipped", except under CI, which
// must run it and fails instead.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// EnvChromium names a Chromium binary to use instead of the one on PATH.
const EnvChromium = "LOGISTIFIED_TEST_CHROMIUM"

// Path finds Chromium, skipping the test (failing under CI) when there is
// none.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv(EnvChromium), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("Chromium is not installed: CI must run the browser tests (apt-get install chromium, or set %s)", EnvChromium)
	}
	t.Skipf("browser tests skipped: install Chromium (Debian: apt-get install chromium) or set %s to run them", EnvChromium)
	return ""
}

// New starts one headless Chromium for a test function and returns its
// context; open a fresh browser context per case with chromedp.NewContext
// on it. The browser is closed when the test ends. The flags keep it from
// reaching for the network on its own (there is none here) and from
// racing the tests on a 2-core machine.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Path(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first action starts the browser; it must not have a deadline.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium at %s: %v", path, err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// Run runs steps in the tab of ctx, failing the test on error.
func Run(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Get runs one action that returns a value, failing the test on error.
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
