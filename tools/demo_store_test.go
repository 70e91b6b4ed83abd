package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/demo"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/planning"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/plan"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// The read tools on the demo store: a merchant's first store, with every
// document status, overdue orders, dead stock, stock-outs and reorder
// rules. Each tool's answers are checked against the other tools' answers
// and against the definitions a merchant relies on, never against numbers
// written down here, so the test holds for any seed and size.

// demoEnv is a readEnv on a demo store, with the lists every check uses.
type demoEnv struct {
	*readEnv
	res       demo.Result
	today     string
	locations []catalog.LocationInfo
	suppliers []catalog.SupplierInfo
	products  []catalog.ProductHit               // every variant, in id order
	levels    map[string]catalog.LocationLevels  // by sku@location
	demand    map[string]plan.Demand             // get_demand answers, by args
	docs      map[string][]demoDoc               // every document, by list tool
	pos       map[string]documents.PurchaseOrder // every purchase order, by number
	rules     []plan.ReorderRule
	history   map[string][]catalog.HistoryEntry // get_inventory_history answers, by sku@location
}

// demoDoc is a document in any of the four lists.
type demoDoc struct {
	Number       string                `json:"number"`
	Status       inventory.Status      `json:"status"`
	Supplier     documents.DocSupplier `json:"supplier"`
	Location     storage.DocLocation   `json:"location"`
	From         storage.DocLocation   `json:"from_location"`
	To           storage.DocLocation   `json:"to_location"`
	ExpectedDate string                `json:"expected_date"`
	Overdue      bool                  `json:"overdue"`
}

func newDemoEnv(t *testing.T, db *storage.DB) *demoEnv {
	t.Helper()
	ctx := context.Background()
	res, err := demo.Ensure(ctx, db, demo.Options{Variants: demo.MinVariants})
	if err != nil {
		t.Fatal(err)
	}
	f := storagetest.Fixture{DB: db, Store: res.Store, ReadKey: res.ReadKey, WriteKey: res.WriteKey, Today: storage.StoreDate(db.Now(), res.Store.Timezone)}
	w := &wEnv{Fixture: f, tools: map[string]tools.Tool{}, ctx: tools.WithPrincipal(ctx, f.WritePrincipal())}
	for _, tl := range tools.All(tools.Deps{DB: db, Log: zerolog.Nop()}) {
		w.tools[tl.Def.Name] = tl
	}
	e := &demoEnv{readEnv: &readEnv{wEnv: w, rctx: tools.WithPrincipal(ctx, f.ReadPrincipal())}, res: res,
		today: f.Today.Format(time.DateOnly), levels: map[string]catalog.LocationLevels{}, demand: map[string]plan.Demand{},
		docs: map[string][]demoDoc{}, pos: map[string]documents.PurchaseOrder{},
		history: map[string][]catalog.HistoryEntry{}}
	var locs struct {
		Locations []catalog.LocationInfo `json:"locations"`
	}
	e.get(t, "list_locations", `{}`, &locs)
	e.locations = locs.Locations
	e.suppliers = demoPages[catalog.SupplierInfo](t, e.readEnv, "list_suppliers", ``, 100)
	e.products = demoPages[catalog.ProductHit](t, e.readEnv, "search_products", ``, 100)
	const chunk = 25 // few enough to get levels per location
	for i := 0; i < len(e.products); i += chunk {
		var skus []string
		for _, h := range e.products[i:min(i+chunk, len(e.products))] {
			skus = append(skus, h.SKU)
		}
		for _, v := range e.levelsOf(t, skus) {
			for _, l := range v.Locations {
				e.levels[v.SKU+"@"+l.Location] = l
			}
		}
	}
	for _, list := range []string{"list_purchase_orders", "list_transfers", "list_stock_takes", "list_supplier_returns"} {
		e.docs[list] = demoPages[demoDoc](t, e.readEnv, list, ``, 100)
	}
	e.rules = demoPages[plan.ReorderRule](t, e.readEnv, "list_reorder_rules", ``, 100)
	for _, d := range e.docs["list_purchase_orders"] {
		var po documents.PurchaseOrder
		e.get(t, "get_purchase_order", `{"number":"`+d.Number+`"}`, &po)
		e.pos[d.Number] = po
	}
	return e
}

// demoPages pages through a list tool (items and next_cursor) with limit
// and returns every item; a page over the limit, an empty page that
// promises more, an item on two pages or paging without end fails.
func demoPages[T any](t *testing.T, e *readEnv, tool, args string, limit int) []T {
	t.Helper()
	out := []T{}
	seen := map[string]bool{}
	cursor := ""
	for range 1000 {
		var p pageOf[json.RawMessage]
		e.get(t, tool, fmt.Sprintf(`{%s"limit":%d,"cursor":%q}`, args, limit, cursor), &p)
		if len(p.Items) > limit || (len(p.Items) == 0 && p.NextCursor != "") {
			t.Fatalf("%s {%s}: page of %d items with limit %d and next_cursor %q", tool, args, len(p.Items), limit, p.NextCursor)
		}
		for _, raw := range p.Items {
			if seen[string(raw)] {
				t.Fatalf("%s {%s}: %s is on two pages", tool, args, raw)
			}
			seen[string(raw)] = true
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("%s: decoding %s: %v", tool, raw, err)
			}
			out = append(out, v)
		}
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
	t.Fatalf("%s {%s}: paging does not end", tool, args)
	return nil
}

// levelsOf calls get_inventory_levels for skus (up to 100).
func (e *demoEnv) levelsOf(t *testing.T, skus []string) []catalog.VariantLevels {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"skus": skus})
	var out struct {
		Variants []catalog.VariantLevels `json:"variants"`
	}
	e.get(t, "get_inventory_levels", string(b), &out)
	if len(out.Variants) != len(skus) {
		t.Fatalf("get_inventory_levels %s: %d variants for %d SKUs", b, len(out.Variants), len(skus))
	}
	return out.Variants
}

// demandOf calls get_demand, once per arguments.
func (e *demoEnv) demandOf(t *testing.T, sku, location string, days int) plan.Demand {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"sku": sku, "location": location, "days": days})
	if d, ok := e.demand[string(b)]; ok {
		return d
	}
	var d plan.Demand
	e.get(t, "get_demand", string(b), &d)
	e.demand[string(b)] = d
	return d
}

// windowUnits is the demand's units in its window of days.
func windowUnits(t *testing.T, d plan.Demand, days int) int64 {
	t.Helper()
	for _, w := range d.Windows {
		if w.Days == days {
			return w.Units
		}
	}
	t.Fatalf("get_demand for %s has no %d-day window: %+v", d.SKU, days, d.Windows)
	return 0
}

