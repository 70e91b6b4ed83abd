package tools_test

import (
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestZZSmokeRead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		var po poResult
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"2026-01-01","lines":[{"sku":"TRS-40","quantity":10}]}`, &po)
		e.ok(t, "send_purchase_order", `{"number":"`+po.PO.Number+`"}`, nil)
		for _, c := range [][2]string{
			{"list_stock_risks", `{"limit":5}`},
			{"list_stock_risks", `{"kind":"out_of_stock","limit":3}`},
			{"get_reorder_suggestions", `{"limit":4}`},
			{"get_demand", `{"sku":"TRS-40"}`},
			{"get_demand", `{"sku":"TRS-40","location":"WH","days":60}`},
			{"get_inventory_value", `{}`},
			{"get_inventory_value", `{"group_by":"supplier","basis":"retail"}`},
			{"list_dead_stock", `{"limit":3}`},
			{"list_suppliers", `{}`},
			{"get_supplier", `{"supplier":"summit gear"}`},
			{"list_purchase_orders", `{"overdue":true}`},
			{"get_purchase_order", `{"number":"` + po.PO.Number + `"}`},
		} {
			t.Logf("%s %s -> %s", c[0], c[1], e.get(t, c[0], c[1], nil))
		}
	})
}
