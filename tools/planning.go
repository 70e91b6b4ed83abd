package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/apps"
	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/plan"
)

type risksArgs struct {
	Kind     string   `json:"kind,omitempty" jsonschema:"Only this risk (default all)" enum:"out_of_stock,below_reorder_point,low_cover"`
	Days     int      `json:"days,omitempty" jsonschema:"low_cover threshold in days of cover (default 14)"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Only variants whose primary supplier this is (name or id)"`
	PlanPageArgs
}

// placesOf is a read's location and supplier filters as given, for the
// read to match inside its query (storage.Places).
func placesOf(location, supplier nameOrID) storage.Places {
	return storage.Places{Location: strings.TrimSpace(string(location)), Supplier: strings.TrimSpace(string(supplier))}
}

type suggestionsArgs struct {
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Only this supplier (name or id)"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location"`
	PlanPageArgs
}

type demandArgs struct {
	SKURef
	Location nameOrID `json:"location,omitempty" jsonschema:"Only sales and stock at this location"`
	Days     int      `json:"days,omitempty" jsonschema:"Window for weekly_units and an extra rate (default 28, max 365)"`
}

// riskKindsHelp states the risk kinds as storage defines them.
func riskKindsHelp() string {
	parts := make([]string, len(plan.RiskKinds))
	for i, k := range plan.RiskKinds {
		parts[i] = k.Kind + ": " + k.Definition
	}
	return "Kinds: " + strings.Join(parts, "; ") + "."
}

func planningTools(d Deps) []Tool {
	res := resolvers{d.DB}
	tools := []Tool{
		withApp(readTool(readSpec{"list_stock_risks", "Stock risks",
			"Variants at risk per location, most urgent first (fewest days of cover), with velocity, incoming and the next open PO. " +
				riskKindsHelp() + " Without kind, a row's risk is the first kind it meets. as_of: the day the figures were computed for."},
			func(ctx context.Context, storeID int64, in *risksArgs) (any, error) {
				if in.Days < 0 || in.Days > 3650 {
					return nil, inventory.Errorf(inventory.Invalid, "days %d is out of range: give 1 to 3650 days of cover, or omit it for 14", in.Days)
				}
				f := plan.RiskFilter{Kind: strings.TrimSpace(in.Kind), Days: in.Days, Places: placesOf(in.Location, in.Supplier), Page: in.countedPage(ctx)}
				risks, err := plan.New(d.DB).StockRisks(ctx, storeID, f)
				return struct {
					list[plan.StockRisk]
					AsOf string `json:"as_of"`
				}{list[plan.StockRisk]{Items: risks.Risks, NextCursor: risks.NextCursor, Note: in.note(), total: f.Page.Total}, risks.AsOf}, err
			}), apps.StockRisks),
		withApp(readTool(readSpec{"get_reorder_suggestions", "Reorder suggestions",
			"What to reorder, grouped by supplier, most urgent first (fewest days of cover): quantity per variant and location, reason, inputs, estimated cost, and spare_elsewhere (stock other locations can spare: a transfer may beat a purchase). " +
				"A supplier's line_count, estimated_total and below_min_order cover all its pages. Use it before create_purchase_order."},
			func(ctx context.Context, storeID int64, in *suggestionsArgs) (any, error) {
				f := plan.SuggestionFilter{Places: placesOf(in.Location, in.Supplier), Page: in.countedPage(ctx)}
				s, err := plan.New(d.DB).ReorderSuggestions(ctx, storeID, f)
				return struct {
					plan.Suggestions
					Note string `json:"note,omitempty"`
					counted
				}{s, in.note(), counted{s.NextCursor, f.Total}}, err
			}), apps.ReorderPlan),
		readTool(readSpec{"get_demand", "Demand",
			"A variant's sales: units per day over 7, 28 and 90 days, trend, weekly units, days of cover and projected stock-out date."},
			func(ctx context.Context, storeID int64, in *demandArgs) (any, error) {
				ref, err := variantRef("get_demand", in.SKURef)
				if err != nil {
					return nil, err
				}
				if in.Days < 0 {
					return nil, inventory.Errorf(inventory.Invalid, "days %d is negative: give 1 to %d, or omit it for 28", in.Days, plan.MaxDemandDays)
				}
				return plan.New(d.DB).Demand(ctx, storeID, ref, string(in.Location), in.Days)
			}),
	}
	return append(tools, reorderRuleTools(d, res)...)
}
