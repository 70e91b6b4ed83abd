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
	// LastImport is the store's most recent file import; nil when none.
	LastImport *LastImport `json:"last_import,omitempty"`
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

// StoreOverview counts the store's catalogue, open documents and stock
// risks. The risk counts come from the planning table that list_stock_risks
// reads, so the overview and that tool always agree.
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
	if o.OutOfStock, o.BelowReorderPoint, err = db.StockRiskCounts(ctx, storeID); err != nil {
		return Overview{}, err
	}
	if o.LastImport, err = db.LastImport(ctx, storeID); err != nil {
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
