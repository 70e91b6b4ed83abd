package demo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// testVariants keeps the tests quick while still above demo.MinVariants.
const testVariants = 300

func ensure(t *testing.T, db *storage.DB, opts demo.Options) demo.Result {
	t.Helper()
	if opts.Variants == 0 {
		opts.Variants = testVariants
	}
	res, err := demo.Ensure(context.Background(), db, opts)
	if err != nil {
		t.Fatalf("demo.Ensure(%+v): %v", opts, err)
	}
	return res
}

// count runs a query that returns one number.
func count(t *testing.T, db *storage.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Backend().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestEnsureBuildsABelievableStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		res := ensure(t, db, demo.Options{})
		if !res.Created || res.Store.Domain != demo.DefaultDomain || res.Store.Name != demo.DefaultName {
			t.Fatalf("store = %+v, created %v; want a new %s", res.Store, res.Created, demo.DefaultDomain)
		}
		c, sid := res.Counts, res.Store.ID
		for _, m := range []struct {
			name    string
			got     int64
			atLeast int64
		}{
			{"locations", c.Locations, 3}, {"suppliers", c.Suppliers, 12}, {"purchase orders", c.PurchaseOrders, 10},
			{"transfers", c.Transfers, 3}, {"stock takes", c.StockTakes, 2}, {"supplier returns", c.SupplierReturns, 2},
			{"reorder rules", c.ReorderRules, 50}, {"variants", c.Variants, testVariants},
		} {
			if m.got < m.atLeast {
				t.Errorf("%s = %d, want at least %d", m.name, m.got, m.atLeast)
			}
		}
		if c.Variants != testVariants {
			t.Errorf("variants = %d, want exactly %d", c.Variants, testVariants)
		}
		if n := count(t, db, `SELECT count(DISTINCT variant_id) FROM reorder_rules WHERE store_id = $1`, sid); n < 50 {
			t.Errorf("reorder rules cover %d variants, want 50 or more", n)
		}
		if n := count(t, db, `SELECT count(*) FROM locations WHERE store_id = $1 AND kind = 'warehouse'`, sid); n < 1 {
			t.Errorf("no warehouse")
		}
		if n := count(t, db, `SELECT count(*) FROM locations WHERE store_id = $1 AND kind = 'shop'`, sid); n < 2 {
			t.Errorf("%d shops, want 2 or more", n)
		}

		// Products have 1 to 12 variants, with options, barcodes, prices and costs.
		if n := count(t, db, `SELECT count(*) FROM (SELECT product_id FROM variants WHERE store_id = $1
			GROUP BY product_id HAVING count(*) > 12) x`, sid); n != 0 {
			t.Errorf("%d products have more than 12 variants", n)
		}
		if n := count(t, db, `SELECT count(*) FROM variants WHERE store_id = $1 AND
			(barcode = '' OR price_cents <= 0 OR cost_cents <= 0 OR cost_cents >= price_cents)`, sid); n != 0 {
			t.Errorf("%d variants lack a barcode or a sensible price and cost", n)
		}
		if n := count(t, db, `SELECT count(*) FROM variants WHERE store_id = $1 AND option2 <> ''`, sid); n == 0 {
			t.Errorf("no variant has two options (colour and size)")
		}
		if n := count(t, db, `SELECT count(DISTINCT vendor) FROM products WHERE store_id = $1`, sid); n < 5 {
			t.Errorf("%d vendors, want several", n)
		}

		// Every variant has exactly one primary supplier, with terms.
		if n := count(t, db, `SELECT count(*) FROM variants v WHERE v.store_id = $1 AND
			(SELECT count(*) FROM supplier_variants s WHERE s.store_id = v.store_id AND s.variant_id = v.id AND s.is_primary) <> 1`, sid); n != 0 {
			t.Errorf("%d variants do not have exactly one primary supplier", n)
		}
		if n := count(t, db, `SELECT count(*) FROM supplier_variants WHERE store_id = $1 AND
			(supplier_sku = '' OR unit_cost_cents <= 0 OR min_order_qty < 1 OR pack_size < 1)`, sid); n != 0 {
			t.Errorf("%d supplier terms are incomplete", n)
		}

		// 180 days of sales, ending yesterday.
		today := db.Now().Truncate(24 * time.Hour)
		var first, last time.Time
		if err := db.Backend().QueryRow(ctx, `SELECT min(day), max(day) FROM daily_sales WHERE store_id = $1`, sid).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		if !first.Equal(today.AddDate(0, 0, -180)) || !last.Equal(today.AddDate(0, 0, -1)) {
			t.Errorf("sales run from %s to %s; want %s to %s", first, last, today.AddDate(0, 0, -180), today.AddDate(0, 0, -1))
		}

		if bad, err := db.CheckLedger(ctx, sid); err != nil || len(bad) != 0 {
			t.Fatalf("CheckLedger = %v, %v; want no mismatch", bad, err)
		}
		if n := count(t, db, `SELECT count(*) FROM inventory_levels WHERE store_id = $1 AND
			(on_hand < 0 OR committed < 0 OR incoming < 0 OR damaged < 0 OR quality_control < 0 OR available < 0)`, sid); n != 0 {
			t.Errorf("%d levels have a negative quantity", n)
		}
	})
}

