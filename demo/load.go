package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/progress"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
)

// copyBatch bounds the rows held in memory per CopyFrom call; the sales of
// a 100,000-variant store are millions of rows.
const copyBatch = 20000

// loaded is what the bulk load created, for the documents and rules built
// on top of it.
type loaded struct {
	storeID     int64
	today       time.Time      // the store's date, as a DATE column holds it
	zone        *time.Location // the store's, for times of day
	locationIDs []int64
	supplierIDs []int64
	productIDs  []int64
	variantIDs  []int64
	postgres    bool
	progress    progress.Reporter
}

// batcher collects rows for one table and copies them in batches.
type batcher struct {
	ctx     context.Context
	tx      backend.Tx
	table   string
	columns []string
	rows    [][]any
	// Copied rows are reported to progress as phase, of total.
	progress      progress.Reporter
	phase         string
	copied, total int64
}

func newBatcher(ctx context.Context, tx backend.Tx, table string, columns ...string) *batcher {
	return &batcher{ctx: ctx, tx: tx, table: table, columns: columns, progress: progress.Nop{}}
}

// reporting has b report its copied rows as phase, of total (0: unknown).
func (b *batcher) reporting(p progress.Reporter, phase string, total int) *batcher {
	b.progress, b.phase, b.total = p, phase, int64(total)
	return b
}

func (b *batcher) add(row ...any) error {
	b.rows = append(b.rows, row)
	if len(b.rows) >= copyBatch {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.rows) == 0 {
		return nil
	}
	if _, err := b.tx.CopyFrom(b.ctx, b.table, b.columns, b.rows); err != nil {
		return fmt.Errorf("loading %s: %w", b.table, err)
	}
	b.copied += int64(len(b.rows))
	b.progress.Report(b.phase, b.copied, b.total)
	b.rows = b.rows[:0]
	return nil
}

