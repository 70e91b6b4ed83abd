package tools_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type suggestionTotals struct {
	Supplier       string          `json:"supplier"`
	EstimatedTotal inventory.Money `json:"estimated_total"`
	MinOrder       inventory.Money `json:"min_order"`
	BelowMinOrder  bool            `json:"below_min_order"`
	LineCount      int64           `json:"line_count"`
	Lines          []struct {
		SKU            string          `json:"sku"`
		Location       string          `json:"location"`
		EstimatedCost  inventory.Money `json:"estimated_cost"`
		DaysOfCover    *float64        `json:"days_of_cover"`
		SpareElsewhere []struct {
			Location  string `json:"location"`
			Available int64  `json:"available"`
			Spare     int64  `json:"spare"`
		} `json:"spare_elsewhere"`
	} `json:"lines"`
}

// coverOf orders lines as the tool promises: out of stock first, then
// fewest days of cover, then what does not sell.
func coverOf(d *float64) float64 {
	if d == nil {
		return math.Inf(1)
	}
	return *d
}

// A supplier's estimated total, line count and below-minimum flag are the
// same on every page and whatever the page size, and add up its lines over
// all pages; suppliers and their lines come most urgent first.
func TestSuggestionTotalsNeverDependOnThePage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		planningScenario(t, e)
		var whole struct {
			Suppliers []suggestionTotals `json:"suppliers"`
		}
		e.get(t, "get_reorder_suggestions", `{"limit":100}`, &whole)
		// A minimum order value that each supplier's whole order just meets
		// but a page with part of it would not.
		for _, g := range whole.Suppliers {
			if _, err := db.Backend().Exec(context.Background(), `UPDATE suppliers SET min_order_cents = $3 WHERE store_id = $1 AND name = $2`,
				e.Store.ID, g.Supplier, int64(g.EstimatedTotal)); err != nil {
				t.Fatal(err)
			}
		}
		e.get(t, "get_reorder_suggestions", `{"limit":100}`, &whole)
		want := map[string]suggestionTotals{}
		sums := map[string]inventory.Money{}
		counts := map[string]int64{}
		for i, g := range whole.Suppliers {
			want[g.Supplier] = g
			for j, l := range g.Lines {
				sums[g.Supplier] += l.EstimatedCost
				counts[g.Supplier]++
				if j > 0 && coverOf(g.Lines[j-1].DaysOfCover) > coverOf(l.DaysOfCover) {
					t.Errorf("%s: line %s (%v days) before %s (%v days): not most urgent first", g.Supplier,
						g.Lines[j-1].SKU, coverOf(g.Lines[j-1].DaysOfCover), l.SKU, coverOf(l.DaysOfCover))
				}
			}
			if i > 0 && coverOf(whole.Suppliers[i-1].Lines[0].DaysOfCover) > coverOf(g.Lines[0].DaysOfCover) {
				t.Errorf("supplier %s before %s, whose most urgent line is more urgent", whole.Suppliers[i-1].Supplier, g.Supplier)
			}
		}
		if len(want) < 2 {
			t.Fatalf("the scenario should have suggestions from several suppliers: %+v", whole.Suppliers)
		}
		for name, g := range want {
			if g.BelowMinOrder {
				t.Errorf("%s: below its minimum %v with a total of %v", name, g.MinOrder, g.EstimatedTotal)
			}
			if g.EstimatedTotal != sums[name] || g.LineCount != counts[name] {
				t.Errorf("%s: estimated total %v over %d lines, its lines add to %v over %d", name, g.EstimatedTotal, g.LineCount, sums[name], counts[name])
			}
		}
		for _, limit := range []int{1, 2, 3} {
			cursor := ""
			for range 100 {
				var out struct {
					Suppliers  []suggestionTotals `json:"suppliers"`
					NextCursor string             `json:"next_cursor"`
				}
				e.get(t, "get_reorder_suggestions", fmt.Sprintf(`{"limit":%d,"cursor":%q}`, limit, cursor), &out)
				for _, g := range out.Suppliers {
					w := want[g.Supplier]
					if g.EstimatedTotal != w.EstimatedTotal || g.BelowMinOrder != w.BelowMinOrder || g.LineCount != w.LineCount {
						t.Errorf("pages of %d: %s totals %v (below minimum %v, %d lines), whole list %v (%v, %d)", limit, g.Supplier,
							g.EstimatedTotal, g.BelowMinOrder, g.LineCount, w.EstimatedTotal, w.BelowMinOrder, w.LineCount)
					}
				}
				if cursor = out.NextCursor; cursor == "" {
					break
				}
			}
		}
	})
}