func TestEnsureHasTheProblemsAssistantsLookFor(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		res := ensure(t, db, demo.Options{})
		sid := res.Store.ID
		today := db.Now().Truncate(24 * time.Hour)
		for _, q := range []struct {
			name string
			sql  string
			args []any
		}{
			{"dead stock (on hand, no sale in 90 days)", `SELECT count(*) FROM inventory_levels l WHERE l.store_id = $1 AND l.on_hand > 0
				AND NOT EXISTS (SELECT 1 FROM daily_sales s WHERE s.store_id = l.store_id AND s.variant_id = l.variant_id AND s.day >= $2)`,
				[]any{sid, today.AddDate(0, 0, -90)}},
			{"stock-outs (nothing available, sold in the last 28 days)", `SELECT count(*) FROM inventory_levels l WHERE l.store_id = $1 AND l.available <= 0
				AND EXISTS (SELECT 1 FROM daily_sales s WHERE s.store_id = l.store_id AND s.variant_id = l.variant_id
					AND s.location_id = l.location_id AND s.day >= $2)`,
				[]any{sid, today.AddDate(0, 0, -28)}},
			{"below the reorder rule's min", `SELECT count(*) FROM reorder_rules r JOIN inventory_levels l
				ON l.store_id = r.store_id AND l.variant_id = r.variant_id AND l.location_id = r.location_id
				WHERE r.store_id = $1 AND r.min_qty IS NOT NULL AND l.available + l.incoming <= r.min_qty`, []any{sid}},
			{"best sellers (100+ units in 28 days)", `SELECT count(*) FROM (SELECT variant_id FROM daily_sales WHERE store_id = $1 AND day >= $2
				GROUP BY variant_id HAVING sum(units) >= 100) x`, []any{sid, today.AddDate(0, 0, -28)}},
			{"long tail (sold under 5 units in 180 days)", `SELECT count(*) FROM (SELECT variant_id FROM daily_sales WHERE store_id = $1
				GROUP BY variant_id HAVING sum(units) < 5) x`, []any{sid}},
			{"overdue purchase orders", `SELECT count(*) FROM purchase_orders WHERE store_id = $1
				AND status IN ('sent', 'partially_received') AND expected_date < $2`, []any{sid, today}},
			{"purchase orders on time", `SELECT count(*) FROM purchase_orders WHERE store_id = $1
				AND status IN ('sent', 'partially_received') AND expected_date >= $2`, []any{sid, today}},
			{"incoming stock", `SELECT count(*) FROM inventory_levels WHERE store_id = $1 AND incoming > 0`, []any{sid}},
			{"committed stock", `SELECT count(*) FROM inventory_levels WHERE store_id = $1 AND committed > 0`, []any{sid}},
		} {
			if n := count(t, db, q.sql, q.args...); n == 0 {
				t.Errorf("the demo store has no %s", q.name)
			}
		}
	})
}

