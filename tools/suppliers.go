package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
)

type suppliersArgs struct {
	Query string `json:"query,omitempty" jsonschema:"Part of the name, email or phone"`
	PageArgs
}

type supplierArgs struct {
	Supplier nameOrID `json:"supplier" jsonschema:"Supplier name or id"`
}

func supplierTools(d Deps) []Tool {
	return []Tool{
		readTool(readSpec{"list_suppliers", "Suppliers",
			"Suppliers with their lead time, minimum order and count of open purchase orders."},
			func(ctx context.Context, storeID int64, in *suppliersArgs) (any, error) {
				f := storage.SupplierFilter{Query: in.Query, Page: in.countedPage(ctx)}
				s, next, err := d.DB.ListSuppliers(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, s, next), err
			}),
		readTool(readSpec{"get_supplier", "Supplier",
			"One supplier's contact, terms, how many variants it supplies, its open purchase orders (overdue ones marked) and what the store owes it."},
			func(ctx context.Context, storeID int64, in *supplierArgs) (any, error) {
				return d.DB.GetSupplier(ctx, storeID, string(in.Supplier))
			}),
	}
}
