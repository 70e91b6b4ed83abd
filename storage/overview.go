package storage

import (
	"context"
	"fmt"

	"github.com/logistified/mcp-server/inventory"
)

// Overview is what get_store_overview reports beside the store and the key:
// how big the catalogue is, which documents are open, and how many stock
// positions need attention.
type Overview struct {
	Locations int64 `json:"locations"`
	Products  int64 `json:"products"`
	Variants  int64 `json:"variants"`
	// OpenDocuments counts open documents by kind ("purchase_orders",
	// "transfers", "stock_takes", "supplier_returns") and status; every open
	// status is present, zero or not, so the model sees the full picture.
	OpenDocuments map[string]map[string]int64 `json:"open_documents"`
	// OutOfStock counts variant-location pairs with nothing available that
	// sold in the last inventory.VelocityDays days.
	OutOfStock int64 `json:"out_of_stock"`
	// BelowReorderPoint counts variant-location pairs whose available +
	// incoming is at or below the reorder point (inventory.ReorderInputs).
	BelowReorderPoint int64 `json:"below_reorder_point"`
}

// openStatuses are, by document table, the statuses in which a document
// still asks for work.
var openStatuses = []struct {
	table    string
	statuses []inventory.Status
}{
	{"purchase_orders", []inventory.Status{inventory.PODraft, inventory.POSent, inventory.POPartiallyReceived}},
	{"transfers", []inventory.Status{inventory.TransferDraft, inventory.TransferInTransit, inventory.TransferPartiallyReceived}},
	{"stock_takes", []inventory.Status{inventory.StockTakeInProgress}},
	{"supplier_returns", []inventory.Status{inventory.ReturnDraft, inventory.ReturnShipped}},
}

// StoreOverview counts the store's catalogue, open documents and stock risks.
// It reads with three queries; the stock-risk pass reads one row per
// inventory level, which is fine for an overview asked for once a
// conversation.
func (db *DB) StoreOverview(ctx context.Context, storeID int64) (Overview, error) {
	var o Overview
	err := db.b.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM locations WHERE store_id = $1 AND active = $2),
			(SELECT COUNT(*) FROM products WHERE store_id = $1),
			(SELECT COUNT(*) FROM variants WHERE store_id = $1)`, storeID, true).
		Scan(&o.Locations, &o.Products, &o.Variants)
	if err != nil {
		return Overview{}, fmt.Errorf("counting the catalogue: %w", err)
	}
	if o.OpenDocuments, err = db.openDocuments(ctx, storeID); err != nil {
		return Overview{}, err
	}
	if o.OutOfStock, o.BelowReorderPoint, err = db.stockRiskCounts(ctx, storeID); err != nil {
		return Overview{}, err
	}
	return o, nil
}

func (db *DB) openDocuments(ctx context.Context, storeID int64) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	args := []any{storeID}
	query := ""
	for i, d := range openStatuses {
		out[d.table] = map[string]int64{}
		statuses := make([]string, len(d.statuses))
		for j, st := range d.statuses {
			statuses[j] = string(st)
			out[d.table][statuses[j]] = 0
		}
		if i > 0 {
			query += " UNION ALL "
		}
		query += `SELECT '` + d.table + `', status, COUNT(*) FROM ` + d.table +
			` WHERE store_id = $1 AND status IN (` + placeholders(&args, statuses) + `) GROUP BY status`
	}
	rows, err := db.b.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("counting open documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, status string
		var n int64
		if err := rows.Scan(&kind, &status, &n); err != nil {
			return nil, fmt.Errorf("counting open documents: %w", err)
		}
		out[kind][status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting open documents: %w", err)
	}
	return out, nil
}

// stockRiskCounts reads, per inventory level, what the reorder maths needs
// and applies inventory.ReorderInputs, so the overview and the stock-risk
// tools share one definition of "below the reorder point". A rule for the
// location wins over the variant's all-locations rule (location_id 0); the
// lead time falls back to the primary supplier's (else the shortest of the
// variant's suppliers).
func (db *DB) stockRiskCounts(ctx context.Context, storeID int64) (outOfStock, belowReorder int64, err error) {
	today := UTCDate(db.Now())
	since := today.AddDate(0, 0, -inventory.VelocityDays)
	// Sales and supplier lead times are aggregated once and joined, rather
	// than looked up per level, which keeps this one pass over the levels.
	rows, err := db.b.Query(ctx, `SELECT l.available, l.incoming, COALESCE(ds.sold, 0),
			COALESCE(rl.min_qty, ra.min_qty), COALESCE(rl.safety_stock, ra.safety_stock),
			COALESCE(rl.lead_time_days, ra.lead_time_days), COALESCE(sv.primary_lead, sv.any_lead, 0)
		FROM inventory_levels l
		LEFT JOIN (SELECT variant_id, location_id, CAST(SUM(units) AS BIGINT) AS sold FROM daily_sales
			WHERE store_id = $1 AND day >= $2 GROUP BY variant_id, location_id) ds
			ON ds.variant_id = l.variant_id AND ds.location_id = l.location_id
		LEFT JOIN (SELECT v.variant_id,
				MIN(CASE WHEN v.is_primary THEN COALESCE(v.lead_time_days, s.lead_time_days) END) AS primary_lead,
				MIN(COALESCE(v.lead_time_days, s.lead_time_days)) AS any_lead
			FROM supplier_variants v JOIN suppliers s ON s.store_id = v.store_id AND s.id = v.supplier_id
			WHERE v.store_id = $1 GROUP BY v.variant_id) sv ON sv.variant_id = l.variant_id
		LEFT JOIN reorder_rules rl ON rl.store_id = l.store_id AND rl.variant_id = l.variant_id AND rl.location_id = l.location_id
		LEFT JOIN reorder_rules ra ON ra.store_id = l.store_id AND ra.variant_id = l.variant_id AND ra.location_id = 0
		WHERE l.store_id = $1`, storeID, since)
	if err != nil {
		return 0, 0, fmt.Errorf("counting stock risks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var in inventory.ReorderInputs
		var sold int64
		var leadTime *int64
		var supplierLead int64
		if err := rows.Scan(&in.Available, &in.Incoming, &sold, &in.Rule.Min, &in.Rule.SafetyStock, &leadTime, &supplierLead); err != nil {
			return 0, 0, fmt.Errorf("counting stock risks: %w", err)
		}
		if leadTime != nil {
			lt := int(*leadTime)
			in.Rule.LeadTimeDays = &lt
		}
		in.SupplierLeadTimeDays = int(supplierLead)
		in.Velocity = float64(sold) / inventory.VelocityDays
		if in.Available <= 0 && sold > 0 {
			outOfStock++
		}
		if in.NeedsReorder() {
			belowReorder++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("counting stock risks: %w", err)
	}
	return outOfStock, belowReorder, nil
}
