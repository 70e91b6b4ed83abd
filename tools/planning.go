package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
)

type risksArgs struct {
	Kind     string   `json:"kind,omitempty" jsonschema:"enum=out_of_stock,enum=below_reorder_point,enum=low_cover" jsonschema_description:"Only this risk (default all)"`
	Days     int      `json:"days,omitempty" jsonschema:"low_cover threshold in days of cover (default 14)"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location (name, code or id)"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Only variants whose primary supplier this is (name or id)"`
	PageArgs
}

type suggestionsArgs struct {
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Only this supplier (name or id)"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location (name, code or id)"`
	PageArgs
}

type demandArgs struct {
	SKURef
	Location nameOrID `json:"location,omitempty" jsonschema:"Only sales and stock at this location"`
	Days     int      `json:"days,omitempty" jsonschema:"Window for weekly_units and an extra rate (default 28, max 365)"`
}

func planningTools(d Deps) []Tool {
	res := resolvers{d.DB}
	tools := []Tool{
		readTool(readSpec{"list_stock_risks", "Stock risks",
			"What is out of stock, at or below its reorder point, or running low (days of cover under days), per variant and location, most urgent first, with velocity, incoming and the next open PO."},
			func(ctx context.Context, storeID int64, in *risksArgs) (any, error) {
				if in.Days < 0 || in.Days > 3650 {
					return nil, inventory.Errorf(inventory.Invalid, "days %d is out of range: give 1 to 3650 days of cover, or omit it for 14", in.Days)
				}
				f := storage.RiskFilter{Kind: strings.TrimSpace(in.Kind), Days: in.Days, Page: in.page()}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				risks, next, err := d.DB.StockRisks(ctx, storeID, f)
				return page(in.PageArgs, risks, next), err
			}),
		readTool(readSpec{"get_reorder_suggestions", "Reorder suggestions",
			"What to reorder, grouped by supplier: quantity per variant and location, the reason and the inputs used, and the estimated cost. Use it before create_purchase_order."},
			func(ctx context.Context, storeID int64, in *suggestionsArgs) (any, error) {
				f := storage.SuggestionFilter{Page: in.page()}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				groups, next, err := d.DB.ReorderSuggestions(ctx, storeID, f)
				return struct {
					Suppliers  []storage.SupplierSuggestions `json:"suppliers"`
					NextCursor string                        `json:"next_cursor,omitempty"`
					Note       string                        `json:"note,omitempty"`
				}{groups, next, in.note()}, err
			}),
		readTool(readSpec{"get_demand", "Demand",
			"A variant's sales: units per day over 7, 28 and 90 days, trend, weekly units, days of cover and projected stock-out date."},
			func(ctx context.Context, storeID int64, in *demandArgs) (any, error) {
				ref, err := variantRef("get_demand", in.SKURef)
				if err != nil {
					return nil, err
				}
				if in.Days < 0 {
					return nil, inventory.Errorf(inventory.Invalid, "days %d is negative: give 1 to %d, or omit it for 28", in.Days, storage.MaxDemandDays)
				}
				loc, err := res.locationOf(ctx, storeID, in.Location)
				if err != nil {
					return nil, err
				}
				dm, err := d.DB.Demand(ctx, storeID, ref, loc.ID, in.Days)
				dm.Location = loc.Name
				return dm, err
			}),
	}
	return append(tools, reorderRuleTools(d, res)...)
}
