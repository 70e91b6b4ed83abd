package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
)

type listStockTakesArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"Only this status" enum:"in_progress,completed,cancelled"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Location counted (name, code or id)"`
	PageArgs
}

func stockTakeTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_stock_takes", "Stock takes",
			"Stock takes (cycle counts), newest first, filtered by status or location."},
			func(ctx context.Context, storeID int64, in *listStockTakesArgs) (any, error) {
				f := documents.StockTakeFilter{Status: in.Status, Page: in.countedPage(ctx)}
				var err error
				if f.LocationID, err = res.location(ctx, storeID, in.Location); err != nil {
					return nil, err
				}
				list, next, err := documents.New(d.DB).ListStockTakes(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, list, next), err
			}),
		readTool(readSpec{"get_stock_take", "Stock take",
			"One stock take by number (ST-…) with its lines: expected and counted quantities and variances."},
			func(ctx context.Context, storeID int64, in *getSTArgs) (any, error) {
				doc, err := documents.New(d.DB).GetStockTake(ctx, nil, storeID, in.Number)
				if err != nil {
					return nil, err
				}
				return doc, doc.PageLines(in.page())
			}),
	}
}

type startStockTakeArgs struct {
	Location nameOrID `json:"location" jsonschema:"Name, code or id"`
	SKUs     []string `json:"skus,omitempty" jsonschema:"Count only these SKUs"`
	Vendor   string   `json:"vendor,omitempty" jsonschema:"Count only this vendor's variants"`
	WriteOptions
}

type countArg struct {
	SKURef
	Counted int64  `json:"counted"`
	Mode    string `json:"mode,omitempty" enum:"set,add"`
}

type recordCountsArgs struct {
	Number string     `json:"number"`
	Counts []countArg `json:"counts" jsonschema:"Up to 500; set (default) replaces a count, add adds to it"`
	WriteOptions
}

func stockTakeWriteTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "start_stock_take", title: "Start stock take",
			description: "Start counting a location (everything stocked, a vendor, or SKUs); snapshots expected on_hand."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *startStockTakeArgs) (any, error) {
				refs := make([]storage.VariantRef, len(in.SKUs))
				for i, s := range in.SKUs {
					refs[i] = SKURef{SKU: s}.ref()
				}
				return documents.New(db).StartStockTake(ctx, tx, storeID, actor, documents.NewStockTake{Location: string(in.Location), SKUs: refs, Vendor: in.Vendor})
			}),
		writeTool(d, writeSpec{name: "record_stock_counts", title: "Record stock counts",
			description: "Record counts on an open stock take; repeatable. Inventory changes on completion."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *recordCountsArgs) (any, error) {
				counts := make([]documents.CountInput, len(in.Counts))
				for i, c := range in.Counts {
					counts[i] = documents.CountInput{SKU: c.ref().SKU, VariantID: c.VariantID, Counted: c.Counted, Mode: c.Mode}
				}
				return documents.New(db).RecordStockCounts(ctx, tx, storeID, actor, in.Number, counts)
			}),
		writeTool(d, writeSpec{name: "complete_stock_take", title: "Complete stock take", destructive: true, idempotent: true,
			description: "Apply a stock take: on_hand += counted − expected per counted line. Shows variances in units and cost."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *stNumberArgs) (any, error) {
				return documents.New(db).CompleteStockTake(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "cancel_stock_take", title: "Cancel stock take", destructive: true, idempotent: true,
			description: "Abandon an open stock take; inventory does not change."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *stNumberArgs) (any, error) {
				return documents.New(db).CancelStockTake(ctx, tx, storeID, actor, in.Number)
			}),
	}
}

type getSTArgs struct {
	Number string `json:"number" jsonschema:"Stock take number, like ST-1001 (list_stock_takes shows them)"`
	linePageArgs
}

type stNumberArgs struct {
	Number string `json:"number"`
	WriteOptions
}
