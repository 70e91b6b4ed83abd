package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Catalog writes: the command line, the demo generator and tests build a
// store's locations, suppliers, products and sales with these. Each takes
// the caller's transaction, so a whole catalog commits or fails together.

// maxNameLen bounds names and titles, so one request cannot store megabytes.
const maxNameLen = 255

// NewLocation is what CreateLocation needs. Kind defaults to "warehouse".
type NewLocation struct {
	Name, Code, Kind string
}

// NewSupplier is what CreateSupplier needs. LeadTimeDays defaults to 14.
type NewSupplier struct {
	Name          string
	Email         string
	LeadTimeDays  int
	MinOrderCents int64
}

// NewVariant is one variant of a NewProduct.
type NewVariant struct {
	SKU, Barcode              string
	Option1, Option2, Option3 string
	PriceCents, CostCents     int64
}

// NewProduct is what CreateProduct needs: a product and its variants.
type NewProduct struct {
	Title, Vendor, ProductType string
	Variants                   []NewVariant
}

// CreatedProduct is a new product's id and its variants (in input order).
type CreatedProduct struct {
	ID       int64
	Variants []storage.Variant
}

// SupplierTerms are a supplier's terms for one variant. MinOrderQty and
// PackSize default to 1; LeadTimeDays nil uses the supplier's lead time.
// Primary makes this the variant's primary supplier (and no other).
type SupplierTerms struct {
	SupplierID    int64
	VariantID     int64
	SupplierSKU   string
	UnitCostCents int64
	MinOrderQty   int64
	PackSize      int64
	LeadTimeDays  *int
	Primary       bool
}

// Sale is one day's sales of a variant at a location. Day is truncated to
// its UTC date.
type Sale struct {
	VariantID, LocationID int64
	Day                   time.Time
	Units                 int64
	RevenueCents          int64
}

func checkName(what, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", inventory.Errorf(inventory.Invalid, "the %s is empty: give one", what)
	}
	if len(v) > maxNameLen {
		return "", inventory.Errorf(inventory.Invalid, "the %s is longer than %d characters: shorten it", what, maxNameLen)
	}
	return v, nil
}