func TestEnsureHasDocumentsInEveryStatus(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		res := ensure(t, db, demo.Options{})
		for _, d := range []struct {
			table   string
			machine inventory.Machine
		}{
			{"purchase_orders", inventory.PurchaseOrders}, {"transfers", inventory.Transfers},
			{"stock_takes", inventory.StockTakes}, {"supplier_returns", inventory.SupplierReturns},
		} {
			for _, s := range d.machine.Statuses() {
				if n := count(t, db, `SELECT count(*) FROM `+d.table+` WHERE store_id = $1 AND status = $2`, res.Store.ID, string(s)); n == 0 {
					t.Errorf("no %s is %s", d.machine.Noun, s)
				}
			}
		}
		if n := count(t, db, `SELECT count(*) FROM supplier_returns WHERE store_id = $1 AND purchase_order_id IS NOT NULL`, res.Store.ID); n == 0 {
			t.Errorf("no supplier return refers to its purchase order")
		}

		// Documents tell a story in order, in the past: created, then sent
		// or shipped, then closed; their ledger rows after the opening stock.
		now := db.Now()
		for _, q := range []string{
			`SELECT count(*) FROM purchase_orders WHERE store_id = $1 AND (created_at > $2 OR updated_at > $2 OR sent_at < created_at OR closed_at < sent_at)`,
			`SELECT count(*) FROM transfers WHERE store_id = $1 AND (created_at > $2 OR updated_at > $2 OR shipped_at < created_at)`,
			`SELECT count(*) FROM stock_takes WHERE store_id = $1 AND (created_at > $2 OR completed_at < created_at)`,
			`SELECT count(*) FROM supplier_returns WHERE store_id = $1 AND (created_at > $2 OR shipped_at < created_at OR closed_at < shipped_at)`,
			`SELECT count(*) FROM inventory_adjustments a WHERE a.store_id = $1 AND (a.at > $2 OR (a.document_number <> 'demo' AND a.at <=
				(SELECT max(o.at) FROM inventory_adjustments o WHERE o.store_id = a.store_id AND o.document_number = 'demo')))`,
		} {
			if n := count(t, db, q, res.Store.ID, now); n != 0 {
				t.Errorf("%d rows out of order or in the future: %s", n, q)
			}
		}
		if n := count(t, db, `SELECT count(DISTINCT document_number) FROM inventory_adjustments WHERE store_id = $1
			AND document_number <> 'demo' AND at < $2`, res.Store.ID, now.AddDate(0, 0, -7)); n < 5 {
			t.Errorf("only %d documents moved stock more than a week ago; want a history spread over weeks", n)
		}
	})
}

func TestEnsureAgainDuplicatesNothingAndIssuesFreshKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := ensure(t, db, demo.Options{})
		// A different size on a second run changes nothing: the store exists.
		second := ensure(t, db, demo.Options{Variants: testVariants * 2})
		if second.Created {
			t.Errorf("second Ensure reports it created the store again")
		}
		if second.Store.ID != first.Store.ID {
			t.Errorf("second Ensure returned store %d, want %d", second.Store.ID, first.Store.ID)
		}
		if second.Counts != first.Counts {
			t.Errorf("counts changed on a second run:\n first %+v\nsecond %+v", first.Counts, second.Counts)
		}
		secrets := map[string]bool{}
		for _, k := range []struct {
			key   access.CreatedKey
			scope keys.Scope
		}{{first.ReadKey, keys.ScopeRead}, {first.WriteKey, keys.ScopeWrite}, {second.ReadKey, keys.ScopeRead}, {second.WriteKey, keys.ScopeWrite}} {
			if secrets[k.key.Secret] {
				t.Errorf("a key was issued twice")
			}
			secrets[k.key.Secret] = true
			p, err := access.New(db).Authenticate(ctx, k.key.Secret)
			if err != nil {
				t.Fatalf("the demo %s key does not authenticate: %v", k.scope, err)
			}
			if p.Store.ID != first.Store.ID || p.Key.Scope != k.scope {
				t.Errorf("key authenticates as store %d scope %s; want %d %s", p.Store.ID, p.Key.Scope, first.Store.ID, k.scope)
			}
		}
		list, err := access.New(db).ListKeys(ctx, first.Store.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 {
			t.Errorf("the store has %d keys after two runs, want 4", len(list))
		}
		for _, k := range list {
			if k.CreatedByName != "Logistified demo" || k.CreatedByEmail != "demo@logistified.example" {
				t.Errorf("key %s was created by %s <%s>", k.Prefix, k.CreatedByName, k.CreatedByEmail)
			}
		}
	})
}

func TestEnsureConcurrentRunsBuildOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		var wg sync.WaitGroup
		results := make([]demo.Result, 3)
		errs := make([]error, 3)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = demo.Ensure(context.Background(), db, demo.Options{Variants: testVariants})
			}()
		}
		wg.Wait()
		created := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			if results[i].Created {
				created++
			}
		}
		if created != 1 {
			t.Errorf("%d runs built the store, want exactly 1", created)
		}
		final, err := demo.CountsOf(context.Background(), db, results[0].Store.ID)
		if err != nil {
			t.Fatal(err)
		}
		if final.Variants != testVariants || final.PurchaseOrders != results[0].Counts.PurchaseOrders {
			t.Errorf("after concurrent runs: %+v", final)
		}
	})
}

