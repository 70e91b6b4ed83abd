package apps_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/metrics"
	"github.com/logistified/mcp-server/server"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
)

// hostDir holds the test host: host.html, host.js and the npm packages it
// bundles (the ext-apps host bridge and the MCP client).
const hostDir = "testdata/host"

var (
	bundleOnce sync.Once
	bundleDir  string
	bundleErr  error
)

// hostBundle bundles the test host with esbuild (from npm, tests only) into
// a directory to serve, once per test binary. Without node or the npm
// packages the test is skipped, except under CI, which must run it.
func hostBundle(t *testing.T) string {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(hostDir, "node_modules", "@modelcontextprotocol", "ext-apps")); err != nil {
		missing = "run `npm ci --prefix apps/testdata/host` first"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("the apps' host test needs npm packages: %s", missing)
		}
		t.Skipf("browser tests skipped: %s", missing)
	}
	bundleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "logistified-apps-host-")
		if err != nil {
			bundleErr = err
			return
		}
		bundleDir = dir
		cmd := exec.Command("node", "build.mjs", filepath.Join(dir, "dist"))
		cmd.Dir = hostDir
		if out, err := cmd.CombinedOutput(); err != nil {
			bundleErr = fmt.Errorf("bundling the test host with esbuild: %v\n%s", err, out)
			return
		}
		page, err := os.ReadFile(filepath.Join(hostDir, "host.html"))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "host.html"), page, 0o644)
		}
		bundleErr = err
	})
	if bundleErr != nil {
		t.Fatal(bundleErr)
	}
	return bundleDir
}

// hostEnv is the real server (the demo store, its keys, /mcp as serve
// mounts it) with the test host's page beside it on the same origin.
type hostEnv struct {
	db       *storage.DB
	store    storage.Store
	writeKey string
	readKey  string
	url      string
}

func newHostEnv(t *testing.T, db *storage.DB, dir string) *hostEnv {
	t.Helper()
	res, err := demo.Ensure(context.Background(), db, demo.Options{Variants: demo.MinVariants})
	if err != nil {
		t.Fatalf("building the demo store: %v", err)
	}
	m := metrics.New()
	a := auth.New(access.New(db), m)
	srv := mcp.New(mcp.Options{DB: db, Log: testLog, Metrics: m, Auth: a})
	h := server.New(server.Options{DB: db, Log: testLog, Metrics: m, Mounts: []server.Mount{
		{Patterns: []string{"/mcp"}, Label: "/mcp", Handler: srv.Handler(mcp.HTTPOptions{}), CheckOrigin: true},
	}})
	mux := http.NewServeMux()
	mux.Handle("/host/", http.StripPrefix("/host/", http.FileServer(http.Dir(dir))))
	mux.Handle("/", h)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	remember(res.WriteKey.Secret, res.ReadKey.Secret)
	return &hostEnv{db: db, store: res.Store, writeKey: res.WriteKey.Secret, readKey: res.ReadKey.Secret, url: ts.URL}
}

// open loads the host page, which calls tool with args and renders its
// app, and waits until the app has been given the result and drawn it.
func (e *hostEnv) open(t *testing.T, ctx context.Context, key, tool string, args any, theme, ready string) {
	t.Helper()
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	frag := url.Values{"key": {key}, "tool": {tool}, "args": {string(a)}, "theme": {theme}}
	// The key travels in the fragment, which the browser never sends.
	browsertest.Run(t, ctx, chromedp.Navigate(e.url+"/host/host.html#"+frag.Encode()))
	waitFor(t, ctx, `window.testHost && (window.testHost.ready || window.testHost.error !== "")`)
	if msg := browsertest.Get(t, ctx, chromedp.Evaluate[string](`window.testHost.error`)); msg != "" {
		t.Fatalf("the host failed: %s", msg)
	}
	waitFor(t, ctx, inApp(`!!doc.querySelector(`+jsString(ready)+`)`))
}