// hasOtherName reports whether another supplier's name contains name, so
// that a search by name matches more than that supplier.
func (e *demoEnv) hasOtherName(name string) bool {
	for _, s := range e.suppliers {
		if s.Name != name && strings.Contains(strings.ToLower(s.Name), strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// variantsOf is the set of variant ids search_products finds for a
// supplier.
func (e *demoEnv) variantsOf(t *testing.T, supplier string) map[int64]bool {
	t.Helper()
	out := map[int64]bool{}
	for _, h := range demoPages[catalog.ProductHit](t, e.readEnv, "search_products", `"supplier":`+jsonQuote(supplier)+`,`, 100) {
		out[h.VariantID] = true
	}
	return out
}

// jsonQuote is s as a JSON string, for building arguments.
func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// keysOf lists a key of each item, in order.
func keysOf[T any](items []T, key func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = key(x)
	}
	return out
}

// keepIf keeps the items that match.
func keepIf[T any](items []T, keep func(T) bool) []T {
	out := []T{}
	for _, x := range items {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// sameLines reports whether two lists hold the same strings in the same order.
func sameLines(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// sameJSON compares two values as the tools' answers show them.
func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

func TestReadToolsOnDemoStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newDemoEnv(t, db)
		cases := []struct {
			tool  string
			check func(*demoEnv, *testing.T)
		}{
			{"get_store_overview", (*demoEnv).checkOverview},
			{"list_locations", (*demoEnv).checkLocations},
			{"search_products", (*demoEnv).checkSearch},
			{"get_inventory_levels", (*demoEnv).checkLevels},
			{"get_inventory_history", (*demoEnv).checkHistory},
			{"list_stock_risks", (*demoEnv).checkRisks},
			{"get_reorder_suggestions", (*demoEnv).checkSuggestions},
			{"get_demand", (*demoEnv).checkDemand},
			{"get_inventory_value", (*demoEnv).checkValue},
			{"list_dead_stock", (*demoEnv).checkDeadStock},
			{"list_suppliers", (*demoEnv).checkListSuppliers},
			{"get_supplier", (*demoEnv).checkGetSupplier},
			{"list_purchase_orders", (*demoEnv).checkListPurchaseOrders},
			{"get_purchase_order", (*demoEnv).checkGetPurchaseOrder},
			{"list_transfers", (*demoEnv).checkListTransfers},
			{"get_transfer", (*demoEnv).checkGetTransfer},
			{"list_stock_takes", (*demoEnv).checkListStockTakes},
			{"get_stock_take", (*demoEnv).checkGetStockTake},
			{"list_supplier_returns", (*demoEnv).checkListSupplierReturns},
			{"get_supplier_return", (*demoEnv).checkGetSupplierReturn},
			{"list_reorder_rules", (*demoEnv).checkReorderRules},
		}
		covered := map[string]bool{}
		for _, tc := range cases {
			covered[tc.tool] = true
			t.Run(tc.tool, func(t *testing.T) { tc.check(e, t) })
		}
		for _, tl := range tools.All(tools.Deps{DB: db}) {
			if tl.Scope == keys.ScopeRead && !covered[tl.Def.Name] {
				t.Errorf("read tool %s is not tested on the demo store: add a case", tl.Def.Name)
			}
		}
		t.Run("paging", e.checkPaging)
	})
}

// checkPaging walks every list tool, with and without filters, in small
// pages and in one page: the same items in the same order, none twice.
func (e *demoEnv) checkPaging(t *testing.T) {
	shop := e.locations[len(e.locations)-1]
	sinceMonth := e.Today.AddDate(0, 0, -30).Format(time.DateOnly)
	for _, tc := range []struct{ tool, args string }{
		{"search_products", ``},
		{"search_products", `"vendor":` + jsonQuote(e.products[0].Vendor) + `,`},
		{"get_inventory_history", `"location":"` + shop.Code + `","since":"` + sinceMonth + `",`},
		{"get_inventory_history", `"sku":` + jsonQuote(e.products[0].SKU) + `,`},
		{"list_stock_risks", ``},
		{"list_stock_risks", `"kind":"below_reorder_point","location":"` + shop.Name + `",`},
		{"list_dead_stock", ``},
		{"list_suppliers", ``},
		{"list_purchase_orders", ``},
		{"list_purchase_orders", `"overdue":true,`},
		{"list_transfers", ``},
		{"list_stock_takes", ``},
		{"list_supplier_returns", ``},
		{"list_reorder_rules", ``},
		{"list_reorder_rules", `"location":"` + shop.Code + `",`},
	} {
		t.Run(tc.tool+" "+tc.args, func(t *testing.T) {
			key := func(r json.RawMessage) string { return string(r) }
			full := keysOf(demoPages[json.RawMessage](t, e.readEnv, tc.tool, tc.args, 100), key)
			if len(full) < 3 {
				t.Fatalf("the demo store should have more than %d rows here", len(full))
			}
			if small := keysOf(demoPages[json.RawMessage](t, e.readEnv, tc.tool, tc.args, 3), key); !sameLines(small, full) {
				t.Fatalf("pages of 3 give %d rows, one page of 100 gives %d, or another order", len(small), len(full))
			}
			var p1, p2, one pageOf[json.RawMessage]
			e.get(t, tc.tool, `{`+tc.args+`"limit":2}`, &p1)
			e.get(t, tc.tool, `{`+tc.args+`"limit":2,"cursor":"`+p1.NextCursor+`"}`, &p2)
			if len(p1.Items) != 2 || p1.NextCursor == "" || len(p2.Items) == 0 ||
				slices.ContainsFunc(p2.Items, func(r json.RawMessage) bool { return slices.Contains(keysOf(p1.Items, key), string(r)) }) {
				t.Fatalf("limit 2: %d items, next_cursor %q; the next page (%d items) is empty or repeats them", len(p1.Items), p1.NextCursor, len(p2.Items))
			}
			// The planning lists' lines are larger, and so their pages
			// smaller.
			maxLimit := storage.MaxLimit
			if tc.tool == "list_stock_risks" || tc.tool == "get_reorder_suggestions" {
				maxLimit = plan.MaxPlanLimit
			}
			e.get(t, tc.tool, `{`+tc.args+`"limit":100}`, &one)
			if (len(full) <= maxLimit) != (one.NextCursor == "") || len(one.Items) != min(len(full), maxLimit) {
				t.Fatalf("limit 100 over %d rows: %d items, next_cursor %q", len(full), len(one.Items), one.NextCursor)
			}
			// Limits out of range are clamped, with a note that says so.
			for _, c := range []struct{ limit, used int }{{1000, maxLimit}, {-5, storage.DefaultLimit}} {
				var p pageOf[json.RawMessage]
				e.get(t, tc.tool, fmt.Sprintf(`{%s"limit":%d}`, tc.args, c.limit), &p)
				if !strings.Contains(p.Note, fmt.Sprint(c.limit)) || len(p.Items) != min(len(full), c.used) {
					t.Fatalf("limit %d: note %q, %d items; want a note and pages of %d", c.limit, p.Note, len(p.Items), c.used)
				}
			}
			e.bad(t, tc.tool, `{`+tc.args+`"cursor":"not a cursor"}`, "cursor", "next_cursor")
		})
	}
}

func (e *demoEnv) checkOverview(t *testing.T) {
	var o struct {
		Key struct {
			Prefix string `json:"prefix"`
			Scope  string `json:"scope"`
		} `json:"key"`
		Counts struct {
			Locations int64 `json:"locations"`
			Products  int64 `json:"products"`
			Variants  int64 `json:"variants"`
		} `json:"counts"`
		OpenDocuments map[string]map[string]int64 `json:"open_documents"`
		StockRisks    struct {
			OutOfStock        int64 `json:"out_of_stock"`
			BelowReorderPoint int64 `json:"below_reorder_point"`
		} `json:"stock_risks"`
	}
	e.get(t, "get_store_overview", `{}`, &o)
	if o.Key.Prefix != e.ReadKey.Prefix || o.Key.Scope != string(keys.ScopeRead) {
		t.Errorf("key %+v, want the read key %s", o.Key, e.ReadKey.Prefix)
	}
	if o.Counts.Locations != int64(len(e.locations)) || o.Counts.Variants != int64(len(e.products)) || o.Counts.Products != e.res.Counts.Products {
		t.Errorf("counts %+v; list_locations has %d, search_products %d variants, the demo %d products",
			o.Counts, len(e.locations), len(e.products), e.res.Counts.Products)
	}
	for kind, list := range map[string]string{"purchase_orders": "list_purchase_orders", "transfers": "list_transfers",
		"stock_takes": "list_stock_takes", "supplier_returns": "list_supplier_returns"} {
		if len(o.OpenDocuments[kind]) == 0 {
			t.Errorf("no open %s in %v", kind, o.OpenDocuments)
		}
		for status, n := range o.OpenDocuments[kind] {
			if got := len(demoPages[demoDoc](t, e.readEnv, list, `"status":"`+status+`",`, 100)); int64(got) != n {
				t.Errorf("overview: %d %s %s; %s lists %d", n, status, kind, list, got)
			}
		}
	}
	// Open purchase orders are the ones list_suppliers counts as open.
	var openPOs, supplierOpen int64
	for _, n := range o.OpenDocuments["purchase_orders"] {
		openPOs += n
	}
	for _, s := range e.suppliers {
		supplierOpen += s.OpenOrders
	}
	if openPOs != supplierOpen {
		t.Errorf("overview: %d open purchase orders; list_suppliers counts %d", openPOs, supplierOpen)
	}
	for kind, n := range map[string]int64{plan.RiskOutOfStock: o.StockRisks.OutOfStock, plan.RiskBelowReorder: o.StockRisks.BelowReorderPoint} {
		if got := len(demoPages[riskRow](t, e.readEnv, "list_stock_risks", `"kind":"`+kind+`",`, 100)); n == 0 || int64(got) != n {
			t.Errorf("overview: %d %s; list_stock_risks lists %d", n, kind, got)
		}
	}
}

func (e *demoEnv) checkLocations(t *testing.T) {
	kinds := map[string]int{}
	for _, l := range e.locations {
		kinds[l.Kind]++
		if !l.Active || l.Name == "" || l.Code == "" {
			t.Errorf("location %+v", l)
		}
		// Other tools take a location by name, code (any case) or id.
		var want string
		for _, ref := range []string{l.Name, strings.ToLower(l.Code), fmt.Sprint(l.ID)} {
			var p pageOf[catalog.HistoryEntry]
			text := e.get(t, "get_inventory_history", `{"location":`+jsonQuote(ref)+`,"limit":5}`, &p)
			if len(p.Items) == 0 || (want != "" && text != want) {
				t.Errorf("history at %q: %s, want %s", ref, text, want)
			}
			for _, r := range p.Items {
				if r.LocationID != l.ID || r.Location != l.Name {
					t.Errorf("history at %q has a row at %s", ref, r.Location)
				}
			}
			want = text
		}
	}
	if int64(len(e.locations)) != e.res.Counts.Locations || kinds["warehouse"] < 1 || kinds["shop"] < 2 {
		t.Errorf("locations by kind %v; the demo has %d", kinds, e.res.Counts.Locations)
	}
}

func (e *demoEnv) checkSearch(t *testing.T) {
	if int64(len(e.products)) != e.res.Counts.Variants {
		t.Fatalf("search_products finds %d variants of %d", len(e.products), e.res.Counts.Variants)
	}
	// A variant from the middle of the catalogue, with everything to find
	// it by.
	var v catalog.ProductHit
	for _, h := range e.products[len(e.products)/2:] {
		if h.Barcode != "" && h.Vendor != "" && len(h.Options) > 0 {
			v = h
			break
		}
	}
	if v.SKU == "" {
		t.Fatal("no variant with a barcode, a vendor and options")
	}
	word := slices.MaxFunc(strings.Fields(v.Product), func(a, b string) int { return len(a) - len(b) })
	swap := func(s string) string { // tRAIL rUNNER: neither the stored case nor lower
		r := []rune(s)
		for i, c := range r {
			if i%2 == 0 {
				r[i] = []rune(strings.ToUpper(string(c)))[0]
			} else {
				r[i] = []rune(strings.ToLower(string(c)))[0]
			}
		}
		return string(r)
	}
	has := func(field, part string) bool { return strings.Contains(strings.ToLower(field), strings.ToLower(part)) }
	inText := func(part string) func(h catalog.ProductHit) bool {
		return func(h catalog.ProductHit) bool {
			return has(h.SKU, part) || has(h.Barcode, part) || has(h.Product, part) || has(h.Vendor, part)
		}
	}
	for _, tc := range []struct {
		name, args string
		// want is what the search must find; exact says it finds nothing
		// else (query also matches supplier names, which hits do not show).
		want  func(h catalog.ProductHit) bool
		exact bool
	}{
		{"SKU in query, lower case", `"query":` + jsonQuote(strings.ToLower(v.SKU)), inText(v.SKU), false},
		{"barcode in query", `"query":` + jsonQuote(v.Barcode), inText(v.Barcode), false},
		{"vendor in query, upper case", `"query":` + jsonQuote(strings.ToUpper(v.Vendor)), inText(v.Vendor), false},
		{"title word in query, mixed case", `"query":` + jsonQuote(swap(word)), inText(word), false},
		{"sku filter", `"sku":` + jsonQuote(strings.ToLower(v.SKU)), func(h catalog.ProductHit) bool { return has(h.SKU, v.SKU) }, true},
		{"part of a barcode", `"barcode":` + jsonQuote(v.Barcode[1:len(v.Barcode)-1]), func(h catalog.ProductHit) bool { return has(h.Barcode, v.Barcode[1:len(v.Barcode)-1]) }, true},
		{"vendor filter", `"vendor":` + jsonQuote(swap(v.Vendor)), func(h catalog.ProductHit) bool { return has(h.Vendor, v.Vendor) }, true},
		{"filters combine", `"vendor":` + jsonQuote(v.Vendor) + `,"query":` + jsonQuote(word),
			func(h catalog.ProductHit) bool { return has(h.Vendor, v.Vendor) && inText(word)(h) }, false},
		{"LIKE wildcards are literal", `"query":"%"`, inText("%"), true},
		{"SQL in the text is text", `"sku":"x' OR '1'='1"`, func(catalog.ProductHit) bool { return false }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := demoPages[catalog.ProductHit](t, e.readEnv, "search_products", tc.args+",", 100)
			want := keepIf(e.products, tc.want)
			if tc.exact && len(got) != len(want) {
				t.Fatalf("%d hits, want the %d variants that match", len(got), len(want))
			}
			found := map[int64]bool{}
			for _, h := range got {
				found[h.VariantID] = true
				if tc.exact && !tc.want(h) {
					t.Errorf("%s does not match", h.SKU)
				}
			}
			for _, h := range want {
				if !found[h.VariantID] {
					t.Fatalf("%s matches but was not found (%d hits)", h.SKU, len(got))
				}
			}
			if !tc.exact && !found[v.VariantID] {
				t.Fatalf("%s not found", v.SKU)
			}
		})
	}
	// A supplier finds the variants it supplies, as a filter and as text.
	for _, s := range e.suppliers {
		if e.hasOtherName(s.Name) {
			continue
		}
		var info catalog.SupplierInfo
		e.get(t, "get_supplier", `{"supplier":`+jsonQuote(s.Name)+`}`, &info)
		supplied := e.variantsOf(t, strings.ToUpper(s.Name))
		if int64(len(supplied)) != info.Variants {
			t.Errorf("search by supplier %s finds %d variants; get_supplier says it supplies %d", s.Name, len(supplied), info.Variants)
		}
		for _, h := range demoPages[catalog.ProductHit](t, e.readEnv, "search_products", `"query":`+jsonQuote(strings.ToLower(s.Name))+`,`, 100) {
			delete(supplied, h.VariantID)
		}
		if len(supplied) != 0 {
			t.Errorf("query %q misses %d variants the supplier supplies", s.Name, len(supplied))
		}
	}
}

func (e *demoEnv) checkLevels(t *testing.T) {
	// The first hundred variants, in reverse order: answered in the order
	// asked, with totals only (too many levels for one answer) that agree
	// with search_products; the first 25 per location too, which add up.
	var skus []string
	bySKU := map[string]catalog.ProductHit{}
	for _, h := range e.products[:catalog.MaxLevelVariants] {
		skus = append([]string{h.SKU}, skus...)
		bySKU[h.SKU] = h
	}
	for i, v := range e.levelsOf(t, skus) {
		h := bySKU[v.SKU]
		if v.SKU != skus[i] || len(v.Locations) != 0 || v.Total.OnHand != h.OnHand || v.Total.Available != h.Available {
			t.Errorf("%s (asked for %s): %+v, search_products says %d/%d", v.SKU, skus[i], v, h.OnHand, h.Available)
		}
	}
	hundred := skus
	skus = skus[:25]
	all := e.levelsOf(t, skus)
	for i, v := range all {
		h := bySKU[v.SKU]
		var onHand, available int64
		for _, l := range v.Locations {
			onHand, available = onHand+l.OnHand, available+l.Available
			if l.Available != l.OnHand-l.Committed-l.Reserved-l.Damaged-l.SafetyStock-l.QualityControl {
				t.Errorf("%s at %s: available %d is not on_hand less the held quantities: %+v", v.SKU, l.Location, l.Available, l)
			}
		}
		if v.SKU != skus[i] || v.VariantID != h.VariantID || v.Total.OnHand != onHand || v.Total.Available != available ||
			onHand != h.OnHand || available != h.Available {
			t.Errorf("%s (asked for %s): total %+v, locations add to %d/%d, search_products says %d/%d",
				v.SKU, skus[i], v.Total, onHand, available, h.OnHand, h.Available)
		}
	}
	// One location, by code: only its row, the same figures.
	var ids []int64
	for _, h := range e.products[:10] {
		ids = append(ids, h.VariantID)
	}
	for _, loc := range e.locations {
		b, _ := json.Marshal(map[string]any{"variant_ids": ids, "location": loc.Code})
		var out struct {
			Variants []catalog.VariantLevels `json:"variants"`
		}
		e.get(t, "get_inventory_levels", string(b), &out)
		for _, v := range out.Variants {
			want, stocked := e.levels[v.SKU+"@"+loc.Name]
			if len(v.Locations) > 1 || stocked != (len(v.Locations) == 1) || (stocked && v.Locations[0] != want) || v.Total != want.Levels {
				t.Errorf("%s at %s: %+v, want %+v", v.SKU, loc.Code, v, want)
			}
		}
	}
	many, _ := json.Marshal(map[string]any{"skus": append(hundred, e.products[len(e.products)-1].SKU)})
	e.bad(t, "get_inventory_levels", string(many), "101", "100")
	e.bad(t, "get_inventory_levels", `{"skus":[`+jsonQuote(skus[0])+`,"NO-SUCH-SKU"]}`, "NO-SUCH-SKU")
}

func (e *demoEnv) checkHistory(t *testing.T) {
	// A variant received on a purchase order shows the order's number.
	var po documents.PurchaseOrder
	var line documents.PurchaseOrderLine
	for _, p := range e.pos {
		for _, l := range p.Lines {
			if l.Received > 0 && (po.Number == "" || p.Number < po.Number) {
				po, line = p, l
			}
		}
	}
	if po.Number == "" {
		t.Fatal("no purchase order with a receipt")
	}
	all := demoPages[catalog.HistoryEntry](t, e.readEnv, "get_inventory_history", `"sku":`+jsonQuote(line.SKU)+`,`, 100)
	var receipt bool
	for i, r := range all {
		if r.SKU != line.SKU || r.VariantID != line.VariantID {
			t.Fatalf("history of %s has a row of %s", line.SKU, r.SKU)
		}
		if i > 0 && r.At.After(all[i-1].At) {
			t.Fatalf("not newest first: %v after %v", r.At, all[i-1].At)
		}
		receipt = receipt || (r.Document == po.Number && r.Quantity == string(inventory.OnHand) && r.Delta > 0 && r.Reason == string(inventory.ReasonReceived) &&
			r.Location == po.Location.Name)
	}
	if !receipt {
		t.Fatalf("history of %s has no receipt of %s at %s: %+v", line.SKU, po.Number, po.Location.Name, all)
	}
	// Location and since narrow it to the rows that match.
	at := all[len(all)/2].At
	for _, tc := range []struct {
		args string
		keep func(catalog.HistoryEntry) bool
	}{
		{`"location":` + jsonQuote(po.Location.Name) + `,`, func(r catalog.HistoryEntry) bool { return r.Location == po.Location.Name }},
		{`"since":"` + at.Format(time.DateOnly) + `",`, func(r catalog.HistoryEntry) bool { return !r.At.Before(storage.UTCDate(at)) }},
		{`"since":"` + at.Format(time.RFC3339Nano) + `",`, func(r catalog.HistoryEntry) bool { return !r.At.Before(at) }},
		{`"since":"` + e.Today.AddDate(0, 0, 1).Format(time.DateOnly) + `",`, func(catalog.HistoryEntry) bool { return false }},
	} {
		got := demoPages[catalog.HistoryEntry](t, e.readEnv, "get_inventory_history", `"sku":`+jsonQuote(line.SKU)+`,`+tc.args, 100)
		key := func(r catalog.HistoryEntry) string {
			return fmt.Sprintf("%s %s %s %+d %s", r.At, r.Location, r.Quantity, r.Delta, r.Document)
		}
		if want := keepIf(all, tc.keep); !sameLines(keysOf(got, key), keysOf(want, key)) {
			t.Errorf("history of %s {%s}:\n got %v\nwant %v", line.SKU, tc.args, keysOf(got, key), keysOf(want, key))
		}
	}
	e.bad(t, "get_inventory_history", `{"since":"yesterday"}`, "yesterday", "YYYY-MM-DD")
}

// checkRiskRow checks each risk row against get_inventory_levels and
// get_demand for its SKU at its location: the figures shown, and the
// definition of every kind it is listed under.
func (e *demoEnv) checkRiskRow(t *testing.T, r riskRow, kind string, days int) {
	t.Helper()
	lv, ok := e.levels[r.key()]
	d := e.demandOf(t, r.SKU, r.Location, 0)
	// Figures shown to two decimals: a level within rounding of a
	// threshold may be listed or not.
	u28 := windowUnits(t, d, 28)
	outOfStock := lv.Available <= 0 && d.DaysOfCover != nil
	below := float64(lv.Available+lv.Incoming) <= r.ReorderPoint+0.005
	lowCover := d.DaysOfCover != nil && *d.DaysOfCover < float64(days)+0.01
	meets := map[string]bool{plan.RiskOutOfStock: outOfStock, plan.RiskBelowReorder: below, plan.RiskLowCover: lowCover,
		"": outOfStock || below || lowCover}
	// One model: the risk's rate is get_demand's forecast at the location.
	if !ok || r.Available != lv.Available || r.Incoming != lv.Incoming || d.Available != lv.Available ||
		math.Abs(r.Velocity-d.Forecast.UnitsPerDay) > 0.006 {
		t.Errorf("%s: %+v; get_inventory_levels %+v, get_demand forecast %+v", r.key(), r, lv, d.Forecast)
	}
	if rule := mergedRule(e.rules, r.SKU, r.Location); rule.Min != nil && r.ReorderPoint != float64(*rule.Min) {
		t.Errorf("%s: reorder point %.2f; list_reorder_rules sets min %d", r.key(), r.ReorderPoint, *rule.Min)
	}
	if !meets[kind] {
		t.Errorf("%s listed as %q (risk %s) but available %d, incoming %d, reorder point %.2f, %d sold in 28 days",
			r.key(), kind, r.Risk, lv.Available, lv.Incoming, r.ReorderPoint, u28)
	}
	// Asked for a kind, each row carries it; otherwise each row names a
	// risk it meets, out of stock first.
	if kind != "" && r.Risk != kind {
		t.Errorf("%s listed for kind %s carries risk %s", r.key(), kind, r.Risk)
	}
	if !meets[r.Risk] || (kind == "" && outOfStock != (r.Risk == plan.RiskOutOfStock)) {
		t.Errorf("%s: risk %s; out of stock %v, below reorder point %v, low cover %v", r.key(), r.Risk, outOfStock, below, lowCover)
	}
	if r.DaysOfCover != nil && (d.DaysOfCover == nil || math.Abs(*r.DaysOfCover-*d.DaysOfCover) > 0.006) {
		t.Errorf("%s: %v days of cover, get_demand says %v", r.key(), *r.DaysOfCover, d.DaysOfCover)
	}
}

// nextPOs maps sku@location to the open purchase orders bringing it, with
// their expected dates.
func (e *demoEnv) nextPOs() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, po := range e.pos {
		if po.Status != inventory.POSent && po.Status != inventory.POPartiallyReceived {
			continue
		}
		for _, l := range po.Lines {
			if l.Open > 0 {
				k := l.SKU + "@" + po.Location.Name
				if out[k] == nil {
					out[k] = map[string]string{}
				}
				out[k][po.Number] = po.ExpectedDate
			}
		}
	}
	return out
}