// snapshot is what must be equal between two stores built from one seed.
func snapshot(t *testing.T, db *storage.DB, storeID int64) string {
	t.Helper()
	rows, err := db.Backend().Query(context.Background(), `SELECT v.sku, v.barcode, v.title, v.price_cents, v.cost_cents, p.title, p.vendor,
			loc.code, l.on_hand, l.committed, l.incoming, l.damaged, l.quality_control,
			(SELECT coalesce(CAST(sum(s.units) AS BIGINT), 0) FROM daily_sales s WHERE s.store_id = l.store_id AND s.variant_id = l.variant_id AND s.location_id = l.location_id),
			(SELECT count(*) FROM daily_sales s WHERE s.store_id = l.store_id AND s.variant_id = l.variant_id AND s.location_id = l.location_id)
		FROM variants v JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		JOIN inventory_levels l ON l.store_id = v.store_id AND l.variant_id = v.id
		JOIN locations loc ON loc.store_id = l.store_id AND loc.id = l.location_id
		WHERE v.store_id = $1 ORDER BY v.sku, loc.code`, storeID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var sku, barcode, title, product, vendor, loc string
		var price, cost, onHand, committed, incoming, damaged, qc, units, days int64
		if err := rows.Scan(&sku, &barcode, &title, &price, &cost, &product, &vendor, &loc, &onHand, &committed, &incoming, &damaged, &qc, &units, &days); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, sku, barcode, title, price, cost, product, vendor, loc, onHand, committed, incoming, damaged, qc, units, days)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"purchase_orders", "transfers", "stock_takes", "supplier_returns"} {
		r, err := db.Backend().Query(context.Background(), `SELECT number, status FROM `+table+` WHERE store_id = $1 ORDER BY number`, storeID)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var number, status string
			if err := r.Scan(&number, &status); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, number, status)
		}
		r.Close()
	}
	return b.String()
}

func TestEnsureIsDeterministic(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := ensure(t, db, demo.Options{Domain: "a-demo.myshopify.com", Seed: 7})
		b := ensure(t, db, demo.Options{Domain: "b-demo.myshopify.com", Seed: 7})
		c := ensure(t, db, demo.Options{Domain: "c-demo.myshopify.com", Seed: 8})
		sa, sb, sc := snapshot(t, db, a.Store.ID), snapshot(t, db, b.Store.ID), snapshot(t, db, c.Store.ID)
		if sa != sb {
			t.Errorf("two stores from seed 7 differ")
		}
		if sa == sc {
			t.Errorf("seeds 7 and 8 gave the same store")
		}
		if a.Counts != b.Counts {
			t.Errorf("counts differ for one seed: %+v vs %+v", a.Counts, b.Counts)
		}
	})
}

func TestEnsureRefusesBadOptions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for _, o := range []demo.Options{
			{Domain: "x'; DROP TABLE stores; --", Variants: testVariants},
			{Domain: "tiny.myshopify.com", Variants: demo.MinVariants - 1},
			{Domain: "negative.myshopify.com", Variants: -5},
			{Domain: "huge.myshopify.com", Variants: demo.MaxVariants + 1},
		} {
			if _, err := demo.Ensure(ctx, db, o); err == nil {
				t.Errorf("Ensure(%+v) succeeded, want an error", o)
			}
			if d, err := access.NormalizeDomain(o.Domain); err == nil {
				if _, err := access.New(db).StoreByDomain(ctx, d); !errors.Is(err, access.ErrStoreNotFound) {
					t.Errorf("refused Ensure(%+v) left a store behind (%v)", o, err)
				}
			}
		}
		if n := count(t, db, `SELECT count(*) FROM stores`); n != 0 {
			t.Errorf("%d stores after refused runs, want 0", n)
		}
	})
}

// BenchmarkDemo100k builds a 100,000-variant demo store on PostgreSQL
// (when LOGISTIFIED_TEST_POSTGRES_URL is set) and on SQLite:
//
//	go test ./demo -run '^$' -bench Demo100k -benchtime 1x
func BenchmarkDemo100k(b *testing.B) { benchmarkDemo(b, 100_000) }

// BenchmarkDemoDefault builds a store of the default size.
func BenchmarkDemoDefault(b *testing.B) { benchmarkDemo(b, demo.DefaultVariants) }

func benchmarkDemo(b *testing.B, variants int) {
	for _, backendName := range storagetest.Backends {
		b.Run(backendName, func(b *testing.B) {
			db := storagetest.Open(b, backendName)
			var res demo.Result
			for i := 0; b.Loop(); i++ {
				var err error
				res, err = demo.Ensure(context.Background(), db, demo.Options{Domain: fmt.Sprintf("bench-%d.myshopify.com", i), Variants: variants})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Counts.DailySales), "sales_rows")
			b.ReportMetric(float64(res.Counts.InventoryLevels), "levels")
		})
	}
}

