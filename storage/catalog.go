package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// Location is a warehouse or shop of a store.
type Location struct {
	ID   int64  `json:"location_id"`
	Name string `json:"name"`
	Code string `json:"code"`
	Kind string `json:"kind"`
}

// Supplier is who a store buys from.
type Supplier struct {
	ID           int64  `json:"supplier_id"`
	Name         string `json:"name"`
	Email        string `json:"email,omitempty"`
	LeadTimeDays int    `json:"lead_time_days"`
}

// Variant is a sellable item, named by its SKU.
type Variant struct {
	ID           int64  `json:"variant_id"`
	ProductID    int64  `json:"product_id"`
	SKU          string `json:"sku"`
	ProductTitle string `json:"product"`
	Title        string `json:"title,omitempty"`
	Vendor       string `json:"vendor,omitempty"`
	PriceCents   int64  `json:"-"`
	CostCents    int64  `json:"-"`
}

// VariantRef names a variant by SKU or by id, as tools accept either.
type VariantRef struct {
	SKU string
	ID  int64
}

func (r VariantRef) String() string {
	if r.SKU != "" {
		return r.SKU
	}
	return "variant_id " + strconv.FormatInt(r.ID, 10)
}

// placeholders appends values to args and returns "$n, $n+1, …" for an IN
// list; the same text works on both backends, unlike PostgreSQL's = ANY.
func placeholders[T any](args *[]any, values []T) string {
	var b strings.Builder
	for i, v := range values {
		*args = append(*args, v)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(len(*args)))
	}
	return b.String()
}

// ResolveLocation finds a location by id, code or name (case-insensitive).
func (db *DB) ResolveLocation(ctx context.Context, q backend.Querier, storeID int64, ref string) (Location, error) {
	q = db.querier(q)
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Location{}, inventory.Errorf(inventory.Invalid, "location is empty: give a location name, code or id (see list_locations)")
	}
	id, _ := strconv.ParseInt(ref, 10, 64)
	var l Location
	err := q.QueryRow(ctx, `SELECT id, name, code, kind FROM locations
		WHERE store_id = $1 AND (id = $2 OR lower(code) = lower($3) OR lower(name) = lower($3))
		ORDER BY id = $2 DESC, lower(code) = lower($3) DESC LIMIT 1`, storeID, id, ref).Scan(&l.ID, &l.Name, &l.Code, &l.Kind)
	if errors.Is(err, backend.ErrNoRows) {
		return Location{}, inventory.Errorf(inventory.NotFound, "no location matches %q: give a location name, code or id from list_locations", ref)
	}
	if err != nil {
		return Location{}, fmt.Errorf("looking up location %q: %w", ref, err)
	}
	return l, nil
}

// ResolveSupplier finds a supplier by id or name (case-insensitive).
func (db *DB) ResolveSupplier(ctx context.Context, q backend.Querier, storeID int64, ref string) (Supplier, error) {
	q = db.querier(q)
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Supplier{}, inventory.Errorf(inventory.Invalid, "supplier is empty: give a supplier name or id (see list_suppliers)")
	}
	id, _ := strconv.ParseInt(ref, 10, 64)
	var s Supplier
	err := q.QueryRow(ctx, `SELECT id, name, email, lead_time_days FROM suppliers
		WHERE store_id = $1 AND (id = $2 OR lower(name) = lower($3))
		ORDER BY id = $2 DESC LIMIT 1`, storeID, id, ref).Scan(&s.ID, &s.Name, &s.Email, &s.LeadTimeDays)
	if errors.Is(err, backend.ErrNoRows) {
		return Supplier{}, inventory.Errorf(inventory.NotFound, "no supplier matches %q: give a supplier name or id from list_suppliers", ref)
	}
	if err != nil {
		return Supplier{}, fmt.Errorf("looking up supplier %q: %w", ref, err)
	}
	return s, nil
}

// ResolveVariants finds every referenced variant in one query, in the order
// given. An unknown SKU or id fails with a NotFound error naming it.
func (db *DB) ResolveVariants(ctx context.Context, q backend.Querier, storeID int64, refs []VariantRef) ([]Variant, error) {
	q = db.querier(q)
	if len(refs) == 0 {
		return nil, nil
	}
	var skus []string
	var ids []int64
	for _, r := range refs {
		switch {
		case r.SKU != "":
			skus = append(skus, r.SKU)
		case r.ID > 0:
			ids = append(ids, r.ID)
		default:
			return nil, inventory.Errorf(inventory.Invalid, "a line names no variant: give sku (or variant_id)")
		}
	}
	args := []any{storeID}
	var where []string
	if len(skus) > 0 {
		where = append(where, "v.sku IN ("+placeholders(&args, skus)+")")
	}
	if len(ids) > 0 {
		where = append(where, "v.id IN ("+placeholders(&args, ids)+")")
	}
	rows, err := q.Query(ctx, `SELECT v.id, v.product_id, v.sku, p.title, v.title, p.vendor, v.price_cents, v.cost_cents
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE v.store_id = $1 AND (`+strings.Join(where, " OR ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("looking up variants: %w", err)
	}
	defer rows.Close()
	bySKU := map[string]Variant{}
	byID := map[int64]Variant{}
	for rows.Next() {
		var v Variant
		if err := rows.Scan(&v.ID, &v.ProductID, &v.SKU, &v.ProductTitle, &v.Title, &v.Vendor, &v.PriceCents, &v.CostCents); err != nil {
			return nil, fmt.Errorf("looking up variants: %w", err)
		}
		bySKU[v.SKU], byID[v.ID] = v, v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("looking up variants: %w", err)
	}
	out := make([]Variant, len(refs))
	var missing []string
	for i, r := range refs {
		v, ok := bySKU[r.SKU]
		if r.SKU == "" {
			v, ok = byID[r.ID]
		}
		if !ok {
			missing = append(missing, r.String())
		}
		if ok && r.SKU != "" && r.ID != 0 && r.ID != v.ID {
			// Both given and they disagree: which one was meant cannot be
			// guessed, and guessing would change the wrong variant.
			return nil, inventory.FieldErrorf("variant_id", inventory.Invalid,
				"sku %q is variant_id %d, but variant_id %d was given with it: give only sku or only variant_id, or make them name the same variant", r.SKU, v.ID, r.ID)
		}
		out[i] = v
	}
	if len(missing) > 0 {
		return nil, inventory.Errorf(inventory.NotFound, "no variant in this store has %s: check SKUs with search_products", quoteList(missing))
	}
	return out, nil
}

func quoteList(items []string) string {
	if len(items) > 10 {
		items = append(items[:10:10], fmt.Sprintf("… (%d more)", len(items)-10))
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
