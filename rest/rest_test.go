package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// readCase is a read route with arguments, and the same arguments as the
// MCP tool takes them.
type readCase struct {
	path string
	op   string
	args string
}

var readCases = []readCase{
	{"/store", "get_store_overview", `{}`},
	{"/locations", "list_locations", `{}`},
	{"/products?query=trail&limit=3", "search_products", `{"query":"trail","limit":3}`},
	{"/products?vendor=Summit%20Gear", "search_products", `{"vendor":"Summit Gear"}`},
	{"/inventory-levels?skus=TRS-40,TRS-42&location=Warehouse", "get_inventory_levels", `{"skus":["TRS-40","TRS-42"],"location":"Warehouse"}`},
	{"/inventory-levels?skus=TRS-40&skus=MUG-STEEL", "get_inventory_levels", `{"skus":["TRS-40","MUG-STEEL"]}`},
	{"/inventory-history?sku=TRS-40&limit=2", "get_inventory_history", `{"sku":"TRS-40","limit":2}`},
	{"/stock-risks?kind=low_cover&days=30", "list_stock_risks", `{"kind":"low_cover","days":30}`},
	{"/reorder-suggestions?supplier=Summit%20Gear", "get_reorder_suggestions", `{"supplier":"Summit Gear"}`},
	{"/demand?sku=TRS-42&days=28", "get_demand", `{"sku":"TRS-42","days":28}`},
	{"/inventory-value?group_by=location&basis=cost", "get_inventory_value", `{"group_by":"location","basis":"cost"}`},
	{"/dead-stock?days=30", "list_dead_stock", `{"days":30}`},
	{"/suppliers?query=a", "list_suppliers", `{"query":"a"}`},
	{"/suppliers/Summit%20Gear", "get_supplier", `{"supplier":"Summit Gear"}`},
	{"/purchase-orders?status=draft", "list_purchase_orders", `{"status":"draft"}`},
	{"/purchase-orders/PO-1001", "get_purchase_order", `{"number":"PO-1001"}`},
	{"/purchase-orders?overdue=false", "list_purchase_orders", `{"overdue":false}`},
	{"/purchase-orders?payment_status=unpaid&unconfirmed_days=3", "list_purchase_orders", `{"payment_status":"unpaid","unconfirmed_days":3}`},
	{"/transfers", "list_transfers", `{}`},
	{"/transfers/TO-1001", "get_transfer", `{"number":"TO-1001"}`},
	{"/stock-takes", "list_stock_takes", `{}`},
	{"/stock-takes/ST-1001", "get_stock_take", `{"number":"ST-1001"}`},
	{"/supplier-returns", "list_supplier_returns", `{}`},
	{"/supplier-returns/RMA-1001", "get_supplier_return", `{"number":"RMA-1001"}`},
	{"/reorder-rules", "list_reorder_rules", `{}`},
}

// writeCase is a write route in an order that walks every document
// through its life, with the same call as MCP arguments.
type writeCase struct {
	method, path string
	body         string
	op           string
	args         string
	status       int
}