// TestEnsureSmallestStoresHaveEverything builds the smallest store from
// several seeds: whatever the draw, every promise holds.
func TestEnsureSmallestStoresHaveEverything(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	for seed := int64(1); seed <= 12; seed++ {
		res := ensure(t, db, demo.Options{Domain: fmt.Sprintf("seed-%d.myshopify.com", seed), Seed: seed, Variants: demo.MinVariants})
		c := res.Counts
		if c.PurchaseOrders < 10 || c.Transfers < 3 || c.StockTakes < 2 || c.SupplierReturns < 2 || c.ReorderRules < 50 {
			t.Errorf("seed %d: counts %+v below the minimums", seed, c)
		}
		for _, table := range []string{"purchase_orders", "transfers", "stock_takes", "supplier_returns"} {
			if n := count(t, db, `SELECT count(DISTINCT status) FROM `+table+` WHERE store_id = $1`, res.Store.ID); n < 3 {
				t.Errorf("seed %d: %s has %d statuses", seed, table, n)
			}
		}
		if bad, err := db.CheckLedger(context.Background(), res.Store.ID); err != nil || len(bad) != 0 {
			t.Errorf("seed %d: CheckLedger = %v, %v", seed, bad, err)
		}
	}
}

// The demo leaves its planning rows built: no variant marked for
// refolding, and the first planning read after it does no more work than
// any later read (it used to fold every variant, seconds at 100,000).
func TestEnsureLeavesThePlanBuilt(t *testing.T) {
	var trips atomic.Int64
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		res := ensure(t, db, demo.Options{})
		if n := count(t, db, `SELECT COUNT(*) FROM level_plan_dirty WHERE store_id = $1`, res.Store.ID); n != 0 {
			t.Fatalf("the demo left %d variants marked for refolding, want 0", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM level_plan WHERE store_id = $1`, res.Store.ID); n != res.Counts.InventoryLevels {
			t.Fatalf("the demo left %d planning rows for %d levels", n, res.Counts.InventoryLevels)
		}
		read := func() int64 {
			t.Helper()
			before := trips.Load()
			if _, err := plan.New(db).StockRisks(ctx, res.Store.ID, plan.RiskFilter{}); err != nil {
				t.Fatal(err)
			}
			return trips.Load() - before
		}
		first, warm := read(), read()
		if first != warm {
			t.Fatalf("the first planning read after the demo took %d round trips, a warm one %d: it folded", first, warm)
		}
	}, storage.CountRoundTrips(&trips))
}

// On PostgreSQL the demo leaves the tables the reads count vacuumed: a
// bulk load leaves their visibility map empty, and until autovacuum came
// every count read the table rather than its index (the overview took
// 560 ms at a million variants, a supplier 140 ms).
func TestEnsureLeavesCountedTablesVacuumed(t *testing.T) {
	db := storagetest.Open(t, "postgres")
	ensure(t, db, demo.Options{})
	for _, table := range []string{"products", "variants", "supplier_variants", "level_plan", "inventory_levels"} {
		// Whether VACUUM could mark its pages all-visible depends on the
		// other transactions of the server: that it ran is what is checked.
		if n := count(t, db, `SELECT COUNT(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = $1
			AND last_vacuum IS NOT NULL`, table); n == 0 {
			t.Errorf("%s was not vacuumed after the demo: until autovacuum comes, its counts read the table", table)
		}
	}
}

// The small tables written after the bulk load (the documents, the
// suppliers, the stock-out spans) have statistics after the demo: under
// autovacuum's threshold they were never analyzed, PostgreSQL guessed
// their size, and get_demand's receipts query scanned every ledger row
// (165 ms at a million variants) instead of the purchase orders' own.
func TestEnsureLeavesDocumentsAnalyzed(t *testing.T) {
	db := storagetest.Open(t, "postgres")
	ensure(t, db, demo.Options{})
	for _, table := range []string{"suppliers", "locations", "purchase_orders", "purchase_order_lines", "transfers", "transfer_lines",
		"stock_takes", "stock_take_lines", "supplier_returns", "supplier_return_lines", "stockout_spans"} {
		if n := count(t, db, `SELECT COUNT(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = $1
			AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)`, table); n == 0 {
			t.Errorf("%s has no statistics after the demo: PostgreSQL guesses its size and may scan the ledger to join it", table)
		}
	}
}
