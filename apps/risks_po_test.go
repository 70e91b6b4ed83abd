package apps_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/logistified/mcp-server/browsertest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The stock risks app charts every row of list_stock_risks' result, one
// bar each, and its Location and Kind filters narrow the chart and the
// figures to the rows that match both.
func TestStockRisksChartAndFilters(t *testing.T) {
	b, dir := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newHostEnv(t, db, dir)
		ctx := newTab(t, b)
		e.open(t, ctx, e.readKey, "list_stock_risks", map[string]any{"limit": 40}, "light", "svg.chart rect")
		for _, name := range []string{"Location", "Kind"} {
			if n := accessible(t, ctx, "combobox", name); n != 1 {
				t.Errorf("%d comboboxes named %s, want 1", n, name)
			}
		}
		everyControlNamed(t, ctx)

		// expected counts the result's rows that match the filters, in the host.
		expected := func(location, kind string) int {
			return browsertest.Get(t, ctx, chromedp.Evaluate[int](`window.testHost.result.structuredContent.items.filter(r => (!`+jsString(location)+` || r.location === `+jsString(location)+`) && (!`+jsString(kind)+` || r.risk === `+jsString(kind)+`)).length`))
		}
		shown := func() (bars, rows int) {
			return appEval[int](t, ctx, `doc.querySelectorAll("svg.chart rect").length`), appEval[int](t, ctx, `doc.querySelectorAll("#figures tbody tr").length`)
		}
		all := expected("", "")
		if all < 5 {
			t.Fatalf("the demo store has only %d stock risks", all)
		}
		if bars, rows := shown(); bars != all || rows != all {
			t.Fatalf("the chart has %d bars and the figures %d rows for %d risks", bars, rows, all)
		}
		if label := appEval[string](t, ctx, `doc.querySelector("svg.chart").getAttribute("aria-label")`); !strings.HasPrefix(label, strconv.Itoa(all)+" variants") {
			t.Errorf("the chart is described as %q", label)
		}

		location := appEval[string](t, ctx, `doc.querySelector("#filter-location").options[1].value`)
		for _, f := range []struct{ location, kind string }{{location, ""}, {location, "out_of_stock"}, {"", "below_reorder_point"}, {"", ""}} {
			if !appEval[bool](t, ctx, `(() => { for (const [id, v] of [["filter-location", `+jsString(f.location)+`], ["filter-kind", `+jsString(f.kind)+`]]) {
				const s = doc.getElementById(id); if (![...s.options].some(o => o.value === v)) return false; s.value = v; s.dispatchEvent(new Event("change")); } return true; })()`) {
				t.Fatalf("the filters offer no choice for %+v", f)
			}
			want := expected(f.location, f.kind)
			if want == 0 {
				if msg := appEval[string](t, ctx, `doc.getElementById("chart").textContent`); msg != "No risk matches these filters." {
					t.Errorf("filters %+v match nothing, and the chart says %q", f, msg)
				}
				continue
			}
			if bars, rows := shown(); bars != want || rows != want {
				t.Errorf("filters %+v: %d bars and %d rows, want %d", f, bars, rows, want)
			}
			status := appEval[string](t, ctx, `doc.getElementById("shown").textContent`)
			if wantStatus := strconv.Itoa(want) + " of " + strconv.Itoa(all) + " risks shown"; want != all && status != wantStatus {
				t.Errorf("filters %+v: the status reads %q, want %q", f, status, wantStatus)
			}
		}
	})
}

// The purchase order app shows the document as the store holds it: its
// number, status, lines and total, and as next actions exactly what its
// status allows; an action asks the chat to do it.
func TestPurchaseOrderDocumentAndActions(t *testing.T) {
	b, dir := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newHostEnv(t, db, dir)
		bg := context.Background()
		list, _, err := documents.New(db).ListPurchaseOrders(bg, e.store.ID, documents.PurchaseOrderFilter{Status: "partially_received"})
		if err != nil || len(list) == 0 {
			t.Fatalf("the demo store has no partially received purchase order (%v)", err)
		}
		po, err := documents.New(db).GetPurchaseOrder(bg, nil, e.store.ID, list[0].Number)
		if err != nil {
			t.Fatal(err)
		}
		ctx := newTab(t, b)
		// A host in its dark theme says so in ui/initialize's host context.
		e.open(t, ctx, e.readKey, "get_purchase_order", map[string]any{"number": po.Number}, "dark", "[data-field=status]")
		checkTheme(t, ctx, "dark")
		for sel, want := range map[string]string{
			"#po-title":            po.Number,
			"[data-field=status]":  "partially received",
			"[data-field=ordered]": strconv.FormatInt(po.Totals.Ordered, 10),
			"[data-field=open]":    strconv.FormatInt(po.Totals.Open, 10),
			"[data-field=total]":   "$" + po.Totals.Total.String(),
		} {
			if got := appEval[string](t, ctx, `doc.querySelector(`+jsString(sel)+`).textContent`); got != want && strings.ReplaceAll(got, ",", "") != want {
				t.Errorf("%s reads %q, want %q", sel, got, want)
			}
		}
		if rows := appEval[int](t, ctx, `doc.querySelectorAll("tbody tr").length`); rows != len(po.Lines) {
			t.Errorf("the app shows %d lines, the order has %d", rows, len(po.Lines))
		}
		labels := map[string]string{"send": "Send to supplier", "receive": "Receive delivery", "update": "Edit", "confirm": "Record confirmation",
			"pay": "Record payment", "close": "Close", "unreceive": "Undo a receipt", "reopen": "Reopen", "cancel": "Cancel", "delete": "Delete draft"}
		buttons := appEval[int](t, ctx, `doc.querySelectorAll(".actions button").length`)
		if buttons != len(po.AllowedActions) {
			t.Errorf("%d action buttons for the allowed actions %v", buttons, po.AllowedActions)
		}
		for _, a := range po.AllowedActions {
			if n := accessible(t, ctx, "button", labels[a]); n != 1 {
				t.Errorf("%d buttons named %q for the allowed action %s", n, labels[a], a)
			}
		}
		everyControlNamed(t, ctx)
		press(t, ctx, ".actions button.primary", "\r")
		waitFor(t, ctx, `window.testHost.messages.length === 1`)
		if msg := browsertest.Get(t, ctx, chromedp.Evaluate[string](`window.testHost.messages[0].content[0].text`)); !strings.Contains(msg, po.Number) {
			t.Errorf("the action asked the chat %q, which does not name %s", msg, po.Number)
		}
	})
}
