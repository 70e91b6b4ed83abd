package tools_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// oracleLevel is one inventory level as the tests compute it, from the
// stored rows and the reorder maths in package inventory, independently of
// the SQL under the tools.
type oracleLevel struct {
	sku, loc                    string
	onHand, available, incoming int64
	units7, units28, units90    int64
	lastSale                    time.Time
	plan                        planning.Plan
	pack, moq                   int64
	rule                        inventory.Rule
	supplier                    string
	unitCost, cost, price       int64
	vendor                      string
}

func (o oracleLevel) key() string { return o.sku + "@" + o.loc }

func (o oracleLevel) outOfStock() bool { return o.available <= 0 && o.plan.Rate > 0 }

func (o oracleLevel) lowCover(days int) bool {
	cover, ok := planning.DaysOfCoverAt(o.available, o.plan.Rate)
	return ok && cover < float64(days)
}

func (o oracleLevel) needsReorder() bool { return o.plan.NeedsReorder(o.available + o.incoming) }

func (o oracleLevel) quantity() int64 {
	return o.plan.Quantity(o.available+o.incoming, o.pack, o.moq)
}

// risk is the most urgent risk the level meets ("" for none).
func (o oracleLevel) risk(days int) string {
	switch {
	case o.outOfStock():
		return plan.RiskOutOfStock
	case o.needsReorder():
		return plan.RiskBelowReorder
	case o.lowCover(days):
		return plan.RiskLowCover
	}
	return ""
}

func (o oracleLevel) meets(kind string, days int) bool {
	switch kind {
	case plan.RiskOutOfStock:
		return o.outOfStock()
	case plan.RiskBelowReorder:
		return o.needsReorder()
	case plan.RiskLowCover:
		return o.lowCover(days)
	}
	return o.risk(days) != ""
}

