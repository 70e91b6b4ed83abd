package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Previews and warnings: a dry run says so first and marks a new document
// number provisional; writes warn (never block) about what a merchant
// would want to know, in the dry run and the real call alike.

type warned struct {
	DryRun   bool   `json:"dry_run"`
	Preview  string `json:"preview"`
	Warnings []struct {
		Code    string `json:"code"`
		SKU     string `json:"sku"`
		Message string `json:"message"`
	} `json:"warnings"`
}

func (w warned) codes() string {
	var out []string
	for _, x := range w.Warnings {
		out = append(out, x.Code+":"+x.SKU)
	}
	return strings.Join(out, ",")
}

// both runs a write as a dry run and for real, and checks that both
// succeed with the same warnings; it returns the real call's text.
func (e *wEnv) both(t *testing.T, tool, args, wantCodes string) string {
	t.Helper()
	var dry, real warned
	text, isErr := e.call(t, tool, strings.Replace(args, "{", `{"dry_run":true,`, 1))
	if isErr || json.Unmarshal([]byte(text), &dry) != nil {
		t.Fatalf("%s dry run: %s", tool, text)
	}
	if !strings.HasPrefix(text, `{"dry_run":true,"preview":"Preview only: nothing was saved or changed`) {
		t.Errorf("%s: a dry run does not say so first: %.200s", tool, text)
	}
	text, isErr = e.call(t, tool, args)
	if isErr || json.Unmarshal([]byte(text), &real) != nil {
		t.Fatalf("%s: a warning blocked the write: %s", tool, text)
	}
	if real.DryRun || real.Preview != "" {
		t.Errorf("%s: the real call reads as a preview: %.200s", tool, text)
	}
	if dry.codes() != wantCodes || real.codes() != wantCodes {
		t.Errorf("%s %s: warnings\ndry run %s\nreal    %s\nwant    %s\n%s", tool, args, dry.codes(), real.codes(), wantCodes, text)
	}
	for _, w := range real.Warnings {
		if w.Message == "" {
			t.Errorf("%s: warning %s has no sentence", tool, w.Code)
		}
	}
	return text
}

func TestDryRunSaysSoAndMarksTheNumberProvisional(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		for _, c := range []struct{ tool, args, doc, number string }{
			{"create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":5}]}`, "purchase_order", "PO-1001"},
			{"create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"TRS-40","quantity":1}]}`, "transfer", "TO-1001"},
			{"start_stock_take", `{"location":"WH","skus":["TRS-40"]}`, "stock_take", "ST-1001"},
			{"create_supplier_return", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":1}]}`, "supplier_return", "RMA-1001"},
		} {
			dryArgs := strings.Replace(c.args, "{", `{"dry_run":true,`, 1)
			text, isErr := e.call(t, c.tool, dryArgs)
			var got map[string]json.RawMessage
			if isErr || json.Unmarshal([]byte(text), &got) != nil {
				t.Fatalf("%s: %s", c.tool, text)
			}
			var doc struct {
				Number      string `json:"number"`
				Provisional bool   `json:"number_provisional"`
			}
			_ = json.Unmarshal(got[c.doc], &doc)
			if !strings.HasPrefix(text, `{"dry_run":true,"preview":`) || !strings.Contains(string(got["preview"]), c.number+" is a provisional number") ||
				doc.Number != c.number || !doc.Provisional {
				t.Errorf("%s dry run: %.400s", c.tool, text)
			}
			text, _ = e.call(t, c.tool, c.args)
			got = nil
			doc.Provisional = false
			if json.Unmarshal([]byte(text), &got) != nil || got["dry_run"] != nil || got["preview"] != nil ||
				json.Unmarshal(got[c.doc], &doc) != nil || doc.Number != c.number || doc.Provisional {
				t.Errorf("%s real call: %.400s", c.tool, text)
			}
		}
		// A dry run of an action on an existing document says it is a
		// preview; its number is real.
		text, _ := e.call(t, "send_purchase_order", `{"number":"PO-1001","dry_run":true}`)
		if !strings.HasPrefix(text, `{"dry_run":true,"preview":"Preview only`) || strings.Contains(text, "provisional") {
			t.Errorf("send dry run: %.300s", text)
		}
	})
}

