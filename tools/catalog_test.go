package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// readEnv runs read tools with the fixture's read key.
type readEnv struct {
	*wEnv
	rctx context.Context
}

func newReadEnv(t *testing.T, db *storage.DB) *readEnv {
	t.Helper()
	w := newWEnv(t, db)
	return &readEnv{wEnv: w, rctx: tools.WithPrincipal(context.Background(), w.ReadPrincipal())}
}

// get calls a read tool that must answer, decodes the answer into out and
// returns its text.
func (e *readEnv) get(t *testing.T, name, args string, out any) string {
	t.Helper()
	text, isErr := e.callAs(t, e.rctx, name, args)
	if isErr {
		t.Fatalf("%s %s: refused: %s", name, args, text)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s: decoding %s: %v", name, text, err)
		}
	}
	return text
}

// bad calls a read tool that must answer with a tool error naming every want.
func (e *readEnv) bad(t *testing.T, name, args string, want ...string) string {
	t.Helper()
	text, isErr := e.callAs(t, e.rctx, name, args)
	if !isErr {
		t.Fatalf("%s %s: want an error, got %s", name, args, text)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Fatalf("%s %s: error %q does not say %q", name, args, text, w)
		}
	}
	return text
}

// totalOnHand is the fixture's starting stock of sku over all locations.
func totalOnHand(sku string) int64 {
	var n int64
	for _, q := range storagetest.Stock[sku] {
		n += q
	}
	return n
}

type pageOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
	Note       string `json:"note"`
}

type productHit struct {
	VariantID int64    `json:"variant_id"`
	SKU       string   `json:"sku"`
	Product   string   `json:"product"`
	Options   []string `json:"options"`
	Vendor    string   `json:"vendor"`
	Price     float64  `json:"price"`
	Cost      float64  `json:"cost"`
	OnHand    int64    `json:"on_hand"`
	Available int64    `json:"available"`
}

func skusOf(hits []productHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.SKU)
	}
	sort.Strings(out)
	return out
}

func TestListLocations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		var out struct {
			Locations []struct {
				ID     int64  `json:"location_id"`
				Name   string `json:"name"`
				Code   string `json:"code"`
				Kind   string `json:"kind"`
				Active bool   `json:"active"`
			} `json:"locations"`
		}
		e.get(t, "list_locations", `{}`, &out)
		var got []string
		for _, l := range out.Locations {
			if l.ID != e.Locations[l.Name].ID || !l.Active {
				t.Errorf("%s: %+v, want id %d", l.Name, l, e.Locations[l.Name].ID)
			}
			got = append(got, l.Code+" "+l.Kind)
		}
		if strings.Join(got, ", ") != "WH warehouse, DT shop, HB shop" {
			t.Fatalf("locations: %v", got)
		}
		e.bad(t, "list_locations", `{"store":"other"}`, "unknown argument")
	})
}

func TestSearchProducts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		for _, tc := range []struct {
			name, args string
			want       []string
		}{
			{"title, any case", `{"query":"trail RUNNER"}`, []string{"TRS-40", "TRS-42", "TRS-44"}},
			{"part of a SKU via query", `{"query":"ole-"}`, []string{"POLE-AL", "POLE-CARBON"}},
			{"barcode via query", `{"query":"000000421"}`, []string{"TRS-42"}},
			{"vendor via query", `{"query":"alpine"}`, []string{"LAMP-300", "MUG-ENAMEL", "MUG-STEEL"}},
			{"non-primary supplier via query", `{"query":"summit"}`, []string{"MUG-STEEL", "POLE-AL", "POLE-CARBON", "TRS-40", "TRS-42", "TRS-44"}},
			{"sku filter", `{"sku":"sock"}`, []string{"SOCK-L", "SOCK-M"}},
			{"barcode filter", `{"barcode":"0441"}`, []string{"TRS-44"}},
			{"vendor filter", `{"vendor":"coastal"}`, []string{"BEANIE-NAVY", "BEANIE-RED", "SHELL-L", "SHELL-M", "SHELL-S", "SOCK-L", "SOCK-M"}},
			{"supplier filter", `{"supplier":"Summit Gear","query":"mug"}`, []string{"MUG-STEEL"}},
			{"filters combine", `{"vendor":"coastal","query":"beanie"}`, []string{"BEANIE-NAVY", "BEANIE-RED"}},
			{"LIKE wildcards are literal", `{"query":"%"}`, []string{}},
			{"underscore is literal", `{"sku":"TRS_4"}`, []string{}},
			{"SQL in the text is text", `{"query":"x' OR '1'='1"}`, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var out pageOf[productHit]
				e.get(t, "search_products", tc.args, &out)
				if got := skusOf(out.Items); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		var out pageOf[productHit]
		e.get(t, "search_products", `{"sku":"TRS-42"}`, &out)
		h := out.Items[0]
		want := totalOnHand("TRS-42")
		if h.Product != "Trail Runner Shoe" || h.Price != 120 || h.Cost != 55 || h.OnHand != want || h.Available != want ||
			h.VariantID != e.Variants["TRS-42"].ID || len(h.Options) != 1 || h.Options[0] != "42" || h.Vendor != storagetest.SummitGear {
			t.Fatalf("TRS-42: got %+v, want on hand and available %d", h, want)
		}
	})
}

