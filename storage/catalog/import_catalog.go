package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/storage/backend"
)

// importedProduct is a product as the import compares it: by handle.
type importedProduct struct {
	id                                   int64
	handle, title, vendor, ptype, status string
	isNew                                bool
}

// importedVariant is a variant as the import compares it: by SKU.
type importedVariant struct {
	id, productID             int64
	sku, barcode, title       string
	option1, option2, option3 string
	price, cost               int64
}

// ImportProducts creates and updates products and variants from Shopify's
// product export: products by handle, variants by SKU. A variant whose SKU
// belongs to another product moves to the file's. Nothing is deleted.
func (db *DB) ImportProducts(ctx context.Context, storeID int64, src imports.Source[imports.ProductRow], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportProducts, opts, func(tx backend.Tx, sum *ImportSummary) error {
		keeper, err := db.newPlanKeeper(ctx, tx, storeID)
		if err != nil {
			return err
		}
		existing, err := loadProducts(ctx, tx, storeID)
		if err != nil {
			return err
		}
		variants, err := loadVariants(ctx, tx, storeID)
		if err != nil {
			return err
		}
		w := &catalogWriter{db: db, tx: tx, storeID: storeID, sum: sum, keeper: keeper, an: db.newAnalyzer(sum)}
		byHandle := map[string]*importedProduct{} // products met in the file
		products, vcounts := sum.counts("products"), sum.counts("variants")
		err = drain(src, sum, opts.Progress, func(r imports.ProductRow) error {
			p := byHandle[r.Handle]
			if r.HasProduct {
				want := importedProduct{handle: r.Handle, title: r.Title, vendor: r.Vendor, ptype: r.ProductType, status: r.Status}
				switch old := existing[r.Handle]; {
				case old == nil:
					want.isNew = true
					p = &want
					w.newProducts = append(w.newProducts, p)
					products.Created++
				case old.title != want.title || old.vendor != want.vendor || old.ptype != want.ptype || old.status != want.status:
					want.id = old.id
					p = &want
					w.changedProducts = append(w.changedProducts, p)
					products.Updated++
				default:
					p = old
					products.Unchanged++
				}
				byHandle[r.Handle] = p
			}
			if !r.HasVariant || p == nil {
				return w.maybeFlush(ctx)
			}
			want := importedVariant{sku: r.SKU, barcode: r.Barcode, option1: r.Option1, option2: r.Option2, option3: r.Option3,
				price: r.PriceCents, cost: r.CostCents}
			want.title = variantTitle(NewVariant{Option1: r.Option1, Option2: r.Option2, Option3: r.Option3})
			old := variants[r.SKU]
			switch {
			case old == nil:
				vcounts.Created++
				w.newVariants = append(w.newVariants, pendingVariant{v: want, product: p})
			case p.isNew || old.productID != p.id || old.barcode != want.barcode || old.title != want.title ||
				old.option1 != want.option1 || old.option2 != want.option2 || old.option3 != want.option3 ||
				old.price != want.price || old.cost != want.cost:
				vcounts.Updated++
				want.id = old.id
				w.changedVariants = append(w.changedVariants, pendingVariant{v: want, product: p})
			default:
				vcounts.Unchanged++
			}
			return w.maybeFlush(ctx)
		})
		if err != nil {
			return err
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		if !sum.ok() {
			return nil
		}
		return keeper.finish(ctx, tx, storeID)
	})
}

func loadProducts(ctx context.Context, tx backend.Tx, storeID int64) (map[string]*importedProduct, error) {
	rows, err := tx.Query(ctx, `SELECT id, handle, title, vendor, product_type, status FROM products WHERE store_id = $1 AND handle <> ''`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the store's products: %w", err)
	}
	defer rows.Close()
	out := map[string]*importedProduct{}
	for rows.Next() {
		p := &importedProduct{}
		if err := rows.Scan(&p.id, &p.handle, &p.title, &p.vendor, &p.ptype, &p.status); err != nil {
			return nil, fmt.Errorf("reading the store's products: %w", err)
		}
		out[p.handle] = p
	}
	return out, rows.Err()
}