// oracle reads the store's levels, sales, stock-outs, rules and primary
// supplier terms with plain queries and plans each level with the planning
// package, independently of how storage assembles and keeps the model.
func (e *readEnv) oracle(t *testing.T) []oracleLevel {
	t.Helper()
	ctx := context.Background()
	q := e.DB.Backend()
	type rule struct {
		min, max, safety *int64
		lead, cover      *int64
		service          *float64
	}
	rules := map[[2]int64]rule{}
	rows, err := q.Query(ctx, `SELECT variant_id, location_id, min_qty, max_qty, safety_stock, lead_time_days, days_of_cover, service_level FROM reorder_rules WHERE store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k [2]int64
		var r rule
		if err := rows.Scan(&k[0], &k[1], &r.min, &r.max, &r.safety, &r.lead, &r.cover, &r.service); err != nil {
			t.Fatal(err)
		}
		rules[k] = r
	}
	rows.Close()
	type sale struct {
		vid, lid int64
		day      time.Time
		units    int64
	}
	var sales []sale
	rows, err = q.Query(ctx, `SELECT variant_id, location_id, day, units FROM daily_sales WHERE store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s sale
		if err := rows.Scan(&s.vid, &s.lid, &s.day, &s.units); err != nil {
			t.Fatal(err)
		}
		sales = append(sales, s)
	}
	rows.Close()
	type span struct {
		start time.Time
		end   *time.Time
	}
	spans := map[[2]int64][]span{}
	rows, err = q.Query(ctx, `SELECT variant_id, location_id, started_at, ended_at FROM stockout_spans WHERE store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k [2]int64
		var sp span
		if err := rows.Scan(&k[0], &k[1], &sp.start, &sp.end); err != nil {
			t.Fatal(err)
		}
		spans[k] = append(spans[k], sp)
	}
	rows.Close()
	zone, err := time.LoadLocation(e.Store.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	type terms struct {
		supplier                  string
		lead, pack, moq, unitCost int64
	}
	primary := map[int64]terms{}
	rows, err = q.Query(ctx, `SELECT sv.variant_id, s.name, COALESCE(sv.lead_time_days, s.lead_time_days), sv.pack_size, sv.min_order_qty, sv.unit_cost_cents
		FROM supplier_variants sv JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
		WHERE sv.store_id = $1 AND sv.is_primary = $2`, e.Store.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var vid int64
		var tm terms
		if err := rows.Scan(&vid, &tm.supplier, &tm.lead, &tm.pack, &tm.moq, &tm.unitCost); err != nil {
			t.Fatal(err)
		}
		primary[vid] = tm
	}
	rows.Close()

	today := e.Today
	locName := map[int64]string{}
	for n, l := range e.Locations {
		locName[l.ID] = n
	}
	var out []oracleLevel
	rows, err = q.Query(ctx, `SELECT l.variant_id, l.location_id, v.sku, l.on_hand, l.available, l.incoming, v.cost_cents, v.price_cents, p.vendor
		FROM inventory_levels l JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id WHERE l.store_id = $1`, e.Store.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var vid, lid int64
		var o oracleLevel
		if err := rows.Scan(&vid, &lid, &o.sku, &o.onHand, &o.available, &o.incoming, &o.cost, &o.price, &o.vendor); err != nil {
			t.Fatal(err)
		}
		o.loc = locName[lid]
		n := planning.MaxHistoryDays
		h := planning.History{Units: make([]float64, n), Censored: make([]bool, n)}
		for _, s := range sales {
			if s.vid != vid || s.lid != lid {
				continue
			}
			ago := int(math.Round(today.Sub(storage.UTCDate(s.day)).Hours() / 24))
			if ago >= 1 && ago <= n {
				h.Units[n-ago] += float64(s.units)
			}
			if ago >= 1 && ago <= 7 {
				o.units7 += s.units
			}
			if ago >= 1 && ago <= 28 {
				o.units28 += s.units
			}
			if ago >= 1 && ago <= 90 {
				o.units90 += s.units
			}
			if s.units > 0 && storage.UTCDate(s.day).After(o.lastSale) {
				o.lastSale = storage.UTCDate(s.day)
			}
		}
		all, loc := rules[[2]int64{vid, 0}], rules[[2]int64{vid, lid}]
		pick := func(a, b *int64) *int64 {
			if a != nil {
				return a
			}
			return b
		}
		toInt := func(v *int64) *int {
			if v == nil {
				return nil
			}
			i := int(*v)
			return &i
		}
		// A day ended out of stock when its local midnight falls in a
		// stock-out; before any was recorded, a run of days without sales
		// up to today while out of stock counts too.
		for i := range h.Censored {
			d := today.AddDate(0, 0, i+1-n)
			end := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
			for _, sp := range spans[[2]int64{vid, lid}] {
				if !end.Before(sp.start) && (sp.end == nil || end.Before(*sp.end)) {
					h.Censored[i] = true
				}
			}
		}
		for i := n - 1; o.available <= 0 && i >= 0 && h.Units[i] == 0; i-- {
			h.Censored[i] = true
		}
		tm := primary[vid]
		o.supplier, o.unitCost = tm.supplier, tm.unitCost
		o.pack, o.moq = max(tm.pack, 1), max(tm.moq, 1)
		o.rule = inventory.Rule{Min: pick(loc.min, all.min), Max: pick(loc.max, all.max), SafetyStock: pick(loc.safety, all.safety),
			LeadTimeDays: toInt(pick(loc.lead, all.lead)), DaysOfCover: toInt(pick(loc.cover, all.cover))}
		ruleLead := -1
		if o.rule.LeadTimeDays != nil {
			ruleLead = *o.rule.LeadTimeDays
		}
		pol := planning.Policy{ServiceLevel: e.Store.ServiceLevel, Min: o.rule.Min, Max: o.rule.Max, SafetyStock: o.rule.SafetyStock}
		if sl := loc.service; sl != nil {
			pol.ServiceLevel = *sl
		} else if all.service != nil {
			pol.ServiceLevel = *all.service
		}
		if o.rule.DaysOfCover != nil {
			pol.DaysOfCover = *o.rule.DaysOfCover
		}
		lt := planning.LeadTimeOf(nil, nil, float64(tm.lead), ruleLead)
		o.plan = planning.NewPlan(planning.NewForecast(h, planning.HorizonDays(lt, pol.DaysOfCover)), lt, pol)
		out = append(out, o)
	}
	return out
}

// planningScenario adds what the fixture lacks: stock-outs, committed
// stock, rules (one for all locations, one per location) and an open,
// overdue purchase order.
func planningScenario(t *testing.T, e *readEnv) (po string) {
	t.Helper()
	ctx := context.Background()
	err := e.DB.Backend().InTx(ctx, func(tx backend.Tx) error {
		_, err := catalog.New(e.DB).AdjustInventory(ctx, tx, e.Store.ID, e.Actor(), []storage.Change{
			{VariantID: e.Variants["TRS-44"].ID, LocationID: e.Locations[storagetest.HarbourShop].ID, Quantity: inventory.OnHand, Delta: -2},
			{VariantID: e.Variants["SHELL-M"].ID, LocationID: e.Locations[storagetest.DowntownShop].ID, Quantity: inventory.Committed, Delta: 4},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"SOCK-M","min":100},{"sku":"LAMP-300","max":50},
		{"sku":"LAMP-300","location":"WH","lead_time_days":30,"safety_stock":5}]}`, nil)
	var r poResult
	yesterday := e.Today.AddDate(0, 0, -1).Format(time.DateOnly)
	e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","expected_date":"`+yesterday+`","lines":[{"sku":"TRS-40","quantity":10}]}`, &r)
	e.ok(t, "send_purchase_order", `{"number":"`+r.PO.Number+`"}`, nil)
	return r.PO.Number
}