func (e *demoEnv) checkRisks(t *testing.T) {
	byKind := map[string][]riskRow{}
	for _, tc := range []struct {
		kind string
		days int
	}{
		{"", plan.DefaultCoverDays}, {plan.RiskOutOfStock, plan.DefaultCoverDays}, {plan.RiskBelowReorder, plan.DefaultCoverDays},
		{plan.RiskLowCover, plan.DefaultCoverDays}, {plan.RiskLowCover, 30},
	} {
		args := fmt.Sprintf(`"kind":%q,"days":%d,`, tc.kind, tc.days)
		rows := demoPages[riskRow](t, e.readEnv, "list_stock_risks", args, 100)
		if tc.days == plan.DefaultCoverDays {
			byKind[tc.kind] = rows
		}
		if len(rows) == 0 {
			t.Errorf("the demo store has no %q risks within %d days", tc.kind, tc.days)
		}
		for i, r := range rows {
			e.checkRiskRow(t, r, tc.kind, tc.days)
			if i > 0 && rows[i-1].urgency() > r.urgency() {
				t.Errorf("%s: not most urgent first: %s (%.2f) before %s (%.2f)", args, rows[i-1].key(), rows[i-1].urgency(), r.key(), r.urgency())
			}
		}
	}
	// Every risk at the default threshold is one of the three kinds.
	union := map[string]bool{}
	for _, kind := range []string{plan.RiskOutOfStock, plan.RiskBelowReorder, plan.RiskLowCover} {
		for _, r := range byKind[kind] {
			union[r.key()] = true
		}
	}
	if all := keysOf(byKind[""], riskRow.key); len(all) != len(union) || len(keepIf(all, func(k string) bool { return union[k] })) != len(all) {
		t.Errorf("all risks (%d) are not the union of the three kinds (%d)", len(all), len(union))
	}
	// Nothing that meets a definition is left out: every level is checked
	// through get_demand (and, for a rule's min, list_reorder_rules).
	listed := map[string]map[string]bool{}
	for kind, rows := range byKind {
		listed[kind] = map[string]bool{}
		for _, r := range rows {
			listed[kind][r.key()] = true
		}
	}
	for key, lv := range e.levels {
		sku, loc, _ := strings.Cut(key, "@")
		d := e.demandOf(t, sku, loc, 0)
		u28 := windowUnits(t, d, 28)
		rule := mergedRule(e.rules, sku, loc)
		for kind, meets := range map[string]bool{
			plan.RiskOutOfStock:   lv.Available <= 0 && d.DaysOfCover != nil,
			plan.RiskLowCover:     d.DaysOfCover != nil && *d.DaysOfCover < plan.DefaultCoverDays-0.01,
			plan.RiskBelowReorder: rule.Min != nil && lv.Available+lv.Incoming <= *rule.Min,
		} {
			if meets && !listed[kind][key] {
				t.Errorf("%s is %s (available %d, incoming %d, %d sold in 28 days, rule %+v) but not listed", key, kind, lv.Available, lv.Incoming, u28, rule)
			}
		}
	}
	// The next open purchase order is the soonest expected one.
	open := e.nextPOs()
	for _, r := range byKind[""] {
		pos := open[r.key()]
		if (r.NextPO == nil) != (len(pos) == 0) {
			t.Errorf("%s: next_po %+v, open orders %v", r.key(), r.NextPO, pos)
			continue
		}
		if r.NextPO != nil {
			date, ok := pos[r.NextPO.Number]
			for _, d := range pos {
				if d != "" && (date == "" || d < date) {
					ok = false
				}
			}
			if !ok || r.NextPO.ExpectedDate != date {
				t.Errorf("%s: next_po %+v, open orders %v", r.key(), r.NextPO, pos)
			}
		}
	}
	// Location and supplier narrow the list, keeping its order.
	type riskFilter struct {
		args string
		keep func(riskRow) bool
	}
	var filters []riskFilter
	for _, l := range e.locations {
		filters = append(filters, riskFilter{`"location":"` + l.Code + `",`, func(r riskRow) bool { return r.LocationID == l.ID }})
	}
	suppliers := map[string]bool{}
	for _, r := range byKind[""] {
		if r.Supplier != "" && !suppliers[r.Supplier] && len(suppliers) < 3 {
			suppliers[r.Supplier] = true
			filters = append(filters, riskFilter{`"supplier":` + jsonQuote(r.Supplier) + `,`, func(x riskRow) bool { return x.Supplier == r.Supplier }})
		}
	}
	for _, f := range filters {
		got := demoPages[riskRow](t, e.readEnv, "list_stock_risks", f.args, 100)
		want := keepIf(byKind[""], f.keep)
		if len(got) == 0 || !sameLines(keysOf(got, riskRow.key), keysOf(want, riskRow.key)) {
			t.Errorf("risks {%s}:\n got %v\nwant %v", f.args, keysOf(got, riskRow.key), keysOf(want, riskRow.key))
		}
	}
	e.bad(t, "list_stock_risks", `{"kind":"overstock"}`, "overstock", "out_of_stock")
}

