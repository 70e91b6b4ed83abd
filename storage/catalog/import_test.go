package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// importedStore is a store filled from the example files.
func importedStore(t *testing.T, db *storage.DB, domain string) storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: domain, Name: "Imported"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ kind, file string }{
		{catalog.ImportProducts, "products_export.csv"},
		{catalog.ImportInventory, "inventory_export.csv"},
		{catalog.ImportOrders, "orders_export.csv"},
		{catalog.ImportSales, "sales.csv"},
		{catalog.ImportSuppliers, "suppliers.csv"},
		{catalog.ImportSupplierTerms, "supplier-terms.csv"},
	} {
		r, err := os.Open(filepath.Join("..", "..", "testdata", "import", f.file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = storagetest.Import(ctx, db, s.ID, f.kind, r, catalog.ImportOptions{FileName: f.file, Location: "Main Warehouse"})
		r.Close()
		if err != nil {
			t.Fatalf("importing %s: %v", f.file, err)
		}
	}
	return s
}

// fingerprint sums up everything an import can change in a store.
func fingerprint(t *testing.T, db *storage.DB, storeID int64) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT COUNT(*) || ':' || COALESCE(SUM(LENGTH(title) + LENGTH(vendor) + LENGTH(status)), 0) FROM products WHERE store_id = $1`,
		`SELECT COUNT(*) || ':' || COALESCE(SUM(price_cents + cost_cents + product_id), 0) FROM variants WHERE store_id = $1`,
		`SELECT COUNT(*) FROM locations WHERE store_id = $1`,
		`SELECT COUNT(*) || ':' || COALESCE(SUM(on_hand * 7 + committed * 5 + incoming * 3 + damaged), 0) FROM inventory_levels WHERE store_id = $1`,
		`SELECT COUNT(*) FROM inventory_adjustments WHERE store_id = $1`,
		`SELECT COUNT(*) || ':' || COALESCE(SUM(units * 3 + revenue_cents), 0) FROM daily_sales WHERE store_id = $1`,
		`SELECT COUNT(*) || ':' || COALESCE(SUM(lead_time_days + min_order_cents), 0) FROM suppliers WHERE store_id = $1`,
		`SELECT COUNT(*) || ':' || COALESCE(SUM(unit_cost_cents + pack_size + min_order_qty), 0) FROM supplier_variants WHERE store_id = $1`,
		`SELECT COUNT(*) FROM store_imports WHERE store_id = $1`,
	} {
		var v string
		if err := db.Backend().QueryRow(context.Background(), q, storeID).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, v)
	}
	return strings.Join(out, " ")
}

const inventoryHeader = "Handle,SKU,Location,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)\n"

func TestImportRefusesBadFiles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		other, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "b.myshopify.com", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := storagetest.Import(ctx, db, other.ID, catalog.ImportProducts,
			strings.NewReader("Handle,Title,Variant SKU\nb,B,B-ONLY\n"), catalog.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		before := fingerprint(t, db, s.ID)
		tests := []struct {
			name, kind, file string
			want             []string // "line N…" prefixes of the errors
		}{
			{"missing column", catalog.ImportProducts, "Handle,Title,Variant Price\nh,T,1\n",
				[]string{`line 1: the header has no "Variant SKU" column`}},
			{"bad number", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,two,0,99,\n",
				[]string{`line 2, column "Committed (not editable)": "two" is not a whole number`}},
			{"unknown SKU in inventory", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,0,0,99,\nh,NOPE,Main Warehouse,0,0,0,0,1,\n",
				[]string{`line 3, column "SKU": SKU "NOPE" is not in this store`}},
			{"unknown SKU in orders", catalog.ImportOrders, "Name,Created at,Lineitem quantity,Lineitem sku,Location\n#9,2026-11-05 10:00:00 +0000,1,NOPE,Main Warehouse\n",
				[]string{`line 2, column "Lineitem sku": SKU "NOPE" (order #9) is not in this store`}},
			{"unknown SKU in terms", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\nNOPE,Campfire Goods,1\n",
				[]string{`line 2, column "sku": SKU "NOPE" is not in this store`}},
			{"unknown supplier", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\nTRS-42,Campfire Goods,99\nTRS-42,Nobody Ltd,1\n",
				[]string{`line 3, column "supplier": no supplier "Nobody Ltd" in this store`}},
			{"duplicate SKU", catalog.ImportProducts, "Handle,Title,Variant SKU,Variant Price\nnew,New,N-1,5\nnew2,New 2,N-1,6\n",
				[]string{`line 3, column "Variant SKU": SKU "N-1" is already used on line 2`}},
			{"a level twice", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,0,0,5,\nh,TRS-42,MAIN-WAREHOUSE,0,0,0,0,6,\n",
				[]string{`line 3, column "Location": SKU "TRS-42" at "MAIN-WAREHOUSE" is already on line 2`}},
			{"negative on hand", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,0,0,-3,\n",
				[]string{`line 2, column "On hand (current)": on hand would be -3`}},
			{"truncated file", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,0,0,99,\nh,TRS-43,\"Main Ware",
				[]string{`line 3: a quoted value is not closed`}},
			{"short last row", catalog.ImportInventory, inventoryHeader + "h,TRS-42,Main Warehouse,0,0,0,0,99,\nh,TRS-43,Main",
				[]string{`line 3: the row has 3 fields where the header has 9`}},
			{"another store's SKU", catalog.ImportInventory, inventoryHeader + "h,B-ONLY,Main Warehouse,0,0,0,0,5,\n",
				[]string{`line 2, column "SKU": SKU "B-ONLY" is not in this store`}},
			{"another store's SKU in sales", catalog.ImportSales, "day,sku,location,units\n2026-11-01,B-ONLY,Main Warehouse,1\n",
				[]string{`line 2, column "sku": SKU "B-ONLY" is not in this store`}},
			{"repeated sales row", catalog.ImportSales, "day,sku,location,units\n2026-11-01,TRS-42,Main Warehouse,1\n2026-11-01,TRS-42,main warehouse,2\n",
				[]string{`line 3: the same SKU, location and day as line 2`}},
			{"unknown location in sales", catalog.ImportSales, "day,sku,location,units\n2026-11-01,TRS-42,Attic,1\n",
				[]string{`line 2, column "location": no location "Attic"`}},
			{"order without a location", catalog.ImportOrders, "Name,Created at,Lineitem quantity,Lineitem sku\n#9,2026-11-05 10:00:00 +0000,1,TRS-42\n",
				[]string{`line 2, column "Location": order #9 has no location and the store has several: give --location NAME`}},
			{"several bad rows", catalog.ImportProducts, "Handle,Title,Variant SKU,Variant Price\na,A,A-1,x\nb,B,,1\nc,C,C-1,2\nc,,C-1,3\n",
				[]string{`line 2, column "Variant Price"`, `line 3, column "Variant SKU": a variant of product "b" has no SKU`, `line 5, column "Variant SKU": SKU "C-1" is already used on line 4`}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sum, err := storagetest.Import(ctx, db, s.ID, tt.kind, strings.NewReader(tt.file), catalog.ImportOptions{})
				var errs []string
				switch {
				case errors.Is(err, catalog.ErrImportRefused):
					for _, e := range sum.Errors {
						errs = append(errs, e.Error())
					}
				case err != nil && strings.HasPrefix(err.Error(), "line 1:"):
					errs = []string{err.Error()} // a bad header, refused by the reader
				default:
					t.Fatalf("want the file refused, got %v (%+v)", err, sum)
				}
				if len(errs) != len(tt.want) {
					t.Fatalf("errors %q; want %d", errs, len(tt.want))
				}
				for i, w := range tt.want {
					if !strings.HasPrefix(errs[i], w) {
						t.Errorf("error %q; want it to start %q", errs[i], w)
					}
				}
				if after := fingerprint(t, db, s.ID); after != before {
					t.Fatalf("the refused file changed the store:\n%s\n%s", before, after)
				}
			})
		}
		log, err := db.AuditLog(ctx, s.ID, 1)
		if err != nil || len(log) != 1 || log[0].Outcome != storage.OutcomeRefused || log[0].Action != "import.products" {
			t.Fatalf("audit %+v %v", log, err)
		}
	})
}

