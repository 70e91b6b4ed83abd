package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
)

type listReturnsArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"enum=draft,enum=shipped,enum=closed,enum=cancelled" jsonschema_description:"Only this status"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Supplier name or id"`
	PageArgs
}

func supplierReturnTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_supplier_returns", "Supplier returns",
			"Returns to suppliers (RMAs), newest first, filtered by status or supplier."},
			func(ctx context.Context, storeID int64, in *listReturnsArgs) (any, error) {
				f := storage.SupplierReturnFilter{Status: in.Status, Page: in.page()}
				var err error
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				list, next, err := d.DB.ListSupplierReturns(ctx, storeID, f)
				return page(in.PageArgs, list, next), err
			}),
		readTool(readSpec{"get_supplier_return", "Supplier return",
			"One supplier return by number (RMA-…) with its lines, reasons and credit."},
			func(ctx context.Context, storeID int64, in *docNumberArgs) (any, error) {
				return d.DB.GetSupplierReturn(ctx, nil, storeID, in.Number)
			}),
	}
}