// inApp wraps an expression so that it runs against the app's document
// (doc) and window (win) inside the host's frame.
func inApp(expr string) string {
	return `(() => { const f = document.querySelector("#frame iframe"); const doc = f && f.contentDocument; const win = f && f.contentWindow; if (!doc) return undefined; return (` + expr + `); })()`
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// newTab opens a fresh browser context with a deadline.
func newTab(t *testing.T, browserCtx context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// appEval evaluates expr in the app's document and returns its value.
func appEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return browsertest.Get(t, ctx, chromedp.Evaluate[T](inApp(expr)))
}

// waitFor evaluates expr until it is true.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			host, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.testHost || null)`))
			t.Fatalf("waiting for %s: %v (host: %.600s)", expr, err, host)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// press focuses the app's element sel and types keys into it, as a
// keyboard user would.
func press(t *testing.T, ctx context.Context, sel, keys string) {
	t.Helper()
	if !appEval[bool](t, ctx, `(() => { const e = doc.querySelector(`+jsString(sel)+`); if (!e) return false; e.focus(); return doc.activeElement === e; })()`) {
		t.Fatalf("could not focus %s in the app", sel)
	}
	browsertest.Run(t, ctx, chromedp.KeyEvent(keys))
}

// axNode is a control as assistive technology sees it in the app.
type axNode struct{ role, name string }

// controls lists the app's buttons, inputs and selects with the accessible
// names Chromium computes for them.
func controls(t *testing.T, ctx context.Context) []axNode {
	t.Helper()
	doc := browsertest.Get(t, ctx, chromedp.Evaluate[*runtime.RemoteObject](inApp(`doc`)))
	var out []axNode
	for _, role := range []string{"button", "spinbutton", "textbox", "combobox", "link", "checkbox"} {
		res, err := chromedp.Call(ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{ObjectID: doc.ObjectID, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range res.Nodes {
			if n.Ignored {
				continue
			}
			name := ""
			if n.Name != nil {
				_ = json.Unmarshal(n.Name.Value, &name)
			}
			out = append(out, axNode{role, name})
		}
	}
	return out
}

// accessible counts the app's nodes with that role and accessible name.
func accessible(t *testing.T, ctx context.Context, role, name string) int {
	t.Helper()
	n := 0
	for _, c := range controls(t, ctx) {
		if c.role == role && c.name == name {
			n++
		}
	}
	return n
}

// everyControlNamed fails on a control without an accessible name.
func everyControlNamed(t *testing.T, ctx context.Context) {
	t.Helper()
	cs := controls(t, ctx)
	if len(cs) == 0 {
		t.Error("the app shows no controls")
	}
	for _, c := range cs {
		if c.name == "" {
			t.Errorf("a %s in the app has no accessible name", c.role)
		}
	}
}

// fitsPhone fails when, at phone width, the app is wider than its frame.
func fitsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Run(t, ctx, chromedp.EmulateViewport(375, 812))
	waitFor(t, ctx, `document.documentElement.clientWidth <= 375`)
	time.Sleep(150 * time.Millisecond) // the app redraws on resize
	if over := appEval[string](t, ctx, `doc.documentElement.scrollWidth > win.innerWidth + 1 ? doc.documentElement.scrollWidth + " > " + win.innerWidth : ""`); over != "" {
		t.Errorf("at 375 px the app is wider than its frame: %s", over)
	}
}

// themeIs reports whether the app follows the host's theme: the page's
// background is dark for dark and light for light.
func checkTheme(t *testing.T, ctx context.Context, theme string) {
	t.Helper()
	waitFor(t, ctx, inApp(`doc.documentElement.dataset.theme === `+jsString(theme)))
	lum := appEval[float64](t, ctx, `(() => { const m = getComputedStyle(doc.body).backgroundColor.match(/\d+(\.\d+)?/g).map(Number); return (0.2126*m[0] + 0.7152*m[1] + 0.0722*m[2]) / 255; })()`)
	if theme == "dark" && lum > 0.3 || theme == "light" && lum < 0.7 {
		t.Errorf("in the %s theme the app's background has luminance %.2f", theme, lum)
	}
	fg := appEval[float64](t, ctx, `(() => { const m = getComputedStyle(doc.body).color.match(/\d+(\.\d+)?/g).map(Number); return (0.2126*m[0] + 0.7152*m[1] + 0.0722*m[2]) / 255; })()`)
	if d := lum - fg; d < 0.5 && d > -0.5 {
		t.Errorf("in the %s theme text (%.2f) and background (%.2f) are too alike to read", theme, fg, lum)
	}
}

// screenshot is the host page as the merchant sees it.
func screenshot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // the frame takes the app's reported height
	return browsertest.Get(t, ctx, chromedp.FullScreenshot(100))
}

// newBrowser starts Chromium for a test function; it fails under CI when
// there is none, like every browser test of the project.
func newBrowser(t *testing.T) (context.Context, string) {
	t.Helper()
	browsertest.Path(t)
	dir := hostBundle(t)
	return browsertest.New(t), dir
}
