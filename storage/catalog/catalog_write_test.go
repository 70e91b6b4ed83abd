package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

func inTx(t *testing.T, db *storage.DB, fn func(tx backend.Tx) error) error {
	t.Helper()
	return db.Backend().InTx(context.Background(), fn)
}

func TestFixtureSeed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		if len(f.Variants) != 15 || len(f.Locations) != 3 || len(f.Suppliers) != 3 {
			t.Fatalf("fixture has %d variants, %d locations, %d suppliers", len(f.Variants), len(f.Locations), len(f.Suppliers))
		}
		for sku, locs := range storagetest.Stock {
			for loc, want := range locs {
				if got := f.Level(t, sku, loc); got.OnHand != want || got.Available != want {
					t.Errorf("%s at %s: %+v, want on_hand %d", sku, loc, got, want)
				}
			}
		}
		f.CheckLedger(t)
		// A second tenant with the same SKUs and names is independent.
		g := storagetest.SeedStore(t, db, "second.myshopify.com")
		if g.Variants["TRS-40"].ID == f.Variants["TRS-40"].ID || g.Store.ID == f.Store.ID {
			t.Fatal("second tenant shares ids with the first")
		}
		var sales int64
		if err := db.Backend().QueryRow(context.Background(), `SELECT CAST(coalesce(sum(units), 0) AS BIGINT) FROM daily_sales WHERE store_id = $1`, f.Store.ID).Scan(&sales); err != nil || sales == 0 {
			t.Fatalf("fixture sales: %d, %v", sales, err)
		}
	})
}

func TestCatalogWriteValidation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		sid := f.Store.ID
		cases := []struct {
			name string
			kind inventory.Kind
			fn   func(tx backend.Tx) error
		}{
			{"empty location name", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateLocation(ctx, tx, sid, catalog.NewLocation{Name: "  ", Code: "X"})
				return err
			}},
			{"duplicate location name, other case", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateLocation(ctx, tx, sid, catalog.NewLocation{Name: "warehouse", Code: "W2"})
				return err
			}},
			{"duplicate location code", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateLocation(ctx, tx, sid, catalog.NewLocation{Name: "New", Code: "wh"})
				return err
			}},
			{"empty supplier name", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateSupplier(ctx, tx, sid, catalog.NewSupplier{})
				return err
			}},
			{"duplicate supplier", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateSupplier(ctx, tx, sid, catalog.NewSupplier{Name: "SUMMIT GEAR"})
				return err
			}},
			{"negative supplier lead time", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateSupplier(ctx, tx, sid, catalog.NewSupplier{Name: "Late", LeadTimeDays: -3})
				return err
			}},
			{"product without variants", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Nothing"})
				return err
			}},
			{"negative price", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Cheap", Variants: []catalog.NewVariant{{SKU: "C-1", PriceCents: -1}}})
				return err
			}},
			{"duplicate SKU in the store", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Dup", Variants: []catalog.NewVariant{{SKU: "TRS-40"}}})
				return err
			}},
			{"duplicate SKU in the product", inventory.Invalid, func(tx backend.Tx) error {
				_, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Dup", Variants: []catalog.NewVariant{{SKU: "N-1"}, {SKU: "N-1"}}})
				return err
			}},
			{"terms for another store's variant", inventory.NotFound, func(tx backend.Tx) error {
				return catalog.New(db).SetSupplierTerms(ctx, tx, sid, catalog.SupplierTerms{SupplierID: f.Suppliers[storagetest.SummitGear].ID, VariantID: other.Variants["TRS-40"].ID})
			}},
			{"terms with negative cost", inventory.Invalid, func(tx backend.Tx) error {
				return catalog.New(db).SetSupplierTerms(ctx, tx, sid, catalog.SupplierTerms{SupplierID: f.Suppliers[storagetest.SummitGear].ID, VariantID: f.Variants["TRS-40"].ID, UnitCostCents: -5})
			}},
			{"negative sales", inventory.Invalid, func(tx backend.Tx) error {
				return catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: f.Variants["TRS-40"].ID, LocationID: f.Locations[storagetest.Warehouse].ID, Day: f.Today, Units: -1}})
			}},
			{"adjust another store's location", inventory.NotFound, func(tx backend.Tx) error {
				_, err := catalog.New(db).AdjustInventory(ctx, tx, sid, f.Actor(), []storage.Change{{VariantID: f.Variants["TRS-40"].ID, LocationID: other.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand, Delta: 5}})
				return err
			}},
			{"adjust below zero", inventory.Insufficient, func(tx backend.Tx) error {
				_, err := catalog.New(db).AdjustInventory(ctx, tx, sid, f.Actor(), []storage.Change{{VariantID: f.Variants["TRS-40"].ID, LocationID: f.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand, Delta: -31}})
				return err
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				storagetest.WantKind(t, inTx(t, db, c.fn), c.kind)
			})
		}
		if got := f.Level(t, "TRS-40", storagetest.Warehouse).OnHand; got != 30 {
			t.Fatalf("refused adjustment changed on_hand to %d", got)
		}
		f.CheckLedger(t)
	})
}

func TestCatalogWrites(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid := f.Store.ID
		var p catalog.CreatedProduct
		err := inTx(t, db, func(tx backend.Tx) error {
			var err error
			p, err = catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Tent'); DROP TABLE variants;--", Vendor: "Summit Gear",
				Variants: []catalog.NewVariant{{SKU: "TENT-2", Option1: "2P", Option2: "Green", PriceCents: 30000, CostCents: 12000}}})
			if err != nil {
				return err
			}
			day := f.Today.Add(15 * time.Hour) // a time of day is truncated to the date
			loc := f.Locations[storagetest.DowntownShop].ID
			if err := catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: p.Variants[0].ID, LocationID: loc, Day: day, Units: 2, RevenueCents: 60000}}); err != nil {
				return err
			}
			// Recording the same day again replaces it.
			return catalog.New(db).RecordSales(ctx, tx, sid, []catalog.Sale{{VariantID: p.Variants[0].ID, LocationID: loc, Day: f.Today, Units: 3, RevenueCents: 90000}})
		})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := db.ResolveVariants(ctx, nil, sid, []storage.VariantRef{{SKU: "TENT-2"}})
		if err != nil || vs[0].Title != "2P / Green" || vs[0].ProductTitle != "Tent'); DROP TABLE variants;--" {
			t.Fatalf("created variant reads back as %+v, %v", vs, err)
		}
		var units int64
		var n int
		if err := db.Backend().QueryRow(ctx, `SELECT count(*), CAST(sum(units) AS BIGINT) FROM daily_sales WHERE store_id = $1 AND variant_id = $2`,
			sid, p.Variants[0].ID).Scan(&n, &units); err != nil || n != 1 || units != 3 {
			t.Fatalf("sales rows %d units %d (%v), want one row of 3", n, units, err)
		}
	})
}
