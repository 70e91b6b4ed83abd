package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
)

type listTransfersArgs struct {
	Status       string   `json:"status,omitempty" jsonschema:"enum=draft,enum=in_transit,enum=partially_received,enum=received,enum=cancelled" jsonschema_description:"Only this status"`
	FromLocation nameOrID `json:"from_location,omitempty" jsonschema:"Origin location (name, code or id)"`
	ToLocation   nameOrID `json:"to_location,omitempty" jsonschema:"Destination location (name, code or id)"`
	PageArgs
}

func transferTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_transfers", "Transfers",
			"Transfer orders between locations, newest first, filtered by status, origin or destination."},
			func(ctx context.Context, storeID int64, in *listTransfersArgs) (any, error) {
				f := storage.TransferFilter{Status: in.Status, Page: in.page()}
				var err error
				if f.FromLocationID, err = res.location(ctx, storeID, in.FromLocation); err != nil {
					return nil, err
				}
				if f.ToLocationID, err = res.location(ctx, storeID, in.ToLocation); err != nil {
					return nil, err
				}
				list, next, err := d.DB.ListTransfers(ctx, storeID, f)
				return page(in.PageArgs, list, next), err
			}),
		readTool(readSpec{"get_transfer", "Transfer",
			"One transfer by number (TO-…) with its lines: quantity shipped and received."},
			func(ctx context.Context, storeID int64, in *docNumberArgs) (any, error) {
				return d.DB.GetTransfer(ctx, nil, storeID, in.Number)
			}),
	}
}
