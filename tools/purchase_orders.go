package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/storage"
)

type listPOArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"enum=draft,enum=sent,enum=partially_received,enum=received,enum=closed,enum=cancelled" jsonschema_description:"Only this status"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Supplier name or id"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Destination location (name, code or id)"`
	SKU      string   `json:"sku,omitempty" jsonschema:"Only orders with a line for this SKU"`
	Overdue  bool     `json:"overdue,omitempty" jsonschema:"Only sent or partially received orders past their expected date"`
	PageArgs
}

type docNumberArgs struct {
	Number string `json:"number" jsonschema:"Document number, e.g. PO-1001"`
}

func purchaseOrderTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_purchase_orders", "Purchase orders",
			"Purchase orders, newest first, filtered by status, supplier, location, SKU or overdue, with totals and open units."},
			func(ctx context.Context, storeID int64, in *listPOArgs) (any, error) {
				f := storage.PurchaseOrderFilter{Status: in.Status, Overdue: in.Overdue, Page: in.page()}
				var err error
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				if sku := strings.TrimSpace(in.SKU); sku != "" {
					vs, err := d.DB.ResolveVariants(ctx, nil, storeID, []storage.VariantRef{{SKU: sku}})
					if err != nil {
						return nil, err
					}
					f.VariantID = vs[0].ID
				}
				pos, next, err := d.DB.ListPurchaseOrders(ctx, storeID, f)
				return page(in.PageArgs, pos, next), err
			}),
		readTool(readSpec{"get_purchase_order", "Purchase order",
			"One purchase order by number with its lines (ordered, received, rejected, open, unit cost) and totals."},
			func(ctx context.Context, storeID int64, in *docNumberArgs) (any, error) {
				return d.DB.GetPurchaseOrder(ctx, nil, storeID, in.Number)
			}),
	}
}
