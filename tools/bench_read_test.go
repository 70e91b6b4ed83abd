package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/tools"
)

// EnvBenchPostgresURL names the PostgreSQL database BenchmarkReadTools
// builds its demo store in (once: later runs reuse it).
const EnvBenchPostgresURL = "LOGISTIFIED_BENCH_POSTGRES_URL"

// BenchmarkReadTools calls every read tool on a demo store of
// LOGISTIFIED_BENCH_VARIANTS (default 100,000) variants and reports the
// p50 and p95 latency of each call. Run it with, for example:
//
//	LOGISTIFIED_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/bench \
//	  go test ./tools -run '^$' -bench BenchmarkReadTools -benchtime 100x
func BenchmarkReadTools(b *testing.B) {
	url := os.Getenv(EnvBenchPostgresURL)
	if url == "" {
		b.Skipf("set %s to a PostgreSQL database to benchmark the read tools on a large demo store", EnvBenchPostgresURL)
	}
	variants := 100000
	if v, err := strconv.Atoi(os.Getenv("LOGISTIFIED_BENCH_VARIANTS")); err == nil && v > 0 {
		variants = v
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	domain := fmt.Sprintf("bench-%d.myshopify.com", variants)
	start := time.Now()
	res, err := demo.Ensure(ctx, db, demo.Options{Domain: domain, Variants: variants})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("demo store %s: %d variants, %d levels, %d daily sales rows (ready in %s)", domain, res.Counts.Variants,
		res.Counts.InventoryLevels, res.Counts.DailySales, time.Since(start).Round(time.Millisecond))
	rctx := tools.WithPrincipal(ctx, storage.Principal{Store: res.Store, Key: res.ReadKey.APIKey})
	byName := map[string]tools.Tool{}
	for _, tl := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		byName[tl.Def.Name] = tl
	}
	call := func(name, args string) (string, error) {
		var req mcp.CallToolRequest
		req.Params.Name = name
		req.Params.Arguments = json.RawMessage(args)
		r, err := byName[name].Handler(rctx, req)
		if err != nil {
			return "", err
		}
		text := r.Content[0].(mcp.TextContent).Text
		if r.IsError {
			return text, fmt.Errorf("%s %s: %s", name, args, text)
		}
		return text, nil
	}
	// Real names from the store for the tools that take them.
	first := func(name, args, field string) string {
		text, err := call(name, args)
		if err != nil {
			b.Fatal(err)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			b.Fatal(err)
		}
		for _, key := range []string{"items", "locations"} {
			var rows []map[string]any
			if json.Unmarshal(out[key], &rows) == nil && len(rows) > 0 {
				return fmt.Sprint(rows[0][field])
			}
		}
		b.Fatalf("%s returned nothing", name)
		return ""
	}
	sku := first("list_stock_risks", `{"limit":1}`, "sku")
	loc := first("list_locations", `{}`, "name")
	sup := first("list_suppliers", `{}`, "name")
	po := first("list_purchase_orders", `{"limit":1}`, "number")
	to := first("list_transfers", `{"limit":1}`, "number")
	st := first("list_stock_takes", `{"limit":1}`, "number")
	rma := first("list_supplier_returns", `{"limit":1}`, "number")
	skus, _ := json.Marshal([]string{sku})

	cases := []struct{ name, args string }{
		{"get_store_overview", `{}`},
		{"list_locations", `{}`},
		{"search_products", `{"query":"jacket"}`},
		{"search_products", `{"query":"no-such-product-anywhere"}`},
		{"get_inventory_levels", `{"skus":` + string(skus) + `}`},
		{"get_inventory_history", `{"sku":"` + sku + `"}`},
		{"get_inventory_history", `{"location":"` + loc + `"}`},
		{"list_stock_risks", `{}`},
		{"list_stock_risks", `{"kind":"out_of_stock","location":"` + loc + `"}`},
		{"get_reorder_suggestions", `{}`},
		{"get_reorder_suggestions", `{"supplier":"` + sup + `"}`},
		{"get_demand", `{"sku":"` + sku + `"}`},
		{"get_inventory_value", `{}`},
		{"get_inventory_value", `{"group_by":"supplier"}`},
		{"list_dead_stock", `{}`},
		{"list_suppliers", `{}`},
		{"get_supplier", `{"supplier":"` + sup + `"}`},
		{"list_purchase_orders", `{"overdue":true}`},
		{"get_purchase_order", `{"number":"` + po + `"}`},
		{"list_transfers", `{}`},
		{"get_transfer", `{"number":"` + to + `"}`},
		{"list_stock_takes", `{}`},
		{"get_stock_take", `{"number":"` + st + `"}`},
		{"list_supplier_returns", `{}`},
		{"get_supplier_return", `{"number":"` + rma + `"}`},
		{"list_reorder_rules", `{}`},
	}
	for _, c := range cases {
		b.Run(c.name+" "+c.args, func(b *testing.B) {
			if _, err := call(c.name, c.args); err != nil { // warm-up
				b.Fatal(err)
			}
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if _, err := call(c.name, c.args); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(t0))
			}
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			pct := func(p float64) float64 {
				return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
		})
	}
}
