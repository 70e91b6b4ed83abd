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

// The merchant edits a quantity in the reorder plan, previews the order
// (a dry run of create_purchase_order through the host) and creates the
// draft with the preview's token: the store then holds that draft with
// the edited quantity, and the app names it with a way to open it.
func TestReorderPlanEditPreviewCreate(t *testing.T) {
	b, dir := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newHostEnv(t, db, dir)
		ctx := newTab(t, b)
		e.open(t, ctx, e.writeKey, "get_reorder_suggestions", map[string]any{"limit": 8}, "light", ".order input")

		// The first order: its supplier and location, and its first line.
		first := `doc.querySelector(".order")`
		heading := appEval[string](t, ctx, first+`.querySelector("h3").textContent`)
		supplier := appEval[string](t, ctx, first+`.closest("section").querySelector("h2").textContent`)
		location := strings.TrimPrefix(heading, "To ")
		input := first + `.querySelector("input")`
		sku := appEval[string](t, ctx, first+`.querySelector(".line .mono").textContent`)
		suggested, _ := strconv.Atoi(appEval[string](t, ctx, input+`.value`))
		if suggested <= 0 {
			t.Fatalf("the first line suggests %d units", suggested)
		}
		for _, want := range []struct{ role, name string }{
			{"spinbutton", "Quantity of " + sku + " for " + location},
			{"button", "Preview order from " + supplier + " to " + location},
			{"button", "Create draft order from " + supplier + " to " + location},
		} {
			if n := accessible(t, ctx, want.role, want.name); n != 1 {
				t.Errorf("%d %s named %q, want 1", n, want.role, want.name)
			}
		}
		everyControlNamed(t, ctx)
		if appEval[bool](t, ctx, first+`.querySelector("button.primary").disabled === false`) {
			t.Error("Create draft is enabled before any preview")
		}
		// Amounts are in the store's currency, which the result carries.
		if est := appEval[string](t, ctx, `doc.querySelector("section .head .sub").textContent`); !strings.Contains(est, "$") {
			t.Errorf("the supplier's estimate %q is not in dollars (the demo store's currency)", est)
		}

		// Edit the quantity by keyboard, then preview and create by keyboard.
		edited := suggested + 7
		appEval[bool](t, ctx, input+`.value = "", true`)
		press(t, ctx, ".order input", strconv.Itoa(edited))
		if got := appEval[string](t, ctx, input+`.value`); got != strconv.Itoa(edited) {
			t.Fatalf("the quantity reads %q after typing %d", got, edited)
		}
		units := appEval[int](t, ctx, `[...`+first+`.querySelectorAll("input")].reduce((s, i) => s + Number(i.value), 0)`)
		press(t, ctx, ".order .actions button:not(.primary)", "\r")
		waitFor(t, ctx, inApp(`!!doc.querySelector(".order .preview [data-field=units]")`))
		if got := appEval[string](t, ctx, first+`.querySelector(".preview [data-field=units]").textContent`); got != strconv.Itoa(units) {
			t.Errorf("the preview shows %s units, want %d (the edited quantities)", got, units)
		}
		if total := appEval[string](t, ctx, first+`.querySelector(".preview [data-field=total]").textContent`); !strings.HasPrefix(total, "$") {
			t.Errorf("the preview's total reads %q, not an amount in dollars", total)
		}
		calls := browsertest.Get(t, ctx, chromedp.Evaluate[[]map[string]any](`window.testHost.toolCalls`))
		if len(calls) != 1 || calls[0]["name"] != "create_purchase_order" || argsOf(calls[0])["dry_run"] != true {
			t.Fatalf("the host proxied %v, want one dry run of create_purchase_order", calls)
		}
		before := countPOs(t, db, e.store.ID)

		press(t, ctx, ".order .actions button.primary", "\r")
		waitFor(t, ctx, inApp(`!!doc.querySelector(".order [data-field=number]")`))
		number := appEval[string](t, ctx, first+`.querySelector("[data-field=number]").textContent`)
		calls = browsertest.Get(t, ctx, chromedp.Evaluate[[]map[string]any](`window.testHost.toolCalls`))
		if len(calls) != 2 {
			t.Fatalf("the host proxied %d calls, want the preview and the create", len(calls))
		}
		applied := argsOf(calls[1])
		if applied["dry_run"] != nil || !strings.HasPrefix(applied["preview_token"].(string), "lstp_") {
			t.Errorf("Create draft called create_purchase_order with %v, want the preview's token and no dry_run", applied)
		}

		// The store holds the draft, with the edited quantity.
		po, err := documents.New(db).GetPurchaseOrder(context.Background(), nil, e.store.ID, number)
		if err != nil {
			t.Fatalf("reading %s from the store: %v", number, err)
		}
		if po.Status != "draft" || po.Supplier.Name != supplier || po.Location.Name != location {
			t.Errorf("%s is %s from %s to %s, want a draft from %s to %s", number, po.Status, po.Supplier.Name, po.Location.Name, supplier, location)
		}
		var ordered int64 = -1
		var total int64
		for _, l := range po.Lines {
			total += l.Ordered
			if l.SKU == sku {
				ordered = l.Ordered
			}
		}
		if ordered != int64(edited) {
			t.Errorf("%s orders %d of %s, want the edited %d", number, ordered, sku, edited)
		}
		if total != int64(units) {
			t.Errorf("%s orders %d units in all, want %d", number, total, units)
		}
		if after := countPOs(t, db, e.store.ID); after != before+1 {
			t.Errorf("the store has %d purchase orders after Create draft, want %d: one draft, once", after, before+1)
		}
		// The order is frozen, and its link asks the chat to show the PO.
		if !appEval[bool](t, ctx, input+`.disabled && `+first+`.querySelector(".actions button:not(.primary)").disabled`) {
			t.Error("the created order can still be edited or previewed again")
		}
		link := "Open " + number
		if n := accessible(t, ctx, "button", link); n != 1 {
			t.Fatalf("%d controls named %q, want 1", n, link)
		}
		press(t, ctx, ".order .created button.link", "\r")
		waitFor(t, ctx, `window.testHost.messages.length === 1`)
		if msg := browsertest.Get(t, ctx, chromedp.Evaluate[string](`window.testHost.messages[0].content[0].text`)); !strings.Contains(msg, number) {
			t.Errorf("the link asked the chat %q, which does not name %s", msg, number)
		}

		// With a read connection the plan still shows, and Preview order
		// says why it cannot order; the store is unchanged.
		read := newTab(t, b)
		e.open(t, read, e.readKey, "get_reorder_suggestions", map[string]any{"limit": 8}, "light", ".order input")
		press(t, read, ".order .actions button:not(.primary)", "\r")
		waitFor(t, read, inApp(`!!doc.querySelector(".order .note.danger")`))
		if msg := appEval[string](t, read, `doc.querySelector(".order .note.danger").textContent`); !strings.Contains(msg, "is read-only") {
			t.Errorf("Preview order with a read key says %q", msg)
		}
		if appEval[bool](t, read, `doc.querySelector(".order button.primary").disabled === false`) {
			t.Error("Create draft is enabled after a refused preview")
		}
		if n := countPOs(t, db, e.store.ID); n != before+1 {
			t.Errorf("the store has %d purchase orders after a read key's preview, want %d", n, before+1)
		}
	})
}