var writeCases = []writeCase{
	{"POST", "/purchase-orders", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":10}],"expected_date":"2026-03-20"}`,
		"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-42","quantity":10}],"expected_date":"2026-03-20"}`, 201},
	{"PATCH", "/purchase-orders/PO-1001", `{"note":"rush","set_lines":[{"sku":"TRS-40","quantity":4}]}`,
		"update_purchase_order", `{"number":"PO-1001","note":"rush","set_lines":[{"sku":"TRS-40","quantity":4}]}`, 200},
	{"POST", "/purchase-orders/PO-1001/send", ``, "send_purchase_order", `{"number":"PO-1001"}`, 200},
	{"POST", "/purchase-orders/PO-1001/receive", `{"lines":[{"sku":"TRS-42","accepted":6,"rejected":1}]}`,
		"receive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-42","accepted":6,"rejected":1}]}`, 200},
	{"POST", "/purchase-orders/PO-1001/close", `{}`, "close_purchase_order", `{"number":"PO-1001"}`, 200},
	{"POST", "/purchase-orders", `{"supplier":"Alpine Supply Co","location":"Downtown Shop","lines":[{"sku":"MUG-STEEL","quantity":12,"unit_cost":3.5}]}`,
		"create_purchase_order", `{"supplier":"Alpine Supply Co","location":"Downtown Shop","lines":[{"sku":"MUG-STEEL","quantity":12,"unit_cost":3.5}]}`, 201},
	{"POST", "/purchase-orders/PO-1002/cancel", `{"reason":"duplicate"}`, "cancel_purchase_order", `{"number":"PO-1002","reason":"duplicate"}`, 200},
	{"POST", "/purchase-orders/PO-1001/reopen", ``, "reopen_purchase_order", `{"number":"PO-1001"}`, 200},
	{"POST", "/purchase-orders/PO-1001/confirm", `{"supplier_reference":"SO-1","lines":[{"sku":"TRS-42","quantity":9}]}`,
		"confirm_purchase_order", `{"number":"PO-1001","supplier_reference":"SO-1","lines":[{"sku":"TRS-42","quantity":9}]}`, 200},
	{"POST", "/purchase-orders/PO-1001/unreceive", `{"lines":[{"sku":"TRS-42","accepted":2}]}`,
		"unreceive_purchase_order", `{"number":"PO-1001","lines":[{"sku":"TRS-42","accepted":2}]}`, 200},
	{"POST", "/purchase-orders/PO-1001/payments", `{"amount":10,"reference":"TX-1","date":"2026-03-02","method":"card"}`,
		"record_purchase_order_payment", `{"number":"PO-1001","amount":10,"reference":"TX-1","date":"2026-03-02","method":"card"}`, 200},
	{"POST", "/purchase-orders/PO-1001/payments/TX-1/void", `{"reason":"paid twice"}`,
		"void_purchase_order_payment", `{"number":"PO-1001","reference":"TX-1","reason":"paid twice"}`, 200},
	{"POST", "/purchase-orders", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`,
		"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`, 201},
	{"DELETE", "/purchase-orders/PO-1003", ``, "delete_purchase_order", `{"number":"PO-1003"}`, 200},
	{"POST", "/transfers", `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":3}]}`,
		"create_transfer", `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":3}]}`, 201},
	{"POST", "/transfers/TO-1001/ship", ``, "ship_transfer", `{"number":"TO-1001"}`, 200},
	{"POST", "/transfers/TO-1001/receive", `{"lines":[{"sku":"TRS-40","quantity":2}]}`, "receive_transfer", `{"number":"TO-1001","lines":[{"sku":"TRS-40","quantity":2}]}`, 200},
	{"POST", "/transfers/TO-1001/cancel", ``, "cancel_transfer", `{"number":"TO-1001"}`, 200},
	{"POST", "/stock-takes", `{"location":"Harbour Shop","skus":["TRS-40","TRS-42"]}`, "start_stock_take", `{"location":"Harbour Shop","skus":["TRS-40","TRS-42"]}`, 201},
	{"POST", "/stock-takes/ST-1001/counts", `{"counts":[{"sku":"TRS-40","counted":3}]}`, "record_stock_counts", `{"number":"ST-1001","counts":[{"sku":"TRS-40","counted":3}]}`, 200},
	{"POST", "/stock-takes/ST-1001/complete", ``, "complete_stock_take", `{"number":"ST-1001"}`, 200},
	{"POST", "/stock-takes", `{"location":"Warehouse","vendor":"Coastal Textiles"}`, "start_stock_take", `{"location":"Warehouse","vendor":"Coastal Textiles"}`, 201},
	{"POST", "/stock-takes/ST-1002/cancel", ``, "cancel_stock_take", `{"number":"ST-1002"}`, 200},
	{"POST", "/supplier-returns", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":2,"reason":"damaged"}]}`,
		"create_supplier_return", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":2,"reason":"damaged"}]}`, 201},
	{"POST", "/supplier-returns/RMA-1001/ship", ``, "ship_supplier_return", `{"number":"RMA-1001"}`, 200},
	{"POST", "/supplier-returns/RMA-1001/close", `{"credit_amount":12.5}`, "close_supplier_return", `{"number":"RMA-1001","credit_amount":12.5}`, 200},
	{"POST", "/supplier-returns", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":1}]}`,
		"create_supplier_return", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-44","quantity":1}]}`, 201},
	{"POST", "/supplier-returns/RMA-1002/cancel", ``, "cancel_supplier_return", `{"number":"RMA-1002"}`, 200},
	{"PUT", "/reorder-rules", `{"rules":[{"sku":"TRS-40","location":"Warehouse","min":5,"max":20}]}`, "set_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"Warehouse","min":5,"max":20}]}`, 200},
	{"DELETE", "/reorder-rules", `{"rules":[{"sku":"TRS-40","location":"Warehouse"}]}`, "delete_reorder_rules", `{"rules":[{"sku":"TRS-40","location":"Warehouse"}]}`, 200},
}

// withDryRun adds "dry_run": true to MCP arguments.
func withDryRun(t testing.TB, args string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(args), &m); err != nil {
		t.Fatal(err)
	}
	m["dry_run"] = true
	return m
}

func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	// Each dry run draws its own preview_token: the two faces' answers are
	// the same when both carry one.
	mx, okx := x.(map[string]any)
	my, oky := y.(map[string]any)
	if okx && oky && mx["preview_token"] != nil && my["preview_token"] != nil {
		mx["preview_token"], my["preview_token"] = "lstp_…", "lstp_…"
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// TestEveryRoute calls every route with a read key and a write key and
// compares every answer's data with the MCP tool's structuredContent for
// the same arguments: writes walk each document through its life, each
// step first as a dry run through both faces, then refused to the read
// key, then for real.
func TestEveryRoute(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		covered := map[string]bool{}
		readKey, writeKey := e.fx.ReadKey.Secret, e.fx.WriteKey.Secret

		for _, w := range writeCases {
			covered[w.op] = true
			t.Run(w.op+" "+w.path, func(t *testing.T) {
				mcpData, isErr := e.mcpCall(t, e.fx.WritePrincipal(), w.op, withDryRun(t, w.args))
				if isErr {
					t.Fatalf("MCP dry run of %s refused", w.op)
				}
				dry := e.do(t, req{method: w.method, path: rest.Base + w.path + "?dry_run=true", key: writeKey, body: w.body})
				if dry.status != http.StatusOK {
					t.Fatalf("dry run: status %d: %s", dry.status, dry.body)
				}
				if got := dry.envelope(t).Data; !sameJSON(t, got, mcpData) {
					t.Fatalf("dry run data differs from MCP structuredContent:\nREST %s\nMCP  %s", got, mcpData)
				}

				before := e.counts(t, e.fx.Store.ID)
				refused := e.do(t, req{method: w.method, path: rest.Base + w.path, key: readKey, body: w.body})
				e.checkRefused(t, refused, w.op, before)

				res := e.do(t, req{method: w.method, path: rest.Base + w.path, key: writeKey, body: w.body})
				if res.status != w.status {
					t.Fatalf("status %d, want %d: %s", res.status, w.status, res.body)
				}
				env := res.envelope(t)
				// Every write says how to undo it, or why nothing does.
				var undo map[string]json.RawMessage
				if json.Unmarshal(env.Data, &undo) != nil || undo["reversible_by"] == nil ||
					(string(undo["reversible_by"]) == "null" && len(undo["not_reversible"]) < 3) {
					t.Fatalf("%s: no reversible_by, or null without a reason: %s", w.op, env.Data)
				}
				if w.status == http.StatusCreated {
					loc := res.header.Get("Location")
					if !strings.HasPrefix(loc, rest.Base+"/") {
						t.Fatalf("201 without a Location: %q", loc)
					}
					got := e.get(t, readKey, loc)
					if !strings.Contains(string(env.Data), string(got.Data)[:20]) && len(got.Data) == 0 {
						t.Fatalf("Location %s does not name the created document", loc)
					}
				}
				e.fx.CheckLedger(t)
			})
		}

		for _, rc := range readCases {
			covered[rc.op] = true
			t.Run(rc.op+" "+rc.path, func(t *testing.T) {
				var args any
				if err := json.Unmarshal([]byte(rc.args), &args); err != nil {
					t.Fatal(err)
				}
				for key, p := range map[string]storage.Principal{readKey: e.fx.ReadPrincipal(), writeKey: e.fx.WritePrincipal()} {
					mcpData, isErr := e.mcpCall(t, p, rc.op, args)
					if isErr {
						t.Fatalf("MCP %s %s refused", rc.op, rc.args)
					}
					got := e.get(t, key, rest.Base+rc.path)
					if !sameJSON(t, got.Data, mcpData) {
						t.Fatalf("data differs from MCP structuredContent:\nREST %s\nMCP  %s", got.Data, mcpData)
					}
				}
			})
		}
		// roll_key is REST's alone (MCP offers no tool for it).
		covered["roll_key"] = true
		t.Run("roll_key /key/roll", func(t *testing.T) { checkRollKey(t, e) })
		for _, r := range rest.Routes {
			if !covered[r.Op] {
				t.Errorf("route %s %s (%s) is not exercised", r.Method, r.Path, r.Op)
			}
		}
		if e.checked.count == 0 {
			t.Error("no answer was validated against the OpenAPI document")
		}
	}, storage.WithClock(fixedClock))
}