type riskRow struct {
	Risk         string   `json:"risk"`
	SKU          string   `json:"sku"`
	Location     string   `json:"location"`
	LocationID   int64    `json:"location_id"`
	VariantID    int64    `json:"variant_id"`
	Available    int64    `json:"available"`
	Incoming     int64    `json:"incoming"`
	Velocity     float64  `json:"units_per_day"`
	DaysOfCover  *float64 `json:"days_of_cover"`
	ReorderPoint float64  `json:"reorder_point"`
	Supplier     string   `json:"supplier"`
	NextPO       *struct {
		Number       string `json:"number"`
		ExpectedDate string `json:"expected_date"`
	} `json:"next_po"`
}

func (r riskRow) key() string { return r.SKU + "@" + r.Location }

// riskKeys lists the rows as "risk sku@location", in order.
func riskKeys(rows []riskRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Risk+" "+r.key())
	}
	return strings.Join(out, ", ")
}

// urgency restates the documented order: out of stock (fastest first),
// then fewest days of cover, then what does not sell.
func (r riskRow) urgency() float64 {
	switch {
	case r.Available <= 0 && r.Velocity > 0:
		return -r.Velocity
	case r.DaysOfCover != nil:
		return *r.DaysOfCover
	}
	return math.Inf(1)
}

func (e *readEnv) allRisks(t *testing.T, args string, limit int) []riskRow {
	t.Helper()
	var all []riskRow
	cursor := ""
	for range 100 {
		var p pageOf[riskRow]
		e.get(t, "list_stock_risks", fmt.Sprintf(`{%s"limit":%d,"cursor":%q}`, args, limit, cursor), &p)
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all
		}
		cursor = p.NextCursor
	}
	t.Fatal("paging does not end")
	return nil
}

