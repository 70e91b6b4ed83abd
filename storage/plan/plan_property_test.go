package plan_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// planSnapshot is every level_plan row of a store, in key order, as text.
func planSnapshot(t *testing.T, db *storage.DB, storeID int64) []string {
	t.Helper()
	rows, err := db.Backend().Query(context.Background(), `SELECT variant_id, location_id, on_hand, available, incoming,
			units_7, units_28, units_90, last_sale_day, min_qty, max_qty, safety_stock, lead_time_days, days_of_cover,
			supplier_id, supplier_lead, pack_size, min_order_qty, unit_cost_cents, cost_cents, price_cents, vendor, value_cents,
			urgency, out_of_stock, needs_reorder, suggest_qty, suggest_cents
		FROM level_plan WHERE store_id = $1 ORDER BY variant_id, location_id`, storeID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, 28)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if tm, ok := v.(time.Time); ok {
				vals[i] = tm.UTC().Format(time.DateOnly)
			}
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var units, cost, retail int64
	if err := db.Backend().QueryRow(context.Background(), `SELECT units_on_hand, cost_cents, retail_cents FROM sales_summary_state WHERE store_id = $1`,
		storeID).Scan(&units, &cost, &retail); err != nil {
		t.Fatal(err)
	}
	checkPlanTotals(t, db, storeID)
	checkKeptCounts(t, db, storeID)
	return append(out, fmt.Sprintf("stock value: %d units, cost %d, retail %d", units, cost, retail))
}

// checkPlanTotals fails the test unless level_plan_totals, which the
// inventory value and dead stock totals read, holds exactly the sums of the
// store's level_plan rows with stock on hand, cell by cell.
func checkPlanTotals(t *testing.T, db *storage.DB, storeID int64) {
	t.Helper()
	never := "''"
	if db.Dialect() == "postgres" {
		never = "DATE '-infinity'"
	}
	cells := func(q string) []string {
		t.Helper()
		rows, err := db.Backend().Query(context.Background(), q, storeID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var loc, sup, levels, units, cost, retail int64
			var day, vendor string
			if err := rows.Scan(&day, &loc, &sup, &vendor, &levels, &units, &cost, &retail); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(day, loc, sup, vendor, levels, units, cost, retail))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := cells(`SELECT CAST(last_sale_day AS TEXT), location_id, supplier_id, vendor, levels, CAST(units AS BIGINT),
			CAST(cost_cents AS BIGINT), CAST(retail_cents AS BIGINT)
		FROM level_plan_totals WHERE store_id = $1 ORDER BY last_sale_day, location_id, supplier_id, vendor`)
	want := cells(`SELECT CAST(COALESCE(last_sale_day, ` + never + `) AS TEXT) AS day, location_id, supplier_id, vendor, COUNT(*),
			CAST(SUM(on_hand) AS BIGINT), CAST(SUM(value_cents) AS BIGINT), CAST(SUM(on_hand * price_cents) AS BIGINT)
		FROM level_plan WHERE store_id = $1 AND on_hand > 0
		GROUP BY COALESCE(last_sale_day, ` + never + `), location_id, supplier_id, vendor
		ORDER BY COALESCE(last_sale_day, ` + never + `), location_id, supplier_id, vendor`)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("level_plan_totals differs from the sums of level_plan:\n got %q\nwant %q", got, want)
	}
}