// loadCatalog writes the locations, suppliers, products, variants, supplier
// terms, starting stock (levels with their ledger rows) and sales.
func loadCatalog(ctx context.Context, tx backend.Tx, postgres bool, storeID int64, seed int64, c *catalog, now time.Time, tz string, p progress.Reporter) (*loaded, error) {
	// The sales run up to the store's today, so that a store west or east
	// of UTC does not look a day off.
	today := storage.StoreDate(now, tz)
	zone, zerr := time.LoadLocation(tz)
	if zerr != nil {
		zone = time.UTC // as StoreDate: zones are validated when stores are created
	}
	ld := &loaded{storeID: storeID, today: today, zone: zone, postgres: postgres, progress: p}

	// Written here rather than with CreateLocation and CreateSupplier,
	// which take no address or phone: the demo's names are fixed and valid.
	for _, l := range locationSpecs {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO locations (store_id, name, code, kind, address, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, storeID, l.name, l.code, l.kind, l.address, now).Scan(&id); err != nil {
			return nil, fmt.Errorf("creating location %s: %w", l.name, err)
		}
		ld.locationIDs = append(ld.locationIDs, id)
	}
	for _, s := range supplierSpecs {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO suppliers (store_id, name, email, phone, currency, lead_time_days, min_order_cents, created_at)
			VALUES ($1, $2, $3, $4, 'USD', $5, $6, $7) RETURNING id`,
			storeID, s.name, s.email, s.phone, s.leadTimeDays, s.minOrderCents, now).Scan(&id); err != nil {
			return nil, fmt.Errorf("creating supplier %s: %w", s.name, err)
		}
		ld.supplierIDs = append(ld.supplierIDs, id)
	}

	var err error
	if ld.productIDs, err = tx.ReserveIDs(ctx, "products", len(c.products)); err != nil {
		return nil, err
	}
	products := newBatcher(ctx, tx, "products", "store_id", "id", "title", "vendor", "product_type", "status", "created_at").
		reporting(p, "loading products", len(c.products))
	for i, p := range c.products {
		created := now.Add(-time.Duration(p.createdDays) * 24 * time.Hour)
		if err := products.add(storeID, ld.productIDs[i], p.title, vendorSpecs[p.vendor], p.cat.productType, "active", created); err != nil {
			return nil, err
		}
	}
	if err := products.flush(); err != nil {
		return nil, err
	}

	if ld.variantIDs, err = tx.ReserveIDs(ctx, "variants", c.variants); err != nil {
		return nil, err
	}
	variants := newBatcher(ctx, tx, "variants", "store_id", "id", "product_id", "sku", "barcode", "title",
		"option1", "option2", "price_cents", "cost_cents", "created_at").
		reporting(p, "loading variants", c.variants)
	if err := c.each(func(v *genVariant) error {
		p := c.products[v.product]
		created := now.Add(-time.Duration(p.createdDays) * 24 * time.Hour)
		return variants.add(storeID, ld.variantIDs[v.index], ld.productIDs[v.product], v.sku, v.barcode, v.title,
			v.option1, v.option2, v.price, v.cost, created)
	}); err != nil {
		return nil, err
	}
	if err := variants.flush(); err != nil {
		return nil, err
	}

	terms := newBatcher(ctx, tx, "supplier_variants", "store_id", "supplier_id", "variant_id", "supplier_sku",
		"unit_cost_cents", "min_order_qty", "pack_size", "lead_time_days", "is_primary").
		reporting(p, "loading supplier terms", 0)
	if err := c.each(func(v *genVariant) error {
		for j, t := range []*supplierTermsSpec{&v.supplier, v.second} {
			if t == nil {
				continue
			}
			var lead any
			if t.leadTime != nil {
				lead = *t.leadTime
			}
			if err := terms.add(storeID, ld.supplierIDs[t.supplier], ld.variantIDs[v.index], t.supplierSKU,
				t.unitCost, t.minOrder, t.packSize, lead, j == 0); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := terms.flush(); err != nil {
		return nil, err
	}

	if err := ld.analyze(ctx, tx, "products", "variants", "supplier_variants"); err != nil {
		return nil, err
	}
	if err := loadStock(ctx, tx, ld, seed, c, now); err != nil {
		return nil, err
	}
	if err := loadSales(ctx, tx, ld, seed, c); err != nil {
		return nil, err
	}
	return ld, nil
}

// loadStock writes each starting level together with one ledger row per
// non-zero quantity, the rows ApplyChanges would have written, so that
// every stored quantity equals the sum of its adjustments from the start.
func loadStock(ctx context.Context, tx backend.Tx, ld *loaded, seed int64, c *catalog, now time.Time) error {
	levels := newBatcher(ctx, tx, "inventory_levels", "store_id", "variant_id", "location_id",
		"on_hand", "committed", "damaged", "quality_control", "updated_at").
		reporting(ld.progress, "loading stock levels", 0)
	ledger := newBatcher(ctx, tx, "inventory_adjustments", "store_id", "variant_id", "location_id",
		"quantity_name", "delta", "reason", "document_number", "at").
		reporting(ld.progress, "loading the opening stock's ledger rows", 0)
	// The opening stock is dated the morning before the sales history
	// starts, so an item's history reads in order: opening balance, then
	// the documents that moved it.
	opening := ld.today.AddDate(0, 0, -salesDays-1).Add(7 * time.Hour)
	// Stamped as a bulk load's: the build's plan covers them (BuildPlan).
	stamp := plan.BulkStamp(now)
	// Each pass draws the variants and their starting stock again rather
	// than holding them: at a million variants they would not fit the
	// demo's memory.
	if err := c.each(func(v *genVariant) error {
		for _, lv := range stockFor(seed, c, v, ld.today) {
			if err := levels.add(ld.storeID, ld.variantIDs[v.index], ld.locationIDs[lv.location], lv.onHand, lv.committed, lv.damaged, lv.qc, stamp); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := levels.flush(); err != nil {
		return err
	}
	// Fresh statistics on the levels just loaded, so the ledger's foreign
	// key checks find them by index.
	if err := ld.analyze(ctx, tx, "inventory_levels"); err != nil {
		return err
	}
	if err := c.each(func(v *genVariant) error {
		for _, lv := range stockFor(seed, c, v, ld.today) {
			for _, q := range []struct {
				name  inventory.Quantity
				delta int64
			}{{inventory.OnHand, lv.onHand}, {inventory.Committed, lv.committed}, {inventory.Damaged, lv.damaged}, {inventory.QualityControl, lv.qc}} {
				if q.delta == 0 {
					continue
				}
				if err := ledger.add(ld.storeID, ld.variantIDs[v.index], ld.locationIDs[lv.location], string(q.name), q.delta,
					string(inventory.ReasonCorrection), ledgerDocument, opening); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return ledger.flush()
}

// ledgerDocument is the document reference of the starting stock's ledger rows.
const ledgerDocument = "demo"

// loadSales generates the sales history in a goroutine while the previous
// batch is being copied, which keeps both cores busy on a large store.
func loadSales(ctx context.Context, tx backend.Tx, ld *loaded, seed int64, c *catalog) error {
	days := make([]time.Time, salesDays)
	for d := range days {
		days[d] = ld.today.AddDate(0, 0, d-salesDays)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan [][]any, 2)
	go func() {
		defer close(batches)
		var buf []sale
		rows := make([][]any, 0, copyBatch)
		total := int64(c.variants)
		// each stops at the first error: the cancel, when the copy failed.
		_ = c.each(func(v *genVariant) error {
			buf = variantSales(seed, c, v, days, buf[:0])
			for _, s := range buf {
				rows = append(rows, []any{ld.storeID, ld.variantIDs[v.index], ld.locationIDs[s.location], days[s.day], s.units, s.revenue})
			}
			if len(rows) >= copyBatch {
				ld.progress.Report("loading the sales history, variants", int64(v.index+1), total)
				select {
				case batches <- rows:
				case <-ctx.Done():
					return ctx.Err()
				}
				rows = make([][]any, 0, copyBatch+salesDays*len(locationSpecs))
			}
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		ld.progress.Report("loading the sales history, variants", total, total)
		if len(rows) > 0 {
			select {
			case batches <- rows:
			case <-ctx.Done():
			}
		}
	}()
	columns := []string{"store_id", "variant_id", "location_id", "day", "units", "revenue_cents"}
	for rows := range batches {
		if _, err := tx.CopyFrom(ctx, "daily_sales", columns, rows); err != nil {
			cancel()
			for range batches { // let the generator see the cancel and stop
			}
			return fmt.Errorf("loading daily_sales: %w", err)
		}
	}
	// A cancelled context stops the generator early: never commit half.
	return ctx.Err()
}

// analyze refreshes PostgreSQL's statistics of tables loaded in this
// transaction (ANALYZE sees the transaction's own rows), so that the
// foreign key checks of the next tables, and the documents' queries, use
// indexes. SQLite needs no statistics for that.
func (ld *loaded) analyze(ctx context.Context, tx backend.Tx, tables ...string) error {
	if !ld.postgres {
		return nil
	}
	for _, t := range tables {
		if _, err := tx.Exec(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("analyzing %s: %w", t, err)
		}
	}
	return nil
}
