package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// LocationInfo is a location as list_locations shows it.
type LocationInfo struct {
	Location
	Address string `json:"address,omitempty"`
	Active  bool   `json:"active"`
}

// ListLocations returns every location of the store (stores have a
// handful). How much stock each holds is get_inventory_value's answer: it
// would cost a pass over every inventory level here.
func (db *DB) ListLocations(ctx context.Context, storeID int64) ([]LocationInfo, error) {
	return collect(ctx, db.b, "listing locations", func(r backend.Rows) (LocationInfo, error) {
		var l LocationInfo
		return l, r.Scan(&l.ID, &l.Name, &l.Code, &l.Kind, &l.Address, &l.Active)
	}, `SELECT id, name, code, kind, address, active FROM locations WHERE store_id = $1 ORDER BY id`, storeID)
}

// ProductFilter narrows SearchProducts. Every non-empty field must match,
// case-insensitively and anywhere in the text.
type ProductFilter struct {
	// Query matches the product title, variant title, SKU, barcode, vendor
	// or a supplier's name (text spanning two of the first five, joined by a
	// space, matches too).
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
	args := []any{storeID}
	where := []string{"v.store_id = $1"}
	arg := func(s string) string {
		args = append(args, likePattern(s))
		return "$" + strconv.Itoa(len(args))
	}
	// Not correlated, so the database runs it once (suppliers are few)
	// rather than once per variant scanned.
	supplierMatch := func(p string) string {
		return `v.id IN (SELECT sv.variant_id FROM supplier_variants sv JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
			WHERE sv.store_id = $1 AND lower(s.name) LIKE ` + p + ` ESCAPE '\')`
	}
	// The text of a variant and of its product, as the trigram indexes of
	// the PostgreSQL migration 00002 have them; each condition narrows by
	// one of those indexes first (a scan where there is none), then checks
	// the field asked for.
	const variantText = `lower(sku || ' ' || barcode || ' ' || title)`
	const productText = `lower(title || ' ' || vendor)`
	variantMatch := func(p string) string {
		return `v.id IN (SELECT id FROM variants WHERE store_id = $1 AND ` + variantText + ` LIKE ` + p + ` ESCAPE '\')`
	}
	productMatch := func(p string) string {
		return `v.product_id IN (SELECT id FROM products WHERE store_id = $1 AND ` + productText + ` LIKE ` + p + ` ESCAPE '\')`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg(q)
		where = append(where, `(`+variantMatch(p)+` OR `+productMatch(p)+` OR `+supplierMatch(p)+`)`)
	}
	for _, c := range []struct{ value, col string }{{f.SKU, "v.sku"}, {f.Barcode, "v.barcode"}} {
		if strings.TrimSpace(c.value) != "" {
			p := arg(c.value)
			where = append(where, variantMatch(p), `lower(`+c.col+`) LIKE `+p+` ESCAPE '\'`)
		}
	}
	if strings.TrimSpace(f.Vendor) != "" {
		p := arg(f.Vendor)
		where = append(where, productMatch(p), `lower(p.vendor) LIKE `+p+` ESCAPE '\'`)
	}
	if strings.TrimSpace(f.Supplier) != "" {
		where = append(where, supplierMatch(arg(f.Supplier)))
	}
	if err := count(ctx, db.b, f.Page, "products", "variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id",
		" WHERE "+strings.Join(where, " AND "), args); err != nil {
		return nil, "", err
	}
	args = append(args, after)
	where = append(where, "v.id > $"+strconv.Itoa(len(args)))
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
	// Build the list before args is passed: Go leaves that order unspecified.
	in := placeholders(&args, ids)
	rows, err := db.b.Query(ctx, `SELECT l.variant_id, l.location_id, loc.name, l.on_hand, l.available, l.committed, l.incoming,
			l.reserved, l.damaged, l.safety_stock, l.quality_control
		FROM inventory_levels l JOIN locations loc ON loc.store_id = l.store_id AND loc.id = l.location_id
		WHERE `+where+` AND l.variant_id IN (`+in+`)
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
