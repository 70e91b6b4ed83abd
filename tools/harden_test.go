package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// bigCatalog adds a product with n variants BIG-1 … BIG-n.
func bigCatalog(t *testing.T, e *wEnv, n int) {
	t.Helper()
	vs := make([]catalog.NewVariant, n)
	for i := range vs {
		vs[i] = catalog.NewVariant{SKU: fmt.Sprintf("BIG-%d", i+1), Option1: fmt.Sprint(i + 1), PriceCents: 100, CostCents: 50}
	}
	if err := e.DB.Backend().InTx(context.Background(), func(tx backend.Tx) error {
		_, err := catalog.New(e.DB).CreateProduct(context.Background(), tx, e.Store.ID, catalog.NewProduct{Title: "Big", Vendor: "Big", Variants: vs})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func maxLines(from, n int, qty int64, cost float64) []map[string]any {
	lines := make([]map[string]any, n)
	for i := range lines {
		lines[i] = map[string]any{"sku": fmt.Sprintf("BIG-%d", from+i), "quantity": qty, "unit_cost": cost}
	}
	return lines
}

// A document at every limit at once (500 lines of ten million units at
// 10,000,000.00 each) totals exactly 50,000,000,000,000,000.00 on both
// backends, in the document and in the list; one past any limit is refused
// with a sentence that names the limit, and nothing is written.
func TestMoneyLimits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		bigCatalog(t, e, inventory.MaxLines+1)
		maxCost := float64(inventory.MaxUnitCost) / 100

		var created struct {
			PO struct {
				Number string          `json:"number"`
				Totals json.RawMessage `json:"totals"`
			} `json:"purchase_order"`
		}
		e.ok(t, "create_purchase_order", map[string]any{"supplier": storagetest.SummitGear, "location": "WH",
			"lines": maxLines(1, inventory.MaxLines, inventory.MaxQuantity, maxCost)}, &created)
		po := created.PO
		const total = `"total":50000000000000000.00`
		if !strings.Contains(string(po.Totals), total) {
			t.Fatalf("totals at the limits: %s", po.Totals)
		}
		text, _ := e.call(t, "get_purchase_order", map[string]any{"number": po.Number})
		if !strings.Contains(text, total) || !strings.Contains(text, `"line_total":100000000000000.00`) {
			t.Fatalf("get_purchase_order at the limits: %.300s", text)
		}
		text, isErr := e.call(t, "list_purchase_orders", map[string]any{})
		if isErr || !strings.Contains(text, total) {
			t.Fatalf("list_purchase_orders at the limits: %.500s", text)
		}
		e.ok(t, "send_purchase_order", map[string]any{"number": po.Number}, nil)

		// One past each limit.
		one := func(qty int64, cost float64) []map[string]any { return maxLines(1, 1, qty, cost) }
		create := func(lines []map[string]any) map[string]any {
			return map[string]any{"supplier": storagetest.SummitGear, "location": "WH", "lines": lines}
		}
		e.refused(t, "create_purchase_order", create(one(inventory.MaxQuantity+1, 1)), "quantity 10000001", "more than 10000000")
		e.refused(t, "create_purchase_order", create(one(1, maxCost+0.01)), "unit_cost 10000000.01", "more than 10000000.00")
		e.refused(t, "create_purchase_order", create(maxLines(1, inventory.MaxLines+1, 1, 1)), "at most 500")
		e.refused(t, "create_transfer", map[string]any{"from_location": "WH", "to_location": "DT",
			"lines": []map[string]any{{"sku": "TRS-40", "quantity": inventory.MaxQuantity + 1}}}, "more than 10000000")
		e.refused(t, "set_reorder_rules", map[string]any{"rules": []map[string]any{{"sku": "TRS-40", "max": inventory.MaxQuantity + 1}}}, "give 0 to 10000000")

		// A draft cannot grow past 500 lines by updates.
		draft := docNumber(t, e, "create_purchase_order", create(maxLines(1, inventory.MaxLines, 1, 1)))
		e.refused(t, "update_purchase_order", map[string]any{"number": draft, "set_lines": maxLines(inventory.MaxLines+1, 1, 1, 1)},
			"501 lines", "at most 500")

		// Counts: at the limit, and past it by set and by add.
		st := docNumber(t, e, "start_stock_take", map[string]any{"location": "WH", "skus": []string{"TRS-40"}})
		e.ok(t, "record_stock_counts", map[string]any{"number": st, "counts": []map[string]any{{"sku": "TRS-40", "counted": inventory.MaxQuantity}}}, nil)
		e.refused(t, "record_stock_counts", map[string]any{"number": st, "counts": []map[string]any{{"sku": "TRS-40", "counted": inventory.MaxQuantity + 1}}}, "more than 10000000")
		e.refused(t, "record_stock_counts", map[string]any{"number": st, "counts": []map[string]any{{"sku": "TRS-40", "counted": 1, "mode": "add"}}}, "more than 10000000")
		e.refused(t, "record_stock_counts", map[string]any{"number": st, "counts": []map[string]any{{"sku": "TRS-40", "counted": -10000001, "mode": "add"}}}, "give -10000000 to 10000000")

		// A credit: at the limit, and past it.
		ret := docNumber(t, e, "create_supplier_return", map[string]any{"supplier": storagetest.SummitGear, "location": "WH",
			"lines": []map[string]any{{"sku": "TRS-40", "quantity": 1}}})
		e.ok(t, "ship_supplier_return", map[string]any{"number": ret}, nil)
		e.refused(t, "close_supplier_return", map[string]any{"number": ret, "credit_amount": 10000000000000.01}, "largest amount accepted")
		e.ok(t, "close_supplier_return", map[string]any{"number": ret, "credit_amount": 10000000000000.00}, nil)
	})
}