// A reorder suggestion names the other locations holding spare stock of
// the same SKU (more than their own target), with how much is spare.
func TestSuggestionsNoteSpareStockElsewhere(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		ctx := context.Background()
		// SOCK-M needs an order at the Downtown Shop (min 10000 there)
		// while the Warehouse holds a lot more than it will ever sell.
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"SOCK-M","location":"DT","min":10000},{"sku":"SOCK-M","location":"WH","max":5}]}`, nil)
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := catalog.New(db).AdjustInventory(ctx, tx, e.Store.ID, e.Actor(), []storage.Change{
				{VariantID: e.Variants["SOCK-M"].ID, LocationID: e.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand, Delta: 500},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wh := e.Level(t, "SOCK-M", storagetest.Warehouse)
		var out struct {
			Suppliers []suggestionTotals `json:"suppliers"`
		}
		e.get(t, "get_reorder_suggestions", `{"location":"DT","limit":100}`, &out)
		found := false
		for _, g := range out.Suppliers {
			for _, l := range g.Lines {
				if l.SKU != "SOCK-M" {
					continue
				}
				found = true
				var spare int64 = -1
				for _, s := range l.SpareElsewhere {
					if s.Location == storagetest.DowntownShop || s.Spare <= 0 || s.Spare > s.Available {
						t.Errorf("SOCK-M at the Downtown Shop: spare elsewhere lists %+v", s)
					}
					if s.Location == storagetest.Warehouse {
						spare = s.Spare
					}
				}
				if spare != wh.Available-5 {
					t.Errorf("SOCK-M at the Downtown Shop: spare elsewhere %+v; the Warehouse has %d available and a max of 5", l.SpareElsewhere, wh.Available)
				}
			}
		}
		if !found {
			t.Fatalf("no suggestion for SOCK-M at the Downtown Shop: %+v", out.Suppliers)
		}
	})
}

// get_store_overview answers "how is my store" in one call: overdue
// purchase orders, stock value at cost and retail (as get_inventory_value
// totals it), and the most urgent risks (as list_stock_risks lists them).
func TestStoreOverviewAnswersInOneCall(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		po := planningScenario(t, e) // sent, expected yesterday
		var o struct {
			Overdue struct {
				Count       int64 `json:"count"`
				MostOverdue []struct {
					Number       string `json:"number"`
					Supplier     string `json:"supplier"`
					ExpectedDate string `json:"expected_date"`
					DaysOverdue  int    `json:"days_overdue"`
				} `json:"most_overdue"`
			} `json:"overdue_purchase_orders"`
			StockValue struct {
				Units  int64           `json:"units"`
				Cost   inventory.Money `json:"cost_value"`
				Retail inventory.Money `json:"retail_value"`
			} `json:"stock_value"`
			TopRisks []riskRow `json:"top_risks"`
			AsOf     string    `json:"as_of"`
		}
		e.get(t, "get_store_overview", `{}`, &o)
		if o.Overdue.Count != 1 || len(o.Overdue.MostOverdue) != 1 || o.Overdue.MostOverdue[0].Number != po ||
			o.Overdue.MostOverdue[0].Supplier != storagetest.SummitGear || o.Overdue.MostOverdue[0].DaysOverdue != 1 {
			t.Errorf("overdue purchase orders %+v; want %s, a day overdue", o.Overdue, po)
		}
		var value struct {
			Total struct {
				Units  int64           `json:"units"`
				Cost   inventory.Money `json:"cost_value"`
				Retail inventory.Money `json:"retail_value"`
			} `json:"total"`
		}
		e.get(t, "get_inventory_value", `{}`, &value)
		if o.StockValue.Cost == 0 || o.StockValue.Cost != value.Total.Cost || o.StockValue.Retail != value.Total.Retail || o.StockValue.Units != value.Total.Units {
			t.Errorf("stock value %+v; get_inventory_value totals %+v", o.StockValue, value.Total)
		}
		top := e.allRisks(t, ``, 100)
		if len(o.TopRisks) == 0 || len(o.TopRisks) > 5 || riskKeys(o.TopRisks) != riskKeys(top[:len(o.TopRisks)]) {
			t.Errorf("top risks %s; list_stock_risks starts %s", riskKeys(o.TopRisks), riskKeys(top[:min(5, len(top))]))
		}
		if o.AsOf != e.Today.Format(time.DateOnly) {
			t.Errorf("as_of %s, want %s", o.AsOf, e.Today.Format(time.DateOnly))
		}
	})
}