// checkKeptCounts fails the test unless the counts that triggers keep
// (migration 00015) equal a recount: the catalogue's size, each supplier's
// terms, and the levels at risk per supplier and location with their
// suggested orders' cost.
func checkKeptCounts(t *testing.T, db *storage.DB, storeID int64) {
	t.Helper()
	cells := func(q string) []string {
		t.Helper()
		rows, err := db.Backend().Query(context.Background(), q, storeID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a, b, c, d, e int64
			if err := rows.Scan(&a, &b, &c, &d, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(a, b, c, d, e))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct{ name, kept, recount string }{
		{"catalog_counts",
			`SELECT products, variants, 0, 0, 0 FROM catalog_counts WHERE store_id = $1`,
			`SELECT (SELECT COUNT(*) FROM products WHERE store_id = $1), (SELECT COUNT(*) FROM variants WHERE store_id = $1), 0, 0, 0`},
		{"supplier_counts",
			`SELECT supplier_id, variants, primary_variants, 0, 0 FROM supplier_counts WHERE store_id = $1 ORDER BY supplier_id`,
			`SELECT supplier_id, COUNT(*), SUM(CASE WHEN is_primary THEN 1 ELSE 0 END), 0, 0 FROM supplier_variants
				WHERE store_id = $1 GROUP BY supplier_id ORDER BY supplier_id`},
		{"level_plan_counts",
			`SELECT supplier_id, location_id, out_of_stock, reorder_lines, CAST(suggest_cents AS BIGINT) FROM level_plan_counts
				WHERE store_id = $1 ORDER BY supplier_id, location_id`,
			`SELECT supplier_id, location_id, SUM(CASE WHEN out_of_stock THEN 1 ELSE 0 END), SUM(CASE WHEN needs_reorder THEN 1 ELSE 0 END),
				CAST(SUM(CASE WHEN needs_reorder THEN suggest_cents ELSE 0 END) AS BIGINT) FROM level_plan
				WHERE store_id = $1 AND (out_of_stock OR needs_reorder) GROUP BY supplier_id, location_id ORDER BY supplier_id, location_id`},
	} {
		if got, want := cells(c.kept), cells(c.recount); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s differs from a recount:\n got %q\nwant %q", c.name, got, want)
		}
	}
}

// TestPlanIncrementalEqualsRebuild applies random changes of every kind
// that feeds the planning table (a sale, a supplier's lead time, supplier
// terms, a new variant with stock, a variant's cost, a product's vendor, a
// reorder rule, a purchase order sent) and after each one checks that the
// rows the incremental upkeep left equal, row by row, those of a full
// rebuild. The seed is fixed, so a failure replays.
func TestPlanIncrementalEqualsRebuild(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid := f.Store.ID
		rng := rand.New(rand.NewSource(20261129))
		skus := f.SKUs()
		locs := []string{storagetest.Warehouse, storagetest.DowntownShop, storagetest.HarbourShop}
		sups := []string{storagetest.SummitGear, storagetest.CoastalTextiles, storagetest.AlpineSupply}
		variantIDs := func() []int64 {
			var ids []int64
			for _, s := range skus {
				ids = append(ids, f.Variants[s].ID)
			}
			return ids
		}
		exec := func(tx backend.Tx, q string, args ...any) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		}
		newVariants := map[string]int64{}
		changes := []struct {
			name  string
			apply func(tx backend.Tx) error
		}{
			{"a sale", func(tx backend.Tx) error {
				vid := variantIDs()[rng.Intn(len(skus))]
				if len(newVariants) > 0 && rng.Intn(3) == 0 {
					for _, id := range newVariants {
						vid = id
					}
				}
				return catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: vid, LocationID: f.Locations[locs[rng.Intn(3)]].ID,
					Day: f.Today.AddDate(0, 0, -1-rng.Intn(100)), Units: int64(rng.Intn(40))}})
			}},
			{"a supplier's lead time", func(tx backend.Tx) error {
				return exec(tx, `UPDATE suppliers SET lead_time_days = $3 WHERE store_id = $1 AND id = $2`,
					sid, f.Suppliers[sups[rng.Intn(3)]].ID, 1+rng.Intn(60))
			}},
			{"supplier terms", func(tx backend.Tx) error {
				return exec(tx, `UPDATE supplier_variants SET pack_size = $3, min_order_qty = $4, unit_cost_cents = $5
					WHERE store_id = $1 AND variant_id = $2`, sid, variantIDs()[rng.Intn(len(skus))], 1+rng.Intn(12), rng.Intn(30), rng.Intn(5000))
			}},
			{"a new variant with stock", func(tx backend.Tx) error {
				sku := fmt.Sprintf("NEW-%d", len(newVariants)+1)
				p, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "New " + sku, Vendor: "Summit Gear",
					Variants: []catalog.NewVariant{{SKU: sku, PriceCents: 1000, CostCents: 400}}})
				if err != nil {
					return err
				}
				vid := p.Variants[0].ID
				newVariants[sku] = vid
				if err := exec(tx, `INSERT INTO supplier_variants (store_id, supplier_id, variant_id, supplier_sku, unit_cost_cents, min_order_qty, pack_size, is_primary)
					VALUES ($1, $2, $3, '', 350, 1, 6, $4)`, sid, f.Suppliers[storagetest.SummitGear].ID, vid, true); err != nil {
					return err
				}
				return exec(tx, `INSERT INTO inventory_levels (store_id, variant_id, location_id, on_hand, updated_at) VALUES ($1, $2, $3, $4, $5)`,
					sid, vid, f.Locations[storagetest.Warehouse].ID, rng.Intn(20), db.Now())
			}},
			{"a variant's terms dropped", func(tx backend.Tx) error {
				return exec(tx, `DELETE FROM supplier_variants WHERE store_id = $1 AND variant_id = $2
					AND supplier_id = (SELECT MIN(supplier_id) FROM supplier_variants WHERE store_id = $1 AND variant_id = $2)`,
					sid, variantIDs()[rng.Intn(len(skus))])
			}},
			{"a variant left without a primary supplier", func(tx backend.Tx) error {
				return exec(tx, `UPDATE supplier_variants SET is_primary = $3 WHERE store_id = $1 AND variant_id = $2`,
					sid, variantIDs()[rng.Intn(len(skus))], false)
			}},
			{"a product created and deleted", func(tx backend.Tx) error {
				p, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Short-lived", Vendor: "Summit Gear",
					Variants: []catalog.NewVariant{{SKU: fmt.Sprintf("GONE-%d", rng.Int63()), PriceCents: 1000, CostCents: 400}}})
				if err != nil {
					return err
				}
				if err := exec(tx, `DELETE FROM variants WHERE store_id = $1 AND product_id = $2`, sid, p.ID); err != nil {
					return err
				}
				return exec(tx, `DELETE FROM products WHERE store_id = $1 AND id = $2`, sid, p.ID)
			}},
			{"a variant's cost", func(tx backend.Tx) error {
				return exec(tx, `UPDATE variants SET cost_cents = $3 WHERE store_id = $1 AND id = $2`, sid, variantIDs()[rng.Intn(len(skus))], 100+rng.Intn(9000))
			}},
			{"a product's vendor", func(tx backend.Tx) error {
				return exec(tx, `UPDATE products SET vendor = $3 WHERE store_id = $1 AND id = (SELECT product_id FROM variants WHERE store_id = $1 AND id = $2)`,
					sid, variantIDs()[rng.Intn(len(skus))], fmt.Sprintf("Vendor %d", rng.Intn(5)))
			}},
			{"a reorder rule", func(tx backend.Tx) error {
				min, max := int64(rng.Intn(50)), int64(50+rng.Intn(200))
				lead, cover := rng.Intn(30), rng.Intn(60)
				r := plan.ReorderRuleInput{SKU: skus[rng.Intn(len(skus))], Min: &min, Max: &max, LeadTimeDays: &lead, DaysOfCover: &cover}
				if rng.Intn(2) == 0 {
					r.Location = locs[rng.Intn(3)]
				}
				if rng.Intn(2) == 0 {
					r.Min, r.Max = nil, nil
				}
				_, err := plan.New(db).SetReorderRules(ctx, tx, sid, f.Actor(), []plan.ReorderRuleInput{r})
				return err
			}},
			{"a purchase order sent", func(tx backend.Tx) error {
				po, err := documents.New(db).CreatePurchaseOrder(ctx, tx, sid, f.Actor(), documents.NewPurchaseOrder{Supplier: sups[rng.Intn(3)], Location: locs[rng.Intn(3)],
					Lines: []documents.POLineInput{{SKU: skus[rng.Intn(len(skus))], Quantity: int64(1 + rng.Intn(50))}}})
				if err != nil {
					return err
				}
				_, err = documents.New(db).SendPurchaseOrder(ctx, tx, sid, f.Actor(), po.PurchaseOrder.Number)
				return err
			}},
		}
		if _, _, err := plan.New(db).StockRiskCounts(ctx, sid); err != nil { // the first build
			t.Fatal(err)
		}
		for step := range 40 {
			c := changes[rng.Intn(len(changes))]
			if step < len(changes) {
				c = changes[step] // every kind at least once
			}
			if err := db.Backend().InTx(ctx, c.apply); err != nil {
				t.Fatalf("step %d, %s: %v", step, c.name, err)
			}
			if _, _, err := plan.New(db).StockRiskCounts(ctx, sid); err != nil {
				t.Fatal(err)
			}
			got := planSnapshot(t, db, sid)
			if _, err := db.Backend().Exec(ctx, `UPDATE sales_summary_state SET as_of = $2 WHERE store_id = $1`, sid, time.Unix(0, 0).UTC()); err != nil {
				t.Fatal(err)
			}
			if _, _, err := plan.New(db).StockRiskCounts(ctx, sid); err != nil {
				t.Fatal(err)
			}
			want := planSnapshot(t, db, sid)
			if !reflect.DeepEqual(got, want) {
				for i := range max(len(got), len(want)) {
					var g, w string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if g != w {
						t.Fatalf("step %d, after %s: incremental row\n  %s\ndiffers from the rebuild's\n  %s", step, c.name, g, w)
					}
				}
			}
		}
	})
}