func loadVariants(ctx context.Context, tx backend.Tx, storeID int64) (map[string]*importedVariant, error) {
	rows, err := tx.Query(ctx, `SELECT id, product_id, sku, barcode, title, option1, option2, option3, price_cents, cost_cents
		FROM variants WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the store's variants: %w", err)
	}
	defer rows.Close()
	out := map[string]*importedVariant{}
	for rows.Next() {
		v := &importedVariant{}
		if err := rows.Scan(&v.id, &v.productID, &v.sku, &v.barcode, &v.title, &v.option1, &v.option2, &v.option3, &v.price, &v.cost); err != nil {
			return nil, fmt.Errorf("reading the store's variants: %w", err)
		}
		out[v.sku] = v
	}
	return out, rows.Err()
}

type pendingVariant struct {
	v       importedVariant
	product *importedProduct
}

// catalogWriter writes products and variants in batches: new ones with the
// backend's bulk path, changed ones one UPDATE each.
type catalogWriter struct {
	db      *DB
	tx      backend.Tx
	storeID int64
	sum     *ImportSummary
	keeper  *planKeeper
	an      *analyzer

	newProducts, changedProducts   []*importedProduct
	newVariants, changedVariants   []pendingVariant
	loadedProducts, loadedVariants int
}

func (w *catalogWriter) maybeFlush(ctx context.Context) error {
	if len(w.newProducts)+len(w.changedProducts)+len(w.newVariants)+len(w.changedVariants) < importBatch {
		return nil
	}
	return w.flush(ctx)
}

func (w *catalogWriter) flush(ctx context.Context) error {
	defer func() {
		w.newProducts, w.changedProducts = w.newProducts[:0], w.changedProducts[:0]
		w.newVariants, w.changedVariants = w.newVariants[:0], w.changedVariants[:0]
	}()
	if !w.sum.ok() {
		// The file will be refused: checking the rest is all that is left.
		return nil
	}
	now := w.db.Now()
	if n := len(w.newProducts); n > 0 {
		ids, err := w.tx.ReserveIDs(ctx, "products", n)
		if err != nil {
			return err
		}
		rows := make([][]any, n)
		for i, p := range w.newProducts {
			p.id, p.isNew = ids[i], false
			rows[i] = []any{w.storeID, p.id, p.handle, p.title, p.vendor, p.ptype, p.status, now}
		}
		if _, err := w.tx.CopyFrom(ctx, "products", []string{"store_id", "id", "handle", "title", "vendor", "product_type", "status", "created_at"}, rows); err != nil {
			return fmt.Errorf("creating products: %w", err)
		}
		w.loadedProducts += n
		if err := w.an.after(ctx, w.tx, "products", w.loadedProducts); err != nil {
			return err
		}
	}
	for _, p := range w.changedProducts {
		if _, err := w.tx.Exec(ctx, `UPDATE products SET title = $3, vendor = $4, product_type = $5, status = $6 WHERE store_id = $1 AND id = $2`,
			w.storeID, p.id, p.title, p.vendor, p.ptype, p.status); err != nil {
			return fmt.Errorf("updating product %q: %w", p.handle, err)
		}
		w.keeper.markProduct(p.id)
	}
	if n := len(w.newVariants); n > 0 {
		ids, err := w.tx.ReserveIDs(ctx, "variants", n)
		if err != nil {
			return err
		}
		rows := make([][]any, n)
		for i, pv := range w.newVariants {
			v := pv.v
			rows[i] = []any{w.storeID, ids[i], pv.product.id, v.sku, v.barcode, v.title, v.option1, v.option2, v.option3, v.price, v.cost, now}
		}
		if _, err := w.tx.CopyFrom(ctx, "variants", []string{"store_id", "id", "product_id", "sku", "barcode", "title",
			"option1", "option2", "option3", "price_cents", "cost_cents", "created_at"}, rows); err != nil {
			return fmt.Errorf("creating variants: %w", err)
		}
		w.loadedVariants += n
		if err := w.an.after(ctx, w.tx, "variants", w.loadedVariants); err != nil {
			return err
		}
	}
	for _, pv := range w.changedVariants {
		v := pv.v
		if _, err := w.tx.Exec(ctx, `UPDATE variants SET product_id = $3, barcode = $4, title = $5, option1 = $6, option2 = $7, option3 = $8,
			price_cents = $9, cost_cents = $10 WHERE store_id = $1 AND id = $2`,
			w.storeID, v.id, pv.product.id, v.barcode, v.title, v.option1, v.option2, v.option3, v.price, v.cost); err != nil {
			return fmt.Errorf("updating variant %q: %w", v.sku, err)
		}
		w.keeper.mark(v.id)
	}
	return nil
}

// ImportSuppliers creates and updates suppliers by name (case-insensitive).
// An empty cell leaves an existing supplier's value as it is.
func (db *DB) ImportSuppliers(ctx context.Context, storeID int64, src imports.Source[imports.SupplierRow], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportSuppliers, opts, func(tx backend.Tx, sum *ImportSummary) error {
		type supplier struct {
			id                     int64
			name, email, phone, cc string
			lead, minOrder         int64
		}
		existing := map[string]*supplier{}
		rows, err := tx.Query(ctx, `SELECT id, name, email, phone, currency, lead_time_days, min_order_cents FROM suppliers WHERE store_id = $1`, storeID)
		if err != nil {
			return fmt.Errorf("reading the store's suppliers: %w", err)
		}
		for rows.Next() {
			s := &supplier{}
			if err := rows.Scan(&s.id, &s.name, &s.email, &s.phone, &s.cc, &s.lead, &s.minOrder); err != nil {
				rows.Close()
				return fmt.Errorf("reading the store's suppliers: %w", err)
			}
			existing[strings.ToLower(s.name)] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reading the store's suppliers: %w", err)
		}
		c := sum.counts("suppliers")
		now := db.Now()
		return drain(src, sum, opts.Progress, func(r imports.SupplierRow) error {
			old := existing[strings.ToLower(r.Name)]
			s := supplier{name: r.Name, lead: 14}
			if old != nil {
				s = *old
			}
			for _, f := range []struct {
				v   *string
				dst *string
			}{{r.Email, &s.email}, {r.Phone, &s.phone}, {r.Currency, &s.cc}} {
				if f.v != nil {
					*f.dst = *f.v
				}
			}
			if r.LeadTimeDays != nil {
				s.lead = *r.LeadTimeDays
			}
			if r.MinOrderCents != nil {
				s.minOrder = *r.MinOrderCents
			}
			switch {
			case old == nil:
				c.Created++
				if !sum.ok() {
					return nil
				}
				_, err := tx.Exec(ctx, `INSERT INTO suppliers (store_id, name, email, phone, currency, lead_time_days, min_order_cents, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, storeID, s.name, s.email, s.phone, s.cc, s.lead, s.minOrder, now)
				if err != nil {
					return fmt.Errorf("creating supplier %q: %w", s.name, err)
				}
			case s != *old:
				c.Updated++
				if !sum.ok() {
					return nil
				}
				// The name keeps the store's spelling: it is the key.
				_, err := tx.Exec(ctx, `UPDATE suppliers SET email = $3, phone = $4, currency = $5, lead_time_days = $6, min_order_cents = $7
					WHERE store_id = $1 AND id = $2`, storeID, old.id, s.email, s.phone, s.cc, s.lead, s.minOrder)
				if err != nil {
					return fmt.Errorf("updating supplier %q: %w", s.name, err)
				}
			default:
				c.Unchanged++
			}
			return nil
		})
	})
}