// mergedRule is the rule that applies to sku at location, from
// list_reorder_rules: the location's rule wins, field by field, over the
// all-locations one.
func mergedRule(rules []plan.ReorderRule, sku, location string) inventory.Rule {
	var all, m inventory.Rule
	for _, r := range rules {
		switch {
		case r.SKU == sku && r.LocationID == 0:
			all = r.Rule
		case r.SKU == sku && r.Location == location:
			m = r.Rule
		}
	}
	if m.Min == nil {
		m.Min = all.Min
	}
	if m.Max == nil {
		m.Max = all.Max
	}
	if m.SafetyStock == nil {
		m.SafetyStock = all.SafetyStock
	}
	if m.LeadTimeDays == nil {
		m.LeadTimeDays = all.LeadTimeDays
	}
	if m.DaysOfCover == nil {
		m.DaysOfCover = all.DaysOfCover
	}
	return m
}

// suggestionPage is one page of get_reorder_suggestions.
type suggestionPage struct {
	Suppliers  []plan.SupplierSuggestions `json:"suppliers"`
	NextCursor string                     `json:"next_cursor"`
}

func (e *demoEnv) checkSuggestions(t *testing.T) {
	below := map[string]riskRow{}
	for _, r := range demoPages[riskRow](t, e.readEnv, "list_stock_risks", `"kind":"below_reorder_point",`, 100) {
		below[r.key()] = r
	}
	// Every page, a supplier's lines continued on the next page joined to
	// its group.
	var all suggestionPage
	for cursor, n := "", 0; n == 0 || cursor != ""; n++ {
		if n > 100 {
			t.Fatal("paging does not end")
		}
		var p suggestionPage
		e.get(t, "get_reorder_suggestions", fmt.Sprintf(`{"limit":100,"cursor":%q}`, cursor), &p)
		for _, g := range p.Suppliers {
			if k := len(all.Suppliers); k > 0 && all.Suppliers[k-1].Supplier == g.Supplier {
				all.Suppliers[k-1].Lines = append(all.Suppliers[k-1].Lines, g.Lines...)
				continue
			}
			all.Suppliers = append(all.Suppliers, g)
		}
		cursor = p.NextCursor
	}
	if len(all.Suppliers) == 0 {
		t.Fatal("the demo store should have suggestions")
	}
	lineKey := func(g plan.SupplierSuggestions, l plan.SuggestionLine) string {
		return fmt.Sprintf("%s|%s@%s %d", g.Supplier, l.SKU, l.Location, l.Quantity)
	}
	var lines []string
	seen := map[string]bool{}
	for _, g := range all.Suppliers {
		if seen[g.Supplier] {
			t.Errorf("%s has two groups on one page", g.Supplier)
		}
		seen[g.Supplier] = true
		var total inventory.Money
		for _, l := range g.Lines {
			lines = append(lines, lineKey(g, l))
			key := l.SKU + "@" + l.Location
			r, ok := below[key]
			lv := e.levels[key]
			in := l.Inputs
			pack, moq := max(in.PackSize, 1), max(in.MinOrderQty, 1)
			if !ok || (r.Supplier != g.Supplier && !(r.Supplier == "" && g.Supplier == plan.NoSupplier)) {
				t.Errorf("%s suggested from %s; list_stock_risks below_reorder_point has %+v", key, g.Supplier, r)
			}
			if l.Quantity <= 0 || l.Quantity%pack != 0 || l.Quantity < moq || float64(in.Available+in.Incoming+l.Quantity) < in.Target-0.005 {
				t.Errorf("%s: %d units; pack %d, minimum %d, position %d + quantity should reach target %.2f",
					key, l.Quantity, pack, moq, in.Available+in.Incoming, in.Target)
			}
			if in.Available != lv.Available || in.Incoming != lv.Incoming || math.Abs(in.ReorderPoint-r.ReorderPoint) > 0.006 ||
				l.EstimatedCost != l.UnitCost*inventory.Money(l.Quantity) || l.Reason == "" {
				t.Errorf("%s: %+v; levels %+v, risk reorder point %.2f", key, l, lv, r.ReorderPoint)
			}
			// The inputs shown are the rule from list_reorder_rules and
			// get_demand's forecast at the location; a rule's figures win
			// over the computed ones (DESIGN.md §12).
			rule := mergedRule(e.rules, l.SKU, l.Location)
			shown := inventory.Rule{}
			if in.Rule != nil {
				shown = *in.Rule
			}
			d := e.demandOf(t, l.SKU, l.Location, 0)
			wrong := !sameJSON(shown, rule) || math.Abs(in.Velocity-d.Forecast.UnitsPerDay) > 0.006 || in.Method != d.Forecast.Method ||
				(rule.LeadTimeDays != nil && in.LeadTimeDays != float64(*rule.LeadTimeDays)) ||
				(rule.Min != nil && in.ReorderPoint != float64(*rule.Min)) || (rule.Max != nil && in.Target != float64(*rule.Max)) ||
				(rule.SafetyStock != nil && in.SafetyStock != float64(*rule.SafetyStock)) ||
				(rule.Min == nil && rule.SafetyStock == nil && in.SafetyStock < 0) || in.ServiceLevel < 50 || in.ServiceLevel > 99.9
			if wrong {
				t.Errorf("%s: inputs %+v (rule %+v); list_reorder_rules gives %+v, get_demand forecast %+v",
					key, in, shown, rule, d.Forecast)
			}
			total += l.EstimatedCost
			delete(below, key)
		}
		if len(g.Lines) == 0 || total != g.EstimatedTotal || g.BelowMinOrder != (g.MinOrder > 0 && total < g.MinOrder) {
			t.Errorf("%s: %d lines, estimated total %v, lines add to %v, minimum %v, below minimum %v",
				g.Supplier, len(g.Lines), g.EstimatedTotal, total, g.MinOrder, g.BelowMinOrder)
		}
	}
	// Every level at or below its reorder point has a suggestion.
	if len(below) != 0 {
		t.Errorf("below their reorder point but not suggested: %v", slices.Collect(maps.Keys(below)))
	}
	if paged, _ := e.suggestionLines(t, ``, 2); !sameLines(paged, lines) {
		t.Errorf("pages of 2:\n%v\none page:\n%v", paged, lines)
	}
	// A supplier or a location narrows the suggestions to its lines.
	var filters []struct{ args, supplier, location string }
	for _, g := range all.Suppliers[:min(3, len(all.Suppliers))] {
		if g.SupplierID != nil {
			filters = append(filters, struct{ args, supplier, location string }{fmt.Sprintf(`"supplier":"%d",`, *g.SupplierID), g.Supplier, ""})
		}
	}
	for _, l := range e.locations {
		filters = append(filters, struct{ args, supplier, location string }{`"location":` + jsonQuote(l.Name) + `,`, "", l.Name})
	}
	for _, f := range filters {
		got, _ := e.suggestionLines(t, f.args, 100)
		want := keepIf(lines, func(s string) bool {
			return (f.supplier == "" || strings.HasPrefix(s, f.supplier+"|")) && (f.location == "" || strings.Contains(s, "@"+f.location+" "))
		})
		// The same lines; suppliers may come in another order, as their
		// urgency is that of their lines within the filter.
		if !sameLines(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("suggestions {%s}:\n got %v\nwant %v", f.args, got, want)
		}
	}
}

