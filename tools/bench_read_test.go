package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// EnvBenchPostgresURL names the PostgreSQL database BenchmarkReadTools
// builds its demo store in (once: later runs reuse it).
const EnvBenchPostgresURL = "LOGISTIFIED_BENCH_POSTGRES_URL"

// EnvBenchSQLitePath names the SQLite file the benchmarks use instead.
const EnvBenchSQLitePath = "LOGISTIFIED_BENCH_SQLITE_PATH"

// EnvBenchDomain names the demo store to benchmark, by default
// bench-<variants>.myshopify.com: set it to demo-store.myshopify.com to
// time the reads right after `logistified demo` built the store (the
// first planning read is then the first read after the demo).
const EnvBenchDomain = "LOGISTIFIED_BENCH_DOMAIN"

// benchClock is the benchmarks' clock: real time plus an offset that the
// rollover benchmark moves a day at a time.
type benchClock struct{ offset atomic.Int64 }

func (c *benchClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// benchStore is a demo store of LOGISTIFIED_BENCH_VARIANTS (default
// 100,000) variants in the benchmark database, and a caller of its tools
// with the read key.
type benchStore struct {
	db    *storage.DB
	res   demo.Result
	clock *benchClock
	call  func(name, args string) (string, error)
}

func openBenchStore(b *testing.B) *benchStore {
	url := os.Getenv(EnvBenchPostgresURL)
	if path := os.Getenv(EnvBenchSQLitePath); path != "" {
		url = "sqlite:" + path
	}
	if url == "" {
		b.Skipf("set %s to a PostgreSQL database or %s to a SQLite file to benchmark the read tools on a large demo store", EnvBenchPostgresURL, EnvBenchSQLitePath)
	}
	variants := 100000
	if v, err := strconv.Atoi(os.Getenv("LOGISTIFIED_BENCH_VARIANTS")); err == nil && v > 0 {
		variants = v
	}
	ctx := context.Background()
	clock := &benchClock{}
	db, err := storage.Open(ctx, url, storage.WithClock(clock.now))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	domain := fmt.Sprintf("bench-%d.myshopify.com", variants)
	if d := os.Getenv(EnvBenchDomain); d != "" {
		domain = d
	}
	start := time.Now()
	res, err := demo.Ensure(ctx, db, demo.Options{Domain: domain, Variants: variants})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("demo store %s on %s: %d variants, %d levels, %d daily sales rows (ready in %s)", domain, db.Dialect(), res.Counts.Variants,
		res.Counts.InventoryLevels, res.Counts.DailySales, time.Since(start).Round(time.Millisecond))
	rctx := tools.WithPrincipal(ctx, storage.Principal{Store: res.Store, Key: res.ReadKey.APIKey})
	byName := map[string]tools.Tool{}
	for _, tl := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		byName[tl.Def.Name] = tl
	}
	call := func(name, args string) (string, error) {
		text, isErr, err := callThrough(rctx, db, byName[name], json.RawMessage(args))
		if err != nil {
			return "", err
		}
		if isErr {
			return text, fmt.Errorf("%s %s: %s", name, args, text)
		}
		return text, nil
	}
	return &benchStore{db: db, res: res, clock: clock, call: call}
}

// reportPercentiles reports the p50, p95 and p99 of durations in ms.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkReadTools calls every read tool on a demo store of
// LOGISTIFIED_BENCH_VARIANTS (default 100,000) variants and reports the
// p50 and p95 latency of each call. Run it with, for example:
//
//	LOGISTIFIED_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/bench \
//	  go test ./tools -run '^$' -bench BenchmarkReadTools -benchtime 100x
//
// or LOGISTIFIED_BENCH_SQLITE_PATH=/tmp/bench.db for the embedded backend.
func BenchmarkReadTools(b *testing.B) {
	bs := openBenchStore(b)
	call := bs.call
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
	t0 := time.Now()
	sku := first("list_stock_risks", `{"limit":1}`, "sku")
	b.Logf("first planning read (list_stock_risks): %s", time.Since(t0).Round(100*time.Microsecond))
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
		{"get_inventory_levels", `{"skus":` + string(skus) + `,"location":"` + loc + `"}`},
		{"get_inventory_history", `{"sku":"` + sku + `"}`},
		{"get_inventory_history", `{"location":"` + loc + `"}`},
		{"list_stock_risks", `{}`},
		{"list_stock_risks", `{"kind":"out_of_stock","location":"` + loc + `"}`},
		{"get_reorder_suggestions", `{}`},
		{"get_reorder_suggestions", `{"supplier":"` + sup + `"}`},
		{"get_demand", `{"sku":"` + sku + `"}`},
		{"get_demand", `{"sku":"` + sku + `","location":"` + loc + `"}`},
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
			reportPercentiles(b, durations)
		})
	}
}

