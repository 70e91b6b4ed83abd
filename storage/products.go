package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
)

// LocationInfo is a location as list_locations shows it.
type LocationInfo struct {
	Location
	Address string `json:"address,omitempty"`
	Active  bool   `json:"active"`
	// Variants counts the variants with an inventory level there.
	Variants int64 `json:"variants_stocked"`
	OnHand   int64 `json:"on_hand"`
}

// ListLocations returns every location of the store (stores have a handful),
// with how much stock each holds.
func (db *DB) ListLocations(ctx context.Context, storeID int64) ([]LocationInfo, error) {
	rows, err := db.b.Query(ctx, `SELECT l.id, l.name, l.code, l.kind, l.address, l.active,
			(SELECT COUNT(*) FROM inventory_levels i WHERE i.store_id = l.store_id AND i.location_id = l.id),
			(SELECT CAST(COALESCE(SUM(i.on_hand), 0) AS BIGINT) FROM inventory_levels i WHERE i.store_id = l.store_id AND i.location_id = l.id)
		FROM locations l WHERE l.store_id = $1 ORDER BY l.id`, storeID)
	if err != nil {
		return nil, fmt.Errorf("listing locations: %w", err)
	}
	defer rows.Close()
	out := []LocationInfo{}
	for rows.Next() {
		var l LocationInfo
		if err := rows.Scan(&l.ID, &l.Name, &l.Code, &l.Kind, &l.Address, &l.Active, &l.Variants, &l.OnHand); err != nil {
			return nil, fmt.Errorf("listing locations: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing locations: %w", err)
	}
	return out, nil
}

// ProductFilter narrows SearchProducts. Every non-empty field must match,
// case-insensitively and anywhere in the text.
type ProductFilter struct {
	// Query matches the product title, variant title, SKU, barcode, vendor
	// or a supplier's name.
	Query    string
	SKU      string
	Barcode  string
	Vendor   string
	Supplier string
	Page
}

// ProductHit is one variant found by SearchProducts.
type ProductHit struct {
	VariantID int64           `json:"variant_id"`
	SKU       string          `json:"sku"`
	Product   string          `json:"product"`
	ProductID int64           `json:"product_id"`
	Options   []string        `json:"options,omitempty"`
	Barcode   string          `json:"barcode,omitempty"`
	Vendor    string          `json:"vendor,omitempty"`
	Price     inventory.Money `json:"price"`
	Cost      inventory.Money `json:"cost"`
	OnHand    int64           `json:"on_hand"`
	Available int64           `json:"available"`
}

// likePattern makes a case-insensitive "contains" pattern for LIKE … ESCAPE
// '\', so that % and _ typed by the caller match themselves.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(strings.TrimSpace(s))) + "%"
}