func TestImportDryRunAndErrorCap(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		before := fingerprint(t, db, s.ID)
		file := inventoryHeader + "h,TRS-42,Main Warehouse,0,0,2,0,30,\nh,TRS-42,Back Room,0,0,0,0,4,\n"
		sum, err := storagetest.Import(ctx, db, s.ID, catalog.ImportInventory, strings.NewReader(file), catalog.ImportOptions{DryRun: true, FileName: "x.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if !sum.DryRun || sum.Details["levels"].Updated != 1 || sum.Details["levels"].Created != 1 || sum.Details["locations"].Created != 1 || sum.LedgerRows != 2 {
			t.Fatalf("dry run %+v %+v", sum, sum.Details)
		}
		if after := fingerprint(t, db, s.ID); after != before {
			t.Fatalf("the dry run changed the store:\n%s\n%s", before, after)
		}
		log, err := db.AuditLog(ctx, s.ID, 1)
		if err != nil || log[0].Outcome != storage.OutcomeDryRun || log[0].Action != "import.inventory" {
			t.Fatalf("audit %+v %v", log, err)
		}

		var b strings.Builder
		b.WriteString("sku,supplier,unit_cost\n")
		for i := range 150 {
			fmt.Fprintf(&b, "MISSING-%d,Campfire Goods,1\n", i)
		}
		sum, err = storagetest.Import(ctx, db, s.ID, catalog.ImportSupplierTerms, strings.NewReader(b.String()), catalog.ImportOptions{})
		if !errors.Is(err, catalog.ErrImportRefused) || len(sum.Errors) != 100 || sum.MoreErrors != 50 || sum.Errors[99].Line != 101 {
			t.Fatalf("%v: %d errors, %d more", err, len(sum.Errors), sum.MoreErrors)
		}
	})
}