// BenchmarkPlanningAfterChange measures the first planning read after a
// change, which folds the change into the planning table (or, after
// midnight, answers from the previous day's rows while the rollover runs):
//
//   - sale: one new daily sales row written directly (the read folds it in);
//   - sales-import: a one-row logistified import sales (the import folds it);
//   - terms-import: a one-row supplier terms change through the import;
//   - rollover: the clock moved a day; the rollover itself is timed too.
//
// Run it with the database variables of BenchmarkReadTools and
// -benchtime 20x; each iteration changes the store.
func BenchmarkPlanningAfterChange(b *testing.B) {
	bs := openBenchStore(b)
	ctx := context.Background()
	sid := bs.res.Store.ID
	if _, err := bs.call("list_stock_risks", `{}`); err != nil { // build, if needed
		b.Fatal(err)
	}
	var vids, lids []int64
	var skus, locs []string
	rows, err := bs.db.Backend().Query(ctx, `SELECT v.id, v.sku, l.id, l.name FROM level_plan lp
		JOIN variants v ON v.store_id = lp.store_id AND v.id = lp.variant_id
		JOIN locations l ON l.store_id = lp.store_id AND l.id = lp.location_id
		WHERE lp.store_id = $1 AND lp.supplier_id <> 0 ORDER BY lp.variant_id, lp.location_id LIMIT 1000`, sid)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var vid, lid int64
		var sku, loc string
		if err := rows.Scan(&vid, &sku, &lid, &loc); err != nil {
			b.Fatal(err)
		}
		vids, skus, lids, locs = append(vids, vid), append(skus, sku), append(lids, lid), append(locs, loc)
	}
	rows.Close()
	var supplier string
	if err := bs.db.Backend().QueryRow(ctx, `SELECT s.name FROM supplier_variants sv JOIN suppliers s ON s.store_id = sv.store_id AND s.id = sv.supplier_id
		WHERE sv.store_id = $1 AND sv.variant_id = $2 ORDER BY sv.is_primary DESC LIMIT 1`, sid, vids[0]).Scan(&supplier); err != nil {
		b.Fatal(err)
	}
	changes := []struct {
		name   string
		change func(i int) error
	}{
		{"sale", func(i int) error {
			return bs.db.Backend().InTx(ctx, func(tx backend.Tx) error {
				return bs.db.RecordSales(ctx, tx, sid, []storage.Sale{{VariantID: vids[i%len(vids)], LocationID: lids[i%len(lids)],
					Day: storage.UTCDate(bs.db.Now()).AddDate(0, 0, -1), Units: int64(1 + i%7)}})
			})
		}},
		{"sales-import", func(i int) error {
			day := storage.UTCDate(bs.db.Now()).AddDate(0, 0, -1).Format(time.DateOnly)
			csv := fmt.Sprintf("day,sku,location,units\n%s,%s,%s,%d\n", day, skus[i%len(skus)], locs[i%len(locs)], 2+i%5)
			_, err := storagetest.Import(ctx, bs.db, sid, storage.ImportSales, strings.NewReader(csv), storage.ImportOptions{})
			return err
		}},
		{"terms-import", func(i int) error {
			csv := fmt.Sprintf("sku,supplier,pack_size\n%s,%s,%d\n", skus[i%len(skus)], supplier, 1+i%6)
			_, err := storagetest.Import(ctx, bs.db, sid, storage.ImportSupplierTerms, strings.NewReader(csv), storage.ImportOptions{})
			return err
		}},
	}
	for _, c := range changes {
		b.Run(c.name, func(b *testing.B) {
			durations := make([]time.Duration, 0, b.N)
			for i := range b.N {
				if err := c.change(i); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if _, err := bs.call("list_stock_risks", `{}`); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(t0))
			}
			reportPercentiles(b, durations)
		})
	}
	b.Run("rollover", func(b *testing.B) {
		// An earlier run may have rolled the store into days ahead of the
		// real one: start from the day its rows are for.
		var asOf time.Time
		if err := bs.db.Backend().QueryRow(ctx, `SELECT as_of FROM sales_summary_state WHERE store_id = $1`, sid).Scan(&asOf); err != nil {
			b.Fatal(err)
		}
		if ahead := storage.UTCDate(asOf).Sub(storage.UTCDate(bs.db.Now())); ahead > 0 {
			bs.clock.offset.Add(int64(ahead))
		}
		durations := make([]time.Duration, 0, b.N)
		var roll time.Duration
		for range b.N {
			bs.clock.offset.Add(int64(24 * time.Hour))
			t0 := time.Now()
			if _, err := bs.call("list_stock_risks", `{}`); err != nil {
				b.Fatal(err)
			}
			durations = append(durations, time.Since(t0))
			t1 := time.Now()
			if _, err := bs.db.RollPlans(ctx, 0); err != nil { // waits for the background one, or does it
				b.Fatal(err)
			}
			roll += time.Since(t1)
		}
		reportPercentiles(b, durations)
		b.ReportMetric(float64(roll.Milliseconds())/float64(b.N), "rollover-ms")
	})
}

