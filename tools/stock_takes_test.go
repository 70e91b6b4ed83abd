package tools_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

type stockTakeResult struct {
	StockTake struct {
		Number  string   `json:"number"`
		Status  string   `json:"status"`
		Allowed []string `json:"allowed_actions"`
		Lines   []struct {
			SKU          string   `json:"sku"`
			Expected     int64    `json:"expected"`
			Counted      *int64   `json:"counted"`
			Variance     *int64   `json:"variance"`
			VarianceCost *float64 `json:"variance_cost"`
		} `json:"lines"`
		Totals struct {
			Counted       int     `json:"counted_lines"`
			VarianceUnits int64   `json:"variance_units"`
			VarianceCost  float64 `json:"variance_cost"`
		} `json:"totals"`
	} `json:"stock_take"`
	Changes []wEffect `json:"inventory_changes"`
}

func (r stockTakeResult) lines() string {
	var out []string
	for _, l := range r.StockTake.Lines {
		s := fmt.Sprintf("%s exp %d", l.SKU, l.Expected)
		if l.Counted != nil {
			s += fmt.Sprintf(" counted %d var %d cost %.2f", *l.Counted, *l.Variance, *l.VarianceCost)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func (e *wEnv) stockTake(t *testing.T, tool, args string) stockTakeResult {
	t.Helper()
	var r stockTakeResult
	e.ok(t, tool, args, &r)
	return r
}

func TestStockTakeLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		wh := storagetest.Warehouse
		st := e.stockTake(t, "start_stock_take", `{"location":"WH","skus":["TRS-40","TRS-42"]}`)
		if st.StockTake.Number != "ST-1001" || st.StockTake.Status != "in_progress" || len(st.Changes) != 0 ||
			strings.Join(st.StockTake.Allowed, ",") != "record_counts,complete,cancel" || st.lines() != "TRS-40 exp 30; TRS-42 exp 40" {
			t.Fatalf("started: %s %+v", st.lines(), st.StockTake)
		}
		st = e.stockTake(t, "record_stock_counts", `{"number":"ST-1001","counts":[{"sku":"TRS-40","counted":28},{"sku":"TRS-42","counted":20,"mode":"add"}]}`)
		st = e.stockTake(t, "record_stock_counts", `{"number":"ST-1001","counts":[{"sku":"TRS-42","counted":19,"mode":"add"}]}`)
		if st.lines() != "TRS-40 exp 30 counted 28 var -2 cost -110.00; TRS-42 exp 40 counted 39 var -1 cost -55.00" || len(st.Changes) != 0 {
			t.Fatalf("counted: %s", st.lines())
		}
		if l := e.Level(t, "TRS-40", wh); l.OnHand != 30 {
			t.Fatalf("counting changed stock: %+v", l)
		}
		// Stock moves during the count: 5 shoes ship to the shop. The
		// count's correction is applied on top, so the move is kept.
		to := e.transfer(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-40","quantity":5}]}`).Transfer.Number
		e.transfer(t, "ship_transfer", `{"number":"`+to+`"}`)

		done := e.stockTake(t, "complete_stock_take", `{"number":"ST-1001"}`)
		if done.StockTake.Status != "completed" || len(done.StockTake.Allowed) != 0 ||
			wEffects(done.Changes) != "TRS-40@Warehouse on_hand -2=23; TRS-42@Warehouse on_hand -1=39" ||
			done.StockTake.Totals.VarianceUnits != -3 || done.StockTake.Totals.VarianceCost != -165 {
			t.Fatalf("completed: %s %+v", wEffects(done.Changes), done.StockTake)
		}
		if l := e.Level(t, "TRS-40", wh); l.OnHand != 23 {
			t.Fatalf("TRS-40 after the count: %+v", l)
		}
		var reason string
		if err := db.Backend().QueryRow(e.ctx, `SELECT reason FROM inventory_adjustments WHERE store_id = $1 AND document_number = 'ST-1001' LIMIT 1`, e.Store.ID).Scan(&reason); err != nil || reason != "cycle_count_available" {
			t.Fatalf("ledger reason: %q %v", reason, err)
		}
		e.refused(t, "record_stock_counts", `{"number":"ST-1001","counts":[{"sku":"TRS-40","counted":1}]}`, "completed", "no further actions")

		// By vendor, and everything stocked at a location.
		byVendor := e.stockTake(t, "start_stock_take", `{"location":"Warehouse","vendor":"alpine supply co"}`)
		if byVendor.lines() != "LAMP-300 exp 10; MUG-ENAMEL exp 48; MUG-STEEL exp 72" {
			t.Fatalf("by vendor: %s", byVendor.lines())
		}
		all := e.stockTake(t, "start_stock_take", `{"location":"HB"}`)
		if n := len(all.StockTake.Lines); n != 12 {
			t.Fatalf("everything at the Harbour Shop: %d lines: %s", n, all.lines())
		}
		// Uncounted lines change nothing; a SKU found on the shelf is added.
		e.stockTake(t, "record_stock_counts", `{"number":"`+all.StockTake.Number+`","counts":[{"sku":"LAMP-300","counted":2}]}`)
		done = e.stockTake(t, "complete_stock_take", `{"number":"`+all.StockTake.Number+`"}`)
		if wEffects(done.Changes) != "LAMP-300@Harbour Shop on_hand +2=2" {
			t.Fatalf("found stock: %s", wEffects(done.Changes))
		}
		before := e.snapshot(t)
		cancelled := e.stockTake(t, "cancel_stock_take", `{"number":"`+byVendor.StockTake.Number+`"}`)
		if cancelled.StockTake.Status != "cancelled" || len(cancelled.Changes) != 0 {
			t.Fatalf("cancelled: %+v", cancelled)
		}
		if strings.Split(e.snapshot(t), "|")[0] != strings.Split(before, "|")[0] {
			t.Fatal("cancelling a stock take changed inventory")
		}
	})
}

func TestStockTakeBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		open := e.stockTake(t, "start_stock_take", `{"location":"WH","skus":["TRS-40"]}`).StockTake.Number
		cases := []struct {
			name, tool, args string
			want             []string
		}{
			{"unknown location", "start_stock_take", `{"location":"Basement"}`, []string{`"Basement"`}},
			{"unknown vendor", "start_stock_take", `{"location":"WH","vendor":"Nobody Ltd"}`, []string{`"Nobody Ltd"`}},
			{"unknown SKU", "start_stock_take", `{"location":"WH","skus":["TRS-40","GHOST"]}`, []string{`"GHOST"`}},
			{"skus and vendor", "start_stock_take", `{"location":"WH","skus":["TRS-40"],"vendor":"Summit Gear"}`, []string{"not both"}},
			{"same SKU twice", "record_stock_counts", `{"number":"` + open + `","counts":[{"sku":"TRS-40","counted":1},{"sku":"TRS-40","counted":2}]}`, []string{"TRS-40", "twice"}},
			{"negative count", "record_stock_counts", `{"number":"` + open + `","counts":[{"sku":"TRS-40","counted":-4}]}`, []string{"-4", "negative"}},
			{"fractional count", "record_stock_counts", `{"number":"` + open + `","counts":[{"sku":"TRS-40","counted":2.5}]}`, []string{"counts.counted", "whole number", "2.5"}},
			{"unknown mode", "record_stock_counts", `{"number":"` + open + `","counts":[{"sku":"TRS-40","counted":2,"mode":"replace"}]}`, []string{`"replace"`, "set", "add"}},
			{"add below zero", "record_stock_counts", `{"number":"` + open + `","counts":[{"sku":"TRS-40","counted":-1,"mode":"add"}]}`, []string{"-1", "negative"}},
			{"completing with no counts", "complete_stock_take", `{"number":"` + open + `"}`, []string{open, "no counts"}},
			{"unknown number", "complete_stock_take", `{"number":"ST-4242"}`, []string{`"ST-4242"`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.refused(t, c.tool, c.args, c.want...)
				e.refused(t, c.tool, addOptions(c.args, `"dry_run":true`), c.want...)
			})
		}
		e.stockTake(t, "cancel_stock_take", `{"number":"`+open+`"}`)
		e.refused(t, "complete_stock_take", `{"number":"`+open+`"}`, "cancelled", "cannot complete")
	})
}

func TestStockTakeConcurrentCountsAllLand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		num := e.stockTake(t, "start_stock_take", `{"location":"DT","skus":["SOCK-M","SOCK-L","BEANIE-RED"]}`).StockTake.Number
		const counters = 12
		var wg sync.WaitGroup
		for i := 0; i < counters; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every counter adds one sock of each size; one of them sets the beanies.
				args := `{"number":"` + num + `","counts":[{"sku":"SOCK-M","counted":1,"mode":"add"},{"sku":"SOCK-L","counted":2,"mode":"add"}]}`
				if text, isErr, err := e.try(e.ctx, "record_stock_counts", args); err != nil || isErr {
					t.Errorf("count: %s %v", text, err)
				}
			}()
		}
		wg.Wait()
		st := e.stockTake(t, "record_stock_counts", `{"number":"`+num+`","counts":[{"sku":"BEANIE-RED","counted":12}]}`)
		if got := st.lines(); got != "BEANIE-RED exp 12 counted 12 var 0 cost 0.00; SOCK-L exp 12 counted 24 var 12 cost 72.00; SOCK-M exp 12 counted 12 var 0 cost 0.00" {
			t.Fatalf("after %d concurrent counts: %s", counters, got)
		}
	})
}