// counts is what a refused write must leave as it was: documents, lines,
// rules and the ledger.
type counts map[string]int64

func (e *env) counts(t testing.TB, storeID int64) counts {
	t.Helper()
	out := counts{}
	for _, table := range []string{"purchase_orders", "purchase_order_lines", "transfers", "transfer_lines", "stock_takes",
		"stock_take_lines", "supplier_returns", "supplier_return_lines", "reorder_rules", "inventory_adjustments", "idempotency_keys"} {
		var n int64
		if err := e.db.Backend().QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE store_id = $1`, storeID).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", table, err)
		}
		out[table] = n
	}
	// Statuses and levels change without adding rows.
	var sig string
	if err := e.db.Backend().QueryRow(context.Background(), `SELECT
		COALESCE((SELECT string_agg(number || ':' || status, ',') FROM (SELECT number, status FROM purchase_orders WHERE store_id = $1 ORDER BY id) a), '') ||
		COALESCE((SELECT string_agg(number || ':' || status, ',') FROM (SELECT number, status FROM transfers WHERE store_id = $1 ORDER BY id) b), '')`,
		storeID).Scan(&sig); err == nil {
		out["statuses:"+sig] = 1
	}
	var onHand int64
	if err := e.db.Backend().QueryRow(context.Background(), `SELECT COALESCE(SUM(on_hand + incoming), 0) FROM inventory_levels WHERE store_id = $1`, storeID).Scan(&onHand); err != nil {
		t.Fatalf("summing levels: %v", err)
	}
	out["levels"] = onHand
	return out
}

func sameCounts(a, b counts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkRefused asserts a read key's write: 403 insufficient_scope, audited
// as refused via rest, nothing changed.
func (e *env) checkRefused(t testing.TB, r response, op string, before counts) {
	t.Helper()
	if r.status != http.StatusForbidden {
		t.Fatalf("read key on %s: status %d, want 403: %s", op, r.status, r.body)
	}
	if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) {
		t.Fatalf("403 WWW-Authenticate %q lacks insufficient_scope", h)
	}
	p := r.problem(t)
	if !strings.Contains(p.Detail, "read-only") {
		t.Fatalf("403 detail %q does not say the key is read-only", p.Detail)
	}
	if after := e.counts(t, e.fx.Store.ID); !sameCounts(before, after) {
		t.Fatalf("a refused %s changed the store: before %v, after %v", op, before, after)
	}
	log, err := e.db.AuditLog(context.Background(), e.fx.Store.ID, 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("reading the audit log: %v", err)
	}
	if a := log[0]; a.Action != op || a.Outcome != storage.OutcomeRefused || a.Via != storage.ViaREST || a.KeyPrefix != e.fx.ReadKey.Prefix {
		t.Fatalf("the refusal was audited as %+v", a)
	}
}
