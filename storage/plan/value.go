package plan

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// ValueGroup is the stock on hand of one location, vendor or supplier, at
// cost and at retail.
type ValueGroup struct {
	ID     *int64          `json:"id,omitempty"`
	Name   string          `json:"name"`
	Units  int64           `json:"units"`
	Cost   inventory.Money `json:"cost_value"`
	Retail inventory.Money `json:"retail_value"`
}

// InventoryValue is the store's stock on hand, valued, grouped as asked.
type InventoryValue struct {
	GroupBy string       `json:"group_by"`
	Basis   string       `json:"sorted_by"`
	Total   ValueGroup   `json:"total"`
	Groups  []ValueGroup `json:"groups"`
	// MoreGroups counts the groups beyond the limit (the total includes them).
	MoreGroups int `json:"more_groups,omitempty"`
}

// Value groupings and bases.
var (
	ValueGroupings = []string{"location", "vendor", "supplier"}
	ValueBases     = []string{"cost", "retail"}
)

// InventoryValue sums on_hand × cost and on_hand × price in one grouped
// query. Groups are sorted by the basis, largest first, and cut at limit.
func (db *DB) InventoryValue(ctx context.Context, storeID int64, groupBy, basis string, limit int) (InventoryValue, error) {
	if groupBy == "" {
		groupBy = "location"
	}
	if basis == "" {
		basis = "cost"
	}
	// A group is keyed by an id (location, supplier: its name is looked up
	// after) or by a name (vendor).
	var key, sel, names string
	switch groupBy {
	case "location":
		key, sel, names = "t.location_id", "t.location_id, ''", `SELECT id, name FROM locations`
	case "vendor":
		key, sel = "t.vendor", "0, t.vendor"
	case "supplier":
		key, sel, names = "t.supplier_id", "t.supplier_id, ''", `SELECT id, name FROM suppliers`
	default:
		return InventoryValue{}, inventory.Errorf(inventory.Invalid, "group_by %q is not a grouping: use location, vendor or supplier", groupBy)
	}
	if basis != "cost" && basis != "retail" {
		return InventoryValue{}, inventory.Errorf(inventory.Invalid, "basis %q is not a valuation basis: use cost or retail", basis)
	}
	if _, err := db.ensurePlan(ctx, storeID); err != nil {
		return InventoryValue{}, err
	}
	// One pass over the store's level_plan_totals (the level_plan rows with
	// stock on hand, summed by every grouping: migration 00010), not over
	// its levels; the few group names are looked up after.
	rows, err := storage.Collect(ctx, db.b, "valuing inventory", func(r backend.Rows) (ValueGroup, error) {
		var g ValueGroup
		var id, cost, retail int64
		err := r.Scan(&id, &g.Name, &g.Units, &cost, &retail)
		g.Cost, g.Retail = inventory.Money(cost), inventory.Money(retail)
		if id != 0 {
			g.ID = &id
		}
		return g, err
	}, `SELECT `+sel+`, CAST(SUM(t.units) AS BIGINT), `+storage.SQLSum(db.Dialect(), "t.cost_cents")+`, `+storage.SQLSum(db.Dialect(), "t.retail_cents")+`
		FROM level_plan_totals t WHERE t.store_id = $1 GROUP BY `+key, storeID)
	if err != nil {
		return InventoryValue{}, err
	}
	groups := rows
	var ids []int64
	for _, g := range groups {
		if g.ID != nil {
			ids = append(ids, *g.ID)
		}
	}
	if len(ids) > 0 {
		byID, err := storage.IDNames(ctx, db.b, names, storeID, ids)
		if err != nil {
			return InventoryValue{}, err
		}
		for i := range groups {
			if groups[i].ID != nil {
				groups[i].Name = byID[*groups[i].ID]
			}
		}
	}
	out := InventoryValue{GroupBy: groupBy, Basis: basis, Total: ValueGroup{Name: "all"}}
	for i := range groups {
		g := &groups[i]
		if g.Name == "" {
			g.Name = "(none)"
		}
		out.Total.Units += g.Units
		var err1, err2 error
		out.Total.Cost, err1 = out.Total.Cost.Add(g.Cost)
		out.Total.Retail, err2 = out.Total.Retail.Add(g.Retail)
		if err1 != nil || err2 != nil || storage.Clamped(g.Cost) || storage.Clamped(g.Retail) {
			return InventoryValue{}, inventory.OverflowError("the store's inventory value")
		}
	}
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if basis == "retail" {
			return a.Retail > b.Retail
		}
		return a.Cost > b.Cost
	})
	limit, _ = storage.ClampLimit(limit)
	if len(groups) > limit {
		out.MoreGroups = len(groups) - limit
		groups = groups[:limit]
	}
	out.Groups = groups
	return out, nil
}

// DefaultDeadDays is list_dead_stock's default window.
const DefaultDeadDays = 90

// DeadStockFilter narrows DeadStock.
type DeadStockFilter struct {
	Days       int
	LocationID int64
	storage.Page
}

