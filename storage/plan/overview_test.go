package plan_test

import (
	"context"
	"maps"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func TestStoreOverview(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := storagetest.Seed(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error { _, err := tx.Exec(ctx, sql, args...); return err }); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		overview := func() plan.Overview {
			t.Helper()
			o, err := plan.New(db).StoreOverview(ctx, f.Store.ID)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}

		base := overview()
		products := map[int64]bool{}
		for _, v := range f.Variants {
			products[v.ProductID] = true
		}
		if base.Locations != int64(len(f.Locations)) || base.Products != int64(len(products)) || base.Variants != int64(len(f.Variants)) {
			t.Errorf("counts = %d locations, %d products, %d variants; want %d, %d, %d (the other store must not count)",
				base.Locations, base.Products, base.Variants, len(f.Locations), len(products), len(f.Variants))
		}

		// An inactive location is not counted.
		exec(`UPDATE locations SET active = $1 WHERE store_id = $2 AND id = $3`, false, f.Store.ID, f.Locations[storagetest.HarbourShop].ID)
		if got := overview().Locations; got != base.Locations-1 {
			t.Errorf("after deactivating a location: %d locations, want %d", got, base.Locations-1)
		}
		exec(`UPDATE locations SET active = $1 WHERE store_id = $2 AND id = $3`, true, f.Store.ID, f.Locations[storagetest.HarbourShop].ID)

		// Open documents, by status; closed ones and the other store's are not counted.
		now := db.Now()
		wh, dt := f.Locations[storagetest.Warehouse].ID, f.Locations[storagetest.DowntownShop].ID
		sup := f.Suppliers[storagetest.SummitGear].ID
		for i, status := range []string{"draft", "sent", "received", "cancelled"} {
			exec(`INSERT INTO purchase_orders (store_id, number, supplier_id, location_id, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, f.Store.ID, "PO-T"+string(rune('0'+i)), sup, wh, status, now)
		}
		exec(`INSERT INTO purchase_orders (store_id, number, supplier_id, location_id, status, created_at, updated_at)
			VALUES ($1, 'PO-OTHER', $2, $3, 'draft', $4, $4)`, other.Store.ID, other.Suppliers[storagetest.SummitGear].ID, other.Locations[storagetest.Warehouse].ID, now)
		exec(`INSERT INTO transfers (store_id, number, from_location_id, to_location_id, status, created_at, updated_at)
			VALUES ($1, 'TO-T1', $2, $3, 'in_transit', $4, $4)`, f.Store.ID, wh, dt, now)
		exec(`INSERT INTO stock_takes (store_id, number, location_id, status, created_at, updated_at)
			VALUES ($1, 'ST-T1', $2, 'in_progress', $3, $3), ($1, 'ST-T2', $2, 'completed', $3, $3)`, f.Store.ID, wh, now)
		exec(`INSERT INTO supplier_returns (store_id, number, supplier_id, location_id, status, created_at, updated_at)
			VALUES ($1, 'RMA-T1', $2, $3, 'shipped', $4, $4)`, f.Store.ID, sup, wh, now)
		want := map[string]map[string]int64{}
		for kind, statuses := range base.OpenDocuments {
			want[kind] = maps.Clone(statuses)
		}
		want["purchase_orders"]["draft"]++
		want["purchase_orders"]["sent"]++
		want["transfers"]["in_transit"]++
		want["stock_takes"]["in_progress"]++
		want["supplier_returns"]["shipped"]++
		got := overview().OpenDocuments
		for kind, statuses := range want {
			if !maps.Equal(got[kind], statuses) {
				t.Errorf("open %s = %v, want %v", kind, got[kind], statuses)
			}
		}
		if _, ok := got["purchase_orders"]["partially_received"]; !ok {
			t.Errorf("an open status with no document is missing instead of zero: %v", got["purchase_orders"])
		}

		// A selling variant that runs out is out of stock.
		before := overview()
		trs := f.Variants["TRS-40"].ID
		hb := f.Locations[storagetest.HarbourShop].ID
		onHand := f.Level(t, "TRS-40", storagetest.HarbourShop).OnHand
		if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := catalog.New(db).AdjustInventory(ctx, tx, f.Store.ID, storage.Actor{}, []storage.Change{{VariantID: trs, LocationID: hb, Quantity: inventory.OnHand, Delta: -onHand}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := overview().OutOfStock; got != before.OutOfStock+1 {
			t.Errorf("after selling out TRS-40 at %s: %d out of stock, want %d", storagetest.HarbourShop, got, before.OutOfStock+1)
		}

		// Reorder rules: a min puts even a variant that never sells below its
		// reorder point; a location's rule wins over the all-locations rule.
		before = overview()
		exec(`INSERT INTO reorder_rules (store_id, variant_id, location_id, min_qty, updated_at) VALUES ($1, $2, $3, 1000, $4)`,
			f.Store.ID, f.Variants["SOCK-M"].ID, wh, now)
		if got := overview().BelowReorderPoint; got != before.BelowReorderPoint+1 {
			t.Errorf("after a min of 1000 for SOCK-M at the warehouse: %d below reorder point, want %d", got, before.BelowReorderPoint+1)
		}
		exec(`INSERT INTO reorder_rules (store_id, variant_id, location_id, min_qty, updated_at) VALUES ($1, $2, 0, 1000, $3), ($1, $2, $4, 0, $3)`,
			f.Store.ID, f.Variants["SOCK-L"].ID, now, wh)
		if got := overview().BelowReorderPoint; got != before.BelowReorderPoint+1+int64(len(storagetest.Stock["SOCK-L"]))-1 {
			t.Errorf("after an all-locations min for SOCK-L overridden at the warehouse: %d below reorder point, want %d",
				got, before.BelowReorderPoint+int64(len(storagetest.Stock["SOCK-L"])))
		}
	})
}

// A store with nothing in it yet (just made with stores create) has an
// overview of zeros on both backends: sums over no rows are not numbers.
func TestStoreOverviewOfAnEmptyStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: "empty.myshopify.com", Name: "Empty", Currency: "USD", Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := plan.New(db).StoreOverview(ctx, s.ID)
		if err != nil {
			t.Fatalf("overview of an empty store: %v", err)
		}
		if o.Variants != 0 || o.StockValue.Units != 0 || o.StockValue.Cost != 0 || o.StockValue.Retail != 0 {
			t.Errorf("an empty store's overview: %+v", o)
		}
	})
}