// exists reports whether the query returns a row.
func exists(ctx context.Context, q backend.Querier, sql string, args ...any) (bool, error) {
	var one int
	err := q.QueryRow(ctx, sql, args...).Scan(&one)
	if errors.Is(err, backend.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// CreateLocation adds a location. Names and codes are unique per store
// (case-insensitively, since tools resolve them that way).
func (db *DB) CreateLocation(ctx context.Context, tx backend.Tx, storeID int64, in NewLocation) (storage.Location, error) {
	var err error
	if in.Name, err = checkName("location name", in.Name); err != nil {
		return storage.Location{}, err
	}
	if in.Code, err = checkName("location code", in.Code); err != nil {
		return storage.Location{}, err
	}
	in.Kind = strings.ToLower(strings.TrimSpace(in.Kind))
	if in.Kind == "" {
		in.Kind = "warehouse"
	}
	taken, err := exists(ctx, tx, `SELECT 1 FROM locations WHERE store_id = $1 AND (lower(name) = lower($2) OR lower(code) = lower($3)
		OR lower(name) = lower($3) OR lower(code) = lower($2))`, storeID, in.Name, in.Code)
	if err != nil {
		return storage.Location{}, fmt.Errorf("creating location %q: %w", in.Name, err)
	}
	if taken {
		return storage.Location{}, inventory.Errorf(inventory.Invalid, "a location named or coded %q or %q already exists: choose another name and code", in.Name, in.Code)
	}
	l := storage.Location{Name: in.Name, Code: in.Code, Kind: in.Kind}
	if err := tx.QueryRow(ctx, `INSERT INTO locations (store_id, name, code, kind, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		storeID, l.Name, l.Code, l.Kind, db.Now()).Scan(&l.ID); err != nil {
		return storage.Location{}, fmt.Errorf("creating location %q: %w", in.Name, err)
	}
	return l, nil
}

// CreateSupplier adds a supplier; names are unique per store.
func (db *DB) CreateSupplier(ctx context.Context, tx backend.Tx, storeID int64, in NewSupplier) (storage.Supplier, error) {
	var err error
	if in.Name, err = checkName("supplier name", in.Name); err != nil {
		return storage.Supplier{}, err
	}
	if in.LeadTimeDays == 0 {
		in.LeadTimeDays = 14
	}
	if in.LeadTimeDays < 0 || in.LeadTimeDays > 365 {
		return storage.Supplier{}, inventory.Errorf(inventory.Invalid, "lead time %d days for %q is out of range: give 0 to 365 days", in.LeadTimeDays, in.Name)
	}
	if in.MinOrderCents < 0 {
		return storage.Supplier{}, inventory.Errorf(inventory.Invalid, "minimum order %s for %q is negative: give zero or more", inventory.Money(in.MinOrderCents), in.Name)
	}
	if err := inventory.CheckAmount("min_order", inventory.Money(in.MinOrderCents)); err != nil {
		return storage.Supplier{}, err
	}
	taken, err := exists(ctx, tx, `SELECT 1 FROM suppliers WHERE store_id = $1 AND lower(name) = lower($2)`, storeID, in.Name)
	if err != nil {
		return storage.Supplier{}, fmt.Errorf("creating supplier %q: %w", in.Name, err)
	}
	if taken {
		return storage.Supplier{}, inventory.Errorf(inventory.Invalid, "a supplier named %q already exists: choose another name", in.Name)
	}
	s := storage.Supplier{Name: in.Name, Email: strings.TrimSpace(in.Email), LeadTimeDays: in.LeadTimeDays}
	if err := tx.QueryRow(ctx, `INSERT INTO suppliers (store_id, name, email, lead_time_days, min_order_cents, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		storeID, s.Name, s.Email, s.LeadTimeDays, in.MinOrderCents, db.Now()).Scan(&s.ID); err != nil {
		return storage.Supplier{}, fmt.Errorf("creating supplier %q: %w", in.Name, err)
	}
	return s, nil
}

// CreateProduct adds a product and its variants. SKUs must be unique in the
// store; prices and costs must not be negative.
func (db *DB) CreateProduct(ctx context.Context, tx backend.Tx, storeID int64, in NewProduct) (CreatedProduct, error) {
	var err error
	if in.Title, err = checkName("product title", in.Title); err != nil {
		return CreatedProduct{}, err
	}
	if len(in.Variants) == 0 {
		return CreatedProduct{}, inventory.Errorf(inventory.Invalid, "product %q has no variants: give at least one with a SKU", in.Title)
	}
	seen := map[string]bool{}
	skus := make([]string, len(in.Variants))
	for i := range in.Variants {
		v := &in.Variants[i]
		if v.SKU, err = checkName("SKU of a variant of "+strconvQuote(in.Title), v.SKU); err != nil {
			return CreatedProduct{}, err
		}
		if seen[v.SKU] {
			return CreatedProduct{}, inventory.Errorf(inventory.Invalid, "SKU %q appears twice in product %q: give each variant its own SKU", v.SKU, in.Title)
		}
		seen[v.SKU] = true
		skus[i] = v.SKU
		if v.PriceCents < 0 || v.CostCents < 0 {
			return CreatedProduct{}, inventory.Errorf(inventory.Invalid, "SKU %q has a negative price or cost: give zero or more", v.SKU)
		}
		if inventory.Money(v.PriceCents) > inventory.MaxUnitCost || inventory.Money(v.CostCents) > inventory.MaxUnitCost {
			return CreatedProduct{}, inventory.Errorf(inventory.Invalid, "SKU %q has a price or cost above %s, the largest unit amount accepted: check the amount", v.SKU, inventory.MaxUnitCost)
		}
	}
	args := []any{storeID}
	inList := storage.Placeholders(&args, skus) // before args is passed: Go leaves that order unspecified
	rows, err := tx.Query(ctx, `SELECT sku FROM variants WHERE store_id = $1 AND sku IN (`+inList+`)`, args...)
	if err != nil {
		return CreatedProduct{}, fmt.Errorf("checking SKUs of %q: %w", in.Title, err)
	}
	var dup []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return CreatedProduct{}, fmt.Errorf("checking SKUs of %q: %w", in.Title, err)
		}
		dup = append(dup, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return CreatedProduct{}, fmt.Errorf("checking SKUs of %q: %w", in.Title, err)
	}
	if len(dup) > 0 {
		return CreatedProduct{}, inventory.Errorf(inventory.Invalid, "SKU %s already exists in this store: give each variant a new SKU", storage.QuoteList(dup))
	}
	now := db.Now()
	p := CreatedProduct{}
	vendor, ptype := strings.TrimSpace(in.Vendor), strings.TrimSpace(in.ProductType)
	if err := tx.QueryRow(ctx, `INSERT INTO products (store_id, title, vendor, product_type, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		storeID, in.Title, vendor, ptype, now).Scan(&p.ID); err != nil {
		return CreatedProduct{}, fmt.Errorf("creating product %q: %w", in.Title, err)
	}
	for _, nv := range in.Variants {
		v := storage.Variant{ProductID: p.ID, SKU: nv.SKU, ProductTitle: in.Title, Title: variantTitle(nv), Vendor: vendor,
			PriceCents: nv.PriceCents, CostCents: nv.CostCents}
		if err := tx.QueryRow(ctx, `INSERT INTO variants (store_id, product_id, sku, barcode, title, option1, option2, option3,
			price_cents, cost_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			storeID, p.ID, nv.SKU, strings.TrimSpace(nv.Barcode), v.Title, nv.Option1, nv.Option2, nv.Option3,
			nv.PriceCents, nv.CostCents, now).Scan(&v.ID); err != nil {
			return CreatedProduct{}, fmt.Errorf("creating variant %q: %w", nv.SKU, err)
		}
		p.Variants = append(p.Variants, v)
	}
	return p, nil
}

// variantTitle is Shopify's variant title: its options joined by " / ".
func variantTitle(v NewVariant) string {
	var parts []string
	for _, o := range []string{v.Option1, v.Option2, v.Option3} {
		if o = strings.TrimSpace(o); o != "" {
			parts = append(parts, o)
		}
	}
	return strings.Join(parts, " / ")
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// SetSupplierTerms creates or replaces a supplier's terms for a variant.
func (db *DB) SetSupplierTerms(ctx context.Context, tx backend.Tx, storeID int64, t SupplierTerms) error {
	if t.MinOrderQty == 0 {
		t.MinOrderQty = 1
	}
	if t.PackSize == 0 {
		t.PackSize = 1
	}
	switch {
	case t.UnitCostCents < 0:
		return inventory.Errorf(inventory.Invalid, "unit cost %s is negative: give zero or more", inventory.Money(t.UnitCostCents))
	case inventory.Money(t.UnitCostCents) > inventory.MaxUnitCost:
		return inventory.CheckUnitCost("unit_cost", "", inventory.Money(t.UnitCostCents))
	case t.MinOrderQty > inventory.MaxQuantity || t.PackSize > inventory.MaxQuantity:
		return inventory.Errorf(inventory.Invalid, "minimum order quantity %d or pack size %d is more than %d: give a smaller number", t.MinOrderQty, t.PackSize, inventory.MaxQuantity)
	case t.MinOrderQty < 0:
		return inventory.Errorf(inventory.Invalid, "minimum order quantity %d is negative: give 1 or more", t.MinOrderQty)
	case t.PackSize < 0:
		return inventory.Errorf(inventory.Invalid, "pack size %d is negative: give 1 or more", t.PackSize)
	case t.LeadTimeDays != nil && (*t.LeadTimeDays < 0 || *t.LeadTimeDays > 365):
		return inventory.Errorf(inventory.Invalid, "lead time %d days is out of range: give 0 to 365 days", *t.LeadTimeDays)
	}
	if ok, err := exists(ctx, tx, `SELECT 1 FROM suppliers WHERE store_id = $1 AND id = $2`, storeID, t.SupplierID); err != nil || !ok {
		if err != nil {
			return fmt.Errorf("setting supplier terms: %w", err)
		}
		return inventory.Errorf(inventory.NotFound, "no supplier with id %d in this store: see list_suppliers", t.SupplierID)
	}
	if ok, err := exists(ctx, tx, `SELECT 1 FROM variants WHERE store_id = $1 AND id = $2`, storeID, t.VariantID); err != nil || !ok {
		if err != nil {
			return fmt.Errorf("setting supplier terms: %w", err)
		}
		return inventory.Errorf(inventory.NotFound, "no variant with id %d in this store: see search_products", t.VariantID)
	}
	if t.Primary {
		if _, err := tx.Exec(ctx, `UPDATE supplier_variants SET is_primary = FALSE WHERE store_id = $1 AND variant_id = $2 AND supplier_id <> $3`,
			storeID, t.VariantID, t.SupplierID); err != nil {
			return fmt.Errorf("setting supplier terms: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO supplier_variants (store_id, supplier_id, variant_id, supplier_sku, unit_cost_cents,
		min_order_qty, pack_size, lead_time_days, is_primary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (store_id, supplier_id, variant_id) DO UPDATE SET supplier_sku = excluded.supplier_sku,
		unit_cost_cents = excluded.unit_cost_cents, min_order_qty = excluded.min_order_qty, pack_size = excluded.pack_size,
		lead_time_days = excluded.lead_time_days, is_primary = excluded.is_primary`,
		storeID, t.SupplierID, t.VariantID, strings.TrimSpace(t.SupplierSKU), t.UnitCostCents, t.MinOrderQty, t.PackSize,
		t.LeadTimeDays, t.Primary); err != nil {
		return fmt.Errorf("setting supplier terms: %w", err)
	}
	return nil
}

// RecordSales stores daily sales, replacing any row for the same variant,
// location and day. The foreign keys refuse another store's variants and
// locations.
func (db *DB) RecordSales(ctx context.Context, tx backend.Tx, storeID int64, sales []Sale) error {
	for _, s := range sales {
		if s.Units < 0 || s.RevenueCents < 0 {
			return inventory.Errorf(inventory.Invalid, "sales of variant %d on %s are negative: give zero or more", s.VariantID, s.Day.Format(time.DateOnly))
		}
		day := storage.UTCDate(s.Day)
		if _, err := tx.Exec(ctx, `INSERT INTO daily_sales (store_id, variant_id, location_id, day, units, revenue_cents)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (store_id, variant_id, location_id, day)
			DO UPDATE SET units = excluded.units, revenue_cents = excluded.revenue_cents`,
			storeID, s.VariantID, s.LocationID, day, s.Units, s.RevenueCents); err != nil {
			return fmt.Errorf("recording sales of variant %d on %s: %w", s.VariantID, day.Format(time.DateOnly), err)
		}
	}
	return nil
}

// AdjustInventory applies corrections (reason "correction") through the
// ledger. Changes may leave SKU and Location empty: they are filled in from
// the store's catalog, which also refuses another store's ids.
func (db *DB) AdjustInventory(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, changes []storage.Change) ([]storage.Effect, error) {
	return db.applyNamed(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonCorrection, Actor: actor}, changes)
}

// applyNamed fills in the SKU and location names of changes (checking that
// they belong to the store) and applies them.
func (db *DB) applyNamed(ctx context.Context, tx backend.Tx, storeID int64, m storage.Movement, changes []storage.Change) ([]storage.Effect, error) {
	if len(changes) == 0 {
		return []storage.Effect{}, nil
	}
	var vids, lids []int64
	for _, c := range changes {
		vids = append(vids, c.VariantID)
		lids = append(lids, c.LocationID)
	}
	skus, err := storage.IDNames(ctx, tx, `SELECT id, sku FROM variants`, storeID, vids)
	if err != nil {
		return nil, err
	}
	locs, err := storage.IDNames(ctx, tx, `SELECT id, name FROM locations`, storeID, lids)
	if err != nil {
		return nil, err
	}
	named := make([]storage.Change, len(changes))
	for i, c := range changes {
		sku, ok := skus[c.VariantID]
		if !ok {
			return nil, inventory.Errorf(inventory.NotFound, "no variant with id %d in this store: see search_products", c.VariantID)
		}
		loc, ok := locs[c.LocationID]
		if !ok {
			return nil, inventory.Errorf(inventory.NotFound, "no location with id %d in this store: see list_locations", c.LocationID)
		}
		c.SKU, c.Location = sku, loc
		named[i] = c
	}
	return db.ApplyChanges(ctx, tx, storeID, m, named)
}