func TestListStockRisks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		poNumber := planningScenario(t, e)
		check := func(t *testing.T) {
			levels := e.oracle(t)
			for _, tc := range []struct {
				args, kind, loc, supplier string
				days                      int
			}{
				{args: ``, days: 14},
				{args: `"days":40,`, days: 40},
				{args: `"kind":"out_of_stock",`, kind: plan.RiskOutOfStock, days: 14},
				{args: `"kind":"below_reorder_point",`, kind: plan.RiskBelowReorder, days: 14},
				{args: `"kind":"low_cover","days":30,`, kind: plan.RiskLowCover, days: 30},
				{args: `"location":"DT",`, loc: storagetest.DowntownShop, days: 14},
				{args: `"supplier":"coastal textiles","days":40,`, supplier: storagetest.CoastalTextiles, days: 40},
			} {
				t.Run(tc.args, func(t *testing.T) {
					want := map[string]string{}
					for _, o := range levels {
						if o.meets(tc.kind, tc.days) && (tc.loc == "" || o.loc == tc.loc) && (tc.supplier == "" || o.supplier == tc.supplier) {
							// Asked for a kind, every row carries it.
							want[o.key()] = o.risk(tc.days)
							if tc.kind != "" {
								want[o.key()] = tc.kind
							}
						}
					}
					if len(want) == 0 {
						t.Fatal("the scenario should have risks of this kind")
					}
					full := e.allRisks(t, tc.args, 100)
					got := map[string]string{}
					for i, r := range full {
						got[r.key()] = r.Risk
						if i > 0 && full[i-1].urgency() > r.urgency() {
							t.Errorf("not most urgent first: %+v before %+v", full[i-1], r)
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("risks\n got %v\nwant %v", got, want)
					}
					if paged := e.allRisks(t, tc.args, 3); riskKeys(paged) != riskKeys(full) {
						t.Fatalf("pages of 3 differ from one page:\n%s\n%s", riskKeys(paged), riskKeys(full))
					}
				})
			}
		}
		check(t)
		// The answers follow writes made after the first read: stock that
		// sells out, and stock that arrives.
		ctx := context.Background()
		err := e.DB.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := catalog.New(e.DB).AdjustInventory(ctx, tx, e.Store.ID, e.Actor(), []storage.Change{
				{VariantID: e.Variants["LAMP-300"].ID, LocationID: e.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand, Delta: -10},
				{VariantID: e.Variants["SHELL-L"].ID, LocationID: e.Locations[storagetest.HarbourShop].ID, Quantity: inventory.OnHand, Delta: 60},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		check(t)
		levels := e.oracle(t)

		// Figures on the rows: velocity, cover, reorder point, the merged
		// rule, the next purchase order.
		byKey := map[string]oracleLevel{}
		for _, o := range levels {
			byKey[o.key()] = o
		}
		for _, r := range e.allRisks(t, `"days":40,`, 100) {
			o := byKey[r.key()]
			if r.VariantID != e.Variants[r.SKU].ID || r.LocationID != e.Locations[r.Location].ID || r.Available != o.available ||
				r.Incoming != o.incoming || math.Abs(r.Velocity-o.plan.Rate) > 0.005 || math.Abs(r.ReorderPoint-o.plan.ReorderPoint) > 0.005 ||
				r.Supplier != o.supplier {
				t.Errorf("%s: got %+v, want %+v (reorder point %.2f)", r.key(), r, o, o.plan.ReorderPoint)
			}
			if cover, ok := planning.DaysOfCoverAt(o.available, o.plan.Rate); ok != (r.DaysOfCover != nil) || (ok && math.Abs(cover-*r.DaysOfCover) > 0.005) {
				t.Errorf("%s: days of cover %v, want %.2f", r.key(), r.DaysOfCover, cover)
			}
			if r.key() == "TRS-40@"+storagetest.Warehouse {
				if r.NextPO == nil || r.NextPO.Number != poNumber || r.NextPO.ExpectedDate != e.Today.AddDate(0, 0, -1).Format(time.DateOnly) || r.Incoming != 10 {
					t.Errorf("TRS-40 at the Warehouse should show the open %s: %+v", poNumber, r)
				}
			} else if r.NextPO != nil {
				t.Errorf("%s has no open purchase order: %+v", r.key(), r.NextPO)
			}
		}
		lamp := byKey["LAMP-300@"+storagetest.Warehouse]
		if lamp.plan.LeadTime.Mean != 30 || *lamp.rule.Max != 50 {
			t.Fatalf("scenario: LAMP-300 at WH should merge its rules: %+v", lamp.rule)
		}

		e.bad(t, "list_stock_risks", `{"kind":"overstock"}`, "overstock", "out_of_stock")
		e.bad(t, "list_stock_risks", `{"days":-3}`, "-3")
		e.bad(t, "list_stock_risks", `{"location":"Atlantis"}`, "Atlantis", "list_locations")
		e.bad(t, "list_stock_risks", `{"supplier":"Nobody Ltd"}`, "Nobody Ltd", "list_suppliers")
		e.bad(t, "list_stock_risks", `{"cursor":"eHx5fHo"}`, "cursor") // "x|y|z"
		e.bad(t, "list_stock_risks", `{"cursor":"MXwy"}`, "cursor")    // "1|2"
	})
}