func TestSearchProductsPaging(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		var all []string
		cursor := ""
		pages := 0
		for {
			var out pageOf[productHit]
			e.get(t, "search_products", fmt.Sprintf(`{"limit":4,"cursor":%q}`, cursor), &out)
			pages++
			if len(out.Items) > 4 {
				t.Fatalf("page of %d rows with limit 4", len(out.Items))
			}
			for _, h := range out.Items {
				all = append(all, h.SKU)
			}
			if out.NextCursor == "" {
				break
			}
			cursor = out.NextCursor
		}
		sort.Strings(all)
		if strings.Join(all, ",") != strings.Join(e.SKUs(), ",") || pages != (len(e.SKUs())+3)/4 {
			t.Fatalf("paging returned %v in %d pages, want every SKU once: %v", all, pages, e.SKUs())
		}
		var big pageOf[productHit]
		e.get(t, "search_products", `{"limit":1000}`, &big)
		if !strings.Contains(big.Note, "1000") || len(big.Items) != len(e.SKUs()) {
			t.Fatalf("limit 1000: note %q, %d rows", big.Note, len(big.Items))
		}
		e.bad(t, "search_products", `{"cursor":"bm90LWEtY3Vyc29y!"}`, "cursor", "next_cursor")
		e.bad(t, "search_products", `{"limit":"ten"}`, "limit")
	})
}

type levelsOut struct {
	Variants []struct {
		VariantID int64  `json:"variant_id"`
		SKU       string `json:"sku"`
		Locations []struct {
			LocationID int64  `json:"location_id"`
			Location   string `json:"location"`
			OnHand     int64  `json:"on_hand"`
			Available  int64  `json:"available"`
			Incoming   int64  `json:"incoming"`
		} `json:"locations"`
		Total struct {
			OnHand    int64 `json:"on_hand"`
			Available int64 `json:"available"`
			Incoming  int64 `json:"incoming"`
		} `json:"total"`
	} `json:"variants"`
}

func TestGetInventoryLevels(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		var out levelsOut
		e.get(t, "get_inventory_levels", fmt.Sprintf(`{"skus":["TRS-40","POLE-CARBON"],"variant_ids":[%d]}`, e.Variants["LAMP-300"].ID), &out)
		if len(out.Variants) != 3 || out.Variants[0].SKU != "TRS-40" || out.Variants[1].SKU != "POLE-CARBON" || out.Variants[2].SKU != "LAMP-300" {
			t.Fatalf("variants not in the order asked: %+v", out.Variants)
		}
		trs := out.Variants[0]
		if len(trs.Locations) != 3 || trs.Total.OnHand != totalOnHand("TRS-40") || trs.Total.Available != totalOnHand("TRS-40") {
			t.Fatalf("TRS-40: %+v", trs)
		}
		for _, l := range trs.Locations {
			if l.OnHand != storagetest.Stock["TRS-40"][l.Location] || l.LocationID != e.Locations[l.Location].ID {
				t.Errorf("TRS-40 at %s: %+v", l.Location, l)
			}
		}
		if len(out.Variants[1].Locations) != 0 || out.Variants[1].Total.OnHand != 0 {
			t.Fatalf("POLE-CARBON has no stock: %+v", out.Variants[1])
		}
		// Committed stock lowers available; a location narrows the answer.
		ctx := context.Background()
		if _, err := e.DB.Backend().Exec(ctx, `UPDATE inventory_levels SET committed = 2 WHERE store_id = $1 AND variant_id = $2 AND location_id = $3`,
			e.Store.ID, e.Variants["TRS-40"].ID, e.Locations[storagetest.DowntownShop].ID); err != nil {
			t.Fatal(err)
		}
		out = levelsOut{}
		text := e.get(t, "get_inventory_levels", `{"skus":["TRS-40"],"location":"dt"}`, &out)
		if l := out.Variants[0].Locations; len(l) != 1 || l[0].OnHand != 6 || l[0].Available != 4 || out.Variants[0].Total.Available != 4 {
			t.Fatalf("TRS-40 at DT after committing 2: %s", text)
		}
		if !strings.Contains(text, `"committed":2`) || strings.Contains(text, `"damaged"`) || strings.Contains(text, "null") {
			t.Fatalf("zero quantities other than on_hand and available are left out, others shown: %s", text)
		}

		// A location the variant has no level at: the variant, with none.
		out = levelsOut{}
		text = e.get(t, "get_inventory_levels", `{"skus":["LAMP-300","TRS-40"],"location":"Downtown Shop"}`, &out)
		if len(out.Variants) != 2 || out.Variants[0].SKU != "LAMP-300" || len(out.Variants[0].Locations) != 0 ||
			out.Variants[0].Total.OnHand != 0 || len(out.Variants[1].Locations) != 1 {
			t.Fatalf("LAMP-300 is stocked only at the Warehouse: %s", text)
		}

		e.bad(t, "get_inventory_levels", `{}`, "skus")
		e.bad(t, "get_inventory_levels", `{"skus":["TRS-40","NOPE-1"]}`, "NOPE-1", "search_products")
		e.bad(t, "get_inventory_levels", `{"skus":["TRS-40"],"location":"Moon Base"}`, "Moon Base", "list_locations")
		e.bad(t, "get_inventory_levels", `{"variant_ids":[-4]}`, "-4")
		many := make([]string, 101)
		for i := range many {
			many[i] = "TRS-40"
		}
		b, _ := json.Marshal(map[string]any{"skus": many})
		e.bad(t, "get_inventory_levels", string(b), "101", "100")
	})
}

