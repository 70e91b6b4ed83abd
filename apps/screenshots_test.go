package apps_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

var updateScreenshots = flag.Bool("update", false, "rewrite the apps' screenshots in docs/")

// Each app in the host, fed a real result of its tool: it follows the
// host's theme when the host switches it (light, then dark), fits a phone's
// width, and names every control. With -update (or
// LOGISTIFIED_UPDATE_SCREENSHOTS=1) it writes docs/app-*.png for the README.
func TestAppsThemesPhoneAndScreenshots(t *testing.T) {
	b, dir := newBrowser(t)
	db := storagetest.Open(t, "sqlite")
	e := newHostEnv(t, db, dir)
	ctx := context.Background()
	pos, _, err := documents.New(db).ListPurchaseOrders(ctx, e.store.ID, documents.PurchaseOrderFilter{Status: "partially_received"})
	if err != nil || len(pos) == 0 {
		t.Fatalf("the demo store has no partially received purchase order (%v)", err)
	}
	shots := map[string][]byte{}
	for _, c := range []struct {
		name, tool string
		args       map[string]any
		ready      string
		// prepare brings the app to the state the screenshot shows.
		prepare func(t *testing.T, ctx context.Context)
	}{
		{"reorder-plan", "get_reorder_suggestions", map[string]any{"limit": 6}, ".order input", func(t *testing.T, ctx context.Context) {
			appEval[bool](t, ctx, `doc.querySelector(".order input").value = "", true`)
			press(t, ctx, ".order input", "40")
			press(t, ctx, ".order .actions button:not(.primary)", "\r")
			waitFor(t, ctx, inApp(`!!doc.querySelector(".order .preview [data-field=total]")`))
		}},
		{"stock-risks", "list_stock_risks", map[string]any{"limit": 18}, "svg.chart rect", nil},
		{"purchase-order", "get_purchase_order", map[string]any{"number": pos[0].Number}, "[data-field=status]", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := newTab(t, b)
			browsertest.Run(t, tab, chromedp.EmulateViewport(820, 900))
			e.open(t, tab, e.writeKey, c.tool, c.args, "light", c.ready)
			if c.prepare != nil {
				c.prepare(t, tab)
			}
			everyControlNamed(t, tab)
			checkTheme(t, tab, "light")
			shots["app-"+c.name+".png"] = screenshot(t, tab)

			browsertest.Get(t, tab, chromedp.Evaluate[bool](`window.testHost.setTheme("dark").then(() => true)`, chromedp.EvalAwaitPromise))
			checkTheme(t, tab, "dark")
			shots["app-"+c.name+"-dark.png"] = screenshot(t, tab)

			browsertest.Get(t, tab, chromedp.Evaluate[bool](`window.testHost.setTheme("light").then(() => true)`, chromedp.EvalAwaitPromise))
			checkTheme(t, tab, "light")
			fitsPhone(t, tab)
			shots["app-"+c.name+"-phone.png"] = screenshot(t, tab)
		})
	}
	if *updateScreenshots || os.Getenv("LOGISTIFIED_UPDATE_SCREENSHOTS") == "1" {
		for name, img := range shots {
			path := filepath.Join("..", "docs", name)
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
		}
	}
}
