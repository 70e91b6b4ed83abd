package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// HistoryFilter narrows InventoryHistory; zero fields do not filter.
// Variant and Location are names as given, matched exactly inside the
// query (see Places); VariantID and LocationID are ids already resolved.
type HistoryFilter struct {
	Variant    storage.VariantRef
	Location   string
	VariantID  int64
	LocationID int64
	Since      time.Time
	storage.Page
}

// HistoryEntry is one ledger row: a change of one quantity of a variant at
// a location, why, and which document and key made it.
type HistoryEntry struct {
	At         time.Time `json:"at"`
	VariantID  int64     `json:"variant_id"`
	SKU        string    `json:"sku"`
	LocationID int64     `json:"location_id"`
	Location   string    `json:"location"`
	Quantity   string    `json:"quantity"`
	Delta      int64     `json:"delta"`
	Reason     string    `json:"reason"`
	Document   string    `json:"document,omitempty"`
	KeyPrefix  string    `json:"key_prefix,omitempty"`
	id         int64
}

// historyFrom is the ledger joined to what a row names, for the list and
// its count alike.
const historyFrom = `inventory_adjustments a
		JOIN variants v ON v.store_id = a.store_id AND v.id = a.variant_id
		JOIN locations loc ON loc.store_id = a.store_id AND loc.id = a.location_id`

// InventoryHistory returns ledger rows newest first, one page at a time
// (keyset on time and id, served by the ledger's (store, [variant,
// location,] at) indexes).
func (db *DB) InventoryHistory(ctx context.Context, storeID int64, f HistoryFilter) ([]HistoryEntry, string, error) {
	out, next, err := db.inventoryHistory(ctx, storeID, f)
	if err != nil || len(out) > 0 || (f.Variant == storage.VariantRef{} && f.Location == "") {
		return out, next, err
	}
	// Nothing found with the names matched exactly: resolve them, which
	// names the closest candidates for a name that matches nothing or
	// takes a unique partial one, and read again by id.
	if f.Variant != (storage.VariantRef{}) {
		vs, err := db.ResolveVariants(ctx, nil, storeID, []storage.VariantRef{f.Variant})
		if err != nil {
			return nil, "", err
		}
		f.Variant, f.VariantID = storage.VariantRef{}, vs[0].ID
	}
	if f.Location != "" {
		if f.LocationID, _, err = (storage.Places{Location: f.Location}).Resolve(ctx, db.DB, storeID); err != nil {
			return nil, "", err
		}
		f.Location = ""
	}
	return db.inventoryHistory(ctx, storeID, f)
}

func (db *DB) inventoryHistory(ctx context.Context, storeID int64, f HistoryFilter) ([]HistoryEntry, string, error) {
	limit, _ := storage.ClampLimit(f.Limit)
	args := []any{storeID}
	where := []string{"a.store_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.VariantID != 0 {
		add("a.variant_id = ?", f.VariantID)
	}
	if f.LocationID != 0 {
		add("a.location_id = ?", f.LocationID)
	}
	switch {
	case f.Variant.SKU != "" && f.Variant.ID != 0:
		// Both must name the same variant; the resolver says so when not.
		add("a.variant_id = ?", f.Variant.ID)
		add("a.variant_id = (SELECT id FROM variants WHERE store_id = $1 AND sku = ?)", f.Variant.SKU)
	case f.Variant.SKU != "":
		add("a.variant_id = (SELECT id FROM variants WHERE store_id = $1 AND sku = ?)", f.Variant.SKU)
	case f.Variant.ID != 0:
		add("a.variant_id = ?", f.Variant.ID)
	}
	if f.Location != "" {
		where = append(where, "a.location_id = "+storage.LocationMatch(&args, f.Location))
	}
	if !f.Since.IsZero() {
		add("a.at >= ?", f.Since.UTC())
	}
	keys, err := storage.DecodeCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if err := storage.Count(ctx, db.b, f.Page, "inventory history", historyFrom, " WHERE "+strings.Join(where, " AND "), args); err != nil {
		return nil, "", err
	}
	if keys != nil {
		at, terr := time.Parse(time.RFC3339Nano, keys[0])
		id, ierr := strconv.ParseInt(keys[1], 10, 64)
		if terr != nil || ierr != nil {
			return nil, "", storage.BadCursor(f.Cursor)
		}
		args = append(args, at, id)
		n := len(args)
		where = append(where, "(a.at < $"+strconv.Itoa(n-1)+" OR (a.at = $"+strconv.Itoa(n-1)+" AND a.id < $"+strconv.Itoa(n)+"))")
	}
	args = append(args, limit+1)
	out, err := storage.Collect(ctx, db.b, "reading inventory history", func(r backend.Rows) (HistoryEntry, error) {
		var e HistoryEntry
		var prefix *string
		err := r.Scan(&e.id, &e.At, &e.VariantID, &e.SKU, &e.LocationID, &e.Location, &e.Quantity, &e.Delta, &e.Reason, &e.Document, &prefix)
		if prefix != nil {
			e.KeyPrefix = *prefix
		}
		e.At = e.At.UTC()
		return e, err
	}, `SELECT a.id, a.at, a.variant_id, v.sku, a.location_id, loc.name, a.quantity_name, a.delta, a.reason, a.document_number, k.prefix
		FROM `+historyFrom+`
		LEFT JOIN api_keys k ON k.store_id = a.store_id AND k.id = a.key_id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.at DESC, a.id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = storage.EncodeCursor(last.At.Format(time.RFC3339Nano), strconv.FormatInt(last.id, 10))
	}
	return out, next, nil
}