// RollPlans moves every store's planning rows to the new day, and skips a
// store whose state another transaction holds (on PostgreSQL, another
// replica rolling it) rather than wait or rebuild it twice.
func TestRollPlans(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC).UnixNano())
		ctx := context.Background()
		a := storagetest.Seed(t, db)
		b := storagetest.SeedStore(t, db, "other.myshopify.com")
		for _, f := range []storagetest.Fixture{a, b} {
			if _, _, err := plan.New(db).StockRiskCounts(ctx, f.Store.ID); err != nil {
				t.Fatal(err)
			}
		}
		asOf := func(f storagetest.Fixture) string { return planAsOf(t, f) }
		now.Add(int64(24 * time.Hour))
		if db.Dialect() == "postgres" {
			// Another replica holds store A's state: A is skipped, B rolled.
			held := make(chan struct{})
			release := make(chan struct{})
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				_ = db.Backend().InTx(ctx, func(tx backend.Tx) error {
					if _, err := tx.Exec(ctx, `SELECT 1 FROM sales_summary_state WHERE store_id = $1 FOR UPDATE`, a.Store.ID); err != nil {
						return err
					}
					close(held)
					<-release
					return nil
				})
			}()
			<-held
			if _, err := plan.New(db).RollPlans(ctx, 0); err != nil {
				t.Fatal(err)
			}
			close(release)
			<-finished
			if asOf(a) != "2026-03-10" || asOf(b) != "2026-03-11" {
				t.Fatalf("with A's state held elsewhere: A as of %s, B as of %s; want A skipped and B rolled", asOf(a), asOf(b))
			}
		}
		if _, err := plan.New(db).RollPlans(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if asOf(a) != "2026-03-11" || asOf(b) != "2026-03-11" {
			t.Fatalf("after the rollover: A as of %s, B as of %s", asOf(a), asOf(b))
		}
	}, storage.WithClock(clock))
}

// planAsOf is the day the store's planning rows were built for, as stored.
func planAsOf(t testing.TB, f storagetest.Fixture) string {
	t.Helper()
	var d time.Time
	if err := f.DB.Backend().QueryRow(context.Background(), `SELECT as_of FROM sales_summary_state WHERE store_id = $1`, f.Store.ID).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d.UTC().Format(time.DateOnly)
}
