package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
)

type listTransfersArgs struct {
	Status       string   `json:"status,omitempty" jsonschema:"Only this status" enum:"draft,in_transit,partially_received,received,cancelled"`
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
				f := documents.TransferFilter{Status: in.Status, Page: in.countedPage(ctx)}
				var err error
				if f.FromLocationID, err = res.location(ctx, storeID, in.FromLocation); err != nil {
					return nil, err
				}
				if f.ToLocationID, err = res.location(ctx, storeID, in.ToLocation); err != nil {
					return nil, err
				}
				list, next, err := documents.New(d.DB).ListTransfers(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, list, next), err
			}),
		readTool(readSpec{"get_transfer", "Transfer",
			"One transfer by number (TO-…) with its lines: quantity shipped and received."},
			func(ctx context.Context, storeID int64, in *getTOArgs) (any, error) {
				doc, err := documents.New(d.DB).GetTransfer(ctx, nil, storeID, in.Number)
				if err != nil {
					return nil, err
				}
				return doc, doc.PageLines(in.page())
			}),
	}
}

// qtyLineArg is a line that names a variant and a quantity.
type qtyLineArg struct {
	SKURef
	Quantity int64 `json:"quantity"`
}

func lineInputs(in []qtyLineArg) []documents.LineInput {
	out := make([]documents.LineInput, len(in))
	for i, l := range in {
		out[i] = documents.LineInput{SKU: l.ref().SKU, VariantID: l.VariantID, Quantity: l.Quantity}
	}
	return out
}

type createTransferArgs struct {
	From         nameOrID     `json:"from_location" jsonschema:"Origin: name, code or id"`
	To           nameOrID     `json:"to_location" jsonschema:"Destination: name, code or id"`
	Lines        []qtyLineArg `json:"lines" jsonschema:"One per SKU"`
	ExpectedDate string       `json:"expected_date,omitempty"`
	WriteOptions
}

type receiveTransferArgs struct {
	Number string       `json:"number"`
	Lines  []qtyLineArg `json:"lines" jsonschema:"SKUs that arrived"`
	WriteOptions
}

func transferWriteTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "create_transfer", title: "Create transfer",
			description: "Create a draft transfer between two locations. Nothing moves until it ships."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *createTransferArgs) (any, error) {
				date, err := parseDate("expected_date", in.ExpectedDate)
				if err != nil {
					return nil, err
				}
				return documents.New(db).CreateTransfer(ctx, tx, storeID, actor, documents.NewTransfer{
					From: string(in.From), To: string(in.To), Lines: lineInputs(in.Lines), ExpectedDate: date})
			}),
		writeTool(d, writeSpec{name: "ship_transfer", title: "Ship transfer",
			description: "Ship a draft transfer: origin on_hand falls (refused if short), destination incoming rises."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *toNumberArgs) (any, error) {
				return documents.New(db).ShipTransfer(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "receive_transfer", title: "Receive transfer",
			description: "Book arrived units, possibly partial: destination incoming falls, on_hand rises."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *receiveTransferArgs) (any, error) {
				return documents.New(db).ReceiveTransfer(ctx, tx, storeID, actor, in.Number, lineInputs(in.Lines))
			}),
		writeTool(d, writeSpec{name: "cancel_transfer", title: "Cancel transfer", destructive: true, idempotent: true,
			description: "Cancel a transfer; units not yet received return to the origin's on_hand."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *toNumberArgs) (any, error) {
				return documents.New(db).CancelTransfer(ctx, tx, storeID, actor, in.Number)
			}),
	}
}

type getTOArgs struct {
	Number string `json:"number" jsonschema:"Transfer number, like TO-1001 (list_transfers shows them)"`
	linePageArgs
}

type toNumberArgs struct {
	Number string `json:"number"`
	WriteOptions
}
