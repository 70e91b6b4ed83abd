package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

type rulesArgs struct {
	SKU      string   `json:"sku,omitempty" jsonschema:"Only this SKU"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only rules for this location"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Only variants this supplier supplies"`
	PageArgs
}

func reorderRuleTools(d Deps, res resolvers) []Tool {
	return []Tool{
		readTool(readSpec{"list_reorder_rules", "Reorder rules",
			"Reorder rules (min, max, safety stock, lead time, days of cover) per variant; location 0 means all locations."},
			func(ctx context.Context, storeID int64, in *rulesArgs) (any, error) {
				f := storage.ReorderRuleFilter{Page: in.countedPage(ctx)}
				if sku := strings.TrimSpace(in.SKU); sku != "" {
					vs, err := d.DB.ResolveVariants(ctx, nil, storeID, []storage.VariantRef{{SKU: sku}})
					if err != nil {
						return nil, err
					}
					f.VariantID = vs[0].ID
				}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				rules, next, err := d.DB.ListReorderRules(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, rules, next), err
			}),
	}
}

// ruleRefArg names a rule: a variant, at one location or (none) all.
type ruleRefArg struct {
	SKURef
	Location nameOrID `json:"location,omitempty" jsonschema:"Omit for all locations"`
}

type ruleArg struct {
	ruleRefArg
	Min          *int64   `json:"min,omitempty" jsonschema:"Reorder point"`
	Max          *int64   `json:"max,omitempty" jsonschema:"Order up to"`
	SafetyStock  *int64   `json:"safety_stock,omitempty"`
	LeadTimeDays *int     `json:"lead_time_days,omitempty" jsonschema:"Overrides the supplier's"`
	DaysOfCover  *int     `json:"days_of_cover,omitempty"`
	ServiceLevel *float64 `json:"service_level,omitempty" jsonschema:"Percent of cycles without a stock-out, 50-99.9 (default: the store's, 95)"`
}

type setRulesArgs struct {
	Rules []ruleArg `json:"rules" jsonschema:"Up to 500; fields left out keep their value"`
	WriteOptions
}

type deleteRulesArgs struct {
	Rules []ruleRefArg `json:"rules" jsonschema:"Up to 500"`
	WriteOptions
}

func reorderRuleWriteTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "set_reorder_rules", title: "Set reorder rules", idempotent: true,
			description: "Create or update reorder rules per SKU and location (or all locations)."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *setRulesArgs) (any, error) {
				rules := make([]storage.ReorderRuleInput, len(in.Rules))
				for i, r := range in.Rules {
					rules[i] = storage.ReorderRuleInput{SKU: r.ref().SKU, VariantID: r.VariantID, Location: string(r.Location),
						Min: r.Min, Max: r.Max, SafetyStock: r.SafetyStock, LeadTimeDays: r.LeadTimeDays, DaysOfCover: r.DaysOfCover, ServiceLevel: r.ServiceLevel}
				}
				return db.SetReorderRules(ctx, tx, storeID, actor, rules)
			}),
		writeTool(d, writeSpec{name: "delete_reorder_rules", title: "Delete reorder rules", destructive: true, idempotent: true,
			description: "Delete reorder rules per SKU and location."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *deleteRulesArgs) (any, error) {
				refs := make([]storage.ReorderRuleRef, len(in.Rules))
				for i, r := range in.Rules {
					refs[i] = storage.ReorderRuleRef{SKU: r.ref().SKU, VariantID: r.VariantID, Location: string(r.Location)}
				}
				return db.DeleteReorderRules(ctx, tx, storeID, actor, refs)
			}),
	}
}
