package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// Sales windows. Velocity and the other windows count the full days before
// today (today's sales are still coming in and would understate a rate).
const (
	shortWindowDays = 7
	longWindowDays  = 90
)

// The planning tools read level_plan (see migration 00002): one row per
// inventory level with everything the reorder maths needs and its results,
// indexed for each list's order, so that a store of 100,000 variants
// answers in milliseconds. ensurePlan keeps it current.

// planMargin is how far back, before the last refresh, ensurePlan looks for
// changed levels: a write stamps updated_at with its own clock reading and
// may commit up to that long after it (writes are single short
// transactions; bulk loads also touch sales, which forces a rebuild).
const planMargin = 30 * time.Second

// maxIncremental is how many changed variants ensurePlan refreshes row by
// row; beyond that a full rebuild is as quick.
const maxIncremental = 2000

// ensurePlan brings level_plan up to date for the store and returns today.
// The whole table (and sales_summary) is rebuilt on the first read of a
// day and after a change to sales, supplier terms or the catalogue
// (triggers mark it stale); otherwise only variants whose levels or
// reorder rules changed since the last refresh are recomputed (a trigger
// lists the latter in level_plan_dirty), and when none did this
// costs two index lookups (and, once per planMargin, a one-row update).
func (db *DB) ensurePlan(ctx context.Context, storeID int64) (time.Time, error) {
	today := UTCDate(db.Now())
	asOf, levelsAt, found, err := db.planState(ctx, db.b, storeID, "")
	if err != nil {
		return today, err
	}
	if found && asOf.Equal(today) {
		scanned := db.Now()
		changed, err := db.changedVariants(ctx, db.b, storeID, levelsAt)
		if err != nil {
			return today, err
		}
		if len(changed) == 0 {
			// Nothing to copy: move the window on (at most every
			// planMargin), so the next look reads only newer changes.
			// Only an optimisation: a read must not fail because this
			// update did (a connection just lost to a restart is not
			// retried for a statement that may have been sent).
			if scanned.Sub(levelsAt) > planMargin {
				_, _ = db.b.Exec(ctx, `UPDATE sales_summary_state SET levels_at = $2 WHERE store_id = $1 AND levels_at < $2`,
					storeID, scanned)
			}
			return today, nil
		}
	}
	err = db.b.InTx(ctx, func(tx backend.Tx) error {
		now := db.Now()
		// The state row is the lock: concurrent refreshers queue on it and
		// the later ones find little or nothing left to do.
		epoch := time.Unix(0, 0).UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO sales_summary_state (store_id, as_of, levels_at, built_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (store_id) DO NOTHING`, storeID, epoch, epoch, now); err != nil {
			return err
		}
		asOf, levelsAt, _, err := db.planState(ctx, tx, storeID, db.b.Dialect().ForUpdate)
		if err != nil {
			return err
		}
		if asOf.Equal(today) {
			changed, err := db.changedVariants(ctx, tx, storeID, levelsAt)
			if err != nil || len(changed) == 0 {
				return err
			}
			if len(changed) <= maxIncremental {
				return db.refreshPlan(ctx, tx, storeID, changed, now)
			}
		}
		return db.rebuildPlan(ctx, tx, storeID, today, now)
	})
	if err != nil {
		return today, fmt.Errorf("bringing the planning table up to date: %w", err)
	}
	return today, nil
}

func (db *DB) planState(ctx context.Context, q backend.Querier, storeID int64, lock string) (asOf, levelsAt time.Time, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT as_of, levels_at FROM sales_summary_state WHERE store_id = $1`+lock, storeID).Scan(&asOf, &levelsAt)
	if errors.Is(err, backend.ErrNoRows) {
		return time.Time{}, time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("reading the planning table's state: %w", err)
	}
	return UTCDate(asOf), levelsAt, true, nil
}

// changedVariants lists variants with a level changed since levelsAt (less
// planMargin) whose stock differs from level_plan's copy, or that has none,
// and variants whose reorder rules changed (level_plan_dirty).
func (db *DB) changedVariants(ctx context.Context, q backend.Querier, storeID int64, levelsAt time.Time) ([]int64, error) {
	return collect(ctx, q, "finding changed inventory levels", func(r backend.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, `SELECT variant_id FROM (
			SELECT l.variant_id FROM inventory_levels l
			LEFT JOIN level_plan lp ON lp.store_id = l.store_id AND lp.variant_id = l.variant_id AND lp.location_id = l.location_id
			WHERE l.store_id = $1 AND l.updated_at > $2
			AND (lp.variant_id IS NULL OR lp.on_hand <> l.on_hand OR lp.available <> l.available OR lp.incoming <> l.incoming)
			UNION
			SELECT variant_id FROM level_plan_dirty WHERE store_id = $1
		) changed LIMIT `+strconv.Itoa(maxIncremental+1), storeID, levelsAt.Add(-planMargin))
}

// rebuildPlan rebuilds the store's sales_summary and level_plan.
func (db *DB) rebuildPlan(ctx context.Context, tx backend.Tx, storeID int64, today, now time.Time) error {
	// Dirty marks are cleared first: a rule change committed after this
	// statement marks its variant again, one committed before it is read below.
	for _, table := range []string{"level_plan_dirty", "sales_summary", "level_plan"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE store_id = $1`, storeID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sales_summary (store_id, variant_id, location_id, units_7, units_28, units_90, last_sale_day)
		SELECT store_id, variant_id, location_id,
			CAST(SUM(CASE WHEN day >= $2 AND day < $5 THEN units ELSE 0 END) AS BIGINT),
			CAST(SUM(CASE WHEN day >= $3 AND day < $5 THEN units ELSE 0 END) AS BIGINT),
			CAST(SUM(CASE WHEN day >= $4 AND day < $5 THEN units ELSE 0 END) AS BIGINT),
			MAX(CASE WHEN units > 0 THEN day END)
		FROM daily_sales WHERE store_id = $1
		GROUP BY store_id, variant_id, location_id`, storeID,
		today.AddDate(0, 0, -shortWindowDays), today.AddDate(0, 0, -inventory.VelocityDays),
		today.AddDate(0, 0, -longWindowDays), today); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, db.planInsert()+planFrom("", ""), storeID); err != nil {
		return err
	}
	if db.b.Dialect().Name == "postgres" {
		// Fresh statistics, so the planner sees a large store's tables as
		// large at once rather than after autovacuum's next visit.
		for _, table := range []string{"sales_summary", "level_plan"} {
			if _, err := tx.Exec(ctx, `ANALYZE `+table); err != nil {
				return err
			}
		}
	}
	_, err := tx.Exec(ctx, `UPDATE sales_summary_state SET as_of = $2, levels_at = $3, built_at = $3 WHERE store_id = $1`, storeID, today, now)
	return err
}

// refreshPlan recomputes the level_plan rows of some variants.
func (db *DB) refreshPlan(ctx context.Context, tx backend.Tx, storeID int64, variantIDs []int64, now time.Time) error {
	args := []any{storeID}
	in := placeholders(&args, variantIDs)
	// As in rebuildPlan, the dirty marks go before the rows are recomputed.
	for _, table := range []string{"level_plan_dirty", "level_plan"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE store_id = $1 AND variant_id IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, db.planInsert()+planFrom(" AND variant_id IN ("+in+")", " AND l.variant_id IN ("+in+")"), args...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE sales_summary_state SET levels_at = $2 WHERE store_id = $1`, storeID, now)
	return err
}

// planInsertSQL computes level_plan rows: the rule for the location wins,
// field by field, over the variant's all-locations rule (location_id 0);
// the supplier is the variant's primary supplier, else the one with the
// lowest id; urgency orders the most urgent first: out of stock (fastest
// sellers first, as negative velocity), then by days of cover, then what
// does not sell.
const planInsertSQL = `INSERT INTO level_plan (store_id, variant_id, location_id, on_hand, available, incoming,
		units_7, units_28, units_90, last_sale_day, min_qty, max_qty, safety_stock, lead_time_days, days_of_cover,
		supplier_id, supplier_lead, pack_size, min_order_qty, unit_cost_cents, cost_cents, price_cents, vendor, value_cents,
		urgency, out_of_stock, needs_reorder)
	SELECT l.store_id, l.variant_id, l.location_id, l.on_hand, l.available, l.incoming,
		COALESCE(ss.units_7, 0), COALESCE(ss.units_28, 0), COALESCE(ss.units_90, 0), ss.last_sale_day,
		COALESCE(rl.min_qty, ra.min_qty), COALESCE(rl.max_qty, ra.max_qty), COALESCE(rl.safety_stock, ra.safety_stock),
		COALESCE(rl.lead_time_days, ra.lead_time_days), COALESCE(rl.days_of_cover, ra.days_of_cover),
		COALESCE(sv.supplier_id, 0), COALESCE(sv.lead_time_days, s.lead_time_days), sv.pack_size, sv.min_order_qty, sv.unit_cost_cents,
		v.cost_cents, v.price_cents, p.vendor, {{value}},
		CAST(CASE WHEN ` + sqlOutOfStock + ` THEN -CAST(` + sqlUnits28 + ` AS DOUBLE PRECISION) / 28
			WHEN ` + sqlUnits28 + ` > 0 THEN CAST(l.available AS DOUBLE PRECISION) * 28 / ` + sqlUnits28 + `
			ELSE 1000000000 END AS DOUBLE PRECISION),
		` + sqlOutOfStock + `, ` + sqlBelowReorder

// planInsert is planInsertSQL with the level's stock value, on_hand ×
// cost, computed so that it cannot overflow (sqlProduct).
func (db *DB) planInsert() string {
	return strings.Replace(planInsertSQL, "{{value}}", sqlProduct(db.Dialect(), "l.on_hand", "v.cost_cents"), 1)
}

// planFrom joins what planInsert reads, per inventory level; $1 is the
// store, svFilter narrows the supplier terms and levelFilter the levels.
func planFrom(svFilter, levelFilter string) string {
	return ` FROM inventory_levels l
	JOIN variants v ON v.store_id = l.store_id AND v.id = l.variant_id
	JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
	LEFT JOIN sales_summary ss ON ss.store_id = l.store_id AND ss.variant_id = l.variant_id AND ss.location_id = l.location_id
	LEFT JOIN reorder_rules rl ON rl.store_id = l.store_id AND rl.variant_id = l.variant_id AND rl.location_id = l.location_id
	LEFT JOIN reorder_rules ra ON ra.store_id = l.store_id AND ra.variant_id = l.variant_id AND ra.location_id = 0
	LEFT JOIN (SELECT variant_id, COALESCE(MIN(CASE WHEN is_primary THEN supplier_id END), MIN(supplier_id)) AS supplier_id
		FROM supplier_variants WHERE store_id = $1` + svFilter + ` GROUP BY variant_id) ps ON ps.variant_id = l.variant_id
	LEFT JOIN supplier_variants sv ON sv.store_id = l.store_id AND sv.variant_id = l.variant_id AND sv.supplier_id = ps.supplier_id
	LEFT JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
	WHERE l.store_id = $1` + levelFilter
}

// The reorder conditions in SQL, evaluated when level_plan rows are built.
// They restate inventory.ReorderInputs.NeedsReorder for the database (the
// planning tests compare every row with the Go maths): the reorder point is
// the rule's min, else velocity × lead time + safety stock.
const (
	sqlUnits28      = `COALESCE(ss.units_28, 0)`
	sqlLeadTime     = `COALESCE(rl.lead_time_days, ra.lead_time_days, sv.lead_time_days, s.lead_time_days, 0)`
	sqlMin          = `COALESCE(rl.min_qty, ra.min_qty)`
	sqlOutOfStock   = `(l.available <= 0 AND ` + sqlUnits28 + ` > 0)`
	sqlBelowReorder = `((` + sqlMin + ` IS NOT NULL OR ` + sqlUnits28 + ` > 0) AND l.available + l.incoming <= COALESCE(` + sqlMin +
		`, CAST(` + sqlUnits28 + ` AS DOUBLE PRECISION) * ` + sqlLeadTime + ` / 28 + COALESCE(rl.safety_stock, ra.safety_stock, 0)))`
)

// planRow is a level_plan row with the names the tools show.
type planRow struct {
	VariantID          int64
	SKU, Product       string
	LocationID         int64
	Location           string
	OnHand, Available  int64
	Incoming           int64
	Units7, Units28    int64
	Units90            int64
	LastSale           *time.Time
	Rule               inventory.Rule
	SupplierID         *int64
	Supplier           *string
	SupplierLead       *int64
	PackSize, MinOrder *int64
	UnitCost           *int64
	Cost, Price        int64
}

// planSelect reads planRows from a page of level_plan rows aliased lp, in
// scanPlan's order; the names are joined for the page only.
const planSelect = `SELECT lp.variant_id, v.sku, p.title, lp.location_id, loc.name, lp.on_hand, lp.available, lp.incoming,
	lp.units_7, lp.units_28, lp.units_90, lp.last_sale_day,
	lp.min_qty, lp.max_qty, lp.safety_stock, lp.lead_time_days, lp.days_of_cover,
	s.id, s.name, lp.supplier_lead, lp.pack_size, lp.min_order_qty, lp.unit_cost_cents, lp.cost_cents, lp.price_cents`

// planJoins follows FROM (page) lp.
const planJoins = `
	JOIN variants v ON v.store_id = lp.store_id AND v.id = lp.variant_id
	JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
	JOIN locations loc ON loc.store_id = lp.store_id AND loc.id = lp.location_id
	LEFT JOIN suppliers s ON s.store_id = lp.store_id AND s.id = lp.supplier_id`

func scanPlan(r backend.Rows, extra ...any) (planRow, error) {
	var p planRow
	var lead, cover *int64
	dest := []any{&p.VariantID, &p.SKU, &p.Product, &p.LocationID, &p.Location, &p.OnHand, &p.Available, &p.Incoming,
		&p.Units7, &p.Units28, &p.Units90, &p.LastSale,
		&p.Rule.Min, &p.Rule.Max, &p.Rule.SafetyStock, &lead, &cover,
		&p.SupplierID, &p.Supplier, &p.SupplierLead, &p.PackSize, &p.MinOrder, &p.UnitCost, &p.Cost, &p.Price}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return p, err
	}
	p.Rule.LeadTimeDays = intPtr(lead)
	p.Rule.DaysOfCover = intPtr(cover)
	return p, nil
}

func intPtr(v *int64) *int {
	if v == nil {
		return nil
	}
	i := int(*v)
	return &i
}

// inputs are the reorder maths' inputs for the row.
func (p planRow) inputs() inventory.ReorderInputs {
	in := inventory.ReorderInputs{
		Velocity:  float64(p.Units28) / inventory.VelocityDays,
		Available: p.Available, Incoming: p.Incoming,
		PackSize: 1, MinOrderQty: 1,
		Rule: p.Rule,
	}
	if p.SupplierLead != nil {
		in.SupplierLeadTimeDays = int(*p.SupplierLead)
	}
	if p.PackSize != nil {
		in.PackSize = *p.PackSize
	}
	if p.MinOrder != nil {
		in.MinOrderQty = *p.MinOrder
	}
	return in
}

// Risk kinds.
const (
	RiskOutOfStock   = "out_of_stock"
	RiskBelowReorder = "below_reorder_point"
	RiskLowCover     = "low_cover"
)

// DefaultCoverDays is the low_cover threshold when none is given.
const DefaultCoverDays = 14

// RiskFilter narrows StockRisks.
type RiskFilter struct {
	Kind       string // "" for every kind
	Days       int    // low_cover threshold; 0 means DefaultCoverDays
	LocationID int64
	SupplierID int64
	Page
}

// NextPO is the soonest open purchase order bringing a variant to a location.
type NextPO struct {
	Number       string `json:"number"`
	ExpectedDate string `json:"expected_date,omitempty"`
}

// StockRisk is one variant at one location that needs attention.
type StockRisk struct {
	Risk         string   `json:"risk"`
	VariantID    int64    `json:"variant_id"`
	SKU          string   `json:"sku"`
	Product      string   `json:"product"`
	LocationID   int64    `json:"location_id"`
	Location     string   `json:"location"`
	Available    int64    `json:"available"`
	Incoming     int64    `json:"incoming,omitempty"`
	Velocity     float64  `json:"units_per_day"`
	DaysOfCover  *float64 `json:"days_of_cover,omitempty"`
	ReorderPoint float64  `json:"reorder_point"`
	SupplierID   *int64   `json:"supplier_id,omitempty"`
	Supplier     *string  `json:"supplier,omitempty"`
	NextPO       *NextPO  `json:"next_po,omitempty"`
}

// planFilters narrows a level_plan query (aliased lp) to a location and a
// supplier, when given.
func planFilters(args []any, where []string, locationID, supplierID int64) ([]any, []string) {
	if locationID != 0 {
		args = append(args, locationID)
		where = append(where, "lp.location_id = $"+strconv.Itoa(len(args)))
	}
	if supplierID != 0 {
		args = append(args, supplierID)
		where = append(where, "lp.supplier_id = $"+strconv.Itoa(len(args)))
	}
	return args, where
}

// badCursor is the refusal for a cursor whose keys do not parse.
func badCursor(cursor string) error {
	return inventory.Errorf(inventory.Invalid, "cursor %q is not one this server issued: pass next_cursor from the previous page unchanged, or omit it to start over", cursor)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// StockRisks lists inventory levels that are out of stock, at or below
// their reorder point, or with fewer than Days days of cover, most urgent
// first. Kind narrows to levels meeting that condition; each row's risk is
// the most urgent one it meets.
func (db *DB) StockRisks(ctx context.Context, storeID int64, f RiskFilter) ([]StockRisk, string, error) {
	if _, err := db.ensurePlan(ctx, storeID); err != nil {
		return nil, "", err
	}
	days := f.Days
	if days <= 0 {
		days = DefaultCoverDays
	}
	// low_cover: available / (units_28 / 28) < days, without division.
	const lowCover = `(lp.units_28 > 0 AND lp.available * 28 < lp.units_28 * $2)`
	var cond string
	switch f.Kind {
	case "":
		cond = "(lp.out_of_stock OR lp.needs_reorder OR " + lowCover + ")"
	case RiskOutOfStock:
		cond = "lp.out_of_stock"
	case RiskBelowReorder:
		cond = "lp.needs_reorder"
	case RiskLowCover:
		cond = lowCover
	default:
		return nil, "", inventory.Errorf(inventory.Invalid, "kind %q is not a stock risk: use out_of_stock, below_reorder_point or low_cover, or omit it for all", f.Kind)
	}
	limit, _ := ClampLimit(f.Limit)
	args := []any{storeID, days}
	where := []string{"lp.store_id = $1", cond, "$2 > 0"}
	args, where = planFilters(args, where, f.LocationID, f.SupplierID)
	keys, err := DecodeCursor(f.Cursor, 3)
	if err != nil {
		return nil, "", err
	}
	if keys != nil {
		u, e1 := strconv.ParseFloat(keys[0], 64)
		vid, e2 := strconv.ParseInt(keys[1], 10, 64)
		lid, e3 := strconv.ParseInt(keys[2], 10, 64)
		if e1 != nil || e2 != nil || e3 != nil {
			return nil, "", badCursor(f.Cursor)
		}
		args = append(args, u, vid, lid)
		n := len(args)
		where = append(where, fmt.Sprintf(`(lp.urgency > $%d OR (lp.urgency = $%d AND (lp.variant_id > $%d OR (lp.variant_id = $%d AND lp.location_id > $%d))))`,
			n-2, n-2, n-1, n-1, n))
	}
	args = append(args, limit+1)
	openLine := `FROM purchase_order_lines pl JOIN purchase_orders po ON po.store_id = pl.store_id AND po.id = pl.purchase_order_id
		WHERE pl.store_id = lp.store_id AND pl.variant_id = lp.variant_id AND po.location_id = lp.location_id
		AND po.status IN ('sent', 'partially_received') AND pl.quantity_ordered > pl.quantity_received + pl.quantity_rejected`
	rows, err := db.b.Query(ctx, planSelect+`, lp.urgency, lp.out_of_stock, lp.needs_reorder,
			(SELECT po.number `+openLine+` ORDER BY po.expected_date IS NULL, po.expected_date, po.id LIMIT 1),
			(SELECT MIN(po.expected_date) `+openLine+`)
		FROM (SELECT * FROM level_plan lp WHERE `+strings.Join(where, " AND ")+`
			ORDER BY lp.urgency, lp.variant_id, lp.location_id LIMIT $`+strconv.Itoa(len(args))+`) lp`+planJoins+`
		ORDER BY lp.urgency, lp.variant_id, lp.location_id`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("listing stock risks: %w", err)
	}
	defer rows.Close()
	out := []StockRisk{}
	var urgencies []float64
	for rows.Next() {
		var urgency float64
		var oos, brp bool
		var poNumber *string
		var poDate *time.Time
		p, err := scanPlan(rows, &urgency, &oos, &brp, &poNumber, &poDate)
		if err != nil {
			return nil, "", fmt.Errorf("listing stock risks: %w", err)
		}
		urgencies = append(urgencies, urgency)
		in := p.inputs()
		r := StockRisk{Risk: RiskLowCover, VariantID: p.VariantID, SKU: p.SKU, Product: p.Product, LocationID: p.LocationID,
			Location: p.Location, Available: p.Available, Incoming: p.Incoming, Velocity: round2(in.Velocity),
			ReorderPoint: round2(in.ReorderPoint()), SupplierID: p.SupplierID, Supplier: p.Supplier}
		switch {
		case oos:
			r.Risk = RiskOutOfStock
		case brp:
			r.Risk = RiskBelowReorder
		}
		if d, ok := inventory.DaysOfCover(p.Available, in.Velocity); ok {
			d = round2(d)
			r.DaysOfCover = &d
		}
		if poNumber != nil {
			r.NextPO = &NextPO{Number: *poNumber, ExpectedDate: dateString(poDate)}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("listing stock risks: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = EncodeCursor(strconv.FormatFloat(urgencies[limit-1], 'g', -1, 64), strconv.FormatInt(last.VariantID, 10), strconv.FormatInt(last.LocationID, 10))
	}
	return out, next, nil
}

// SuggestionFilter narrows ReorderSuggestions.
type SuggestionFilter struct {
	LocationID int64
	SupplierID int64
	Page
}

// SuggestionInputs are the figures a suggestion was computed from, so the
// merchant can check it.
type SuggestionInputs struct {
	Velocity     float64         `json:"units_per_day"`
	LeadTimeDays int             `json:"lead_time_days"`
	Available    int64           `json:"available"`
	Incoming     int64           `json:"incoming"`
	ReorderPoint float64         `json:"reorder_point"`
	Target       float64         `json:"target"`
	PackSize     int64           `json:"pack_size,omitempty"`
	MinOrderQty  int64           `json:"min_order_qty,omitempty"`
	Rule         *inventory.Rule `json:"rule,omitempty"`
}

// SuggestionLine is one variant to order for one location.
type SuggestionLine struct {
	VariantID     int64            `json:"variant_id"`
	SKU           string           `json:"sku"`
	Product       string           `json:"product"`
	LocationID    int64            `json:"location_id"`
	Location      string           `json:"location"`
	Quantity      int64            `json:"quantity"`
	Reason        string           `json:"reason"`
	UnitCost      inventory.Money  `json:"unit_cost"`
	EstimatedCost inventory.Money  `json:"estimated_cost"`
	Inputs        SuggestionInputs `json:"inputs"`
}

// SupplierSuggestions are the lines to order from one supplier (none: the
// variants have no supplier yet).
type SupplierSuggestions struct {
	SupplierID     *int64           `json:"supplier_id,omitempty"`
	Supplier       string           `json:"supplier"`
	MinOrder       inventory.Money  `json:"min_order,omitempty"`
	EstimatedTotal inventory.Money  `json:"estimated_total"`
	BelowMinOrder  bool             `json:"below_min_order,omitempty"`
	Lines          []SuggestionLine `json:"lines"`
}

// NoSupplier names the group of variants that have no supplier.
const NoSupplier = "(no supplier: assign one in Logistified)"

// ReorderSuggestions lists what to order, per inventory level at or below
// its reorder point, grouped by supplier (ordered by supplier id, then
// variant and location; variants without a supplier come first). Paging
// runs over lines, so a supplier's lines may continue on the next page.
func (db *DB) ReorderSuggestions(ctx context.Context, storeID int64, f SuggestionFilter) ([]SupplierSuggestions, string, error) {
	if _, err := db.ensurePlan(ctx, storeID); err != nil {
		return nil, "", err
	}
	limit, _ := ClampLimit(f.Limit)
	args := []any{storeID}
	where := []string{"lp.store_id = $1", "lp.needs_reorder"}
	args, where = planFilters(args, where, f.LocationID, f.SupplierID)
	keys, err := DecodeCursor(f.Cursor, 3)
	if err != nil {
		return nil, "", err
	}
	if keys != nil {
		var k [3]int64
		for i := range k {
			if k[i], err = strconv.ParseInt(keys[i], 10, 64); err != nil {
				return nil, "", badCursor(f.Cursor)
			}
		}
		args = append(args, k[0], k[1], k[2])
		n := len(args)
		where = append(where, fmt.Sprintf(`(lp.supplier_id > $%d OR (lp.supplier_id = $%d AND
			(lp.variant_id > $%d OR (lp.variant_id = $%d AND lp.location_id > $%d))))`, n-2, n-2, n-1, n-1, n))
	}
	args = append(args, limit+1)
	rows, err := collect(ctx, db.b, "computing reorder suggestions", func(r backend.Rows) (planRow, error) { return scanPlan(r) },
		planSelect+` FROM (SELECT * FROM level_plan lp WHERE `+strings.Join(where, " AND ")+`
			ORDER BY lp.supplier_id, lp.variant_id, lp.location_id LIMIT $`+strconv.Itoa(len(args))+`) lp`+planJoins+`
		ORDER BY lp.supplier_id, lp.variant_id, lp.location_id`, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		sup := int64(0)
		if last.SupplierID != nil {
			sup = *last.SupplierID
		}
		next = EncodeCursor(strconv.FormatInt(sup, 10), strconv.FormatInt(last.VariantID, 10), strconv.FormatInt(last.LocationID, 10))
	}
	supplierMins, err := db.supplierMinOrders(ctx, storeID, rows)
	if err != nil {
		return nil, "", err
	}
	out := []SupplierSuggestions{}
	for _, p := range rows {
		in := p.inputs()
		qty := in.SuggestedQuantity()
		if qty <= 0 {
			continue
		}
		if len(out) == 0 || !sameSupplier(out[len(out)-1].SupplierID, p.SupplierID) {
			g := SupplierSuggestions{SupplierID: p.SupplierID, Supplier: NoSupplier, Lines: []SuggestionLine{}}
			if p.Supplier != nil {
				g.Supplier = *p.Supplier
				g.MinOrder = inventory.Money(supplierMins[*p.SupplierID])
			}
			out = append(out, g)
		}
		g := &out[len(out)-1]
		unit := p.Cost
		if p.UnitCost != nil && *p.UnitCost > 0 {
			unit = *p.UnitCost
		}
		cost, err := inventory.Money(unit).Times(qty)
		if err != nil {
			return nil, "", inventory.OverflowError("the suggested order of " + p.SKU)
		}
		line := SuggestionLine{VariantID: p.VariantID, SKU: p.SKU, Product: p.Product, LocationID: p.LocationID, Location: p.Location,
			Quantity: qty, Reason: reorderReason(in), UnitCost: inventory.Money(unit), EstimatedCost: cost,
			Inputs: SuggestionInputs{Velocity: round2(in.Velocity), LeadTimeDays: in.LeadTimeDays(), Available: in.Available,
				Incoming: in.Incoming, ReorderPoint: round2(in.ReorderPoint()), Target: round2(in.Target())}}
		if in.PackSize > 1 {
			line.Inputs.PackSize = in.PackSize
		}
		if in.MinOrderQty > 1 {
			line.Inputs.MinOrderQty = in.MinOrderQty
		}
		if p.Rule != (inventory.Rule{}) {
			rule := p.Rule
			line.Inputs.Rule = &rule
		}
		g.Lines = append(g.Lines, line)
		if g.EstimatedTotal, err = g.EstimatedTotal.Add(line.EstimatedCost); err != nil {
			return nil, "", inventory.OverflowError("the suggested orders of " + g.Supplier)
		}
		g.BelowMinOrder = g.MinOrder > 0 && g.EstimatedTotal < g.MinOrder
	}
	return out, next, nil
}

func sameSupplier(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// reorderReason says in a few words why the level needs an order.
func reorderReason(in inventory.ReorderInputs) string {
	pos := in.Position()
	if in.Rule.Min != nil {
		return fmt.Sprintf("available + incoming %d is at or below the rule's min %d", pos, *in.Rule.Min)
	}
	return fmt.Sprintf("available + incoming %d is at or below %.1f (%.2f/day × %d days lead time + safety stock)",
		pos, in.ReorderPoint(), in.Velocity, in.LeadTimeDays())
}

// supplierMinOrders reads the minimum order values of the rows' suppliers.
func (db *DB) supplierMinOrders(ctx context.Context, storeID int64, rows []planRow) (map[int64]int64, error) {
	var ids []int64
	seen := map[int64]bool{}
	for _, p := range rows {
		if p.SupplierID != nil && !seen[*p.SupplierID] {
			seen[*p.SupplierID] = true
			ids = append(ids, *p.SupplierID)
		}
	}
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{storeID}
	// Build the list before args is passed: Go leaves that order unspecified.
	in := placeholders(&args, ids)
	type pair struct{ id, cents int64 }
	pairs, err := collect(ctx, db.b, "reading suppliers' minimum orders", func(r backend.Rows) (pair, error) {
		var p pair
		return p, r.Scan(&p.id, &p.cents)
	}, `SELECT id, min_order_cents FROM suppliers WHERE store_id = $1 AND id IN (`+in+`)`, args...)
	for _, p := range pairs {
		out[p.id] = p.cents
	}
	return out, err
}

// DemandWindow is the sales of a window of days.
type DemandWindow struct {
	Days   int     `json:"days"`
	Units  int64   `json:"units"`
	PerDay float64 `json:"units_per_day"`
}

// Demand is a variant's sales history and outlook, at one location or all.
type Demand struct {
	VariantID     int64          `json:"variant_id"`
	SKU           string         `json:"sku"`
	Product       string         `json:"product"`
	LocationID    int64          `json:"location_id,omitempty"`
	Location      string         `json:"location,omitempty"`
	Windows       []DemandWindow `json:"windows"`
	Trend         string         `json:"trend"`
	Available     int64          `json:"available"`
	Incoming      int64          `json:"incoming,omitempty"`
	DaysOfCover   *float64       `json:"days_of_cover,omitempty"`
	StockOutDate  string         `json:"projected_stock_out,omitempty"`
	WeeklyUnits   []int64        `json:"weekly_units"`
	LastSale      string         `json:"last_sale,omitempty"`
	VelocityBasis string         `json:"velocity_basis"`
}

// MaxDemandDays bounds get_demand's window.
const MaxDemandDays = 365

// Demand reads a variant's daily sales over the last max(days, 90) full
// days (one row per day, summed in SQL) and derives the windows, the trend
// (last 7 days against the last 28), days of cover and the projected
// stock-out date at the 28-day velocity.
func (db *DB) Demand(ctx context.Context, storeID int64, ref VariantRef, locationID int64, days int) (Demand, error) {
	if days <= 0 {
		days = inventory.VelocityDays
	}
	if days > MaxDemandDays {
		return Demand{}, inventory.Errorf(inventory.Invalid, "days %d is more than %d: ask for a shorter window", days, MaxDemandDays)
	}
	vs, err := db.ResolveVariants(ctx, nil, storeID, []VariantRef{ref})
	if err != nil {
		return Demand{}, err
	}
	v := vs[0]
	d := Demand{VariantID: v.ID, SKU: v.SKU, Product: v.ProductTitle, LocationID: locationID,
		VelocityBasis: fmt.Sprintf("units sold per day over the last %d full days", inventory.VelocityDays)}
	today := UTCDate(db.Now())
	span := max(days, longWindowDays)
	args := []any{storeID, v.ID, today.AddDate(0, 0, -span), today}
	locCond := ""
	if locationID != 0 {
		args = append(args, locationID)
		locCond = " AND location_id = $5"
	}
	type daySales struct {
		day   time.Time
		units int64
	}
	perDay, err := collect(ctx, db.b, "reading sales", func(r backend.Rows) (daySales, error) {
		var s daySales
		return s, r.Scan(&s.day, &s.units)
	}, `SELECT day, CAST(SUM(units) AS BIGINT) FROM daily_sales
		WHERE store_id = $1 AND variant_id = $2 AND day >= $3 AND day < $4`+locCond+` GROUP BY day`, args...)
	if err != nil {
		return Demand{}, err
	}
	windows := []int{shortWindowDays, inventory.VelocityDays, longWindowDays}
	if days != shortWindowDays && days != inventory.VelocityDays && days != longWindowDays {
		windows = append(windows, days)
	}
	weeks := (days + 6) / 7
	d.WeeklyUnits = make([]int64, weeks)
	units := make([]int64, len(windows))
	for _, s := range perDay {
		ago := int(today.Sub(UTCDate(s.day)).Hours()/24 + 0.5) // 1 = yesterday
		for i, w := range windows {
			if ago <= w {
				units[i] += s.units
			}
		}
		if ago <= weeks*7 {
			d.WeeklyUnits[weeks-1-(ago-1)/7] += s.units // oldest week first
		}
	}
	for i, w := range windows {
		d.Windows = append(d.Windows, DemandWindow{Days: w, Units: units[i], PerDay: round2(float64(units[i]) / float64(w))})
	}
	v7, v28 := float64(units[0])/shortWindowDays, float64(units[1])/inventory.VelocityDays
	switch {
	case units[2] == 0:
		d.Trend = "no sales"
	case v7 > v28*1.25:
		d.Trend = "rising"
	case v7 < v28*0.75:
		d.Trend = "falling"
	default:
		d.Trend = "steady"
	}
	args = []any{storeID, v.ID}
	if locationID != 0 {
		args = append(args, locationID)
		locCond = " AND l.location_id = $3"
	}
	var last *time.Time
	err = db.b.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(l.available), 0) AS BIGINT), CAST(COALESCE(SUM(l.incoming), 0) AS BIGINT),
			(SELECT MAX(day) FROM daily_sales ds WHERE ds.store_id = $1 AND ds.variant_id = $2 AND ds.units > 0`+strings.ReplaceAll(locCond, "l.", "ds.")+`)
		FROM inventory_levels l WHERE l.store_id = $1 AND l.variant_id = $2`+locCond, args...).Scan(&d.Available, &d.Incoming, &last)
	if err != nil {
		return Demand{}, fmt.Errorf("reading stock of %s: %w", v.SKU, err)
	}
	d.LastSale = dateString(last)
	if cover, ok := inventory.DaysOfCover(d.Available, v28); ok {
		c := round2(cover)
		d.DaysOfCover = &c
		d.StockOutDate = today.AddDate(0, 0, int(math.Floor(cover))).Format(time.DateOnly)
	}
	return d, nil
}

// StockRiskCounts counts the store's inventory levels that are out of
// stock and that are at or below their reorder point, by the definitions
// list_stock_risks uses, in one pass over level_plan.
func (db *DB) StockRiskCounts(ctx context.Context, storeID int64) (outOfStock, belowReorder int64, err error) {
	if _, err := db.ensurePlan(ctx, storeID); err != nil {
		return 0, 0, err
	}
	err = db.b.QueryRow(ctx, `SELECT COUNT(CASE WHEN out_of_stock THEN 1 END), COUNT(CASE WHEN needs_reorder THEN 1 END)
		FROM level_plan WHERE store_id = $1`, storeID).Scan(&outOfStock, &belowReorder)
	if err != nil {
		return 0, 0, fmt.Errorf("counting stock risks: %w", err)
	}
	return outOfStock, belowReorder, nil
}