// BenchmarkRolloverWrites moves the clock a day and, while RollPlans
// rolls the store over, applies one-level inventory corrections (the write
// of adjust_inventory) back to back: it reports their latency, which on
// SQLite includes the wait for whatever transaction of the rollover holds
// the single writer, and the rollover's own time. Run it with the database
// variables of BenchmarkReadTools and -benchtime 1x or 2x.
func BenchmarkRolloverWrites(b *testing.B) {
	bs := openBenchStore(b)
	ctx := context.Background()
	sid := bs.res.Store.ID
	if _, err := bs.call("list_stock_risks", `{}`); err != nil { // build, if needed
		b.Fatal(err)
	}
	var vid, lid int64
	if err := bs.db.Backend().QueryRow(ctx, `SELECT variant_id, location_id FROM inventory_levels WHERE store_id = $1 ORDER BY variant_id LIMIT 1`,
		sid).Scan(&vid, &lid); err != nil {
		b.Fatal(err)
	}
	actor := storage.ActorFor(storage.Principal{Store: bs.res.Store, Key: bs.res.WriteKey.APIKey})
	write := func(i int) error {
		return bs.db.Backend().InTx(ctx, func(tx backend.Tx) error {
			_, err := bs.db.AdjustInventory(ctx, tx, sid, actor, []storage.Change{{VariantID: vid, LocationID: lid,
				Quantity: inventory.OnHand, Delta: int64(1 - 2*(i%2))}})
			return err
		})
	}
	var asOf time.Time
	if err := bs.db.Backend().QueryRow(ctx, `SELECT as_of FROM sales_summary_state WHERE store_id = $1`, sid).Scan(&asOf); err != nil {
		b.Fatal(err)
	}
	if ahead := storage.UTCDate(asOf).Sub(storage.StoreDate(bs.db.Now(), bs.res.Store.Timezone)); ahead > 0 {
		bs.clock.offset.Add(int64(ahead))
	}
	var idle, during []time.Duration
	var roll time.Duration
	for range b.N {
		for i := range 20 {
			t0 := time.Now()
			if err := write(i); err != nil {
				b.Fatal(err)
			}
			idle = append(idle, time.Since(t0))
		}
		bs.clock.offset.Add(int64(24 * time.Hour))
		done := make(chan error, 1)
		t1 := time.Now()
		go func() {
			_, err := bs.db.RollPlans(ctx, 0)
			roll += time.Since(t1)
			done <- err
		}()
		for i := 0; ; i++ {
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
			default:
				t0 := time.Now()
				if err := write(i); err != nil {
					b.Fatal(err)
				}
				during = append(during, time.Since(t0))
				continue
			}
			break
		}
	}
	sort.Slice(during, func(i, j int) bool { return during[i] < during[j] })
	sort.Slice(idle, func(i, j int) bool { return idle[i] < idle[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(idle[len(idle)/2]), "idle-write-p50-ms")
	b.ReportMetric(ms(during[len(during)/2]), "write-p50-ms")
	b.ReportMetric(ms(during[len(during)*99/100]), "write-p99-ms")
	b.ReportMetric(ms(during[len(during)-1]), "write-max-ms")
	b.ReportMetric(float64(len(during))/float64(b.N), "writes/rollover")
	b.ReportMetric(float64(roll.Milliseconds())/float64(b.N), "rollover-ms")
}
