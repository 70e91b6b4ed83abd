package tools_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type docRow struct {
	Number   string `json:"number"`
	Status   string `json:"status"`
	Overdue  bool   `json:"overdue"`
	Supplier struct {
		Name string `json:"name"`
	} `json:"supplier"`
}

// numbers pages through a list tool with limit 1 and returns the numbers.
func (e *readEnv) numbers(t *testing.T, tool, args string) string {
	t.Helper()
	var out []string
	cursor := ""
	for range 50 {
		var p pageOf[docRow]
		e.get(t, tool, fmt.Sprintf(`{%s"limit":1,"cursor":%q}`, args, cursor), &p)
		if len(p.Items) > 1 {
			t.Fatalf("%s: %d rows with limit 1", tool, len(p.Items))
		}
		for _, d := range p.Items {
			out = append(out, d.Number)
		}
		if p.NextCursor == "" {
			return strings.Join(out, " ")
		}
		cursor = p.NextCursor
	}
	t.Fatalf("%s: paging does not end", tool)
	return ""
}

func TestDocumentReadTools(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		past := e.Today.AddDate(0, 0, -3).Format(time.DateOnly)
		future := e.Today.AddDate(0, 0, 10).Format(time.DateOnly)
		// PO-1001 sent and overdue; PO-1002 sent, due later; PO-1003 a draft
		// from another supplier to another location.
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"`+past+`","lines":[{"sku":"TRS-40","quantity":5}]}`, nil)
		e.ok(t, "send_purchase_order", `{"number":"PO-1001"}`, nil)
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"`+future+`","lines":[{"sku":"POLE-AL","quantity":5}]}`, nil)
		e.ok(t, "send_purchase_order", `{"number":"PO-1002"}`, nil)
		e.ok(t, "create_purchase_order", `{"supplier":"Alpine Supply Co","location":"DT","lines":[{"sku":"MUG-STEEL","quantity":12}]}`, nil)
		e.ok(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-42","quantity":2}]}`, nil)
		e.ok(t, "ship_transfer", `{"number":"TO-1001"}`, nil)
		e.ok(t, "create_transfer", `{"from_location":"WH","to_location":"HB","lines":[{"sku":"TRS-42","quantity":1}]}`, nil)
		e.ok(t, "start_stock_take", `{"location":"HB","skus":["TRS-40","TRS-42"]}`, nil)
		e.ok(t, "start_stock_take", `{"location":"DT","skus":["MUG-STEEL"]}`, nil)
		e.ok(t, "cancel_stock_take", `{"number":"ST-1002"}`, nil)
		e.ok(t, "create_supplier_return", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-44","quantity":1,"reason":"damaged"}]}`, nil)
		e.ok(t, "create_supplier_return", `{"supplier":"Alpine Supply Co","location":"WH","lines":[{"sku":"LAMP-300","quantity":1}]}`, nil)
		e.ok(t, "ship_supplier_return", `{"number":"RMA-1002"}`, nil)
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"TRS-40","min":5},{"sku":"TRS-40","location":"DT","min":2},{"sku":"MUG-STEEL","location":"HB","max":30}]}`, nil)

		for _, tc := range []struct{ tool, args, want string }{
			{"list_purchase_orders", ``, "PO-1003 PO-1002 PO-1001"},
			{"list_purchase_orders", `"status":"sent",`, "PO-1002 PO-1001"},
			{"list_purchase_orders", `"overdue":true,`, "PO-1001"},
			{"list_purchase_orders", `"supplier":"alpine supply co",`, "PO-1003"},
			{"list_purchase_orders", `"location":"Warehouse",`, "PO-1002 PO-1001"},
			{"list_purchase_orders", `"sku":"POLE-AL",`, "PO-1002"},
			{"list_transfers", ``, "TO-1002 TO-1001"},
			{"list_transfers", `"status":"in_transit",`, "TO-1001"},
			{"list_transfers", `"to_location":"HB",`, "TO-1002"},
			{"list_transfers", `"from_location":"DT",`, ""},
			{"list_stock_takes", ``, "ST-1002 ST-1001"},
			{"list_stock_takes", `"status":"in_progress",`, "ST-1001"},
			{"list_stock_takes", `"location":"Downtown Shop",`, "ST-1002"},
			{"list_supplier_returns", ``, "RMA-1002 RMA-1001"},
			{"list_supplier_returns", `"status":"shipped",`, "RMA-1002"},
			{"list_supplier_returns", `"supplier":"Summit Gear",`, "RMA-1001"},
		} {
			if got := e.numbers(t, tc.tool, tc.args); got != tc.want {
				t.Errorf("%s {%s}: got %q, want %q", tc.tool, tc.args, got, tc.want)
			}
		}

		type ruleRow struct {
			SKU      string `json:"sku"`
			Location string `json:"location"`
			Min      *int64 `json:"min"`
		}
		for _, tc := range []struct{ args, want string }{
			{`{}`, "TRS-40@ TRS-40@Downtown Shop MUG-STEEL@Harbour Shop"},
			{`{"sku":"TRS-40"}`, "TRS-40@ TRS-40@Downtown Shop"},
			{`{"location":"HB"}`, "TRS-40@ MUG-STEEL@Harbour Shop"},
			{`{"supplier":"Alpine Supply Co"}`, "MUG-STEEL@Harbour Shop"},
			{`{"limit":1}`, "TRS-40@"},
		} {
			var p pageOf[ruleRow]
			e.get(t, "list_reorder_rules", tc.args, &p)
			var got []string
			for _, r := range p.Items {
				loc := r.Location
				if loc == "all locations" || loc == "" {
					loc = ""
				}
				got = append(got, r.SKU+"@"+loc)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("list_reorder_rules %s: got %v, want %s", tc.args, got, tc.want)
			}
		}

		for _, tc := range []struct{ tool, number, want string }{
			{"get_purchase_order", "po-1001", `"overdue":true`},
			{"get_purchase_order", "PO-1003", `"MUG-STEEL"`},
			{"get_transfer", "TO-1001", `"in_transit"`},
			{"get_stock_take", "ST-1001", `"TRS-42"`},
			{"get_supplier_return", "RMA-1001", `"damaged"`},
		} {
			text := e.get(t, tc.tool, `{"number":"`+tc.number+`"}`, nil)
			if !strings.Contains(text, tc.want) || !strings.Contains(text, strings.ToUpper(tc.number)) || strings.Contains(text, "null") {
				t.Errorf("%s %s: %s should contain %s and no nulls", tc.tool, tc.number, text, tc.want)
			}
			e.bad(t, tc.tool, `{"number":"`+tc.number[:3]+`9999"}`, "9999")
		}
		e.bad(t, "list_purchase_orders", `{"status":"lost"}`, "lost")
		e.bad(t, "list_transfers", `{"to_location":"Mars"}`, "Mars")
		e.bad(t, "get_purchase_order", `{}`, "number")
	})
}

type supplierRow struct {
	ID         int64   `json:"supplier_id"`
	Name       string  `json:"name"`
	LeadTime   int     `json:"lead_time_days"`
	MinOrder   float64 `json:"min_order"`
	Variants   int64   `json:"variants"`
	Primary    int64   `json:"primary_for"`
	OpenOrders int64   `json:"open_purchase_orders"`
	Orders     []struct {
		Number  string `json:"number"`
		Overdue bool   `json:"overdue"`
	} `json:"open_orders"`
}

func TestSupplierReadTools(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		past := e.Today.AddDate(0, 0, -3).Format(time.DateOnly)
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"`+past+`","lines":[{"sku":"TRS-40","quantity":5}]}`, nil)
		e.ok(t, "send_purchase_order", `{"number":"PO-1001"}`, nil)
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-42","quantity":5}]}`, nil)

		var all pageOf[supplierRow]
		e.get(t, "list_suppliers", `{}`, &all)
		if len(all.Items) != 3 {
			t.Fatalf("want the 3 suppliers: %+v", all.Items)
		}
		want := map[string]supplierRow{
			storagetest.SummitGear:      {LeadTime: 7, Variants: 6, Primary: 5, OpenOrders: 2},
			storagetest.CoastalTextiles: {LeadTime: 21, MinOrder: 500, Variants: 7, Primary: 7},
			storagetest.AlpineSupply:    {LeadTime: 14, Variants: 3, Primary: 3},
		}
		for _, s := range all.Items {
			w := want[s.Name]
			if s.ID != e.Suppliers[s.Name].ID || s.LeadTime != w.LeadTime || s.MinOrder != w.MinOrder || s.OpenOrders != w.OpenOrders {
				t.Errorf("%s: %+v, want %+v", s.Name, s, w)
			}
			var one supplierRow
			e.get(t, "get_supplier", `{"supplier":"`+s.Name+`"}`, &one)
			if one.Variants != w.Variants || one.Primary != w.Primary || one.OpenOrders != w.OpenOrders {
				t.Errorf("get_supplier %s: %+v, want %+v", s.Name, one, w)
			}
		}
		var q pageOf[supplierRow]
		e.get(t, "list_suppliers", `{"query":"COASTAL.EXAMPLE"}`, &q)
		if len(q.Items) != 1 || q.Items[0].Name != storagetest.CoastalTextiles {
			t.Fatalf("query by email: %+v", q.Items)
		}
		var p1, p2 pageOf[supplierRow]
		e.get(t, "list_suppliers", `{"limit":2}`, &p1)
		e.get(t, "list_suppliers", `{"limit":2,"cursor":"`+p1.NextCursor+`"}`, &p2)
		if len(p1.Items) != 2 || len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].Name == p1.Items[0].Name || p2.Items[0].Name == p1.Items[1].Name {
			t.Fatalf("pages %+v / %+v", p1, p2)
		}

		var s supplierRow
		e.get(t, "get_supplier", fmt.Sprintf(`{"supplier":"%d"}`, e.Suppliers[storagetest.SummitGear].ID), &s)
		if s.Name != storagetest.SummitGear || len(s.Orders) != 2 || s.Orders[0].Number != "PO-1001" || !s.Orders[0].Overdue || s.Orders[1].Overdue {
			t.Fatalf("Summit Gear: %+v", s)
		}
		e.get(t, "get_supplier", `{"supplier":"summit gear"}`, &s)
		e.get(t, "get_supplier", fmt.Sprintf(`{"supplier":%d}`, e.Suppliers[storagetest.SummitGear].ID), &s)
		e.bad(t, "get_supplier", `{"supplier":"Globex"}`, "Globex", "list_suppliers")
		e.bad(t, "get_supplier", `{}`, "supplier")
	})
}