// Rows written before the limits (or imported beyond them) must not turn
// a list or the inventory value into an internal error: the list still
// answers, and what cannot be computed is refused with a sentence.
func TestMoneyOverflowInStoredData(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		po := docNumber(t, e, "create_purchase_order", map[string]any{"supplier": storagetest.SummitGear, "location": "WH",
			"lines": []map[string]any{{"sku": "TRS-40", "quantity": 1}, {"sku": "TRS-42", "quantity": 1}}})
		ctx := context.Background()
		// 10^9 × 10^13 overflows 64 bits, as the old limits allowed.
		if _, err := db.Backend().Exec(ctx, `UPDATE purchase_order_lines SET quantity_ordered = 1000000000, unit_cost_cents = 10000000000000 WHERE store_id = $1`, e.Store.ID); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"list_purchase_orders", "get_store_overview"} {
			if _, _, err := e.try(e.ctx, tool, map[string]any{}); err != nil {
				t.Fatalf("%s over an overflowing document: %v", tool, err)
			}
		}
		text, isErr, err := e.try(e.ctx, "get_purchase_order", map[string]any{"number": po})
		if err != nil || !isErr || !strings.Contains(text, "too large to compute") {
			t.Fatalf("get_purchase_order over an overflowing document: %s %v %v", text, isErr, err)
		}
		if _, _, err := e.try(e.ctx, "cancel_purchase_order", map[string]any{"number": po}); err != nil {
			t.Fatalf("cancelling it: %v", err)
		}

		// on_hand × cost beyond 64 bits in one level.
		if _, err := db.Backend().Exec(ctx, `UPDATE variants SET cost_cents = 9000000000000000000, price_cents = 9000000000000000000 WHERE store_id = $1 AND sku = 'TRS-40'`, e.Store.ID); err != nil {
			t.Fatal(err)
		}
		text, isErr, err = e.try(e.ctx, "get_inventory_value", map[string]any{})
		if err != nil || !isErr || !strings.Contains(text, "too large to compute") {
			t.Fatalf("get_inventory_value over an overflowing level: %s %v %v", text, isErr, err)
		}
		for _, tool := range []string{"list_stock_risks", "get_reorder_suggestions", "list_dead_stock"} {
			if _, _, err := e.try(e.ctx, tool, map[string]any{}); err != nil {
				t.Fatalf("%s over an overflowing level: %v", tool, err)
			}
		}
	})
}