func (e *demoEnv) checkDemand(t *testing.T) {
	// A variant that sold out, and one that never sold where it is stocked.
	risks := demoPages[riskRow](t, e.readEnv, "list_stock_risks", `"kind":"out_of_stock",`, 100)
	var idle plan.DeadItem
	for _, d := range demoPages[plan.DeadItem](t, e.readEnv, "list_dead_stock", `"days":365,`, 100) {
		if d.LastSale == "" {
			idle = d
		}
	}
	if len(risks) == 0 || idle.SKU == "" {
		t.Fatalf("the demo store should have a stock-out (%d) and an item that never sold (%+v)", len(risks), idle)
	}
	if d := e.demandOf(t, idle.SKU, idle.Location, 0); windowUnits(t, d, 90) != 0 || d.Trend != "no sales" || d.LastSale != "" || d.DaysOfCover != nil {
		t.Errorf("%s at %s never sold: %+v", idle.SKU, idle.Location, d)
	}
	for _, sku := range []string{risks[0].SKU, idle.SKU} {
		for _, days := range []int{0, 7, 60} {
			total := e.demandOf(t, sku, "", days)
			window := days
			if window == 0 {
				window = 28
			}
			u7, u28, u90, uw := windowUnits(t, total, 7), windowUnits(t, total, 28), windowUnits(t, total, 90), windowUnits(t, total, window)
			if total.SKU != sku || u7 > u28 || u28 > u90 || (sku == risks[0].SKU && u28 == 0) || (total.Trend == "no sales") != (u90 == 0) {
				t.Errorf("%s: windows %+v, trend %s", sku, total.Windows, total.Trend)
			}
			var weekly int64
			for _, w := range total.WeeklyUnits {
				weekly += w
			}
			if len(total.WeeklyUnits) != (window+6)/7 || (window%7 == 0 && weekly != uw) {
				t.Errorf("%s over %d days: weekly units %v, %d in the window", sku, window, total.WeeklyUnits, uw)
			}
			for _, w := range total.Windows {
				if math.Abs(w.PerDay-float64(w.Units)/float64(w.Days)) > 0.006 {
					t.Errorf("%s: %+v", sku, w)
				}
			}
			// The locations add up to the total.
			var sum [5]int64
			for _, l := range e.locations {
				d := e.demandOf(t, sku, l.Code, days)
				lv := e.levels[sku+"@"+l.Name]
				if d.Location != l.Name || d.LocationID != l.ID || d.Available != lv.Available || d.Incoming != lv.Incoming {
					t.Errorf("%s at %s: %+v; levels %+v", sku, l.Name, d, lv)
				}
				sum[0], sum[1], sum[2], sum[3], sum[4] = sum[0]+windowUnits(t, d, 7), sum[1]+windowUnits(t, d, 28), sum[2]+windowUnits(t, d, 90), sum[3]+windowUnits(t, d, window), sum[4]+d.Available
			}
			if want := [5]int64{u7, u28, u90, uw, total.Available}; sum != want {
				t.Errorf("%s over %d days: locations add to %v, total %v", sku, days, sum, want)
			}
			cover, ok := planning.DaysOfCoverAt(total.Available, total.Forecast.UnitsPerDay)
			// units_per_day is shown to two decimals: the days of cover at
			// it agree within that rounding.
			if ok != (total.DaysOfCover != nil) || (ok && (math.Abs(*total.DaysOfCover*total.Forecast.UnitsPerDay-float64(total.Available)) > 0.005**total.DaysOfCover+0.01 || total.StockOutDate == "")) {
				t.Errorf("%s: days of cover %v, stock-out %q; want %.2f at %.2f/day", sku, total.DaysOfCover, total.StockOutDate, cover, total.Forecast.UnitsPerDay)
			}
		}
	}
	e.bad(t, "get_demand", `{"sku":"NO-SUCH-SKU"}`, "NO-SUCH-SKU")
}