type suggestionGroup struct {
	SupplierID     *int64  `json:"supplier_id"`
	Supplier       string  `json:"supplier"`
	MinOrder       float64 `json:"min_order"`
	EstimatedTotal float64 `json:"estimated_total"`
	BelowMinOrder  bool    `json:"below_min_order"`
	Lines          []struct {
		SKU           string  `json:"sku"`
		Location      string  `json:"location"`
		Quantity      int64   `json:"quantity"`
		Reason        string  `json:"reason"`
		UnitCost      float64 `json:"unit_cost"`
		EstimatedCost float64 `json:"estimated_cost"`
		Inputs        struct {
			Velocity     float64         `json:"units_per_day"`
			LeadTimeDays float64         `json:"lead_time_days"`
			Method       string          `json:"method"`
			SafetyStock  float64         `json:"safety_stock"`
			Available    int64           `json:"available"`
			Incoming     int64           `json:"incoming"`
			PackSize     int64           `json:"pack_size"`
			MinOrderQty  int64           `json:"min_order_qty"`
			Rule         *inventory.Rule `json:"rule"`
		} `json:"inputs"`
	} `json:"lines"`
}

type suggestionsOut struct {
	Suppliers  []suggestionGroup `json:"suppliers"`
	NextCursor string            `json:"next_cursor"`
}

// suggestionLines flattens every page into "supplier|sku@loc qty".
func (e *readEnv) suggestionLines(t *testing.T, args string, limit int) ([]string, []suggestionGroup) {
	t.Helper()
	var lines []string
	var groups []suggestionGroup
	cursor := ""
	for range 100 {
		var out suggestionsOut
		e.get(t, "get_reorder_suggestions", fmt.Sprintf(`{%s"limit":%d,"cursor":%q}`, args, limit, cursor), &out)
		for _, g := range out.Suppliers {
			for _, l := range g.Lines {
				lines = append(lines, fmt.Sprintf("%s|%s@%s %d", g.Supplier, l.SKU, l.Location, l.Quantity))
			}
		}
		groups = append(groups, out.Suppliers...)
		if out.NextCursor == "" {
			return lines, groups
		}
		cursor = out.NextCursor
	}
	t.Fatal("paging does not end")
	return nil, nil
}

