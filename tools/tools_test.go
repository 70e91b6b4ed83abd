package tools

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/logistified/mcp-server/keys"
)

// The tool names and scopes of DESIGN.md §4: a tool outside these lists, or
// with the other scope, breaks the contract clients rely on.
var (
	designReadTools = []string{"get_store_overview", "list_locations", "search_products",
		"get_inventory_levels", "get_inventory_history", "list_stock_risks", "get_reorder_suggestions",
		"get_demand", "get_inventory_value", "list_dead_stock", "list_suppliers", "get_supplier",
		"list_purchase_orders", "get_purchase_order", "list_transfers", "get_transfer",
		"list_stock_takes", "get_stock_take", "list_supplier_returns", "get_supplier_return",
		"list_reorder_rules"}
	designWriteTools = []string{"create_purchase_order", "update_purchase_order",
		"send_purchase_order", "receive_purchase_order", "close_purchase_order",
		"cancel_purchase_order", "create_transfer", "ship_transfer", "receive_transfer",
		"cancel_transfer", "start_stock_take", "record_stock_counts", "complete_stock_take",
		"cancel_stock_take", "create_supplier_return", "ship_supplier_return",
		"close_supplier_return", "cancel_supplier_return", "set_reorder_rules",
		"delete_reorder_rules",
		// DESIGN.md §13: purchase orders as merchants run them.
		"confirm_purchase_order", "unreceive_purchase_order", "reopen_purchase_order",
		"delete_purchase_order", "record_purchase_order_payment", "void_purchase_order_payment"}
)

func TestEveryToolDeclaresScopeAndAllFourAnnotations(t *testing.T) {
	seen := map[string]bool{}
	for _, tool := range All(Deps{}) {
		name := tool.Def.Name
		t.Run(name, func(t *testing.T) {
			if seen[name] {
				t.Errorf("%s is registered twice", name)
			}
			seen[name] = true
			switch tool.Scope {
			case keys.ScopeRead:
				if !slices.Contains(designReadTools, name) {
					t.Errorf("%s has read scope but is not a read tool of DESIGN.md §4", name)
				}
			case keys.ScopeWrite:
				if !slices.Contains(designWriteTools, name) {
					t.Errorf("%s has write scope but is not a write tool of DESIGN.md §4", name)
				}
			default:
				t.Errorf("%s has scope %q: every tool declares read or write", name, tool.Scope)
			}
			d := tool.Def
			if d.ReadOnly != (tool.Scope == keys.ScopeRead) {
				t.Errorf("%s: readOnlyHint %v disagrees with scope %s", name, d.ReadOnly, tool.Scope)
			}
			if tool.Scope == keys.ScopeRead && d.Destructive {
				t.Errorf("%s reads but says it is destructive", name)
			}
			if d.OpenWorld {
				t.Errorf("%s says it reaches an open world; every tool works on the store's own data", name)
			}
			if d.Title == "" || d.Description == "" {
				t.Errorf("%s lacks a title or a description", name)
			}
			var wire struct {
				InputSchema struct {
					Type       string
					Properties map[string]json.RawMessage
				}
			}
			if err := json.Unmarshal(d.InputSchema, &wire.InputSchema); err != nil {
				t.Fatalf("%s: the input schema is not JSON: %v", name, err)
			}
			if wire.InputSchema.Type != "object" {
				t.Errorf("%s: input schema type %q, want object", name, wire.InputSchema.Type)
			}
			if _, takesStore := wire.InputSchema.Properties["store"]; takesStore {
				t.Errorf("%s takes a store argument: the store comes only from the key", name)
			}
			if tool.Call == nil {
				t.Errorf("%s has no Call", name)
			}
		})
	}
}
