package catalog_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Shopify-shaped exports of a made-up shop, generated for measuring
// imports (no merchant's data, nothing committed).

var benchProductHeader = strings.Split("Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option1 Linked To,Option2 Name,Option2 Value,Option2 Linked To,Option3 Name,Option3 Value,Option3 Linked To,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status", ",")

var benchInventoryHeader = strings.Split("Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Bin name,Incoming (not editable),Unavailable (not editable),Committed (not editable),Available (not editable),On hand (current),On hand (new)", ",")

var benchOrderHeader = strings.Split("Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Notes,Cancelled at,Payment Method,Refunded Amount,Vendor,Location,Id,Source,Lineitem discount", ",")

var benchSizes = []string{"S", "M", "L", "XL"}

func benchSKU(v int) string { return fmt.Sprintf("SKU-%06d-%s", v/4, benchSizes[v%4]) }

// writeShopifyExports writes products_export.csv (variants, four per
// product), inventory_export.csv (every variant at every location, a tenth
// not stocked) and orders_export.csv (ordersPerDay orders a day for days
// days before today, one to three lines each, some cancelled or refunded)
// into dir.
func writeShopifyExports(dir string, variants, locations, days, ordersPerDay int, today time.Time) error {
	write := func(name string, header []string, rows func(w *csv.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		w := csv.NewWriter(bw)
		w.UseCRLF = true
		if err := w.Write(header); err != nil {
			return err
		}
		if err := rows(w); err != nil {
			return err
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
	index := func(h []string) map[string]int {
		m := map[string]int{}
		for i, n := range h {
			m[n] = i
		}
		return m
	}
	ph := index(benchProductHeader)
	err := write("products_export.csv", benchProductHeader, func(w *csv.Writer) error {
		rec := make([]string, len(benchProductHeader))
		for v := range variants {
			clear(rec)
			p := v / 4
			set := func(k, val string) { rec[ph[k]] = val }
			set("Handle", fmt.Sprintf("product-%06d", p))
			if v%4 == 0 {
				set("Title", fmt.Sprintf("Product %d", p))
				set("Body (HTML)", "<p>A sturdy, well-made thing, \"built\" to last.</p>")
				set("Vendor", fmt.Sprintf("Vendor %02d", p%40))
				set("Type", []string{"Shoes", "Hats", "Kitchen", "Bags"}[p%4])
				set("Tags", "bench, generated")
				set("Published", "true")
				set("Option1 Name", "Size")
				set("Status", "active")
				set("Image Src", fmt.Sprintf("https://cdn.example.com/p/%d.jpg", p))
			}
			set("Option1 Value", benchSizes[v%4])
			set("Variant SKU", benchSKU(v))
			set("Variant Grams", "500")
			set("Variant Inventory Tracker", "shopify")
			set("Variant Inventory Policy", "deny")
			set("Variant Fulfillment Service", "manual")
			price := 500 + (p*37)%20000
			set("Variant Price", fmt.Sprintf("%d.%02d", price/100, price%100))
			set("Cost per item", fmt.Sprintf("%d.%02d", price*45/10000, price*45/100%100))
			set("Variant Barcode", fmt.Sprintf("08400%08d", v))
			set("Variant Requires Shipping", "true")
			set("Variant Taxable", "true")
			set("Variant Weight Unit", "kg")
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ih := index(benchInventoryHeader)
	rng := rand.New(rand.NewPCG(1, 2))
	err = write("inventory_export.csv", benchInventoryHeader, func(w *csv.Writer) error {
		rec := make([]string, len(benchInventoryHeader))
		for v := range variants {
			for l := range locations {
				clear(rec)
				set := func(k, val string) { rec[ih[k]] = val }
				set("Handle", fmt.Sprintf("product-%06d", v/4))
				set("Title", fmt.Sprintf("Product %d", v/4))
				set("Option1 Name", "Size")
				set("Option1 Value", benchSizes[v%4])
				set("SKU", benchSKU(v))
				set("Location", fmt.Sprintf("Warehouse %d", l+1))
				if l > 0 && rng.IntN(10) == 0 {
					for _, k := range []string{"Incoming (not editable)", "Unavailable (not editable)", "Committed (not editable)", "Available (not editable)", "On hand (current)"} {
						set(k, "not stocked")
					}
				} else {
					onHand, committed, unavailable := rng.IntN(80), rng.IntN(3), rng.IntN(2)
					committed = min(committed, onHand)
					unavailable = min(unavailable, onHand-committed)
					set("Incoming (not editable)", strconv.Itoa(rng.IntN(2)*rng.IntN(40)))
					set("Unavailable (not editable)", strconv.Itoa(unavailable))
					set("Committed (not editable)", strconv.Itoa(committed))
					set("Available (not editable)", strconv.Itoa(onHand-committed-unavailable))
					set("On hand (current)", strconv.Itoa(onHand))
				}
				if err := w.Write(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	oh := index(benchOrderHeader)
	zone := time.FixedZone("", -5*3600)
	return write("orders_export.csv", benchOrderHeader, func(w *csv.Writer) error {
		rec := make([]string, len(benchOrderHeader))
		n := 1000
		for d := days; d >= 1; d-- {
			day := today.AddDate(0, 0, -d)
			for range ordersPerDay {
				n++
				at := time.Date(day.Year(), day.Month(), day.Day(), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, zone)
				lines := 1 + rng.IntN(3)
				status, cancelled := "paid", ""
				switch rng.IntN(40) {
				case 0:
					status = "refunded"
				case 1:
					status, cancelled = "voided", at.Add(time.Hour).Format("2006-01-02 15:04:05 -0700")
				}
				location := ""
				if rng.IntN(3) == 0 {
					location = fmt.Sprintf("Warehouse %d", 2+rng.IntN(max(locations-1, 1)))
				}
				for li := range lines {
					clear(rec)
					set := func(k, val string) { rec[oh[k]] = val }
					set("Name", fmt.Sprintf("#%d", n))
					set("Email", fmt.Sprintf("customer%d@example.com", rng.IntN(50000)))
					// Popular products sell more: a skewed pick.
					v := int(float64(variants) * rng.Float64() * rng.Float64())
					price := 500 + (v/4*37)%20000
					if li == 0 {
						set("Financial Status", status)
						set("Paid at", at.Format("2006-01-02 15:04:05 -0700"))
						set("Fulfillment Status", "fulfilled")
						set("Currency", "USD")
						set("Subtotal", "100.00")
						set("Total", "105.00")
						set("Created at", at.Format("2006-01-02 15:04:05 -0700"))
						set("Cancelled at", cancelled)
						set("Location", location)
						set("Id", strconv.Itoa(5100000000000+n))
						set("Source", "web")
					}
					set("Lineitem quantity", strconv.Itoa(1+rng.IntN(2)))
					set("Lineitem name", fmt.Sprintf("Product %d - %s", v/4, benchSizes[v%4]))
					set("Lineitem price", fmt.Sprintf("%d.%02d", price/100, price%100))
					set("Lineitem sku", benchSKU(v))
					set("Lineitem discount", "0.00")
					if err := w.Write(rec); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// TestWriteImportBenchFiles writes the measurement's files (100,000
// variants, 4 locations, 180 days of orders) into the folder named by
// LOGISTIFIED_IMPORT_BENCH_DIR; it is a generator, run by hand.
func TestWriteImportBenchFiles(t *testing.T) {
	dir := os.Getenv("LOGISTIFIED_IMPORT_BENCH_DIR")
	if dir == "" {
		t.Skip("set LOGISTIFIED_IMPORT_BENCH_DIR to write the import measurement's files there")
	}
	if err := writeShopifyExports(dir, 100_000, 4, 180, 1500, storage.UTCDate(time.Now())); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkImport imports generated exports of a 5,000-variant shop into a
// fresh store, reporting rows per second per file.
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	if err := writeShopifyExports(dir, 5000, 4, 180, 100, storage.UTCDate(time.Now())); err != nil {
		b.Fatal(err)
	}
	for _, backendName := range storagetest.Backends {
		b.Run(backendName, func(b *testing.B) {
			db := storagetest.Open(b, backendName)
			ctx := context.Background()
			var rows [3]int64
			var spent [3]time.Duration
			for i := range b.N {
				s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: fmt.Sprintf("bench%d.myshopify.com", i), Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				for j, f := range []struct{ kind, file string }{
					{catalog.ImportProducts, "products_export.csv"},
					{catalog.ImportInventory, "inventory_export.csv"},
					{catalog.ImportOrders, "orders_export.csv"},
				} {
					r, err := os.Open(filepath.Join(dir, f.file))
					if err != nil {
						b.Fatal(err)
					}
					start := time.Now()
					sum, err := storagetest.Import(ctx, db, s.ID, f.kind, bufio.NewReader(r), catalog.ImportOptions{FileName: f.file, Location: "Warehouse 1"})
					spent[j] += time.Since(start)
					r.Close()
					if err != nil {
						b.Fatalf("%s: %v %v", f.file, err, sum.Errors)
					}
					rows[j] += sum.Rows
				}
			}
			for j, name := range []string{"products", "inventory", "orders"} {
				b.ReportMetric(float64(rows[j])/spent[j].Seconds(), name+"_rows/s")
			}
		})
	}
}