func TestGetReorderSuggestions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		planningScenario(t, e)
		levels := e.oracle(t)
		byKey := map[string]oracleLevel{}
		for _, o := range levels {
			byKey[o.key()] = o
		}
		for _, tc := range []struct{ args, loc, supplier string }{
			{},
			{args: `"location":"Harbour Shop",`, loc: storagetest.HarbourShop},
			{args: `"supplier":"Alpine Supply Co",`, supplier: storagetest.AlpineSupply},
		} {
			t.Run(tc.args, func(t *testing.T) {
				var want []string
				for _, o := range levels {
					if o.needsReorder() && (tc.loc == "" || o.loc == tc.loc) && (tc.supplier == "" || o.supplier == tc.supplier) {
						want = append(want, fmt.Sprintf("%s|%s %d", o.supplier, o.key(), o.quantity()))
					}
				}
				full, groups := e.suggestionLines(t, tc.args, 100)
				got := append([]string(nil), full...)
				sort.Strings(got)
				sort.Strings(want)
				if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("suggestions\n got %v\nwant %v", got, want)
				}
				for _, g := range groups {
					var total float64
					for _, l := range g.Lines {
						o := byKey[l.SKU+"@"+l.Location]
						total += l.EstimatedCost
						if math.Abs(l.UnitCost-float64(o.unitCost)/100) > 0.001 || math.Abs(l.EstimatedCost-l.UnitCost*float64(l.Quantity)) > 0.001 {
							t.Errorf("%s: cost %.2f × %d = %.2f, want unit cost %.2f", l.SKU, l.UnitCost, l.Quantity, l.EstimatedCost, float64(o.unitCost)/100)
						}
						if math.Abs(l.Inputs.LeadTimeDays-o.plan.LeadTime.Mean) > 0.005 || l.Inputs.Available != o.available || l.Inputs.Incoming != o.incoming ||
							l.Reason == "" || (o.pack > 1 && (l.Inputs.PackSize != o.pack || l.Quantity%o.pack != 0)) ||
							(o.moq > 1 && l.Quantity < o.moq) || (o.rule.Min != nil) != (l.Inputs.Rule != nil && l.Inputs.Rule.Min != nil) ||
							l.Inputs.Method != string(o.plan.Forecast.Method) || math.Abs(l.Inputs.SafetyStock-o.plan.SafetyStock) > 0.005 {
							t.Errorf("%s@%s: inputs %+v, want %+v", l.SKU, l.Location, l.Inputs, o.plan)
						}
					}
					if math.Abs(total-g.EstimatedTotal) > 0.001 || g.BelowMinOrder != (g.MinOrder > 0 && g.EstimatedTotal < g.MinOrder) {
						t.Errorf("%s: total %.2f (lines %.2f), min %.2f, below %v", g.Supplier, g.EstimatedTotal, total, g.MinOrder, g.BelowMinOrder)
					}
				}
				paged, _ := e.suggestionLines(t, tc.args, 2)
				if strings.Join(paged, "\n") != strings.Join(full, "\n") {
					t.Fatalf("pages of 2 differ from one page:\n%v\n%v", paged, full)
				}
			})
		}
		e.bad(t, "get_reorder_suggestions", `{"supplier":"99999"}`, "99999")
		e.bad(t, "get_reorder_suggestions", `{"location":"'; DROP TABLE variants; --"}`, "DROP TABLE")
	})
}

type demandOut struct {
	SKU     string `json:"sku"`
	Windows []struct {
		Days   int     `json:"days"`
		Units  int64   `json:"units"`
		PerDay float64 `json:"units_per_day"`
	} `json:"windows"`
	Trend       string   `json:"trend"`
	Available   int64    `json:"available"`
	Incoming    int64    `json:"incoming"`
	DaysOfCover *float64 `json:"days_of_cover"`
	StockOut    string   `json:"projected_stock_out"`
	WeeklyUnits []int64  `json:"weekly_units"`
	LastSale    string   `json:"last_sale"`
	Location    string   `json:"location"`
	Forecast    struct {
		Method      string    `json:"method"`
		UnitsPerDay float64   `json:"units_per_day"`
		PerDay      []float64 `json:"per_day"`
	} `json:"forecast"`
	Class struct {
		ABC string `json:"abc"`
	} `json:"class"`
}

