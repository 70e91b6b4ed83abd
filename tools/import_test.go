package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// importEnv is an empty store, filled by imports and read through the
// read tools with a read key.
type importEnv struct {
	db    *storage.DB
	store storage.Store
	ctx   context.Context
	tools map[string]tools.Tool
}

func newImportEnv(t *testing.T, db *storage.DB, domain string) *importEnv {
	t.Helper()
	ctx := context.Background()
	s, err := access.New(db).CreateStore(ctx, access.NewStore{Domain: domain, Name: "Imported", Currency: "USD", Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := access.New(db).CreateKey(ctx, s.ID, access.NewKey{Scope: keys.ScopeRead, Label: "test", CreatedByName: "T", CreatedByEmail: "t@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := access.New(db).Authenticate(ctx, k.Secret)
	if err != nil {
		t.Fatal(err)
	}
	e := &importEnv{db: db, store: s, ctx: tools.WithPrincipal(ctx, p), tools: map[string]tools.Tool{}}
	for _, tl := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		e.tools[tl.Def.Name] = tl
	}
	return e
}

// get calls a read tool, which must answer, and decodes its answer.
func (e *importEnv) get(t *testing.T, name, args string, out any) string {
	t.Helper()
	text, isErr, err := callThrough(e.ctx, e.db, e.tools[name], json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if isErr {
		t.Fatalf("%s %s: %s", name, args, text)
	}
	if !json.Valid([]byte(text)) {
		t.Fatalf("%s: the answer is not JSON: %q", name, text)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return text
}

// importFile imports an example file (or text, when file has a newline).
func (e *importEnv) importFile(t *testing.T, kind, file string, opts catalog.ImportOptions) catalog.ImportSummary {
	t.Helper()
	var r io.Reader
	if strings.Contains(file, "\n") {
		r = strings.NewReader(file)
	} else {
		f, err := os.Open(filepath.Join("..", "testdata", "import", file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r = f
		if opts.FileName == "" {
			opts.FileName = file
		}
	}
	sum, err := storagetest.Import(context.Background(), e.db, e.store.ID, kind, r, opts)
	if err != nil {
		t.Fatalf("importing %s: %v (%v)", file, err, sum.Errors)
	}
	return sum
}

// exampleFiles are the README's walkthrough, in its order.
var exampleFiles = []struct{ kind, file string }{
	{catalog.ImportProducts, "products_export.csv"},
	{catalog.ImportInventory, "inventory_export.csv"},
	{catalog.ImportOrders, "orders_export.csv"},
	{catalog.ImportSales, "sales.csv"},
	{catalog.ImportSuppliers, "suppliers.csv"},
	{catalog.ImportSupplierTerms, "supplier-terms.csv"},
}

func importClock() time.Time { return time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC) }

func TestImportExamplesThroughReadTools(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newImportEnv(t, db, "imported.myshopify.com")
		for _, f := range exampleFiles {
			o := catalog.ImportOptions{}
			if f.kind == catalog.ImportOrders {
				o.Location = "Main Warehouse"
			}
			sum := e.importFile(t, f.kind, f.file, o)
			if sum.Created == 0 || sum.Updated != 0 || sum.Unchanged != 0 {
				t.Fatalf("%s: %+v", f.file, sum)
			}
		}

		var overview struct {
			Counts     map[string]int64 `json:"counts"`
			LastImport struct {
				Kind, File string
				Created    int64
			} `json:"last_import"`
		}
		e.get(t, "get_store_overview", `{}`, &overview)
		if c := overview.Counts; c["locations"] != 2 || c["products"] != 3 || c["variants"] != 6 {
			t.Fatalf("counts %v", c)
		}
		if li := overview.LastImport; li.Kind != "supplier-terms" || li.File != "supplier-terms.csv" || li.Created != 7 {
			t.Fatalf("last_import %+v", li)
		}

		var hits struct{ Items []productHit }
		e.get(t, "search_products", `{"query":"camp mug"}`, &hits)
		if got := skusOf(hits.Items); strings.Join(got, ",") != "CM-BLU-12,CM-RED-12" {
			t.Fatalf("search: %v", got)
		}
		h := hits.Items[1]
		if h.Product != "Enamel Camp Mug" || strings.Join(h.Options, "/") != "Red/12 oz" || h.Vendor != "Campfire Goods" || h.Price != 14 {
			t.Fatalf("hit %+v", h)
		}
		hits.Items = nil
		e.get(t, "search_products", `{"sku":"MB-001"}`, &hits)
		if len(hits.Items) != 1 || len(hits.Items[0].Options) != 0 {
			t.Fatalf("a product without options (Default Title) has options: %+v", hits.Items)
		}

		levels := e.levels(t, "TRS-42", "TRS-43", "CM-RED-12")
		want := map[string]string{
			"TRS-42@Main Warehouse":    "on_hand 14 available 12 committed 2 incoming 0 damaged 0",
			"TRS-42@Downtown Shop":     "on_hand 3 available 3 committed 0 incoming 0 damaged 0",
			"TRS-43@Main Warehouse":    "on_hand 9 available 8 committed 0 incoming 12 damaged 1",
			"CM-RED-12@Main Warehouse": "on_hand 3 available 1 committed 0 incoming 24 damaged 2",
		}
		if !sameMap(levels, want) {
			t.Fatalf("levels\n%v\nwant\n%v", levels, want)
		}

		var hist struct {
			Items []catalog.HistoryEntry `json:"items"`
		}
		e.get(t, "get_inventory_history", `{"sku":"TRS-42","location":"Main Warehouse"}`, &hist)
		if len(hist.Items) != 2 {
			t.Fatalf("history %+v", hist.Items)
		}
		for _, h := range hist.Items {
			if h.Reason != "correction" || h.Document != "inventory_export.csv" {
				t.Fatalf("history %+v", h)
			}
		}

		// Sales: the orders' lines by day where they were sold, not the
		// cancelled or refunded ones, plus the sales file.
		var d plan.Demand
		e.get(t, "get_demand", `{"sku":"TRS-42","location":"Main Warehouse","days":28}`, &d)
		if u := demandUnits(d, 28); u != 5 { // 2 (sales.csv) + 1 (#1001) + 2 (#1005)
			t.Fatalf("TRS-42 sold %d in 28 days; want 5: %+v", u, d)
		}
		e.get(t, "get_demand", `{"sku":"MB-001","days":28}`, &d)
		if u := demandUnits(d, 28); u != 3 { // 2 (#1001) + 1 (sales.csv); #1004 was refunded
			t.Fatalf("MB-001 sold %d; want 3", u)
		}
		e.get(t, "get_demand", `{"sku":"TRS-43","days":28}`, &d)
		if u := demandUnits(d, 28); u != 0 { // #1003 was cancelled
			t.Fatalf("TRS-43 sold %d; want 0", u)
		}
		e.get(t, "get_demand", `{"sku":"CM-BLU-12","location":"Downtown Shop","days":28}`, &d)
		if u := demandUnits(d, 28); u != 3 {
			t.Fatalf("CM-BLU-12 sold %d at the shop; want 3", u)
		}

		var sup catalog.SupplierInfo
		e.get(t, "get_supplier", `{"supplier":"Campfire Goods"}`, &sup)
		if sup.LeadTimeDays != 14 || sup.MinOrder != 15000 || sup.Variants != 3 || sup.Primary != 2 {
			t.Fatalf("supplier %+v", sup)
		}
		e.get(t, "get_supplier", `{"supplier":"Peak Footwear Co."}`, &sup)
		if sup.LeadTimeDays != 21 || sup.Email != "orders@peak.example" || sup.Variants != 3 || sup.Primary != 3 {
			t.Fatalf("supplier %+v", sup)
		}

		// Importing every file again changes nothing.
		for _, f := range exampleFiles {
			o := catalog.ImportOptions{Location: "Main Warehouse"}
			if f.kind != catalog.ImportOrders {
				o.Location = ""
			}
			sum := e.importFile(t, f.kind, f.file, o)
			if sum.Created != 0 || sum.Updated != 0 || sum.Unchanged == 0 || sum.LedgerRows != 0 {
				t.Fatalf("re-importing %s: %+v", f.file, sum)
			}
		}

		// A newer inventory export: two levels changed, one ledger row per
		// changed quantity, named for the file.
		changed := strings.Replace(readExample(t, "inventory_export.csv"),
			"TRS-42,,,Main Warehouse,,0,0,2,12,14,", "TRS-42,,,Main Warehouse,,0,0,2,18,20,", 1)
		changed = strings.Replace(changed, "CM-RED-12,,,Main Warehouse,,24,2,0,1,3,", "CM-RED-12,,,Main Warehouse,,24,0,0,3,3,", 1)
		sum := e.importFile(t, catalog.ImportInventory, changed, catalog.ImportOptions{FileName: "inventory_2026-11-10.csv"})
		if c := sum.Details["levels"]; c.Updated != 2 || c.Unchanged != 7 || c.Created != 0 || sum.LedgerRows != 2 {
			t.Fatalf("changed inventory: %+v %+v", sum, c)
		}
		e.get(t, "get_inventory_history", `{"sku":"TRS-42","location":"Main Warehouse"}`, &hist)
		if h := hist.Items[0]; h.Quantity != "on_hand" || h.Delta != 6 || h.Reason != "correction" || h.Document != "inventory_2026-11-10.csv" {
			t.Fatalf("newest history row %+v", h)
		}
		levels = e.levels(t, "TRS-42", "CM-RED-12")
		if levels["TRS-42@Main Warehouse"] != "on_hand 20 available 18 committed 2 incoming 0 damaged 0" ||
			levels["CM-RED-12@Main Warehouse"] != "on_hand 3 available 3 committed 0 incoming 24 damaged 0" {
			t.Fatalf("levels after the change %v", levels)
		}
		if m, err := db.CheckLedger(context.Background(), e.store.ID); err != nil || len(m) > 0 {
			t.Fatalf("ledger: %v %v", m, err)
		}

		// A newer product export: one price changed.
		products := strings.Replace(readExample(t, "products_export.csv"), ",24.99,", ",26.50,", 1)
		sum = e.importFile(t, catalog.ImportProducts, products, catalog.ImportOptions{})
		if v, p := sum.Details["variants"], sum.Details["products"]; v.Updated != 1 || v.Unchanged != 5 || p.Unchanged != 3 {
			t.Fatalf("changed products: %+v %+v", v, p)
		}
		e.get(t, "search_products", `{"sku":"MB-001"}`, &hits)
		if hits.Items[0].Price != 26.5 {
			t.Fatalf("price %v", hits.Items[0].Price)
		}
	}, storage.WithClock(importClock))
}

func readExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// levels reads get_inventory_levels as "SKU@location" → quantities.
func (e *importEnv) levels(t *testing.T, skus ...string) map[string]string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"skus": skus})
	var out struct{ Variants []catalog.VariantLevels }
	e.get(t, "get_inventory_levels", string(b), &out)
	got := map[string]string{}
	for _, v := range out.Variants {
		for _, l := range v.Locations {
			got[v.SKU+"@"+l.Location] = fmt.Sprintf("on_hand %d available %d committed %d incoming %d damaged %d",
				l.OnHand, l.Available, l.Committed, l.Incoming, l.Damaged)
		}
	}
	return got
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func demandUnits(d plan.Demand, days int) int64 {
	for _, w := range d.Windows {
		if w.Days == days {
			return w.Units
		}
	}
	return -1
}

func TestImportedHostileNamesStayText(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newImportEnv(t, db, "hostile.myshopify.com")
		title := "=cmd|' /C calc'!A0 \x1b[31mred\x07 \u202e'; DROP TABLE variants; --"
		file := "Handle,Title,Vendor,Variant SKU\r\nh,\"" + title + "\",\"+SUM(1)\t\x01\",\"@SKU\"\r\n"
		e.importFile(t, catalog.ImportProducts, file, catalog.ImportOptions{})
		var hits struct{ Items []productHit }
		text := e.get(t, "search_products", `{"sku":"@SKU"}`, &hits)
		if len(hits.Items) != 1 || hits.Items[0].Product != title || hits.Items[0].Vendor != "+SUM(1)\t\x01" {
			t.Fatalf("hits %+v", hits.Items)
		}
		if strings.ContainsAny(text, "\x1b\x07\x01") {
			t.Fatalf("control characters reach the output unescaped: %q", text)
		}
	})
}
