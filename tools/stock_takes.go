package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
)

type listStockTakesArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"enum=in_progress,enum=completed,enum=cancelled" jsonschema_description:"Only this status"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Location counted (name, code or id)"`
	PageArgs
}

func stockTakeTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_stock_takes", "Stock takes",
			"Stock takes (cycle counts), newest first, filtered by status or location."},
			func(ctx context.Context, storeID int64, in *listStockTakesArgs) (any, error) {
				f := storage.StockTakeFilter{Status: in.Status, Page: in.page()}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				list, next, err := d.DB.ListStockTakes(ctx, storeID, f)
				return page(in.PageArgs, list, next), err
			}),
		readTool(readSpec{"get_stock_take", "Stock take",
			"One stock take by number (ST-…) with its lines: expected and counted quantities and variances."},
			func(ctx context.Context, storeID int64, in *docNumberArgs) (any, error) {
				return d.DB.GetStockTake(ctx, nil, storeID, in.Number)
			}),
	}
}
