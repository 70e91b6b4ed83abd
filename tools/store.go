package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
)

func storeTools(d Deps) []Tool {
	return []Tool{{
		Scope: "read",
		Def: mcp.NewTool("get_store_overview",
			mcp.WithDescription("Start here: the store, this key's scope, and counts of locations, products, variants, open documents and stock risks."),
			readOnly("Store overview"),
		),
		Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			p, ok := PrincipalFrom(ctx)
			if !ok {
				return nil, errNoPrincipal
			}
			return Result(map[string]any{
				"store": map[string]any{"name": p.Store.Name, "domain": p.Store.Domain, "currency": p.Store.Currency, "timezone": p.Store.Timezone},
				"key":   map[string]any{"label": p.Key.Label, "prefix": p.Key.Prefix, "scope": p.Key.Scope},
			})
		},
	}}
}