// DeadItem is a variant holding stock at a location where it has not sold
// for the window.
type DeadItem struct {
	VariantID  int64           `json:"variant_id"`
	SKU        string          `json:"sku"`
	Product    string          `json:"product"`
	LocationID int64           `json:"location_id"`
	Location   string          `json:"location"`
	OnHand     int64           `json:"on_hand"`
	Value      inventory.Money `json:"cost_value"`
	LastSale   string          `json:"last_sale,omitempty"`
}

// DeadStock is one page of dead stock, most value tied up first, with the
// count and value of all of it.
type DeadStock struct {
	Days       int             `json:"days"`
	Items      []DeadItem      `json:"items"`
	TotalItems int64           `json:"total_items"`
	TotalValue inventory.Money `json:"total_cost_value"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// DeadStock lists levels with stock on hand and no sale in the last Days
// days (by the sales summary's last sale day).
func (db *DB) DeadStock(ctx context.Context, storeID int64, f DeadStockFilter) (DeadStock, error) {
	days := f.Days
	if days <= 0 {
		days = DefaultDeadDays
	}
	if days > 3650 {
		return DeadStock{}, inventory.Errorf(inventory.Invalid, "days %d is more than ten years: ask for 3650 or fewer", days)
	}
	today, err := db.ensurePlan(ctx, storeID)
	if err != nil {
		return DeadStock{}, err
	}
	limit, _ := storage.ClampLimit(f.Limit)
	args := []any{storeID, today.AddDate(0, 0, -days)}
	where := []string{"lp.store_id = $1", "lp.on_hand > 0", "(lp.last_sale_day IS NULL OR lp.last_sale_day < $2)"}
	args, where = planFilters(args, where, f.LocationID, 0)
	outer := ""
	var cursorArgs []any
	keys, err := storage.DecodeCursor(f.Cursor, 3)
	if err != nil {
		return DeadStock{}, err
	}
	if keys != nil {
		var k [3]int64
		for i := range k {
			if k[i], err = strconv.ParseInt(keys[i], 10, 64); err != nil {
				return DeadStock{}, storage.BadCursor(f.Cursor)
			}
		}
		cursorArgs = []any{k[0], k[1], k[2]}
		n := len(args) + 3 // the cursor's keys follow the filters' arguments
		outer = fmt.Sprintf(`(lp.value_cents < $%d OR (lp.value_cents = $%d AND (lp.variant_id > $%d OR (lp.variant_id = $%d AND lp.location_id > $%d))))`,
			n-2, n-2, n-1, n-1, n)
	}
	// The totals count every dead level from level_plan_totals (the rows
	// with stock on hand summed by last sale day and location, a never-sold
	// level's day before any other: migration 00010), not from the levels;
	// the page is read in the order of the (store, value) index.
	out := DeadStock{Days: days, Items: []DeadItem{}}
	var total int64
	totalArgs := []any{storeID, args[1]}
	totalWhere := "t.store_id = $1 AND t.last_sale_day < $2"
	if f.LocationID != 0 {
		totalArgs = append(totalArgs, f.LocationID)
		totalWhere += " AND t.location_id = $3"
	}
	if err := db.b.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(t.levels), 0) AS BIGINT), COALESCE(`+storage.SQLSum(db.Dialect(), "t.cost_cents")+`, 0)
		FROM level_plan_totals t WHERE `+totalWhere, totalArgs...).Scan(&out.TotalItems, &total); err != nil {
		return DeadStock{}, fmt.Errorf("totalling dead stock: %w", err)
	}
	out.TotalValue = inventory.Money(total)
	if f.Total != nil {
		*f.Total = out.TotalItems
	}
	if storage.Clamped(out.TotalValue) {
		return out, inventory.OverflowError("the value of the dead stock")
	}
	if outer != "" {
		where = append(where, outer)
		args = append(args, cursorArgs...)
	}
	args = append(args, limit+1)
	type row struct {
		DeadItem
		value int64
	}
	rows, err := storage.Collect(ctx, db.b, "listing dead stock", func(r backend.Rows) (row, error) {
		var x row
		var last *time.Time
		err := r.Scan(&x.VariantID, &x.SKU, &x.Product, &x.LocationID, &x.Location, &x.OnHand, &x.value, &last)
		x.Value, x.LastSale = inventory.Money(x.value), storage.DateString(last)
		return x, err
	}, `SELECT d.variant_id, v.sku, p.title, d.location_id, loc.name, d.on_hand, d.value_cents, d.last_sale_day FROM (
			SELECT lp.store_id, lp.variant_id, lp.location_id, lp.on_hand, lp.value_cents, lp.last_sale_day FROM level_plan lp
			WHERE `+strings.Join(where, " AND ")+`
			ORDER BY lp.value_cents DESC, lp.variant_id, lp.location_id LIMIT $`+strconv.Itoa(len(args))+`) d
		JOIN variants v ON v.store_id = d.store_id AND v.id = d.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		JOIN locations loc ON loc.store_id = d.store_id AND loc.id = d.location_id
		ORDER BY d.value_cents DESC, d.variant_id, d.location_id`, args...)
	if err != nil {
		return DeadStock{}, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextCursor = storage.EncodeCursor(strconv.FormatInt(last.value, 10), strconv.FormatInt(last.VariantID, 10), strconv.FormatInt(last.LocationID, 10))
	}
	for _, r := range rows {
		out.Items = append(out.Items, r.DeadItem)
	}
	return out, nil
}