func TestWritesWarnWithoutBlocking(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		// A clean order warns of nothing.
		if text := e.both(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":5}]}`, ""); strings.Contains(text, "warnings") {
			t.Errorf("a clean order has warnings: %s", text)
		}
		// Coastal Textiles: $500 minimum; beanies in packs of 4, at least 8;
		// it does not supply TRS-40.
		e.both(t, "create_purchase_order", `{"supplier":"Coastal Textiles","location":"WH","expected_date":"2020-01-31",
			"lines":[{"sku":"BEANIE-RED","quantity":5},{"sku":"BEANIE-NAVY","quantity":10},{"sku":"TRS-40","quantity":1},{"sku":"SOCK-M","quantity":12}]}`,
			"below_min_order_qty:BEANIE-RED,not_pack_size:BEANIE-NAVY,not_supplied:TRS-40,expected_date_past:,below_supplier_minimum:")
		// An update warns about the lines it sets and the order as it now is.
		e.both(t, "update_purchase_order", `{"number":"PO-1002","set_lines":[{"sku":"BEANIE-NAVY","quantity":12}],"expected_date":"2020-02-01"}`,
			"expected_date_past:,below_supplier_minimum:")
		e.both(t, "update_purchase_order", `{"number":"PO-1002","set_lines":[{"sku":"SHELL-M","quantity":100}]}`, "")
		e.both(t, "send_purchase_order", `{"number":"PO-1002"}`, "below_min_order_qty:BEANIE-RED,not_supplied:TRS-40,expected_date_past:")
		e.both(t, "send_purchase_order", `{"number":"PO-1001"}`, "")

		// Transfers: taking more than the origin has, or leaving it below
		// its reorder minimum there.
		e.both(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"LAMP-300","quantity":12},{"sku":"TRS-40","quantity":1}]}`,
			"leaves_origin_short:LAMP-300")
		e.ok(t, "set_reorder_rules", `{"rules":[{"sku":"LAMP-300","location":"Warehouse","min":5}]}`, nil)
		e.both(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"LAMP-300","quantity":8}],"expected_date":"2021-05-05"}`,
			"leaves_origin_short:LAMP-300,expected_date_past:")
		e.both(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"LAMP-300","quantity":4}]}`, "")
		e.both(t, "create_transfer", `{"from_location":"WH","to_location":"DT","lines":[{"sku":"LAMP-300","quantity":5}]}`, "leaves_origin_short:LAMP-300")
		e.both(t, "ship_transfer", `{"number":"TO-1003"}`, "")
		e.both(t, "ship_transfer", `{"number":"TO-1004"}`, "leaves_origin_short:LAMP-300")

		// Stock takes: a variance over 5 units and 20% of what was expected.
		e.ok(t, "start_stock_take", `{"location":"WH","skus":["TRS-40","TRS-42","MUG-STEEL"]}`, nil)
		trs40, trs42 := storagetest.Stock["TRS-40"][storagetest.Warehouse], storagetest.Stock["TRS-42"][storagetest.Warehouse]
		e.both(t, "record_stock_counts", fmt.Sprintf(`{"number":"ST-1001","counts":[{"sku":"TRS-40","counted":%d},{"sku":"TRS-42","counted":%d},{"sku":"MUG-STEEL","counted":70}]}`,
			trs40-10, trs42-1), "large_variance:TRS-40")
		text := e.both(t, "complete_stock_take", `{"number":"ST-1001"}`, "large_variance:TRS-40")
		if !strings.Contains(text, `"lines_with_large_variance":1`) || !strings.Contains(text, `"largest_variances":[{"sku":"TRS-40"`) {
			t.Errorf("completion does not lead with what needs attention: %.600s", text)
		}
	})
}

// Answers that fit a context window: a stock take of a whole location with
// hundreds of lines leads with its totals and pages its lines, in the dry
// run, the real call and get_stock_take; a write shows a bounded number of
// inventory changes and counts the rest.
func TestLargeDocumentsStayBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newWEnv(t, db)
		ctx := context.Background()
		const n = 600
		err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
			vs := make([]catalog.NewVariant, n)
			for i := range vs {
				vs[i] = catalog.NewVariant{SKU: fmt.Sprintf("BULK-%04d", i), Option1: fmt.Sprintf("Size %d", i), CostCents: 100}
			}
			p, err := catalog.New(db).CreateProduct(ctx, tx, e.Store.ID, catalog.NewProduct{Title: "Bulk Item With A Fairly Long Product Title", Variants: vs})
			if err != nil {
				return err
			}
			changes := make([]storage.Change, n)
			for i, v := range p.Variants {
				changes[i] = storage.Change{VariantID: v.ID, LocationID: e.Locations[storagetest.Warehouse].ID, Quantity: inventory.OnHand,
					Delta: 10, SKU: vs[i].SKU, Location: storagetest.Warehouse}
			}
			_, err = catalog.New(db).AdjustInventory(ctx, tx, e.Store.ID, e.Actor(), changes)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		const budget = 16 << 10
		type stResult struct {
			Warnings  []json.RawMessage `json:"warnings"`
			StockTake struct {
				Totals     documents.StockTakeTotals `json:"totals"`
				LinesShown *documents.LinesShown     `json:"lines_shown"`
				Lines      []documents.StockTakeLine `json:"lines"`
			} `json:"stock_take"`
			Changes  []json.RawMessage `json:"inventory_changes"`
			NotShown int               `json:"inventory_changes_not_shown"`
			DryRun   bool              `json:"dry_run"`
		}
		call := func(tool, args string) (stResult, string) {
			t.Helper()
			text, isErr := e.call(t, tool, args)
			var r stResult
			if isErr || json.Unmarshal([]byte(text), &r) != nil {
				t.Fatalf("%s: %.300s", tool, text)
			}
			t.Logf("%s %.50s: %d bytes", tool, args, len(text))
			if len(text) > budget {
				t.Errorf("%s %.80s: %d bytes, over %d", tool, args, len(text), budget)
			}
			return r, text
		}
		lines := n + len(storagetest.Stock) // everything stocked at the Warehouse
		for _, args := range []string{`{"location":"WH","dry_run":true}`, `{"location":"WH"}`} {
			r, text := call("start_stock_take", args)
			if r.StockTake.Totals.Lines != lines || r.StockTake.LinesShown == nil || r.StockTake.LinesShown.Of != lines ||
				len(r.StockTake.Lines) != documents.WriteResultLines || r.StockTake.LinesShown.NextCursor == "" ||
				strings.Index(text, `"totals"`) > strings.Index(text, `"lines":[`) {
				t.Errorf("start_stock_take %s: %d lines shown, totals %+v, shown %+v", args, len(r.StockTake.Lines), r.StockTake.Totals, r.StockTake.LinesShown)
			}
		}
		// get_stock_take pages through every line once.
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("lines_cursor does not end")
			}
			var doc struct {
				LinesShown *documents.LinesShown     `json:"lines_shown"`
				Lines      []documents.StockTakeLine `json:"lines"`
			}
			text := e.get(t, "get_stock_take", fmt.Sprintf(`{"number":"ST-1001","lines_limit":100,"lines_cursor":%q}`, cursor), &doc)
			if len(text) > budget {
				t.Errorf("get_stock_take page of %d bytes", len(text))
			}
			for _, l := range doc.Lines {
				if seen[l.SKU] {
					t.Fatalf("%s on two pages", l.SKU)
				}
				seen[l.SKU] = true
			}
			if cursor = doc.LinesShown.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != lines {
			t.Errorf("paging showed %d of %d lines", len(seen), lines)
		}
		// Counts of 500 lines, each off by 7 (a large variance).
		counts := make([]string, 500)
		for i := range counts {
			counts[i] = fmt.Sprintf(`{"sku":"BULK-%04d","counted":3}`, i)
		}
		r, _ := call("record_stock_counts", `{"number":"ST-1001","counts":[`+strings.Join(counts, ",")+`]}`)
		if r.StockTake.Totals.Counted != 500 || r.StockTake.Totals.LargeVariance != 500 || len(r.Warnings) > 20 || len(r.StockTake.Lines) > documents.WriteResultLines {
			t.Errorf("record_stock_counts: totals %+v, %d warnings, %d lines", r.StockTake.Totals, len(r.Warnings), len(r.StockTake.Lines))
		}
		for _, args := range []string{`{"number":"ST-1001","dry_run":true}`, `{"number":"ST-1001"}`} {
			r, _ := call("complete_stock_take", args)
			if len(r.Changes) != documents.MaxShownChanges || r.NotShown != 500-documents.MaxShownChanges || r.StockTake.Totals.VarianceUnits != -3500 {
				t.Errorf("complete_stock_take %s: %d changes shown, %d not shown, totals %+v", args, len(r.Changes), r.NotShown, r.StockTake.Totals)
			}
		}
		e.bad(t, "get_stock_take", `{"number":"ST-1001","lines_cursor":"bm9wZQ"}`, "lines_cursor")

		// A purchase order, a transfer and a supplier return of 300 lines
		// each: their write results show the first page of lines, dry run
		// or not, like a stock take's.
		docLines := func(key string) string {
			var b strings.Builder
			for i := range 300 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"sku":"BULK-%04d",%q:1}`, i, key)
			}
			return "[" + b.String() + "]"
		}
		for _, c := range []struct{ tool, doc, args string }{
			{"create_purchase_order", "purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":` + docLines("quantity")},
			{"create_transfer", "transfer", `{"from_location":"WH","to_location":"DT","lines":` + docLines("quantity")},
			{"create_supplier_return", "supplier_return", `{"supplier":"Summit Gear","location":"WH","lines":` + docLines("quantity")},
		} {
			for _, dry := range []string{`,"dry_run":true}`, `}`} {
				text, isErr := e.call(t, c.tool, c.args+dry)
				var r map[string]json.RawMessage
				var d struct {
					LinesShown *documents.LinesShown `json:"lines_shown"`
					Lines      []json.RawMessage     `json:"lines"`
				}
				if isErr || json.Unmarshal([]byte(text), &r) != nil || json.Unmarshal(r[c.doc], &d) != nil {
					t.Fatalf("%s: %.300s", c.tool, text)
				}
				if len(d.Lines) != documents.WriteResultLines || d.LinesShown == nil || d.LinesShown.Of != 300 || len(text) > budget {
					t.Errorf("%s%s: %d lines shown of %+v, %d bytes", c.tool, dry, len(d.Lines), d.LinesShown, len(text))
				}
			}
		}

		// 500 reorder rules in one call: counted, the first 50 shown.
		rules := make([]string, 500)
		for i := range rules {
			rules[i] = fmt.Sprintf(`{"sku":"BULK-%04d","location":"Warehouse","min":2,"max":12}`, i)
		}
		text, isErr := e.call(t, "set_reorder_rules", `{"rules":[`+strings.Join(rules, ",")+`]}`)
		var set struct {
			Set      int               `json:"rules_set"`
			Rules    []json.RawMessage `json:"rules"`
			NotShown int               `json:"rules_not_shown"`
		}
		if isErr || json.Unmarshal([]byte(text), &set) != nil || len(text) > budget ||
			set.Set != 500 || len(set.Rules) != plan.MaxShownRules || set.NotShown != 500-plan.MaxShownRules {
			t.Errorf("set_reorder_rules of 500: %d bytes, %d set, %d shown, %d not shown", len(text), set.Set, len(set.Rules), set.NotShown)
		}
	})
}

// bad expects a tool error from the write key's context.
func (e *wEnv) bad(t *testing.T, tool, args string, want ...string) {
	t.Helper()
	text, isErr := e.call(t, tool, args)
	if !isErr {
		t.Fatalf("%s %s: want an error, got %.200s", tool, args, text)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: error %q does not say %q", tool, text, w)
		}
	}
}

// get calls a read tool with the write key.
func (e *wEnv) get(t *testing.T, tool, args string, out any) string {
	t.Helper()
	text, isErr := e.call(t, tool, args)
	if isErr || json.Unmarshal([]byte(text), out) != nil {
		t.Fatalf("%s %s: %.300s", tool, args, text)
	}
	return text
}