// TestImportKeepsPlanCurrent: an import that changes a few variants marks
// just those for the planning table, and one that changes sales recomputes
// them itself: either way nothing is rebuilt and the next read has nothing to do.
func TestImportKeepsPlanCurrent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		if _, err := plan.New(db).StockRisks(ctx, s.ID, plan.RiskFilter{}); err != nil { // builds the table
			t.Fatal(err)
		}
		var built1 time.Time
		if err := db.Backend().QueryRow(ctx, `SELECT built_at FROM sales_summary_state WHERE store_id = $1`, s.ID).Scan(&built1); err != nil {
			t.Fatal(err)
		}
		terms := "sku,supplier,unit_cost,pack_size\nTRS-42,Peak Footwear Co.,41.50,10\n"
		if _, err := storagetest.Import(ctx, db, s.ID, catalog.ImportSupplierTerms, strings.NewReader(terms), catalog.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		// The import folded its change in before committing: nothing is
		// left for the next read.
		var dirty int
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM level_plan_dirty WHERE store_id = $1`, s.ID).Scan(&dirty); err != nil || dirty != 0 {
			t.Fatalf("%d variants left marked (%v); want 0", dirty, err)
		}
		var built2 time.Time
		var pack int64
		if err := db.Backend().QueryRow(ctx, `SELECT s.built_at, lp.pack_size FROM sales_summary_state s
			JOIN level_plan lp ON lp.store_id = s.store_id
			JOIN variants v ON v.store_id = lp.store_id AND v.id = lp.variant_id AND v.sku = 'TRS-42'
			WHERE s.store_id = $1 LIMIT 1`, s.ID).Scan(&built2, &pack); err != nil {
			t.Fatal(err)
		}
		if !built2.Equal(built1) || pack != 10 {
			t.Fatalf("built %v then %v, pack %d: want no rebuild and the new pack size", built1, built2, pack)
		}

		// New sales of one variant: the import recomputes that variant's
		// rows itself (no rebuild), and the next read finds it current.
		yesterday := storage.UTCDate(db.Now()).AddDate(0, 0, -1).Format(time.DateOnly)
		sales := "day,sku,location,units\n" + yesterday + ",TRS-44,Main Warehouse,7\n"
		if _, err := storagetest.Import(ctx, db, s.ID, catalog.ImportSales, strings.NewReader(sales), catalog.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		planned := func() (built time.Time, units28 int64) {
			t.Helper()
			if err := db.Backend().QueryRow(ctx, `SELECT s.built_at, lp.units_28 FROM sales_summary_state s
				JOIN level_plan lp ON lp.store_id = s.store_id
				JOIN variants v ON v.store_id = lp.store_id AND v.id = lp.variant_id AND v.sku = 'TRS-44'
				WHERE s.store_id = $1 AND s.as_of = $2`, s.ID, storage.UTCDate(db.Now())).Scan(&built, &units28); err != nil {
				t.Fatalf("the planning table is not current after the import: %v", err)
			}
			return built, units28
		}
		built3, units := planned()
		if !built3.Equal(built2) || units != 7 {
			t.Fatalf("built %v (before %v), TRS-44 sold %d in 28 days; want no rebuild and 7", built3, built2, units)
		}
		if _, err := plan.New(db).StockRisks(ctx, s.ID, plan.RiskFilter{}); err != nil {
			t.Fatal(err)
		}
		if built4, _ := planned(); !built4.Equal(built3) {
			t.Fatalf("the read after the import rebuilt the planning table again")
		}
	})
}

// TestImportStreamsLargeFiles imports a 50 MB orders export and checks
// that the heap never holds anything like the file.
func TestImportStreamsLargeFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("a 50 MB import")
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		const size = 50 << 20
		pr, pw := io.Pipe()
		go func() {
			note := strings.Repeat("n", 900)
			skus := []string{"TRS-42", "TRS-43", "MB-001", "CM-BLU-12"}
			n, i := 0, 0
			w := func(s string) {
				k, err := io.WriteString(pw, s)
				n += k
				if err != nil {
					panic(err)
				}
			}
			w("Name,Created at,Lineitem quantity,Lineitem price,Lineitem sku,Location,Notes\n")
			for n < size {
				day := 1 + i%28
				w(fmt.Sprintf("#%d,2026-10-%02d 10:00:00 -0500,1,2.50,%s,Main Warehouse,\"%s\"\n", i, day, skus[i%len(skus)], note))
				i++
			}
			pw.Close()
		}()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}()
		sum, err := storagetest.Import(ctx, db, s.ID, catalog.ImportOrders, pr, catalog.ImportOptions{FileName: "big.csv"})
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows < 50_000 || sum.Details["daily_sales"].Created+sum.Details["daily_sales"].Updated == 0 {
			t.Fatalf("summary %+v", sum)
		}
		grew := int64(peak.Load()) - int64(base.HeapAlloc)
		t.Logf("%d rows; the heap grew by at most %d MB", sum.Rows, grew>>20)
		if grew > 25<<20 {
			t.Fatalf("the heap grew by %d MB importing a %d MB file: it is not streaming", grew>>20, size>>20)
		}
	})
}

func TestImportChangedOwnFiles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		run := func(kind, file string) catalog.ImportSummary {
			t.Helper()
			sum, err := storagetest.Import(ctx, db, s.ID, kind, strings.NewReader(file), catalog.ImportOptions{FileName: kind + ".csv"})
			if err != nil {
				t.Fatalf("%s: %v %v", kind, err, sum.Errors)
			}
			return sum
		}
		count := func(sum catalog.ImportSummary) string {
			return fmt.Sprintf("%d/%d/%d", sum.Created, sum.Updated, sum.Unchanged)
		}

		// An empty cell keeps the stored value; a new supplier is created.
		sum := run(catalog.ImportSuppliers, "name,email,lead_time_days\nPEAK FOOTWEAR CO.,,30\nNorthwind Textiles,,\nTrailhead Supply,hi@trailhead.example,\n")
		if count(sum) != "1/1/1" {
			t.Fatalf("suppliers %s", count(sum))
		}
		peak, err := catalog.New(db).GetSupplier(ctx, s.ID, "Peak Footwear Co.")
		if err != nil || peak.LeadTimeDays != 30 || peak.Email != "orders@peak.example" || peak.MinOrder != 50000 {
			t.Fatalf("supplier %+v %v", peak, err)
		}
		trail, err := catalog.New(db).GetSupplier(ctx, s.ID, "Trailhead Supply")
		if err != nil || trail.LeadTimeDays != 14 {
			t.Fatalf("new supplier %+v %v", trail, err)
		}

		sum = run(catalog.ImportSupplierTerms, "sku,supplier,unit_cost,pack_size\nTRS-42,Peak Footwear Co.,41.50,12\nTRS-43,Peak Footwear Co.,,\nTRS-42,Trailhead Supply,39.00,1\n")
		if count(sum) != "1/1/1" {
			t.Fatalf("terms %s", count(sum))
		}
		var pack, moq int64
		if err := db.Backend().QueryRow(ctx, `SELECT sv.pack_size, sv.min_order_qty FROM supplier_variants sv JOIN variants v ON v.store_id = sv.store_id AND v.id = sv.variant_id
			WHERE sv.store_id = $1 AND v.sku = 'TRS-42' AND sv.is_primary`, s.ID).Scan(&pack, &moq); err != nil || pack != 12 || moq != 12 {
			t.Fatalf("TRS-42's primary terms: pack %d, minimum %d (%v); want 12 and 12 kept", pack, moq, err)
		}

		// Sales: one day changed, one new, one the same.
		sum = run(catalog.ImportSales, "day,sku,location,units,revenue\n2026-10-30,TRS-42,Main Warehouse,3,267.00\n2026-10-30,MB-001,Downtown Shop,1,24.99\n2026-10-29,MB-001,Downtown Shop,1,24.99\n")
		if count(sum) != "1/1/1" {
			t.Fatalf("sales %s", count(sum))
		}
		if m, err := db.CheckLedger(ctx, s.ID); err != nil || len(m) > 0 {
			t.Fatalf("ledger %v %v", m, err)
		}
	})
}

// An order counts on its date in the store's time zone: Shopify writes
// Created at in the shop's zone (the date as written), other tools may
// write UTC or another offset, and a time without an offset is taken as
// written.
func TestImportOrdersDayInStoreZone(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := storagetest.SeedStoreIn(t, db, "losangeles.myshopify.com", "America/Los_Angeles")
		csv := "Name,Created at,Lineitem quantity,Lineitem sku,Location\n" +
			"#1,2026-11-05 23:30:00 -0800,1,TRS-40,Warehouse\n" + // Shopify's own form: the 5th
			"#2,2026-11-06T05:00:00Z,2,TRS-40,Warehouse\n" + // 21:00 on the 5th in Los Angeles
			"#3,2026-11-06 10:00:00 +0900,4,TRS-40,Warehouse\n" + // 17:00 on the 5th in Los Angeles
			"#4,2026-11-06 00:30:00,8,TRS-40,Warehouse\n" // no offset: as written
		if _, err := storagetest.Import(ctx, db, f.Store.ID, catalog.ImportOrders, strings.NewReader(csv), catalog.ImportOptions{FileName: "orders.csv"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			day   string
			units int64
		}{{"2026-11-05", 7}, {"2026-11-06", 8}} {
			day, _ := time.Parse(time.DateOnly, c.day)
			var units int64
			if err := db.Backend().QueryRow(ctx, `SELECT units FROM daily_sales WHERE store_id = $1 AND variant_id = $2 AND location_id = $3 AND day = $4`,
				f.Store.ID, f.Variants["TRS-40"].ID, f.Locations[storagetest.Warehouse].ID, day).Scan(&units); err != nil {
				t.Fatalf("reading the sales of %s: %v", c.day, err)
			}
			if units != c.units {
				t.Errorf("%s: %d units sold, want %d", c.day, units, c.units)
			}
		}
	})
}

// An import leaves the planning rows current and out of the reads' way:
// nothing marked for refolding, levels_at past the levels it created (the
// reads' check of changed levels is one index step) and, past the margin
// for late commits, a first read that costs what a warm one does.
func TestImportLeavesThePlanBuilt(t *testing.T) {
	var now atomic.Int64
	start := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	var trips atomic.Int64
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		now.Store(start.UnixNano())
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		read := func() int64 {
			t.Helper()
			before := trips.Load()
			if _, err := plan.New(db).StockRisks(ctx, s.ID, plan.RiskFilter{}); err != nil {
				t.Fatal(err)
			}
			return trips.Load() - before
		}
		read()
		// Every SKU stocked at a new location: new levels, bulk-loaded.
		now.Store(start.Add(time.Minute).UnixNano())
		var file strings.Builder
		file.WriteString(inventoryHeader)
		rows, err := db.Backend().Query(ctx, `SELECT sku FROM variants WHERE store_id = $1 ORDER BY sku`, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var sku string
			if err := rows.Scan(&sku); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&file, "x,%s,Pop-up Store,0,0,0,3,3,3\n", sku)
		}
		rows.Close()
		sum, err := storagetest.Import(ctx, db, s.ID, catalog.ImportInventory, strings.NewReader(file.String()), catalog.ImportOptions{})
		if err != nil || sum.Details["levels"].Created == 0 {
			t.Fatalf("import: %+v, %v", sum, err)
		}
		var dirty int64
		if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM level_plan_dirty WHERE store_id = $1`, s.ID).Scan(&dirty); err != nil || dirty != 0 {
			t.Fatalf("the import left %d variants marked (%v), want 0", dirty, err)
		}
		if levelsAt, last := storagetest.LevelsState(t, db, s.ID); levelsAt.Before(last) {
			t.Fatalf("after the import levels_at is %v, before its levels' %v: every read looks at them again", levelsAt, last)
		}
		now.Store(start.Add(time.Minute + 35*time.Second).UnixNano())
		if first, warm := read(), read(); first != warm {
			t.Fatalf("the first planning read after the import took %d round trips, a warm one %d", first, warm)
		}
	}, storage.WithClock(clock), storage.CountRoundTrips(&trips))
}