func (e *demoEnv) checkValue(t *testing.T) {
	var onHand int64
	for _, h := range e.products {
		onHand += h.OnHand
	}
	var first *plan.InventoryValue
	for _, groupBy := range plan.ValueGroupings {
		for _, basis := range plan.ValueBases {
			var v plan.InventoryValue
			e.get(t, "get_inventory_value", fmt.Sprintf(`{"group_by":%q,"basis":%q,"limit":100}`, groupBy, basis), &v)
			if first == nil {
				first = &v
			}
			var sum plan.ValueGroup
			for i, g := range v.Groups {
				sum.Units, sum.Cost, sum.Retail = sum.Units+g.Units, sum.Cost+g.Cost, sum.Retail+g.Retail
				by := map[string]func(plan.ValueGroup) inventory.Money{"cost": func(g plan.ValueGroup) inventory.Money { return g.Cost },
					"retail": func(g plan.ValueGroup) inventory.Money { return g.Retail }}[basis]
				if i > 0 && by(v.Groups[i-1]) < by(g) {
					t.Errorf("%s by %s: not largest first at %s", groupBy, basis, g.Name)
				}
			}
			if v.GroupBy != groupBy || v.MoreGroups != 0 || len(v.Groups) == 0 || sum.Units != v.Total.Units || sum.Cost != v.Total.Cost || sum.Retail != v.Total.Retail {
				t.Errorf("%s by %s: groups add to %+v, total %+v (%d more groups)", groupBy, basis, sum, v.Total, v.MoreGroups)
			}
			if v.Total.Units != onHand || !sameJSON(v.Total, first.Total) || v.Total.Cost <= 0 || v.Total.Retail < v.Total.Cost {
				t.Errorf("%s by %s: total %+v; search_products has %d on hand; first total %+v", groupBy, basis, v.Total, onHand, first.Total)
			}
			var top plan.InventoryValue
			e.get(t, "get_inventory_value", fmt.Sprintf(`{"group_by":%q,"basis":%q,"limit":1}`, groupBy, basis), &top)
			if len(top.Groups) != 1 || !sameJSON(top.Groups[0], v.Groups[0]) || top.MoreGroups != len(v.Groups)-1 || !sameJSON(top.Total, v.Total) {
				t.Errorf("%s by %s, limit 1: %+v", groupBy, basis, top)
			}
		}
	}
	// By location, each group is the location's stock in get_inventory_levels.
	var byLoc plan.InventoryValue
	e.get(t, "get_inventory_value", `{"limit":100}`, &byLoc)
	for _, g := range byLoc.Groups {
		var units int64
		for k, l := range e.levels {
			if strings.HasSuffix(k, "@"+g.Name) {
				units += l.OnHand
			}
		}
		if g.Units != units || g.ID == nil || !slices.ContainsFunc(e.locations, func(l catalog.LocationInfo) bool { return l.ID == *g.ID && l.Name == g.Name }) {
			t.Errorf("location group %+v; get_inventory_levels has %d units there", g, units)
		}
	}
	var clamped struct {
		Note string `json:"note"`
	}
	e.get(t, "get_inventory_value", `{"limit":1000}`, &clamped)
	if !strings.Contains(clamped.Note, "1000") {
		t.Errorf("limit 1000: note %q", clamped.Note)
	}
}

func (e *demoEnv) checkDeadStock(t *testing.T) {
	cost := map[string]inventory.Money{}
	for _, h := range e.products {
		cost[h.SKU] = h.Cost
	}
	shop := e.locations[len(e.locations)-1]
	for _, tc := range []struct {
		args     string
		days     int
		location string
	}{
		{``, plan.DefaultDeadDays, ""},
		{`"days":30,`, 30, ""},
		{`"days":45,"location":"` + strings.ToLower(shop.Code) + `",`, 45, shop.Name},
	} {
		var first plan.DeadStock
		e.get(t, "list_dead_stock", `{`+tc.args+`"limit":100}`, &first)
		items := demoPages[plan.DeadItem](t, e.readEnv, "list_dead_stock", tc.args, 100)
		var value inventory.Money
		cutoff := e.Today.AddDate(0, 0, -tc.days).Format(time.DateOnly)
		dead := map[string]bool{}
		for i, it := range items {
			key := it.SKU + "@" + it.Location
			dead[key] = true
			value += it.Value
			lv := e.levels[key]
			d := e.demandOf(t, it.SKU, it.Location, tc.days)
			if it.OnHand <= 0 || it.OnHand != lv.OnHand || it.Value != cost[it.SKU]*inventory.Money(it.OnHand) ||
				windowUnits(t, d, tc.days) != 0 || (it.LastSale != "" && it.LastSale >= cutoff) || (tc.location != "" && it.Location != tc.location) {
				t.Errorf("{%s}: %+v is not dead stock: levels %+v, %d sold in %d days", tc.args, it, lv, windowUnits(t, d, tc.days), tc.days)
			}
			if i > 0 && items[i-1].Value < it.Value {
				t.Errorf("{%s}: not most value first at %s", tc.args, key)
			}
		}
		if len(items) == 0 || first.Days != tc.days || first.TotalItems != int64(len(items)) || first.TotalValue != value {
			t.Errorf("{%s}: %d items worth %v; the first page says %d over %d days worth %v",
				tc.args, len(items), value, first.TotalItems, first.Days, first.TotalValue)
		}
		// At one location, everything with stock and no sales is listed.
		if tc.location != "" {
			for key, lv := range e.levels {
				sku, loc, _ := strings.Cut(key, "@")
				if loc == tc.location && lv.OnHand > 0 && windowUnits(t, e.demandOf(t, sku, loc, tc.days), tc.days) == 0 && !dead[key] {
					t.Errorf("{%s}: %s has %d on hand and no sales in %d days but is not listed", tc.args, key, lv.OnHand, tc.days)
				}
			}
		}
	}
	e.bad(t, "list_dead_stock", `{"days":-1}`, "-1")
}

func (e *demoEnv) checkListSuppliers(t *testing.T) {
	if int64(len(e.suppliers)) != e.res.Counts.Suppliers {
		t.Fatalf("%d suppliers listed, the demo has %d", len(e.suppliers), e.res.Counts.Suppliers)
	}
	for _, s := range e.suppliers {
		open := keepIf(e.docs["list_purchase_orders"], func(d demoDoc) bool { return d.Supplier.ID == s.ID && !poDone(d.Status) })
		if s.OpenOrders != int64(len(open)) || s.LeadTimeDays <= 0 {
			t.Errorf("%s: %d open orders, lead time %d; list_purchase_orders has %d open", s.Name, s.OpenOrders, s.LeadTimeDays, len(open))
		}
	}
	s := e.suppliers[len(e.suppliers)/2]
	word := slices.MaxFunc(strings.Fields(s.Name), func(a, b string) int { return len(a) - len(b) })
	queries := []string{strings.ToUpper(word)}
	if s.Email != "" {
		queries = append(queries, strings.ToUpper(s.Email[strings.Index(s.Email, "@"):]))
	}
	for _, q := range queries {
		got := demoPages[catalog.SupplierInfo](t, e.readEnv, "list_suppliers", `"query":`+jsonQuote(q)+`,`, 100)
		want := keepIf(e.suppliers, func(x catalog.SupplierInfo) bool {
			return slices.ContainsFunc([]string{x.Name, x.Email, x.Phone}, func(f string) bool { return strings.Contains(strings.ToLower(f), strings.ToLower(q)) })
		})
		name := func(x catalog.SupplierInfo) string { return x.Name }
		if !slices.Contains(keysOf(got, name), s.Name) || !sameLines(keysOf(got, name), keysOf(want, name)) {
			t.Errorf("query %q: %v, want %v", q, keysOf(got, name), keysOf(want, name))
		}
	}
}