func argsOf(call map[string]any) map[string]any {
	a, _ := call["arguments"].(map[string]any)
	return a
}

// countPOs counts the store's purchase orders, every status.
func countPOs(t *testing.T, db *storage.DB, storeID int64) int {
	t.Helper()
	n := 0
	cursor := ""
	for {
		list, next, err := documents.New(db).ListPurchaseOrders(context.Background(), storeID, documents.PurchaseOrderFilter{Page: storage.Page{Limit: 100, Cursor: cursor}})
		if err != nil {
			t.Fatal(err)
		}
		n += len(list)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// Two orders previewed side by side, then both created: the first draft
// takes the number the second's preview showed, so the server refuses the
// second as preview_stale with a fresh preview, which the app shows with
// the reason; Create draft then applies the fresh one. Nothing is created
// twice or unseen.
func TestReorderPlanStalePreviewShowsTheFreshOne(t *testing.T) {
	b, dir := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newHostEnv(t, db, dir)
		ctx := newTab(t, b)
		e.open(t, ctx, e.writeKey, "get_reorder_suggestions", map[string]any{"limit": 8}, "light", ".order input")
		if n := appEval[int](t, ctx, `doc.querySelectorAll(".order .actions").length`); n < 2 {
			t.Fatalf("the plan has %d orders, want two to preview side by side", n)
		}
		before := countPOs(t, db, e.store.ID)
		for i := 1; i <= 2; i++ {
			nth := `.order:nth-of-type(` + strconv.Itoa(i) + `)`
			sel := `section .orders > ` + nth
			if !appEval[bool](t, ctx, `!!doc.querySelector(`+jsString(sel+` .actions`)+`)`) {
				t.Fatalf("no order at %s", sel)
			}
			press(t, ctx, sel+` .actions button:not(.primary)`, "\r")
			waitFor(t, ctx, inApp(`!!doc.querySelector(`+jsString(sel+` .preview [data-field=total]`)+`)`))
		}
		first, second := `section .orders > .order:nth-of-type(1)`, `section .orders > .order:nth-of-type(2)`
		press(t, ctx, first+` .actions button.primary`, "\r")
		waitFor(t, ctx, inApp(`!!doc.querySelector(`+jsString(first+` [data-field=number]`)+`)`))
		press(t, ctx, second+` .actions button.primary`, "\r")
		waitFor(t, ctx, inApp(`!!doc.querySelector(`+jsString(second+` [data-field=number], `+second+` .preview .note.warn`)+`)`))
		// The first draft took the number the second preview showed.
		if !appEval[bool](t, ctx, `!!doc.querySelector(`+jsString(second+` .preview .note.warn`)+`)`) {
			t.Fatal("the second order was created from a preview that no longer matched")
		}
		why := appEval[string](t, ctx, `doc.querySelector(`+jsString(second+` .preview .note.warn`)+`).textContent`)
		if !strings.Contains(why, "Something changed since the preview, so nothing was created") {
			t.Errorf("the stale preview's reason reads %q", why)
		}
		if countPOs(t, db, e.store.ID) != before+1 {
			t.Fatal("a stale preview created an order")
		}
		press(t, ctx, second+` .actions button.primary`, "\r")
		waitFor(t, ctx, inApp(`!!doc.querySelector(`+jsString(second+` [data-field=number]`)+`)`))
		a := appEval[string](t, ctx, `doc.querySelector(`+jsString(first+` [data-field=number]`)+`).textContent`)
		z := appEval[string](t, ctx, `doc.querySelector(`+jsString(second+` [data-field=number]`)+`).textContent`)
		if a == z || countPOs(t, db, e.store.ID) != before+2 {
			t.Errorf("created %s and %s; the store went from %d to %d orders, want two new drafts", a, z, before, countPOs(t, db, e.store.ID))
		}
	})
}
