package demo

import (
	"reflect"
	"runtime"
	"testing"
	"time"
)

// A million-variant catalog is held as its products and one small number
// per variant; the variants are drawn again on each pass. Holding them all
// (with their strings, terms and starting stock) took most of the demo's
// 986 MB at a million variants.
func TestCatalogOfAMillionVariantsIsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("draws a million-variant catalog")
	}
	const limit = 48 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := generateCatalog(DefaultSeed, MaxVariants)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > limit {
		t.Errorf("a %d-variant catalog holds %d MB, want at most %d MB", MaxVariants, held>>20, limit>>20)
	}
	if len(c.productOf) != MaxVariants {
		t.Errorf("the catalog has %d variants, want %d", len(c.productOf), MaxVariants)
	}
	runtime.KeepAlive(c)
}

// A variant drawn on its own (the documents' and rules' random picks) is
// the one the passes over the catalog write, whatever was drawn before.
func TestVariantDrawnAloneIsTheOneWritten(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seed     int64
		variants int
	}{
		{"smallest", 7, MinVariants},
		{"large catalog's long tail", DefaultSeed, 30000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := generateCatalog(tc.seed, tc.variants)
			var all []genVariant
			if err := c.each(func(v *genVariant) error { all = append(all, *v); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(all) != tc.variants {
				t.Fatalf("each gave %d variants, want %d", len(all), tc.variants)
			}
			today := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			// Backwards, then by a stride: no two in a row share a product.
			order := make([]int, 0, 2*len(all))
			for i := len(all) - 1; i >= 0; i -= 7 {
				order = append(order, i)
			}
			for i := 0; i < len(all); i += 13 {
				order = append(order, i)
			}
			for _, i := range order {
				got := c.variant(i)
				if !reflect.DeepEqual(got, all[i]) {
					t.Fatalf("variant %d drawn alone = %+v, written %+v", i, got, all[i])
				}
				if got.index != i || got.sku == "" {
					t.Fatalf("variant %d drawn alone has index %d, SKU %q", i, got.index, got.sku)
				}
				if a, b := stockFor(tc.seed, c, &got, today), stockFor(tc.seed, c, &all[i], today); !reflect.DeepEqual(a, b) {
					t.Fatalf("variant %d's starting stock drawn alone = %+v, written %+v", i, a, b)
				}
			}
		})
	}
}
