package tools

import (
	"context"
	"encoding/json"

	"github.com/logistified/mcp-server/storage/plan"
)

func storeTools(d Deps) []Tool {
	return []Tool{{
		Scope: "read",
		Def: readOnlyDef("get_store_overview", "Store overview", "The store (name, domain, currency, timezone), this key's label, prefix and scope, "+
			"counts of active locations, products and variants, open documents by status, "+
			"stock-risk counts (out of stock that sold in the last 28 days; at or below reorder point) and top_risks (the most urgent few, as list_stock_risks shows them), "+
			"overdue purchase orders (count and the longest overdue), stock_value (units on hand, at cost and retail), "+
			"and last_import (kind, file, when, counts; absent if none). "+
			"as_of: the day the planning figures are for.",
			noArguments),
		// It takes no arguments and ignores any: a model naming a store
		// here still sees only the key's own.
		Call: func(ctx context.Context, _ json.RawMessage) (any, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			o, err := plan.New(d.DB).StoreOverview(ctx, p.Store.ID)
			if err != nil {
				return nil, err
			}
			out := map[string]any{
				"store": map[string]any{"name": p.Store.Name, "domain": p.Store.Domain, "currency": p.Store.Currency, "timezone": p.Store.Timezone},
				"key":   map[string]any{"label": p.Key.Label, "prefix": p.Key.Prefix, "scope": p.Key.Scope},
				"counts": map[string]any{
					"locations": o.Locations, "products": o.Products, "variants": o.Variants,
				},
				"open_documents": o.OpenDocuments,
				"stock_risks": map[string]any{
					"out_of_stock":        o.OutOfStock,
					"below_reorder_point": o.BelowReorderPoint,
				},
				"top_risks":               o.TopRisks,
				"overdue_purchase_orders": map[string]any{"count": o.OverduePOs},
				"stock_value":             o.StockValue,
				"as_of":                   o.AsOf,
			}
			if len(o.MostOverdue) > 0 {
				out["overdue_purchase_orders"] = map[string]any{"count": o.OverduePOs, "most_overdue": o.MostOverdue}
			}
			if o.LastImport != nil {
				out["last_import"] = o.LastImport
			}
			// The assistant is the one to notice its own key running out.
			if w := p.ExpiryWarning(d.DB.Now()); w != "" {
				out["key"] = map[string]any{"label": p.Key.Label, "prefix": p.Key.Prefix, "scope": p.Key.Scope, "expires_at": p.Key.ExpiresAt}
				out["warnings"] = []string{w}
			}
			return out, nil
		},
	}}
}
