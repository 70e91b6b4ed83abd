package tools_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/storagetest"
	"github.com/logistified/mcp-server/tools"
)

// Every read answer fits a context window: under 16 KB of text in the
// default call, and never over 32 KB with the largest page a caller may
// ask for, on the demo store.
func TestEveryReadAnswerIsBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newDemoEnv(t, db)
		sku := e.products[0].SKU
		var skus []string
		for _, p := range e.products[:catalog.MaxLevelVariants] {
			skus = append(skus, fmt.Sprintf("%q", p.SKU))
		}
		doc := func(list string) string { return e.docs[list][0].Number }
		// Each tool's default call, then its largest.
		calls := map[string][2]string{
			"get_store_overview":      {`{}`, `{}`},
			"list_locations":          {`{}`, `{}`},
			"search_products":         {`{}`, `{"limit":100}`},
			"get_inventory_levels":    {`{"skus":[` + skus[0] + `]}`, `{"skus":[` + strings.Join(skus, ",") + `]}`},
			"get_inventory_history":   {`{"sku":"` + sku + `"}`, `{"sku":"` + sku + `","limit":100}`},
			"list_stock_risks":        {`{}`, `{"limit":100}`},
			"get_reorder_suggestions": {`{}`, `{"limit":100}`},
			"get_demand":              {`{"sku":"` + sku + `"}`, `{"sku":"` + sku + `","days":365}`},
			"get_inventory_value":     {`{}`, `{"group_by":"supplier","limit":100}`},
			"list_dead_stock":         {`{}`, `{"limit":100}`},
			"list_suppliers":          {`{}`, `{"limit":100}`},
			"get_supplier":            {fmt.Sprintf(`{"supplier":%q}`, e.suppliers[0].Name), fmt.Sprintf(`{"supplier":%q}`, e.suppliers[0].Name)},
			"list_purchase_orders":    {`{}`, `{"limit":100}`},
			"get_purchase_order":      {`{"number":"` + doc("list_purchase_orders") + `"}`, `{"number":"` + doc("list_purchase_orders") + `","lines_limit":100}`},
			"list_transfers":          {`{}`, `{"limit":100}`},
			"get_transfer":            {`{"number":"` + doc("list_transfers") + `"}`, `{"number":"` + doc("list_transfers") + `","lines_limit":100}`},
			"list_stock_takes":        {`{}`, `{"limit":100}`},
			"get_stock_take":          {`{"number":"` + doc("list_stock_takes") + `"}`, `{"number":"` + doc("list_stock_takes") + `","lines_limit":100}`},
			"list_supplier_returns":   {`{}`, `{"limit":100}`},
			"get_supplier_return":     {`{"number":"` + doc("list_supplier_returns") + `"}`, `{"number":"` + doc("list_supplier_returns") + `","lines_limit":100}`},
			"list_reorder_rules":      {`{}`, `{"limit":100}`},
		}
		for _, tl := range tools.All(tools.Deps{DB: db}) {
			if tl.Scope != keys.ScopeRead {
				continue
			}
			c, ok := calls[tl.Def.Name]
			if !ok {
				t.Errorf("read tool %s has no bounded-answer case: add one", tl.Def.Name)
				continue
			}
			for i, args := range c {
				text, isErr := e.callAs(t, e.rctx, tl.Def.Name, args)
				if isErr {
					t.Errorf("%s %s: %s", tl.Def.Name, args, text)
					continue
				}
				budget := []int{16 << 10, 32 << 10}[i]
				t.Logf("%s %.60s: %d bytes", tl.Def.Name, args, len(text))
				if len(text) > budget {
					t.Errorf("%s %.80s: %d bytes of text, over %d", tl.Def.Name, args, len(text), budget)
				}
			}
		}
	})
}
