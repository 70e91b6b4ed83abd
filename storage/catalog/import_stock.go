package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/logistified/mcp-server/imports"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/plan"
)

// ImportInventory sets levels from Shopify's inventory export. Locations
// are created by name when missing. A level that changes goes through the
// ledger: one row per changed quantity, reason correction, the file's name
// as its reference, so get_inventory_history shows when and why stock
// jumped. "not stocked" makes no level (and leaves an existing one alone).
func (db *DB) ImportInventory(ctx context.Context, storeID int64, src imports.Source[imports.LevelRow], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportInventory, opts, func(tx backend.Tx, sum *ImportSummary) error {
		skus, err := skuIndex(ctx, tx, storeID)
		if err != nil {
			return err
		}
		locs, err := loadLocations(ctx, tx, storeID)
		if err != nil {
			return err
		}
		w := &levelWriter{db: db, tx: tx, storeID: storeID, sum: sum, an: db.newAnalyzer(sum),
			m: storage.Movement{Reason: inventory.ReasonCorrection, Document: opts.FileName}}
		lc := sum.counts("locations")
		seen := map[[2]int64]int{} // variant and location → line
		err = drain(src, sum, opts.Progress, func(r imports.LevelRow) error {
			vid, ok := skus[r.SKU]
			if !ok {
				return db.failMissingSKU(ctx, tx, storeID, sum, r.Line, "SKU", r.SKU, "")
			}
			loc, ok := locs.find(r.Location)
			if ok {
				key := [2]int64{vid, loc.ID}
				if prev, dup := seen[key]; dup {
					sum.failf(r.Line, "Location", "SKU %q at %q is already on line %d: give each variant and location once", r.SKU, r.Location, prev)
					return nil
				}
				seen[key] = r.Line
			}
			if r.NotStocked {
				sum.skip("not stocked")
				return nil
			}
			if !ok {
				loc = storage.Location{Name: r.Location}
				if sum.ok() {
					if loc, err = db.createImportedLocation(ctx, tx, storeID, r.Location); err != nil {
						return err
					}
				}
				locs.add(loc)
				lc.Created++
				seen[[2]int64{vid, loc.ID}] = r.Line
			}
			w.pending = append(w.pending, pendingLevel{row: r, variantID: vid, loc: loc})
			if len(w.pending) >= importBatch {
				return w.flush(ctx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		c := sum.counts("levels")
		sum.manyLevels = c.Created+c.Updated > plan.MaxIncremental
		if sum.manyLevels {
			sum.grown = append(sum.grown, "inventory_levels")
		}
		return nil
	})
}

var codeChars = regexp.MustCompile(`[^A-Z0-9]+`)

// createImportedLocation creates a location named as in the file, with a
// code made from its name.
func (db *DB) createImportedLocation(ctx context.Context, tx backend.Tx, storeID int64, name string) (storage.Location, error) {
	code := strings.Trim(codeChars.ReplaceAllString(strings.ToUpper(name), "-"), "-")
	if len(code) > 20 {
		code = strings.TrimRight(code[:20], "-")
	}
	if code == "" {
		code = "LOC"
	}
	for i := 1; ; i++ {
		try := code
		if i > 1 {
			try = code + "-" + strconv.Itoa(i)
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM locations WHERE store_id = $1 AND (lower(code) = lower($2) OR lower(name) = lower($2))`, storeID, try)
		if err != nil {
			return storage.Location{}, fmt.Errorf("creating location %q: %w", name, err)
		}
		if !taken {
			return db.CreateLocation(ctx, tx, storeID, NewLocation{Name: name, Code: try})
		}
	}
}

type pendingLevel struct {
	row       imports.LevelRow
	variantID int64
	loc       storage.Location
}

// storedLevel is a level's stored quantities.
type storedLevel struct {
	onHand, committed, incoming, reserved, damaged, safety, qc int64
}

// levelWriter applies a batch of levels: new ones in bulk with their
// opening ledger rows, changed ones through ApplyChanges.
type levelWriter struct {
	db      *DB
	tx      backend.Tx
	storeID int64
	sum     *ImportSummary
	an      *analyzer
	m       storage.Movement
	pending []pendingLevel
	loaded  int
}

func (w *levelWriter) flush(ctx context.Context) error {
	batch := w.pending
	w.pending = w.pending[:0]
	if len(batch) == 0 {
		return nil
	}
	c := w.sum.counts("levels")
	if !w.sum.ok() {
		c.Created += int64(len(batch)) // an estimate; nothing is written
		return nil
	}
	vids := make([]int64, len(batch))
	for i, p := range batch {
		vids[i] = p.variantID
	}
	args := []any{w.storeID}
	in := storage.Placeholders(&args, vids)
	stored := map[[2]int64]storedLevel{}
	rows, err := w.tx.Query(ctx, `SELECT variant_id, location_id, on_hand, committed, incoming, reserved, damaged, safety_stock, quality_control
		FROM inventory_levels WHERE store_id = $1 AND variant_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("reading levels: %w", err)
	}
	for rows.Next() {
		var v, l int64
		var s storedLevel
		if err := rows.Scan(&v, &l, &s.onHand, &s.committed, &s.incoming, &s.reserved, &s.damaged, &s.safety, &s.qc); err != nil {
			rows.Close()
			return fmt.Errorf("reading levels: %w", err)
		}
		stored[[2]int64{v, l}] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading levels: %w", err)
	}
	now := w.db.Now()
	var newLevels, ledger [][]any
	var changes []storage.Change
	for _, p := range batch {
		r := p.row
		s, ok := stored[[2]int64{p.variantID, p.loc.ID}]
		if !ok {
			c.Created++
			// Shopify's unavailable units are kept as damaged: the export
			// does not say which kind they are.
			// The new level is stamped as a bulk load's (bulkStamp): the
			// import folds it in before it commits.
			newLevels = append(newLevels, []any{w.storeID, p.variantID, p.loc.ID, r.OnHand, r.Committed, r.Incoming, r.Unavailable,
				plan.BulkStamp(w.sum.started)})
			for _, q := range []struct {
				name  inventory.Quantity
				delta int64
			}{{inventory.OnHand, r.OnHand}, {inventory.Committed, r.Committed}, {inventory.Incoming, r.Incoming}, {inventory.Damaged, r.Unavailable}} {
				if q.delta != 0 {
					ledger = append(ledger, []any{w.storeID, p.variantID, p.loc.ID, string(q.name), q.delta,
						string(w.m.Reason), w.m.Document, now})
				}
			}
			continue
		}
		ch := levelChanges(s, r)
		if len(ch) == 0 {
			c.Unchanged++
			continue
		}
		c.Updated++
		for _, x := range ch {
			x.VariantID, x.LocationID, x.SKU, x.Location = p.variantID, p.loc.ID, r.SKU, p.loc.Name
			changes = append(changes, x)
		}
	}
	if len(newLevels) > 0 {
		if _, err := w.tx.CopyFrom(ctx, "inventory_levels", []string{"store_id", "variant_id", "location_id",
			"on_hand", "committed", "incoming", "damaged", "updated_at"}, newLevels); err != nil {
			return fmt.Errorf("creating levels: %w", err)
		}
		w.loaded += len(newLevels)
		if err := w.an.after(ctx, w.tx, "inventory_levels", w.loaded); err != nil {
			return err
		}
	}
	if len(ledger) > 0 {
		if _, err := w.tx.CopyFrom(ctx, "inventory_adjustments", []string{"store_id", "variant_id", "location_id",
			"quantity_name", "delta", "reason", "document_number", "at"}, ledger); err != nil {
			return fmt.Errorf("writing the ledger: %w", err)
		}
		w.sum.LedgerRows += int64(len(ledger))
	}
	if len(changes) > 0 {
		effects, err := w.db.ApplyChanges(ctx, w.tx, w.storeID, w.m, changes)
		if err != nil {
			return err
		}
		w.sum.LedgerRows += int64(len(effects))
	}
	return nil
}

// levelChanges are the changes that bring a stored level to the file's.
// Shopify's unavailable total is compared with the stored sum of reserved,
// damaged, safety stock and quality control; a rise is added to damaged, a
// fall taken from damaged, then quality control, safety stock and reserved,
// so that no quantity goes below zero.
func levelChanges(s storedLevel, r imports.LevelRow) []storage.Change {
	var out []storage.Change
	add := func(q inventory.Quantity, delta int64) {
		if delta != 0 {
			out = append(out, storage.Change{Quantity: q, Delta: delta})
		}
	}
	add(inventory.OnHand, r.OnHand-s.onHand)
	add(inventory.Committed, r.Committed-s.committed)
	add(inventory.Incoming, r.Incoming-s.incoming)
	d := r.Unavailable - (s.reserved + s.damaged + s.safety + s.qc)
	if d > 0 {
		add(inventory.Damaged, d)
	}
	for _, q := range []struct {
		name inventory.Quantity
		have int64
	}{{inventory.Damaged, s.damaged}, {inventory.QualityControl, s.qc}, {inventory.SafetyStock, s.safety}, {inventory.Reserved, s.reserved}} {
		if d >= 0 {
			break
		}
		take := min(-d, q.have)
		add(q.name, -take)
		d += take
	}
	return out
}

// ImportSales sets daily sales from a sales file (day,sku,location,units,
// revenue): each row replaces the stored sales of its variant, location
// and day. A variant, location and day given twice is an error.
func (db *DB) ImportSales(ctx context.Context, storeID int64, src imports.Source[imports.SaleRow], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportSales, opts, func(tx backend.Tx, sum *ImportSummary) error {
		st, err := db.newSalesStage(ctx, tx, storeID, sum)
		if err != nil {
			return err
		}
		err = drain(src, sum, opts.Progress, func(r imports.SaleRow) error {
			vid, ok := st.skus[r.SKU]
			if !ok {
				return db.failMissingSKU(ctx, tx, storeID, sum, r.Line, "sku", r.SKU, "")
			}
			loc, ok := st.locs.find(r.Location)
			if !ok {
				sum.failf(r.Line, "location", "no location %q in this store%s: import the inventory export first (it creates the locations), or fix the name", r.Location, st.locationHint(r.Location))
				return nil
			}
			return st.add(ctx, vid, loc.ID, r.Day, r.Units, r.RevenueCents, r.Line)
		})
		if err != nil {
			return err
		}
		if err := st.flush(ctx); err != nil || !sum.ok() {
			return err
		}
		dups, err := storage.Collect(ctx, tx, "checking for repeated rows", func(r backend.Rows) ([2]int64, error) {
			var d [2]int64
			return d, r.Scan(&d[0], &d[1])
		}, `SELECT MIN(line), MAX(line) FROM import_stage GROUP BY variant_id, location_id, day HAVING COUNT(*) > 1 ORDER BY 1 LIMIT 101`)
		if err != nil {
			return err
		}
		for _, d := range dups {
			sum.failf(int(d[1]), "", "the same SKU, location and day as line %d: give each once", d[0])
		}
		if !sum.ok() {
			return nil
		}
		return st.merge(ctx)
	})
}

// ImportOrders sums Shopify's orders export into daily sales per variant,
// location and day, and replaces the stored sales of each variant,
// location and day the file has. The day is the order's date in the
// store's time zone (Shopify writes Created at in the shop's zone, so this
// is the date as written; other tools may write UTC); lines of cancelled, refunded or voided orders and lines
// without a SKU do not count. Orders without a location count at
// opts.Location (or at the store's only location).
func (db *DB) ImportOrders(ctx context.Context, storeID int64, src imports.Source[imports.OrderLine], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportOrders, opts, func(tx backend.Tx, sum *ImportSummary) error {
		st, err := db.newSalesStage(ctx, tx, storeID, sum)
		if err != nil {
			return err
		}
		tz, err := db.StoreZone(ctx, tx, storeID)
		if err != nil {
			return err
		}
		var fallback *storage.Location
		if opts.Location != "" {
			l, ok := st.locs.find(opts.Location)
			if !ok {
				return inventory.Errorf(inventory.NotFound, "no location %q in this store%s: give --location the name or code of one", opts.Location, nameHint(st.locs.candidates(), opts.Location))
			}
			fallback = &l
		} else if only := st.onlyLocation(); only != nil {
			fallback = only
		}
		err = drain(src, sum, opts.Progress, func(r imports.OrderLine) error {
			if !r.Counted {
				sum.skip(r.Skip)
				return nil
			}
			vid, ok := st.skus[r.SKU]
			if !ok {
				return db.failMissingSKU(ctx, tx, storeID, sum, r.Line, "Lineitem sku", r.SKU, " (order "+r.Order+")")
			}
			var loc storage.Location
			switch {
			case r.Location != "":
				if loc, ok = st.locs.find(r.Location); !ok {
					sum.failf(r.Line, "Location", "order %s is at %q, which is not a location of this store%s: import the inventory export first (it creates the locations), or fix the name", r.Order, r.Location, st.locationHint(r.Location))
					return nil
				}
			case fallback != nil:
				loc = *fallback
			default:
				sum.failf(r.Line, "Location", "order %s has no location and the store has several: give --location NAME for orders without one", r.Order)
				return nil
			}
			day := r.Day
			if !r.Created.IsZero() {
				day = storage.StoreDate(r.Created, tz)
			}
			return st.add(ctx, vid, loc.ID, day, r.Quantity, r.RevenueCents, r.Line)
		})
		if err != nil {
			return err
		}
		if err := st.flush(ctx); err != nil || !sum.ok() {
			return err
		}
		return st.merge(ctx)
	})
}

// salesStage collects a file's sales in a temporary table, so that a file
// of any length is summed and compared by the database rather than in
// memory.
type salesStage struct {
	db      *DB
	tx      backend.Tx
	storeID int64
	skus    map[string]int64
	locs    locationIndex
	rows    [][]any
	sum     *ImportSummary
}

func (db *DB) newSalesStage(ctx context.Context, tx backend.Tx, storeID int64, sum *ImportSummary) (*salesStage, error) {
	skus, err := skuIndex(ctx, tx, storeID)
	if err != nil {
		return nil, err
	}
	locs, err := loadLocations(ctx, tx, storeID)
	if err != nil {
		return nil, err
	}
	create := `CREATE TEMPORARY TABLE import_stage (variant_id BIGINT NOT NULL, location_id BIGINT NOT NULL, day DATE NOT NULL,
		units BIGINT NOT NULL, revenue_cents BIGINT NOT NULL, line BIGINT NOT NULL)`
	if db.b.Dialect().Name == "postgres" {
		create += ` ON COMMIT DROP`
	} else if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS temp.import_stage`); err != nil {
		return nil, fmt.Errorf("preparing the import: %w", err)
	}
	if _, err := tx.Exec(ctx, create); err != nil {
		return nil, fmt.Errorf("preparing the import: %w", err)
	}
	return &salesStage{db: db, tx: tx, storeID: storeID, skus: skus, locs: locs, sum: sum}, nil
}

// onlyLocation is the store's location when it has exactly one.
func (s *salesStage) onlyLocation() *storage.Location {
	var only *storage.Location
	for _, l := range s.locs {
		if only != nil && only.ID != l.ID {
			return nil
		}
		l := l
		only = &l
	}
	return only
}

func (s *salesStage) add(ctx context.Context, variantID, locationID int64, day time.Time, units, revenue int64, line int) error {
	s.rows = append(s.rows, []any{variantID, locationID, storage.UTCDate(day), units, revenue, int64(line)})
	if len(s.rows) >= importBatch {
		return s.flush(ctx)
	}
	return nil
}

func (s *salesStage) flush(ctx context.Context) error {
	if len(s.rows) == 0 {
		return nil
	}
	if _, err := s.tx.CopyFrom(ctx, "import_stage", []string{"variant_id", "location_id", "day", "units", "revenue_cents", "line"}, s.rows); err != nil {
		return fmt.Errorf("staging sales: %w", err)
	}
	s.rows = s.rows[:0]
	return nil
}

// stageTotals sums the staged rows per variant, location and day, beside
// the stored sales of the same key (d.variant_id is NULL when none).
const stageTotals = `(SELECT variant_id, location_id, day, SUM(units) AS units, SUM(revenue_cents) AS revenue
		FROM import_stage GROUP BY variant_id, location_id, day) a
	LEFT JOIN daily_sales d ON d.store_id = $1 AND d.variant_id = a.variant_id AND d.location_id = a.location_id AND d.day = a.day`

// merge counts and writes the staged sales.
func (s *salesStage) merge(ctx context.Context) error {
	c := s.sumCounts()
	if s.db.b.Dialect().Name == "postgres" {
		if _, err := s.tx.Exec(ctx, `ANALYZE import_stage`); err != nil {
			return fmt.Errorf("analyzing the staged sales: %w", err)
		}
	}
	var created, changed, same *int64
	if err := s.tx.QueryRow(ctx, `SELECT
			SUM(CASE WHEN d.variant_id IS NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.variant_id IS NOT NULL AND (d.units <> a.units OR d.revenue_cents <> a.revenue) THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.units = a.units AND d.revenue_cents = a.revenue THEN 1 ELSE 0 END)
		FROM `+stageTotals, s.storeID).Scan(&created, &changed, &same); err != nil {
		return fmt.Errorf("comparing sales: %w", err)
	}
	for _, p := range []struct {
		v   *int64
		dst *int64
	}{{created, &c.Created}, {changed, &c.Updated}, {same, &c.Unchanged}} {
		if p.v != nil {
			*p.dst = *p.v
		}
	}
	if c.Created+c.Updated == 0 {
		return s.drop(ctx)
	}
	if c.Created > importBatch {
		s.sum.grown = append(s.sum.grown, "daily_sales")
	}
	if _, err := s.tx.Exec(ctx, `INSERT INTO daily_sales (store_id, variant_id, location_id, day, units, revenue_cents)
		SELECT $1, a.variant_id, a.location_id, a.day, a.units, a.revenue FROM `+stageTotals+`
		WHERE d.variant_id IS NULL OR d.units <> a.units OR d.revenue_cents <> a.revenue
		ON CONFLICT (store_id, variant_id, location_id, day) DO UPDATE SET units = excluded.units, revenue_cents = excluded.revenue_cents`,
		s.storeID); err != nil {
		return fmt.Errorf("writing sales: %w", err)
	}
	return s.drop(ctx)
}

// drop removes the stage. PostgreSQL drops it at commit; SQLite would keep
// it, rows and all, on the connection until the next import.
func (s *salesStage) drop(ctx context.Context) error {
	if s.db.b.Dialect().Name == "postgres" {
		return nil
	}
	if _, err := s.tx.Exec(ctx, `DROP TABLE temp.import_stage`); err != nil {
		return fmt.Errorf("dropping the staged sales: %w", err)
	}
	return nil
}

func (s *salesStage) sumCounts() *ImportCounts { return s.sum.counts("daily_sales") }

// ImportSupplierTerms creates and updates who supplies which variant at
// which terms, by SKU and supplier name. The first supplier a file names
// for a SKU becomes its primary supplier when it has none. An empty cell
// leaves an existing value as it is (a new row gets 0 cost, pack and
// minimum 1).
func (db *DB) ImportSupplierTerms(ctx context.Context, storeID int64, src imports.Source[imports.TermsRow], opts ImportOptions) (ImportSummary, error) {
	return db.runImport(ctx, storeID, ImportSupplierTerms, opts, func(tx backend.Tx, sum *ImportSummary) error {
		keeper, err := db.newPlanKeeper(ctx, tx, storeID)
		if err != nil {
			return err
		}
		skus, err := skuIndex(ctx, tx, storeID)
		if err != nil {
			return err
		}
		suppliers := map[string]int64{}
		var supplierNames []storage.Candidate // for hints
		type terms struct {
			supplierSKU     string
			cost, moq, pack int64
		}
		existing := map[[2]int64]terms{}
		hasPrimary := map[int64]bool{}
		rows, err := tx.Query(ctx, `SELECT id, name FROM suppliers WHERE store_id = $1`, storeID)
		if err != nil {
			return fmt.Errorf("reading the store's suppliers: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return fmt.Errorf("reading the store's suppliers: %w", err)
			}
			suppliers[strings.ToLower(name)] = id
			supplierNames = append(supplierNames, storage.Candidate{ID: id, Name: name})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reading the store's suppliers: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT variant_id, supplier_id, supplier_sku, unit_cost_cents, min_order_qty, pack_size, is_primary
			FROM supplier_variants WHERE store_id = $1`, storeID)
		if err != nil {
			return fmt.Errorf("reading supplier terms: %w", err)
		}
		for rows.Next() {
			var k [2]int64
			var t terms
			var primary bool
			if err := rows.Scan(&k[0], &k[1], &t.supplierSKU, &t.cost, &t.moq, &t.pack, &primary); err != nil {
				rows.Close()
				return fmt.Errorf("reading supplier terms: %w", err)
			}
			existing[k] = t
			if primary {
				hasPrimary[k[0]] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reading supplier terms: %w", err)
		}
		c := sum.counts("supplier_terms")
		var fresh [][]any
		flush := func() error {
			if len(fresh) == 0 || !sum.ok() {
				fresh = fresh[:0]
				return nil
			}
			_, err := tx.CopyFrom(ctx, "supplier_variants", []string{"store_id", "supplier_id", "variant_id", "supplier_sku",
				"unit_cost_cents", "min_order_qty", "pack_size", "is_primary"}, fresh)
			fresh = fresh[:0]
			if err != nil {
				return fmt.Errorf("writing supplier terms: %w", err)
			}
			return nil
		}
		err = drain(src, sum, opts.Progress, func(r imports.TermsRow) error {
			vid, ok := skus[r.SKU]
			if !ok {
				return db.failMissingSKU(ctx, tx, storeID, sum, r.Line, "sku", r.SKU, "")
			}
			sid, ok := suppliers[strings.ToLower(r.Supplier)]
			if !ok {
				hint, _ := sum.hint("supplier", r.Supplier, func() (string, error) { return nameHint(supplierNames, r.Supplier), nil })
				sum.failf(r.Line, "supplier", "no supplier %q in this store%s: import the suppliers file first, or fix the name", r.Supplier, hint)
				return nil
			}
			key := [2]int64{vid, sid}
			old, found := existing[key]
			t := terms{moq: 1, pack: 1}
			if found {
				t = old
			}
			if r.SupplierSKU != nil {
				t.supplierSKU = *r.SupplierSKU
			}
			if r.UnitCostCents != nil {
				t.cost = *r.UnitCostCents
			}
			if r.MinOrderQty != nil {
				t.moq = *r.MinOrderQty
			}
			if r.PackSize != nil {
				t.pack = *r.PackSize
			}
			switch {
			case !found:
				c.Created++
				primary := r.Primary && !hasPrimary[vid]
				if primary {
					hasPrimary[vid] = true
				}
				fresh = append(fresh, []any{storeID, sid, vid, t.supplierSKU, t.cost, t.moq, t.pack, primary})
				keeper.mark(vid)
				if len(fresh) >= importBatch {
					return flush()
				}
			case t != old:
				c.Updated++
				keeper.mark(vid)
				if !sum.ok() {
					return nil
				}
				if _, err := tx.Exec(ctx, `UPDATE supplier_variants SET supplier_sku = $4, unit_cost_cents = $5, min_order_qty = $6, pack_size = $7
					WHERE store_id = $1 AND variant_id = $2 AND supplier_id = $3`, storeID, vid, sid, t.supplierSKU, t.cost, t.moq, t.pack); err != nil {
					return fmt.Errorf("updating supplier terms of %q: %w", r.SKU, err)
				}
			default:
				c.Unchanged++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil || !sum.ok() {
			return err
		}
		return keeper.finish(ctx, tx, storeID)
	})
}