// poDone reports whether a purchase order asks for no more work.
func poDone(s inventory.Status) bool {
	return s == inventory.POReceived || s == inventory.POClosed || s == inventory.POCancelled
}

func (e *demoEnv) checkGetSupplier(t *testing.T) {
	for _, s := range e.suppliers {
		var byName catalog.SupplierInfo
		text := e.get(t, "get_supplier", `{"supplier":`+jsonQuote(strings.ToLower(s.Name))+`}`, &byName)
		for _, ref := range []string{fmt.Sprintf(`"%d"`, s.ID), fmt.Sprint(s.ID)} {
			if other := e.get(t, "get_supplier", `{"supplier":`+ref+`}`, nil); other != text {
				t.Errorf("get_supplier %s by id %s: %s, by name: %s", s.Name, ref, other, text)
			}
		}
		open := keepIf(e.docs["list_purchase_orders"], func(d demoDoc) bool { return d.Supplier.ID == s.ID && !poDone(d.Status) })
		want := map[string]bool{}
		for _, d := range open {
			want[d.Number] = d.Overdue
		}
		got := map[string]bool{}
		for _, po := range byName.OpenPurchaseOrders {
			got[po.Number] = po.Overdue
		}
		if byName.ID != s.ID || byName.Name != s.Name || byName.OpenOrders != int64(len(open)) || fmt.Sprint(got) != fmt.Sprint(want) ||
			byName.Variants < byName.Primary || byName.Variants == 0 {
			t.Errorf("%s: %s; open orders (number: overdue) %v", s.Name, text, want)
		}
	}
	e.bad(t, "get_supplier", `{"supplier":"No Such Supplier Ltd"}`, "No Such Supplier Ltd", "list_suppliers")
}

// checkBooked compares what a document booked in the ledger for sku at
// location, by get_inventory_history, with what its lines say it did
// (quantity name → net delta; zeros left out).
func (e *demoEnv) checkBooked(t *testing.T, number, sku, location string, want map[string]int64) {
	t.Helper()
	key := sku + "@" + location
	rows, ok := e.history[key]
	if !ok {
		rows = demoPages[catalog.HistoryEntry](t, e.readEnv, "get_inventory_history", `"sku":`+jsonQuote(sku)+`,"location":`+jsonQuote(location)+`,`, 100)
		e.history[key] = rows
	}
	got := map[string]int64{}
	for _, r := range rows {
		if r.Document == number {
			got[r.Quantity] += r.Delta
		}
	}
	maps.DeleteFunc(got, func(_ string, v int64) bool { return v == 0 })
	maps.DeleteFunc(want, func(_ string, v int64) bool { return v == 0 })
	if !maps.Equal(got, want) {
		t.Errorf("%s booked %v for %s, its lines say %v", number, got, key, want)
	}
}

// docFilter is a filter of a document list and the documents it keeps.
type docFilter struct {
	args string
	keep func(demoDoc) bool
}

// checkDocList checks a document list against its unfiltered answer: every
// status of the document's machine is present and each filter returns the
// documents it should, newest first.
func (e *demoEnv) checkDocList(t *testing.T, list string, m inventory.Machine, count int64, filters []docFilter) {
	t.Helper()
	all := e.docs[list]
	number := func(d demoDoc) string { return d.Number }
	if int64(len(all)) != count {
		t.Fatalf("%s lists %d, the demo has %d", list, len(all), count)
	}
	for i := 1; i < len(all); i++ {
		if len(all[i].Number) > len(all[i-1].Number) || (len(all[i].Number) == len(all[i-1].Number) && all[i].Number > all[i-1].Number) {
			t.Errorf("%s: not newest first: %s after %s", list, all[i].Number, all[i-1].Number)
		}
	}
	for _, s := range m.Statuses() {
		filters = append(filters, docFilter{`"status":"` + strings.ToUpper(string(s)) + `",`, func(d demoDoc) bool { return d.Status == s }})
	}
	var byStatus int
	for _, f := range filters {
		got := demoPages[demoDoc](t, e.readEnv, list, f.args, 100)
		want := keepIf(all, f.keep)
		if strings.HasPrefix(f.args, `"status"`) {
			byStatus += len(got)
		}
		if len(want) == 0 || !sameLines(keysOf(got, number), keysOf(want, number)) {
			t.Errorf("%s {%s}: got %v, want %v (not empty)", list, f.args, keysOf(got, number), keysOf(want, number))
		}
	}
	if byStatus != len(all) {
		t.Errorf("%s: the statuses hold %d documents of %d", list, byStatus, len(all))
	}
	e.bad(t, list, `{"status":"lost"}`, "lost")
}

// checkGetDoc gets every document of a list by number (in lower case) and
// checks it against its list row; check tests its lines and totals.
func checkGetDoc[T any](t *testing.T, e *demoEnv, list, get string, check func(t *testing.T, doc T)) {
	t.Helper()
	for _, d := range e.docs[list] {
		var doc T
		text := e.get(t, get, `{"number":`+jsonQuote(strings.ToLower(d.Number))+`}`, &doc)
		var head demoDoc
		mustJSON(t, text, &head)
		if head != d || strings.Contains(text, "null") {
			t.Errorf("%s %s: %s; the list has %+v", get, d.Number, text, d)
		}
		check(t, doc)
	}
	prefix, _, _ := strings.Cut(e.docs[list][0].Number, "-")
	e.bad(t, get, `{"number":"`+prefix+`-99999"}`, prefix+"-99999")
}

func (e *demoEnv) checkListPurchaseOrders(t *testing.T) {
	all := e.docs["list_purchase_orders"]
	var filters []docFilter
	for _, s := range all[:3] {
		filters = append(filters, docFilter{`"supplier":` + jsonQuote(s.Supplier.Name) + `,`, func(d demoDoc) bool { return d.Supplier.ID == s.Supplier.ID }})
	}
	for _, l := range e.locations {
		if slices.ContainsFunc(all, func(d demoDoc) bool { return d.Location.ID == l.ID }) {
			filters = append(filters, docFilter{`"location":"` + l.Code + `",`, func(d demoDoc) bool { return d.Location.ID == l.ID }})
		}
	}
	overdue := func(d demoDoc) bool {
		return (d.Status == inventory.POSent || d.Status == inventory.POPartiallyReceived) && d.ExpectedDate != "" && d.ExpectedDate < e.today
	}
	filters = append(filters, docFilter{`"overdue":true,`, overdue},
		docFilter{`"overdue":true,"status":"partially_received",`, func(d demoDoc) bool { return overdue(d) && d.Status == inventory.POPartiallyReceived }})
	for _, d := range all {
		if d.Overdue != overdue(d) {
			t.Errorf("%s: overdue %v, status %s, expected %s, today %s", d.Number, d.Overdue, d.Status, d.ExpectedDate, e.today)
		}
	}
	// A SKU finds the orders with a line for it.
	for _, number := range []string{all[0].Number, all[len(all)-1].Number} {
		sku := e.pos[number].Lines[0].SKU
		filters = append(filters, docFilter{`"sku":` + jsonQuote(sku) + `,`, func(d demoDoc) bool {
			return slices.ContainsFunc(e.pos[d.Number].Lines, func(l documents.PurchaseOrderLine) bool { return l.SKU == sku })
		}})
	}
	e.checkDocList(t, "list_purchase_orders", inventory.PurchaseOrders, e.res.Counts.PurchaseOrders, filters)
}

func (e *demoEnv) checkGetPurchaseOrder(t *testing.T) {
	checkGetDoc(t, e, "list_purchase_orders", "get_purchase_order", func(t *testing.T, po documents.PurchaseOrder) {
		var sum documents.PurchaseOrderTotals
		for _, l := range po.Lines {
			if l.Open != l.Ordered-l.Received-l.Rejected && !poDone(po.Status) || l.LineTotal != l.UnitCost*inventory.Money(l.Ordered) {
				t.Errorf("%s %s: %+v", po.Number, l.SKU, l)
			}
			sum.Lines, sum.Ordered, sum.Received, sum.Rejected, sum.Total = sum.Lines+1, sum.Ordered+l.Ordered, sum.Received+l.Received, sum.Rejected+l.Rejected, sum.Total+l.LineTotal
			var incoming int64 // what is still on its way
			if po.Status == inventory.POSent || po.Status == inventory.POPartiallyReceived {
				incoming = l.Open
			}
			if !poDone(po.Status) {
				sum.Open += l.Open
			}
			e.checkBooked(t, po.Number, l.SKU, po.Location.Name, map[string]int64{string(inventory.OnHand): l.Received, string(inventory.Incoming): incoming})
		}
		if sum.Lines == 0 || sum != po.Totals || !slices.Equal(po.AllowedActions, inventory.PurchaseOrders.Allowed(po.Status)) {
			t.Errorf("%s: totals %+v, lines add to %+v, allowed %v", po.Number, po.Totals, sum, po.AllowedActions)
		}
	})
}

