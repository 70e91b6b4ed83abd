package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/plan"
)

type valueArgs struct {
	GroupBy string `json:"group_by,omitempty" jsonschema:"Grouping (default location)" enum:"location,vendor,supplier"`
	Basis   string `json:"basis,omitempty" jsonschema:"Sort groups by (default cost)" enum:"cost,retail"`
	Limit   int    `json:"limit,omitempty" jsonschema:"Most groups to list (default 20, max 100); the total counts all"`
}

type deadArgs struct {
	Days     int      `json:"days,omitempty" jsonschema:"No sales in this many days (default 90)"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Only this location"`
	PageArgs
}

func valueTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"get_inventory_value", "Inventory value",
			"What the stock on hand is worth at cost and at retail, in total and grouped by location (default), vendor or supplier, largest first by basis."},
			func(ctx context.Context, storeID int64, in *valueArgs) (any, error) {
				v, err := plan.New(d.DB).InventoryValue(ctx, storeID, strings.TrimSpace(in.GroupBy), strings.TrimSpace(in.Basis), in.Limit)
				if err != nil {
					return nil, err
				}
				if note := (PageArgs{Limit: in.Limit}).note(); note != "" {
					return map[string]any{"value": v, "note": note}, nil
				}
				return v, nil
			}),
		readTool(readSpec{"list_dead_stock", "Dead stock",
			"Variants holding stock at a location with no sales there in days (default 90), most cost value tied up first, with the total count and value."},
			func(ctx context.Context, storeID int64, in *deadArgs) (any, error) {
				if in.Days < 0 {
					return nil, inventory.Errorf(inventory.Invalid, "days %d is negative: give a number of days such as 90", in.Days)
				}
				loc, err := res.location(ctx, storeID, in.Location)
				if err != nil {
					return nil, err
				}
				f := plan.DeadStockFilter{Days: in.Days, LocationID: loc, Page: in.countedPage(ctx)}
				dead, err := plan.New(d.DB).DeadStock(ctx, storeID, f)
				if err != nil {
					return nil, err
				}
				return struct {
					plan.DeadStock
					Note string `json:"note,omitempty"`
					counted
				}{dead, in.note(), counted{dead.NextCursor, f.Total}}, nil
			}),
	}
}
