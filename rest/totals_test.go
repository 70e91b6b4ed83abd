package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// pageItems is how many items one page of a list holds: data.items, or on
// the suggestions (grouped by supplier) the lines of every group.
func pageItems(t *testing.T, data json.RawMessage) int64 {
	t.Helper()
	var d struct {
		Items     []json.RawMessage `json:"items"`
		Suppliers []struct {
			Lines []json.RawMessage `json:"lines"`
		} `json:"suppliers"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("decoding a page: %v", err)
	}
	n := int64(len(d.Items))
	for _, s := range d.Suppliers {
		n += int64(len(s.Lines))
	}
	return n
}

// Every REST list answers meta.total_count on every page, and it is the
// number of items paging through the whole list returns, with the list's
// filters and only this store's rows (store B holds the same catalogue and
// documents of every kind: counting across stores would double the total).
func TestTotalCountOfEveryList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		seedOther(t, e)
		ctx := tools.WithPrincipal(context.Background(), e.fx.WritePrincipal())
		for _, c := range []struct{ op, args string }{
			{"create_purchase_order", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":2}]}`},
			{"create_purchase_order", `{"supplier":"Coastal Textiles","location":"Warehouse","lines":[{"sku":"SHELL-M","quantity":3}]}`},
			{"create_purchase_order", `{"supplier":"Summit Gear","location":"Downtown Shop","lines":[{"sku":"TRS-42","quantity":4}]}`},
			{"create_transfer", `{"from_location":"Warehouse","to_location":"Downtown Shop","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"create_transfer", `{"from_location":"Warehouse","to_location":"Harbour Shop","lines":[{"sku":"TRS-42","quantity":1}]}`},
			{"start_stock_take", `{"location":"Warehouse","skus":["TRS-40"]}`},
			{"create_supplier_return", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`},
			{"set_reorder_rules", `{"rules":[{"sku":"TRS-40","min":3},{"sku":"TRS-42","location":"Warehouse","min":5},{"sku":"SHELL-M","location":"Downtown Shop","min":2},{"sku":"LAMP-300","location":"Warehouse","min":1}]}`},
		} {
			if _, err := e.ops[c.op].Call(ctx, json.RawMessage(c.args)); err != nil {
				t.Fatalf("seeding %s: %v", c.op, err)
			}
		}
		q := url.QueryEscape
		// Each list route, unfiltered and with a filter where it has one.
		cases := map[string][]string{
			"/products":            {"", "vendor=Summit", "query=" + q("shell")},
			"/inventory-history":   {"", "location=Warehouse", "sku=TRS-40"},
			"/stock-risks":         {"", "location=" + q("Downtown Shop"), "kind=low_cover"},
			"/reorder-suggestions": {"", "supplier=" + q("Coastal Textiles")},
			"/dead-stock":          {"", "location=Warehouse"},
			"/suppliers":           {"", "query=coast"},
			"/purchase-orders":     {"", "supplier=" + q("Summit Gear"), "status=draft"},
			"/transfers":           {"", "status=draft"},
			"/stock-takes":         {"", "status=in_progress"},
			"/supplier-returns":    {"", "status=draft"},
			"/reorder-rules":       {"", "location=Warehouse"},
		}
		// Every GET route whose operation pages is in the table.
		for _, r := range rest.Routes {
			if r.Method != http.MethodGet || strings.Contains(r.Path, "{") {
				continue
			}
			var schema struct {
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(e.ops[r.Op].InputSchema(), &schema); err != nil {
				t.Fatal(err)
			}
			if _, paged := schema.Properties["cursor"]; paged && cases[r.Path] == nil {
				t.Errorf("GET %s is a list the total_count test does not cover", r.Path)
			}
		}
		for path, filters := range cases {
			for _, filter := range filters {
				name := path + "?" + filter
				base := rest.Base + path + "?limit=2"
				if filter != "" {
					base += "&" + filter
				}
				var total, seen int64 = -1, 0
				link := base
				for pages := 0; ; pages++ {
					if pages > 200 {
						t.Fatalf("%s: paging does not end", name)
					}
					env := e.get(t, e.fx.ReadKey.Secret, link)
					if env.Meta.TotalCount == nil {
						t.Fatalf("%s page %d: no total_count", name, pages+1)
					}
					if total == -1 {
						total = *env.Meta.TotalCount
					} else if *env.Meta.TotalCount != total {
						t.Fatalf("%s page %d: total_count %d, the first page said %d", name, pages+1, *env.Meta.TotalCount, total)
					}
					seen += pageItems(t, env.Data)
					if env.Meta.NextCursor == nil {
						break
					}
					link = base + "&cursor=" + q(*env.Meta.NextCursor)
				}
				if seen != total {
					t.Errorf("%s: total_count %d, but paging returned %d items", name, total, seen)
				}
				if total == 0 {
					t.Errorf("%s: the fixture gives this list no rows, so its count proves nothing", name)
				}
			}
		}
	})
}
