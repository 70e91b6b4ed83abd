package tools

import (
	"context"
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
)

func storeTools(d Deps) []Tool {
	return []Tool{{
		Scope: "read",
		Def: mcp.NewTool("get_store_overview",
			mcp.WithDescription("Start here. Returns the store (name, domain, currency, timezone), this key's label, prefix and scope (read keys cannot call write tools), "+
				"counts of active locations, products and variants, open documents by status (purchase orders, transfers, stock takes, supplier returns), "+
				"and stock-risk counts (variant-locations out of stock that sold in the last 28 days, and at or below their reorder point). "+
				"Use list_stock_risks and the list_* tools for the details."),
			readOnly("Store overview"),
		),
		// It takes no arguments and ignores any: a model naming a store
		// here still sees only the key's own.
		Call: func(ctx context.Context, _ json.RawMessage) (any, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			o, err := d.DB.StoreOverview(ctx, p.Store.ID)
			if err != nil {
				return nil, err
			}
			return map[string]any{
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
			}, nil
		},
	}}
}