// SearchProducts finds variants, ordered by id, one page at a time. The
// stock totals are computed for the page's rows only.
func (db *DB) SearchProducts(ctx context.Context, storeID int64, f ProductFilter) ([]ProductHit, string, error) {
	after, err := DecodeIDCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit, _ := ClampLimit(f.Limit)
	args := []any{storeID, after}
	where := []string{"v.store_id = $1", "v.id > $2"}
	arg := func(s string) string {
		args = append(args, likePattern(s))
		return "$" + strconv.Itoa(len(args))
	}
	supplierMatch := func(p string) string {
		return `EXISTS (SELECT 1 FROM supplier_variants sv JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
			WHERE sv.store_id = v.store_id AND sv.variant_id = v.id AND lower(s.name) LIKE ` + p + ` ESCAPE '\')`
	}
	if strings.TrimSpace(f.Query) != "" {
		p := arg(f.Query)
		where = append(where, `(lower(p.title) LIKE `+p+` ESCAPE '\' OR lower(v.title) LIKE `+p+` ESCAPE '\'
			OR lower(v.sku) LIKE `+p+` ESCAPE '\' OR lower(v.barcode) LIKE `+p+` ESCAPE '\'
			OR lower(p.vendor) LIKE `+p+` ESCAPE '\' OR `+supplierMatch(p)+`)`)
	}
	if strings.TrimSpace(f.SKU) != "" {
		where = append(where, `lower(v.sku) LIKE `+arg(f.SKU)+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Barcode) != "" {
		where = append(where, `lower(v.barcode) LIKE `+arg(f.Barcode)+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Vendor) != "" {
		where = append(where, `lower(p.vendor) LIKE `+arg(f.Vendor)+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Supplier) != "" {
		where = append(where, supplierMatch(arg(f.Supplier)))
	}
	args = append(args, limit+1)
	rows, err := db.b.Query(ctx, `SELECT v.id, v.sku, p.title, p.id, v.option1, v.option2, v.option3, v.barcode, p.vendor,
			v.price_cents, v.cost_cents,
			(SELECT CAST(COALESCE(SUM(l.on_hand), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = v.store_id AND l.variant_id = v.id),
			(SELECT CAST(COALESCE(SUM(l.available), 0) AS BIGINT) FROM inventory_levels l WHERE l.store_id = v.store_id AND l.variant_id = v.id)
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY v.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("searching products: %w", err)
	}
	defer rows.Close()
	out := []ProductHit{}
	for rows.Next() {
		var h ProductHit
		var o1, o2, o3 string
		var price, cost int64
		if err := rows.Scan(&h.VariantID, &h.SKU, &h.Product, &h.ProductID, &o1, &o2, &o3, &h.Barcode, &h.Vendor,
			&price, &cost, &h.OnHand, &h.Available); err != nil {
			return nil, "", fmt.Errorf("searching products: %w", err)
		}
		h.Price, h.Cost = inventory.Money(price), inventory.Money(cost)
		for _, o := range []string{o1, o2, o3} {
			if o != "" {
				h.Options = append(h.Options, o)
			}
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("searching products: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = EncodeCursor(strconv.FormatInt(out[limit-1].VariantID, 10))
	}
	return out, next, nil
}

// Levels are the eight quantities of a variant at a location, or summed.
// Only on_hand and available are always written; the others are left out
// when zero, to keep answers short.
type Levels struct {
	OnHand         int64 `json:"on_hand"`
	Available      int64 `json:"available"`
	Committed      int64 `json:"committed,omitempty"`
	Incoming       int64 `json:"incoming,omitempty"`
	Reserved       int64 `json:"reserved,omitempty"`
	Damaged        int64 `json:"damaged,omitempty"`
	SafetyStock    int64 `json:"safety_stock,omitempty"`
	QualityControl int64 `json:"quality_control,omitempty"`
}

func (l *Levels) add(o Levels) {
	l.OnHand += o.OnHand
	l.Available += o.Available
	l.Committed += o.Committed
	l.Incoming += o.Incoming
	l.Reserved += o.Reserved
	l.Damaged += o.Damaged
	l.SafetyStock += o.SafetyStock
	l.QualityControl += o.QualityControl
}

// LocationLevels are a variant's quantities at one location.
type LocationLevels struct {
	LocationID int64  `json:"location_id"`
	Location   string `json:"location"`
	Levels
}

// VariantLevels are a variant's quantities per location and in total.
type VariantLevels struct {
	VariantID int64            `json:"variant_id"`
	SKU       string           `json:"sku"`
	Product   string           `json:"product"`
	Title     string           `json:"title,omitempty"`
	Locations []LocationLevels `json:"locations"`
	Total     Levels           `json:"total"`
}

// MaxLevelVariants bounds one get_inventory_levels call.
const MaxLevelVariants = 100

// InventoryLevels returns the quantities of the named variants (in the
// order named), at one location if locationID is not 0, in one query.
func (db *DB) InventoryLevels(ctx context.Context, storeID int64, refs []VariantRef, locationID int64) ([]VariantLevels, error) {
	variants, err := db.ResolveVariants(ctx, nil, storeID, refs)
	if err != nil {
		return nil, err
	}
	out := make([]VariantLevels, len(variants))
	index := map[int64][]int{}
	ids := make([]int64, 0, len(variants))
	for i, v := range variants {
		out[i] = VariantLevels{VariantID: v.ID, SKU: v.SKU, Product: v.ProductTitle, Title: v.Title, Locations: []LocationLevels{}}
		if len(index[v.ID]) == 0 {
			ids = append(ids, v.ID)
		}
		index[v.ID] = append(index[v.ID], i)
	}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{storeID}
	where := "l.store_id = $1"
	if locationID != 0 {
		args = append(args, locationID)
		where += " AND l.location_id = $2"
	}
	rows, err := db.b.Query(ctx, `SELECT l.variant_id, l.location_id, loc.name, l.on_hand, l.available, l.committed, l.incoming,
			l.reserved, l.damaged, l.safety_stock, l.quality_control
		FROM inventory_levels l JOIN locations loc ON loc.store_id = l.store_id AND loc.id = l.location_id
		WHERE `+where+` AND l.variant_id IN (`+placeholders(&args, ids)+`)
		ORDER BY l.variant_id, l.location_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading inventory levels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var variantID int64
		var ll LocationLevels
		if err := rows.Scan(&variantID, &ll.LocationID, &ll.Location, &ll.OnHand, &ll.Available, &ll.Committed, &ll.Incoming,
			&ll.Reserved, &ll.Damaged, &ll.SafetyStock, &ll.QualityControl); err != nil {
			return nil, fmt.Errorf("reading inventory levels: %w", err)
		}
		for _, i := range index[variantID] {
			out[i].Locations = append(out[i].Locations, ll)
			out[i].Total.add(ll.Levels)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading inventory levels: %w", err)
	}
	return out, nil
}
