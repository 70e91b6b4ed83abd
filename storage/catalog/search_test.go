package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// searchSKUs is every SKU SearchProducts finds for f, in the order found.
func searchSKUs(t *testing.T, db *storage.DB, storeID int64, f catalog.ProductFilter) []string {
	t.Helper()
	hits, _, err := catalog.New(db).SearchProducts(context.Background(), storeID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, h := range hits {
		out = append(out, h.SKU)
	}
	return out
}

// A search finds a product's and a variant's text as it is now: new
// products, renamed products and changed SKUs (SQLite keeps the text it
// searches in tables of its own).
func TestSearchFollowsCatalogChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid := f.Store.ID
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				_, err := tx.Exec(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		steps := []struct {
			name   string
			change func()
			want   map[string]string // query: SKUs found, comma-separated
		}{
			{"a new product", func() {
				if err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
					_, err := catalog.New(db).CreateProduct(ctx, tx, sid, catalog.NewProduct{Title: "Zephyr Kettle", Vendor: "Gale Works",
						Variants: []catalog.NewVariant{{SKU: "ZK-1", Barcode: "9988776655", PriceCents: 100}}})
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}, map[string]string{"zephyr": "ZK-1", "8776": "ZK-1", "gale wo": "ZK-1", "zk-1 998": "ZK-1", "mistral": ""}},
			{"the product renamed", func() {
				exec(`UPDATE products SET title = 'Mistral Kettle' WHERE store_id = $1 AND title = 'Zephyr Kettle'`, sid)
			}, map[string]string{"zephyr": "", "mistral": "ZK-1", "gale wo": "ZK-1"}},
			{"the SKU changed", func() {
				exec(`UPDATE variants SET sku = 'MK-1' WHERE store_id = $1 AND sku = 'ZK-1'`, sid)
			}, map[string]string{"zk-1": "", "mk-1": "MK-1", "8776": "MK-1"}},
		}
		for _, s := range steps {
			s.change()
			for q, want := range s.want {
				if got := strings.Join(searchSKUs(t, db, sid, catalog.ProductFilter{Query: q}), ","); got != want {
					t.Errorf("after %s, %q found %q, want %q", s.name, q, got, want)
				}
			}
		}
	})
}

// Paging a search by text alone (read from the first matches after the
// cursor) returns every match once, in id order, and the total counts them
// all, whichever page asked.
func TestSearchPagesByText(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		sid := f.Store.ID
		for _, q := range []string{"summit", "trs", "o"} {
			all := searchSKUs(t, db, sid, catalog.ProductFilter{Query: q, Page: storage.Page{Limit: storage.MaxLimit}})
			var paged []string
			cursor := ""
			for range len(all) + 1 {
				var total int64
				hits, next, err := catalog.New(db).SearchProducts(context.Background(), sid, catalog.ProductFilter{Query: q,
					Page: storage.Page{Limit: 1, Cursor: cursor, Total: &total}})
				if err != nil {
					t.Fatal(err)
				}
				if total != int64(len(all)) {
					t.Fatalf("%q: a page counted %d matches, want %d", q, total, len(all))
				}
				for i, h := range hits {
					if i > 0 && h.VariantID <= hits[i-1].VariantID {
						t.Fatalf("%q: page not in id order: %+v", q, hits)
					}
					paged = append(paged, h.SKU)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			if strings.Join(paged, ",") != strings.Join(all, ",") {
				t.Errorf("%q: pages of 1 returned %v, one page %v", q, paged, all)
			}
			if len(all) < 3 {
				t.Errorf("%q matches %v: the fixture should give it more than two pages of 1", q, all)
			}
		}
	})
}