// A row naming a supplier, location or SKU the store does not have names
// the ones it may have meant, as the tools' resolvers do.
func TestImportErrorsNameTheClosest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		before := fingerprint(t, db, s.ID)
		const orders = "Name,Created at,Lineitem quantity,Lineitem sku,Location\n"
		tests := []struct {
			name, kind, file string
			want             string
		}{
			{"supplier named partly", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\nTRS-42,Peak Footwear,1\n",
				`line 2, column "supplier": no supplier "Peak Footwear" in this store (did you mean "Peak Footwear Co."?): import the suppliers file first`},
			{"supplier mistyped", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\nTRS-42,Campfire Goodz,1\n",
				`no supplier "Campfire Goodz" in this store (did you mean "Campfire Goods"?)`},
			{"supplier unknown", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\nTRS-42,Nobody Ltd,1\n",
				`no supplier "Nobody Ltd" in this store (the closest are "`},
			{"SKU in another case", catalog.ImportSupplierTerms, "sku,supplier,unit_cost\ntrs-42,Campfire Goods,1\n",
				`SKU "trs-42" is not in this store (did you mean "TRS-42" (Trail Runner Shoe / 42)?): import the product export first`},
			{"SKU mistyped", catalog.ImportInventory, inventoryHeader + "h,TRS-40,Main Warehouse,0,0,0,0,5,\n",
				`SKU "TRS-40" is not in this store (did you mean "TRS-42" (Trail Runner Shoe / 42), "TRS-43" (Trail Runner Shoe / 43) or "TRS-44" (Trail Runner Shoe / 44)?)`},
			{"SKU begun", catalog.ImportSales, "day,sku,location,units\n2026-11-01,CM-RED,Main Warehouse,1\n",
				`SKU "CM-RED" is not in this store (did you mean "CM-RED-12"`},
			{"SKU of an order", catalog.ImportOrders, orders + "#9,2026-11-05 10:00:00 +0000,1,TRS-4,Main Warehouse\n",
				`SKU "TRS-4" (order #9) is not in this store (did you mean "TRS-42"`},
			{"location mistyped in sales", catalog.ImportSales, "day,sku,location,units\n2026-11-01,TRS-42,Main Warehose,1\n",
				`no location "Main Warehose" in this store (did you mean "Main Warehouse"`},
			{"location named partly in orders", catalog.ImportOrders, orders + "#9,2026-11-05 10:00:00 +0000,1,TRS-42,Downtown\n",
				`order #9 is at "Downtown", which is not a location of this store (did you mean "Downtown Shop"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sum, err := storagetest.Import(ctx, db, s.ID, tt.kind, strings.NewReader(tt.file), catalog.ImportOptions{})
				if !errors.Is(err, catalog.ErrImportRefused) || len(sum.Errors) != 1 {
					t.Fatalf("want the file refused with one error, got %v %+v", err, sum.Errors)
				}
				if got := sum.Errors[0].Error(); !strings.Contains(got, tt.want) {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			})
		}
		// --location names a location that is not there.
		_, err := storagetest.Import(ctx, db, s.ID, catalog.ImportOrders, strings.NewReader(orders+"#9,2026-11-05 10:00:00 +0000,1,TRS-42,\n"),
			catalog.ImportOptions{Location: "Downtwn Shop"})
		if err == nil || !strings.Contains(err.Error(), `no location "Downtwn Shop" in this store (did you mean "Downtown Shop"`) {
			t.Errorf("--location: %v", err)
		}
		if after := fingerprint(t, db, s.ID); after != before {
			t.Errorf("a refused import changed the store:\n%s\n%s", before, after)
		}
	})
}

// A wrong SKU on many rows is looked up once, and a file of another store
// (every SKU missing) still finishes quickly, its errors capped.
func TestImportHintsAreBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := importedStore(t, db, "a.myshopify.com")
		var b strings.Builder
		b.WriteString("sku,supplier,unit_cost\n")
		for i := range 3000 {
			fmt.Fprintf(&b, "X-%d,Campfire Goodz,1\n", i)
		}
		start := time.Now()
		sum, err := storagetest.Import(ctx, db, s.ID, catalog.ImportSupplierTerms, strings.NewReader(b.String()), catalog.ImportOptions{})
		if !errors.Is(err, catalog.ErrImportRefused) || len(sum.Errors) != 100 || sum.MoreErrors != 2900 {
			t.Fatalf("%v: %d errors listed, %d more", err, len(sum.Errors), sum.MoreErrors)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
	})
}