func TestGetDemand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		planningScenario(t, e)
		levels := e.oracle(t)
		for _, tc := range []struct {
			args, sku, loc string
			days           int
		}{
			{`{"sku":"TRS-40"}`, "TRS-40", "", 28},
			{`{"sku":"TRS-40","location":"WH","days":60}`, "TRS-40", storagetest.Warehouse, 60},
			{fmt.Sprintf(`{"variant_id":%d,"location":"Harbour Shop"}`, e.Variants["TRS-44"].ID), "TRS-44", storagetest.HarbourShop, 28},
			{`{"sku":"SOCK-M","days":7}`, "SOCK-M", "", 7},
			// Names not given exactly are resolved, and answer the same.
			{`{"sku":"trs-44","location":"harbour"}`, "TRS-44", storagetest.HarbourShop, 28},
			{`{"sku":"TRS-40","location":"ware"}`, "TRS-40", storagetest.Warehouse, 28},
		} {
			t.Run(tc.args, func(t *testing.T) {
				var u7, u28, u90, avail, incoming int64
				var last time.Time
				for _, o := range levels {
					if o.sku == tc.sku && (tc.loc == "" || o.loc == tc.loc) {
						u7, u28, u90 = u7+o.units7, u28+o.units28, u90+o.units90
						avail, incoming = avail+o.available, incoming+o.incoming
						if o.lastSale.After(last) {
							last = o.lastSale
						}
					}
				}
				var d demandOut
				e.get(t, "get_demand", tc.args, &d)
				if d.SKU != tc.sku || d.Location != tc.loc || d.Available != avail || d.Incoming != incoming || len(d.Windows) < 3 ||
					d.Windows[0].Units != u7 || d.Windows[1].Units != u28 || d.Windows[2].Units != u90 {
					t.Fatalf("got %+v, want units %d/%d/%d, available %d, incoming %d", d, u7, u28, u90, avail, incoming)
				}
				v7, v28 := float64(u7)/7, float64(u28)/28
				trend := "steady"
				switch {
				case u90 == 0:
					trend = "no sales"
				case v7 > v28*1.25:
					trend = "rising"
				case v7 < v28*0.75:
					trend = "falling"
				}
				if d.Trend != trend {
					t.Errorf("trend %q, want %q (%.2f vs %.2f)", d.Trend, trend, v7, v28)
				}
				// At one location the forecast is the level's, as every
				// planning read has it; over all, the summed history's.
				rate := d.Forecast.UnitsPerDay
				for _, o := range levels {
					if tc.loc != "" && o.sku == tc.sku && o.loc == tc.loc {
						rate = o.plan.Rate
						if d.Forecast.Method != string(o.plan.Forecast.Method) || math.Abs(d.Forecast.UnitsPerDay-rate) > 0.005 {
							t.Errorf("forecast %+v, want %s at %.2f/day", d.Forecast, o.plan.Forecast.Method, rate)
						}
					}
				}
				if d.Forecast.Method == "" || d.Class.ABC == "" || (u90 > 0 && len(d.Forecast.PerDay) == 0) {
					t.Errorf("forecast %+v, class %+v: want a method, a class and the days ahead", d.Forecast, d.Class)
				}
				cover, ok := planning.DaysOfCoverAt(avail, rate)
				if ok != (d.DaysOfCover != nil) || (ok && math.Abs(cover-*d.DaysOfCover) > 0.01) {
					t.Errorf("days of cover %v, want %.2f", d.DaysOfCover, cover)
				}
				var weekly int64
				for _, w := range d.WeeklyUnits {
					weekly += w
				}
				if len(d.WeeklyUnits) != (tc.days+6)/7 || (tc.days == 28 && weekly != u28) || (tc.days == 7 && weekly != u7) {
					t.Errorf("weekly units %v over %d days, want %d weeks summing to the window's units", d.WeeklyUnits, tc.days, (tc.days+6)/7)
				}
				if tc.days == 60 && (len(d.Windows) != 4 || d.Windows[3].Days != 60) {
					t.Errorf("days 60 adds a fourth window: %+v", d.Windows)
				}
				if (last.IsZero() && d.LastSale != "") || (!last.IsZero() && d.LastSale != last.Format(time.DateOnly)) {
					t.Errorf("last sale %q, want %v", d.LastSale, last)
				}
			})
		}
		e.bad(t, "get_demand", `{}`, "sku")
		e.bad(t, "get_demand", `{"sku":"GHOST-1"}`, "GHOST-1")
		e.bad(t, "get_demand", `{"sku":"TRS-40","days":1000}`, "1000", "365")
		e.bad(t, "get_demand", `{"sku":"TRS-40","days":-1}`, "-1")
	})
}
