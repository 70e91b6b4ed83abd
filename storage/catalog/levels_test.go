package catalog_test

import (
	"context"
	"slices"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// InventoryLevels answers in the order asked, each variant's locations by
// location id, with the fixture's stock at each, and a variant without
// levels with an empty list.
func TestInventoryLevelsOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		byID := map[int64]string{}
		for name, l := range f.Locations {
			byID[l.ID] = name
		}
		for _, tc := range []struct {
			name string
			refs []storage.VariantRef
		}{
			{"skus", []storage.VariantRef{{SKU: "MUG-STEEL"}, {SKU: "LAMP-300"}, {SKU: "TRS-40"}, {SKU: "POLE-AL"}}},
			{"ids and skus", []storage.VariantRef{{ID: f.Variants["SOCK-L"].ID}, {SKU: "BEANIE-RED"}, {ID: f.Variants["TRS-44"].ID}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := catalog.New(db).InventoryLevels(ctx, f.Store.ID, tc.refs, "")
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tc.refs) {
					t.Fatalf("%d answers for %d variants", len(got), len(tc.refs))
				}
				for i, v := range got {
					sku := tc.refs[i].SKU
					if sku == "" {
						for s, fv := range f.Variants {
							if fv.ID == tc.refs[i].ID {
								sku = s
							}
						}
					}
					if v.SKU != sku {
						t.Errorf("answer %d is %s, want %s", i, v.SKU, sku)
					}
					if v.Locations == nil {
						t.Errorf("%s: locations are nil, want a list", sku)
					}
					ids := make([]int64, len(v.Locations))
					for j, l := range v.Locations {
						ids[j] = l.LocationID
						if want := storagetest.Stock[sku][byID[l.LocationID]]; l.OnHand != want || l.Location != byID[l.LocationID] {
							t.Errorf("%s at %s (%d): on_hand %d, want %d", sku, l.Location, l.LocationID, l.OnHand, want)
						}
					}
					if !slices.IsSorted(ids) || len(ids) != len(storagetest.Stock[sku]) {
						t.Errorf("%s: locations %v, want the %d stocked ones by id", sku, ids, len(storagetest.Stock[sku]))
					}
				}
			})
		}
	})
}