func (e *demoEnv) checkListTransfers(t *testing.T) {
	var filters []docFilter
	for _, l := range e.locations {
		for _, side := range []struct {
			arg string
			loc func(demoDoc) storage.DocLocation
		}{{"from_location", func(d demoDoc) storage.DocLocation { return d.From }}, {"to_location", func(d demoDoc) storage.DocLocation { return d.To }}} {
			if slices.ContainsFunc(e.docs["list_transfers"], func(d demoDoc) bool { return side.loc(d).ID == l.ID }) {
				filters = append(filters, docFilter{fmt.Sprintf(`%q:"%d",`, side.arg, l.ID), func(d demoDoc) bool { return side.loc(d).ID == l.ID }})
			}
		}
	}
	e.checkDocList(t, "list_transfers", inventory.Transfers, e.res.Counts.Transfers, filters)
}

func (e *demoEnv) checkGetTransfer(t *testing.T) {
	checkGetDoc(t, e, "list_transfers", "get_transfer", func(t *testing.T, tr documents.Transfer) {
		var sum documents.TransferTotals
		for _, l := range tr.Lines {
			sum.Lines, sum.Units, sum.Received, sum.Open = sum.Lines+1, sum.Units+l.Quantity, sum.Received+l.Received, sum.Open+l.Open
			if l.Received > l.Quantity || (tr.Status != inventory.TransferCancelled && l.Open != l.Quantity-l.Received) {
				t.Errorf("%s %s: %+v", tr.Number, l.SKU, l)
			}
			var inTransit int64
			if tr.Status == inventory.TransferInTransit || tr.Status == inventory.TransferPartiallyReceived {
				inTransit = l.Open
			}
			e.checkBooked(t, tr.Number, l.SKU, tr.From.Name, map[string]int64{string(inventory.OnHand): -l.Received - inTransit})
			e.checkBooked(t, tr.Number, l.SKU, tr.To.Name, map[string]int64{string(inventory.OnHand): l.Received, string(inventory.Incoming): inTransit})
		}
		if sum.Lines == 0 || sum != tr.Totals || !slices.Equal(tr.AllowedActions, inventory.Transfers.Allowed(tr.Status)) {
			t.Errorf("%s: totals %+v, lines add to %+v, allowed %v", tr.Number, tr.Totals, sum, tr.AllowedActions)
		}
	})
}

func (e *demoEnv) checkListStockTakes(t *testing.T) {
	var filters []docFilter
	for _, l := range e.locations {
		filters = append(filters, docFilter{`"location":` + jsonQuote(l.Name) + `,`, func(d demoDoc) bool { return d.Location.ID == l.ID }})
	}
	e.checkDocList(t, "list_stock_takes", inventory.StockTakes, e.res.Counts.StockTakes, filters)
}

func (e *demoEnv) checkGetStockTake(t *testing.T) {
	checkGetDoc(t, e, "list_stock_takes", "get_stock_take", func(t *testing.T, st documents.StockTake) {
		var sum documents.StockTakeTotals
		for _, l := range st.Lines {
			sum.Lines++
			var applied int64
			if st.Status == inventory.StockTakeCompleted && l.Variance != nil {
				applied = *l.Variance
			}
			e.checkBooked(t, st.Number, l.SKU, st.Location.Name, map[string]int64{string(inventory.OnHand): applied})
			if l.Counted == nil {
				sum.Uncounted++
				continue
			}
			sum.Counted++
			if l.Variance == nil || *l.Variance != *l.Counted-l.Expected {
				t.Errorf("%s %s: %+v", st.Number, l.SKU, l)
				continue
			}
			sum.VarianceUnits += *l.Variance
			if l.VarianceCost != nil {
				sum.VarianceCost += *l.VarianceCost
			}
			if *l.Variance != 0 {
				sum.WithVariance++
			}
		}
		sum.LargeVariance = st.Totals.LargeVariance // checked in stock_takes_test.go
		if sum.Lines == 0 || sum != st.Totals || !slices.Equal(st.AllowedActions, inventory.StockTakes.Allowed(st.Status)) {
			t.Errorf("%s: totals %+v, lines add to %+v, allowed %v", st.Number, st.Totals, sum, st.AllowedActions)
		}
	})
}

func (e *demoEnv) checkListSupplierReturns(t *testing.T) {
	var filters []docFilter
	for _, d := range e.docs["list_supplier_returns"] {
		filters = append(filters, docFilter{`"supplier":` + jsonQuote(d.Supplier.Name) + `,`, func(x demoDoc) bool { return x.Supplier.ID == d.Supplier.ID }})
	}
	e.checkDocList(t, "list_supplier_returns", inventory.SupplierReturns, e.res.Counts.SupplierReturns, filters)
}

func (e *demoEnv) checkGetSupplierReturn(t *testing.T) {
	checkGetDoc(t, e, "list_supplier_returns", "get_supplier_return", func(t *testing.T, r documents.SupplierReturn) {
		var sum documents.SupplierReturnTotals
		for _, l := range r.Lines {
			sum.Lines, sum.Units, sum.Value = sum.Lines+1, sum.Units+l.Quantity, sum.Value+l.LineTotal
			if l.Quantity <= 0 || l.LineTotal != l.UnitCost*inventory.Money(l.Quantity) {
				t.Errorf("%s %s: %+v", r.Number, l.SKU, l)
			}
			var shipped int64
			if r.Status == inventory.ReturnShipped || r.Status == inventory.ReturnClosed {
				shipped = l.Quantity
			}
			e.checkBooked(t, r.Number, l.SKU, r.Location.Name, map[string]int64{string(inventory.OnHand): -shipped})
		}
		if (r.Status == inventory.ReturnClosed) != (r.Totals.Credit != nil) {
			t.Errorf("%s is %s with credit %v", r.Number, r.Status, r.Totals.Credit)
		}
		sum.Credit = r.Totals.Credit
		if sum.Lines == 0 || sum != r.Totals || !slices.Equal(r.AllowedActions, inventory.SupplierReturns.Allowed(r.Status)) {
			t.Errorf("%s: totals %+v, lines add to %+v, allowed %v", r.Number, r.Totals, sum, r.AllowedActions)
		}
	})
}

func (e *demoEnv) checkReorderRules(t *testing.T) {
	all := e.rules
	variants := map[int64]bool{}
	for _, r := range all {
		variants[r.VariantID] = true
		if r.Rule == (inventory.Rule{}) || (r.LocationID == 0) != (r.Location == plan.AllLocations) {
			t.Errorf("rule %+v", r)
		}
	}
	if int64(len(all)) != e.res.Counts.ReorderRules || len(variants) < 50 {
		t.Fatalf("%d rules for %d variants; the demo has %d rules for 50 or more variants", len(all), len(variants), e.res.Counts.ReorderRules)
	}
	key := func(r plan.ReorderRule) string { return r.SKU + "@" + r.Location }
	var filters []struct {
		args string
		keep func(plan.ReorderRule) bool
	}
	add := func(args string, keep func(plan.ReorderRule) bool) {
		filters = append(filters, struct {
			args string
			keep func(plan.ReorderRule) bool
		}{args, keep})
	}
	// A location's rules include the all-locations ones.
	for _, l := range e.locations {
		add(`"location":"`+l.Code+`",`, func(r plan.ReorderRule) bool { return r.LocationID == 0 || r.LocationID == l.ID })
	}
	for _, r := range []plan.ReorderRule{all[0], all[len(all)-1]} {
		add(`"sku":`+jsonQuote(r.SKU)+`,`, func(x plan.ReorderRule) bool { return x.VariantID == r.VariantID })
	}
	// A supplier's rules are those of the variants it supplies.
	bySupplier := 0
	for _, s := range e.suppliers {
		if bySupplier == 3 || e.hasOtherName(s.Name) {
			continue
		}
		supplied := e.variantsOf(t, s.Name)
		keep := func(x plan.ReorderRule) bool { return supplied[x.VariantID] }
		if len(keepIf(all, keep)) > 0 {
			add(`"supplier":`+jsonQuote(s.Name)+`,`, keep)
			bySupplier++
		}
	}
	if bySupplier == 0 {
		t.Error("no supplier has a variant with a reorder rule")
	}
	for _, f := range filters {
		got := demoPages[plan.ReorderRule](t, e.readEnv, "list_reorder_rules", f.args, 100)
		if want := keepIf(all, f.keep); len(want) == 0 || !sameLines(keysOf(got, key), keysOf(want, key)) {
			t.Errorf("rules {%s}:\n got %v\nwant %v", f.args, keysOf(got, key), keysOf(want, key))
		}
	}
}