// Control characters are refused in every argument, naming it, except tab
// and line breaks in free text; the same check serves every tool and face.
func TestControlCharactersRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		po := func(extra map[string]any) map[string]any {
			m := map[string]any{"supplier": storagetest.SummitGear, "location": "WH", "lines": []map[string]any{{"sku": "TRS-40", "quantity": 1}}}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		e.ok(t, "create_purchase_order", po(map[string]any{"note": "first line\nsecond line\r\n\tindented"}), nil)
		for _, c := range []struct {
			tool  string
			args  any
			field string
			char  string
		}{
			{"create_purchase_order", po(map[string]any{"note": "a\x00b"}), "note", "U+0000"},
			{"create_purchase_order", po(map[string]any{"note": "bell\x07"}), "note", "U+0007"},
			{"create_purchase_order", po(map[string]any{"lines": []map[string]any{{"sku": "TRS-40\t", "quantity": 1}}}), "lines.sku", "U+0009"},
			{"create_purchase_order", po(map[string]any{"supplier": "Summit\x1bGear"}), "supplier", "U+001B"},
			{"create_purchase_order", po(map[string]any{"idempotency_key": "k\n1"}), "idempotency_key", "U+000A"},
			{"create_purchase_order", po(map[string]any{"expected_date": "2026-01-01\u0085"}), "expected_date", "U+0085"},
			{"cancel_purchase_order", map[string]any{"number": "PO-1001\x7f"}, "number", "U+007F"},
			{"search_products", map[string]any{"query": "shoe\x00"}, "query", "U+0000"},
			{"get_purchase_order", map[string]any{"number": "PO-1001\r"}, "number", "U+000D"},
		} {
			raw, _ := json.Marshal(c.args)
			_, err := e.tools[c.tool].Call(e.ctx, raw)
			var ie *inventory.Error
			if !errors.As(err, &ie) || ie.Kind != inventory.Invalid || ie.Field != c.field ||
				!strings.Contains(ie.Msg, c.field+" contains the control character "+c.char) {
				t.Errorf("%s %s: %v (field %q)", c.tool, raw, err, fieldOf(err))
			}
		}
		// Through the MCP handler: a tool error, audited, nothing changed.
		e.refused(t, "create_purchase_order", po(map[string]any{"note": "a\x00b"}), "note contains the control character U+0000")
	})
}

func fieldOf(err error) string {
	var ie *inventory.Error
	if errors.As(err, &ie) {
		return ie.Field
	}
	return ""
}

// A line naming a variant by both sku and variant_id must name one
// variant: otherwise it is refused, not resolved by the SKU alone.
func TestSKUAndVariantIDMustAgree(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		trs40, trs42 := e.Variants["TRS-40"].ID, e.Variants["TRS-42"].ID
		create := func(id int64) map[string]any {
			return map[string]any{"supplier": storagetest.SummitGear, "location": "WH",
				"lines": []map[string]any{{"sku": "TRS-40", "variant_id": id, "quantity": 1}}}
		}
		e.refused(t, "create_purchase_order", create(trs42), fmt.Sprintf(`sku "TRS-40" is variant_id %d, but variant_id %d`, trs40, trs42), "give only sku or only variant_id")
		e.refused(t, "create_transfer", map[string]any{"from_location": "WH", "to_location": "DT",
			"lines": []map[string]any{{"sku": "TRS-40", "variant_id": trs42, "quantity": 1}}}, "give only sku or only variant_id")
		e.ok(t, "create_purchase_order", create(trs40), nil)
	})
}

// docNumber runs a tool that creates a document and returns its number.
func docNumber(t *testing.T, e *wEnv, tool string, args any) string {
	t.Helper()
	var res map[string]json.RawMessage
	e.ok(t, tool, args, &res)
	for _, v := range res {
		var doc struct {
			Number string `json:"number"`
		}
		if json.Unmarshal(v, &doc) == nil && doc.Number != "" {
			return doc.Number
		}
	}
	t.Fatalf("%s returned no document number", tool)
	return ""
}