type historyRow struct {
	SKU       string `json:"sku"`
	Location  string `json:"location"`
	Quantity  string `json:"quantity"`
	Delta     int64  `json:"delta"`
	Reason    string `json:"reason"`
	Document  string `json:"document"`
	KeyPrefix string `json:"key_prefix"`
	At        string `json:"at"`
}

func TestGetInventoryHistory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newReadEnv(t, db)
		// A purchase order sent with the write key adds ledger rows with a
		// document number and the key's prefix.
		var po poResult
		e.ok(t, "create_purchase_order", `{"supplier":"Summit Gear","location":"WH","lines":[{"sku":"TRS-40","quantity":10}]}`, &po)
		e.ok(t, "send_purchase_order", fmt.Sprintf(`{"number":%q}`, po.PO.Number), nil)

		var out pageOf[historyRow]
		e.get(t, "get_inventory_history", `{"sku":"TRS-40"}`, &out)
		if len(out.Items) != 4 {
			t.Fatalf("TRS-40 has 3 starting rows and 1 from the PO, got %+v", out.Items)
		}
		first := out.Items[0]
		if first.Quantity != "incoming" || first.Delta != 10 || first.Document != po.PO.Number || first.KeyPrefix != e.WriteKey.Prefix ||
			first.Location != storagetest.Warehouse || first.Reason == "" {
			t.Fatalf("newest row should be the PO's incoming +10 by the write key: %+v", first)
		}
		for _, r := range out.Items[1:] {
			if r.Reason != "correction" || r.KeyPrefix != "" || r.Quantity != "on_hand" {
				t.Errorf("starting stock row: %+v", r)
			}
		}

		// Location, since and paging.
		out = pageOf[historyRow]{}
		e.get(t, "get_inventory_history", `{"location":"Harbour Shop","limit":100}`, &out)
		var want int
		for _, bySKU := range storagetest.Stock {
			if _, ok := bySKU[storagetest.HarbourShop]; ok {
				want++
			}
		}
		if len(out.Items) != want {
			t.Fatalf("Harbour Shop: %d rows, want %d", len(out.Items), want)
		}
		for _, r := range out.Items {
			if r.Location != storagetest.HarbourShop {
				t.Fatalf("location filter leaked %+v", r)
			}
		}
		tomorrow := e.Today.AddDate(0, 0, 1).Format("2006-01-02")
		out = pageOf[historyRow]{}
		e.get(t, "get_inventory_history", `{"since":"`+tomorrow+`"}`, &out)
		if len(out.Items) != 0 {
			t.Fatalf("since tomorrow: %+v", out.Items)
		}
		seen := map[string]bool{}
		cursor, total := "", 0
		for {
			var p pageOf[historyRow]
			e.get(t, "get_inventory_history", fmt.Sprintf(`{"limit":7,"cursor":%q}`, cursor), &p)
			for i, r := range p.Items {
				key := r.SKU + r.Location + r.Quantity + r.At
				if seen[key] {
					t.Fatalf("row %+v on two pages", r)
				}
				seen[key] = true
				if i > 0 && p.Items[i-1].At < r.At {
					t.Fatalf("not newest first: %+v then %+v", p.Items[i-1], r)
				}
			}
			total += len(p.Items)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		var ledger int
		if err := e.DB.Backend().QueryRow(context.Background(), `SELECT COUNT(*) FROM inventory_adjustments WHERE store_id = $1`, e.Store.ID).Scan(&ledger); err != nil {
			t.Fatal(err)
		}
		if total != ledger {
			t.Fatalf("paging returned %d rows of %d", total, ledger)
		}
		e.bad(t, "get_inventory_history", `{"since":"last tuesday"}`, "last tuesday", "YYYY-MM-DD")
		e.bad(t, "get_inventory_history", `{"sku":"NOPE"}`, "NOPE")
	})
}
