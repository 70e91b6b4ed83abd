package tools_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type returnResult struct {
	Return struct {
		Number        string   `json:"number"`
		Status        string   `json:"status"`
		Allowed       []string `json:"allowed_actions"`
		PurchaseOrder string   `json:"purchase_order"`
		Location      struct {
			Name string `json:"name"`
		} `json:"location"`
		Lines []struct {
			SKU      string  `json:"sku"`
			Quantity int64   `json:"quantity"`
			Reason   string  `json:"reason"`
			UnitCost float64 `json:"unit_cost"`
		} `json:"lines"`
		Totals struct {
			Units  int64    `json:"units"`
			Credit *float64 `json:"credit"`
		} `json:"totals"`
	} `json:"supplier_return"`
	Changes []wEffect `json:"inventory_changes"`
}

func (e *wEnv) supplierReturn(t *testing.T, tool, args string) returnResult {
	t.Helper()
	var r returnResult
	e.ok(t, tool, args, &r)
	return r
}

func TestSupplierReturnLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		wh := storagetest.Warehouse
		shells := e.Level(t, "SHELL-S", wh)
		r := e.supplierReturn(t, "create_supplier_return", `{"supplier":"Coastal Textiles","location":"WH",
			"lines":[{"sku":"SHELL-S","quantity":3,"reason":"torn seams"}]}`)
		if r.Return.Number != "RMA-1001" || r.Return.Status != "draft" || strings.Join(r.Return.Allowed, ",") != "ship,cancel" ||
			len(r.Changes) != 0 || len(r.Return.Lines) != 1 || r.Return.Lines[0].Reason != "torn seams" || r.Return.Lines[0].UnitCost != 63 {
			t.Fatalf("created: %+v", r)
		}
		shipped := e.supplierReturn(t, "ship_supplier_return", `{"number":"RMA-1001"}`)
		if shipped.Return.Status != "shipped" || wEffects(shipped.Changes) != fmt.Sprintf("SHELL-S@Warehouse on_hand -3=%d", shells.OnHand-3) {
			t.Fatalf("shipped: %s %+v", wEffects(shipped.Changes), shipped.Return)
		}
		e.refused(t, "cancel_supplier_return", `{"number":"RMA-1001"}`, "shipped", "close")
		closed := e.supplierReturn(t, "close_supplier_return", `{"number":"RMA-1001","credit_amount":189}`)
		if closed.Return.Status != "closed" || len(closed.Changes) != 0 || closed.Return.Totals.Credit == nil || *closed.Return.Totals.Credit != 189 {
			t.Fatalf("closed: %+v", closed)
		}
		if l := e.Level(t, "SHELL-S", wh); l.OnHand != shells.OnHand-3 {
			t.Fatalf("SHELL-S: %+v, was %+v", l, shells)
		}

		// Against a purchase order: the location defaults to the order's and
		// the goods go back at the order's cost.
		po := e.createPO(t, `{"supplier":"Summit Gear","location":"DT","lines":[{"sku":"TRS-44","quantity":6,"unit_cost":51.25}]}`).PO.Number
		e.ok(t, "send_purchase_order", `{"number":"`+po+`"}`, nil)
		e.ok(t, "receive_purchase_order", `{"number":"`+po+`","lines":[{"sku":"TRS-44","accepted":5,"rejected":1}]}`, nil)
		onPO := e.supplierReturn(t, "create_supplier_return", `{"supplier":"Summit Gear","purchase_order":"`+po+`","lines":[{"sku":"TRS-44","quantity":2}]}`)
		if onPO.Return.PurchaseOrder != po || onPO.Return.Location.Name != storagetest.DowntownShop || onPO.Return.Lines[0].UnitCost != 51.25 {
			t.Fatalf("against %s: %+v", po, onPO.Return)
		}
		e.refused(t, "create_supplier_return", `{"supplier":"Summit Gear","purchase_order":"`+po+`","lines":[{"sku":"TRS-44","quantity":6}]}`, po, "received 5", "at most 5")
		e.refused(t, "create_supplier_return", `{"supplier":"Alpine Supply Co","purchase_order":"`+po+`","lines":[{"sku":"TRS-44","quantity":1}]}`, po, "Summit Gear")

		before := e.Level(t, "TRS-44", storagetest.DowntownShop)
		if c := e.supplierReturn(t, "cancel_supplier_return", `{"number":"`+onPO.Return.Number+`"}`); c.Return.Status != "cancelled" || len(c.Changes) != 0 {
			t.Fatalf("cancel draft: %+v", c)
		}
		if l := e.Level(t, "TRS-44", storagetest.DowntownShop); l != before {
			t.Fatalf("cancelling a draft return moved stock: %+v, was %+v", l, before)
		}
	})
}

func TestSupplierReturnBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		draft := e.supplierReturn(t, "create_supplier_return", `{"supplier":"Alpine Supply Co","location":"WH","lines":[{"sku":"LAMP-300","quantity":11}]}`).Return.Number
		create := func(lines string) string {
			return `{"supplier":"Alpine Supply Co","location":"WH","lines":` + lines + `}`
		}
		cases := []struct {
			name, tool, args string
			want             []string
		}{
			{"shipping more than is on hand", "ship_supplier_return", `{"number":"` + draft + `"}`, []string{"LAMP-300", "Warehouse", "has 10"}},
			{"closing a draft", "close_supplier_return", `{"number":"` + draft + `","credit_amount":5}`, []string{"draft", "ship, cancel"}},
			{"unknown supplier", "create_supplier_return", `{"supplier":"Nobody","location":"WH","lines":[{"sku":"LAMP-300","quantity":1}]}`, []string{`"Nobody"`}},
			{"unknown purchase order", "create_supplier_return", `{"supplier":"Alpine Supply Co","purchase_order":"PO-5555","lines":[{"sku":"LAMP-300","quantity":1}]}`, []string{`"PO-5555"`}},
			{"zero quantity", "create_supplier_return", create(`[{"sku":"LAMP-300","quantity":0}]`), []string{"LAMP-300", "not positive"}},
			{"fractional quantity", "create_supplier_return", create(`[{"sku":"LAMP-300","quantity":1.25}]`), []string{"whole number", "1.25"}},
			{"same SKU twice", "create_supplier_return", create(`[{"sku":"LAMP-300","quantity":1},{"sku":"LAMP-300","quantity":1}]`), []string{"LAMP-300", "twice"}},
			{"unknown SKU", "create_supplier_return", create(`[{"sku":"LAMP-999","quantity":1}]`), []string{`"LAMP-999"`}},
			{"unknown number", "ship_supplier_return", `{"number":"RMA-8080"}`, []string{`"RMA-8080"`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.refused(t, c.tool, c.args, c.want...)
				e.refused(t, c.tool, addOptions(c.args, `"dry_run":true`), c.want...)
			})
		}
		ok := e.supplierReturn(t, "create_supplier_return", create(`[{"sku":"LAMP-300","quantity":1}]`)).Return.Number
		e.supplierReturn(t, "ship_supplier_return", `{"number":"`+ok+`"}`)
		e.refused(t, "close_supplier_return", `{"number":"`+ok+`","credit_amount":-5}`, "credit_amount", "-5.00", "negative")
		e.refused(t, "close_supplier_return", `{"number":"`+ok+`","credit_amount":16.005}`, "credit_amount", "16.005", "two decimal")
		e.refused(t, "close_supplier_return", `{"number":"`+ok+`","credit_amount":"16"}`, "credit_amount", "a number")
	})
}
