package tools_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type valueOut struct {
	GroupBy string `json:"group_by"`
	Total   struct {
		Units  int64   `json:"units"`
		Cost   float64 `json:"cost_value"`
		Retail float64 `json:"retail_value"`
	} `json:"total"`
	Groups []struct {
		ID     *int64  `json:"id"`
		Name   string  `json:"name"`
		Units  int64   `json:"units"`
		Cost   float64 `json:"cost_value"`
		Retail float64 `json:"retail_value"`
	} `json:"groups"`
	MoreGroups int `json:"more_groups"`
}

func TestGetInventoryValue(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		levels := e.oracle(t)
		type sums struct{ units, cost, retail int64 }
		for _, tc := range []struct {
			args, groupBy, basis string
			group                func(o oracleLevel) string
		}{
			{`{}`, "location", "cost", func(o oracleLevel) string { return o.loc }},
			{`{"group_by":"vendor","basis":"retail"}`, "vendor", "retail", func(o oracleLevel) string { return o.vendor }},
			{`{"group_by":"supplier"}`, "supplier", "cost", func(o oracleLevel) string { return o.supplier }},
		} {
			t.Run(tc.args, func(t *testing.T) {
				want := map[string]sums{}
				var total sums
				for _, o := range levels {
					if o.onHand <= 0 {
						continue
					}
					g := want[tc.group(o)]
					g.units, g.cost, g.retail = g.units+o.onHand, g.cost+o.onHand*o.cost, g.retail+o.onHand*o.price
					want[tc.group(o)] = g
					total.units, total.cost, total.retail = total.units+o.onHand, total.cost+o.onHand*o.cost, total.retail+o.onHand*o.price
				}
				var out valueOut
				e.get(t, "get_inventory_value", tc.args, &out)
				cents := func(f float64) int64 { return int64(math.Round(f * 100)) }
				if out.GroupBy != tc.groupBy || out.Total.Units != total.units || cents(out.Total.Cost) != total.cost || cents(out.Total.Retail) != total.retail {
					t.Fatalf("total %+v, want %+v", out.Total, total)
				}
				if len(out.Groups) != len(want) {
					t.Fatalf("groups %+v, want %v", out.Groups, want)
				}
				for i, g := range out.Groups {
					w := want[g.Name]
					if g.Units != w.units || cents(g.Cost) != w.cost || cents(g.Retail) != w.retail {
						t.Errorf("%s: %+v, want %+v", g.Name, g, w)
					}
					if i > 0 {
						prev := out.Groups[i-1]
						if (tc.basis == "cost" && prev.Cost < g.Cost) || (tc.basis == "retail" && prev.Retail < g.Retail) {
							t.Errorf("groups not largest first by %s: %+v", tc.basis, out.Groups)
						}
					}
				}
			})
		}
		var top valueOut
		e.get(t, "get_inventory_value", `{"limit":1}`, &top)
		if len(top.Groups) != 1 || top.MoreGroups != 2 || top.Groups[0].Name != storagetest.Warehouse {
			t.Fatalf("limit 1: %+v", top)
		}
		var clamped struct {
			Note string `json:"note"`
		}
		e.get(t, "get_inventory_value", `{"limit":5000}`, &clamped)
		if !strings.Contains(clamped.Note, "5000") {
			t.Fatalf("limit 5000 should say it was clamped: %+v", clamped)
		}
		e.bad(t, "get_inventory_value", `{"group_by":"colour"}`, "colour", "location, vendor or supplier")
		e.bad(t, "get_inventory_value", `{"basis":"wholesale"}`, "wholesale", "cost or retail")
	})
}

type deadOut struct {
	Days  int `json:"days"`
	Items []struct {
		SKU      string  `json:"sku"`
		Location string  `json:"location"`
		OnHand   int64   `json:"on_hand"`
		Value    float64 `json:"cost_value"`
		LastSale string  `json:"last_sale"`
	} `json:"items"`
	TotalItems int64   `json:"total_items"`
	TotalValue float64 `json:"total_cost_value"`
	NextCursor string  `json:"next_cursor"`
}

func TestListDeadStock(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		check := func(t *testing.T, args string, days int, loc string) {
			t.Helper()
			levels := e.oracle(t)
			cutoff := e.Today.AddDate(0, 0, -days)
			want := map[string]int64{}
			var wantValue int64
			for _, o := range levels {
				if o.onHand > 0 && o.lastSale.Before(cutoff) && (loc == "" || o.loc == loc) {
					want[o.key()] = o.onHand * o.cost
					wantValue += o.onHand * o.cost
				}
			}
			var all []string
			var prev = math.Inf(1)
			cursor := ""
			for range 100 {
				var out deadOut
				e.get(t, "list_dead_stock", fmt.Sprintf(`{%s"limit":2,"cursor":%q}`, args, cursor), &out)
				if out.TotalItems != int64(len(want)) || int64(math.Round(out.TotalValue*100)) != wantValue || out.Days != days {
					t.Fatalf("%s: totals %d items %.2f over %d days, want %d, %.2f, %d", args, out.TotalItems, out.TotalValue, out.Days, len(want), float64(wantValue)/100, days)
				}
				for _, it := range out.Items {
					key := it.SKU + "@" + it.Location
					if v, ok := want[key]; !ok || int64(math.Round(it.Value*100)) != v {
						t.Fatalf("%s: %+v is not dead stock worth %d", args, it, v)
					}
					if it.Value > prev {
						t.Fatalf("%s: not most value first at %s", args, key)
					}
					prev = it.Value
					all = append(all, key)
				}
				if out.NextCursor == "" {
					break
				}
				cursor = out.NextCursor
			}
			sort.Strings(all)
			var keys []string
			for k := range want {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(all, ",") != strings.Join(keys, ",") {
				t.Fatalf("%s: got %v, want %v", args, all, keys)
			}
		}
		check(t, ``, 90, "")
		check(t, `"days":1,`, 1, "")
		check(t, `"days":2,"location":"hb",`, 2, storagetest.HarbourShop)

		// A new sale takes an item off the list on the next call: changing
		// daily_sales marks the sales summary stale.
		ctx := context.Background()
		err := e.DB.Backend().InTx(ctx, func(tx backend.Tx) error {
			return catalog.New(e.DB).RecordSales(ctx, tx, e.Store.ID, []catalog.Sale{{VariantID: e.Variants["SOCK-M"].ID,
				LocationID: e.Locations[storagetest.Warehouse].ID, Day: e.Today.AddDate(0, 0, -1), Units: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		check(t, ``, 90, "")
		var out deadOut
		e.get(t, "list_dead_stock", `{"limit":100}`, &out)
		for _, it := range out.Items {
			if it.SKU == "SOCK-M" && it.Location == storagetest.Warehouse {
				t.Fatalf("SOCK-M sold yesterday at the Warehouse but is still dead stock")
			}
		}
		e.bad(t, "list_dead_stock", `{"days":-1}`, "-1")
		e.bad(t, "list_dead_stock", `{"days":100000}`, "100000")
		e.bad(t, "list_dead_stock", `{"location":"Nowhere"}`, "Nowhere")
	})
}
