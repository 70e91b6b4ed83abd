package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// qtyLineArg is a line that names a variant and a quantity.
type qtyLineArg struct {
	SKURef
	Quantity int64 `json:"quantity"`
}

func lineInputs(in []qtyLineArg) []storage.LineInput {
	out := make([]storage.LineInput, len(in))
	for i, l := range in {
		out[i] = storage.LineInput{SKU: l.ref().SKU, VariantID: l.VariantID, Quantity: l.Quantity}
	}
	return out
}

type createTransferArgs struct {
	From         nameOrID     `json:"from_location" jsonschema:"Origin: name, code or id"`
	To           nameOrID     `json:"to_location" jsonschema:"Destination: name, code or id"`
	Lines        []qtyLineArg `json:"lines"`
	ExpectedDate string       `json:"expected_date,omitempty" jsonschema:"YYYY-MM-DD"`
	WriteOptions
}

type receiveTransferArgs struct {
	Number string       `json:"number" jsonschema:"e.g. TO-1001"`
	Lines  []qtyLineArg `json:"lines"`
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
				return db.CreateTransfer(ctx, tx, storeID, actor, storage.NewTransfer{
					From: string(in.From), To: string(in.To), Lines: lineInputs(in.Lines), ExpectedDate: date})
			}),
		writeTool(d, writeSpec{name: "ship_transfer", title: "Ship transfer",
			description: "Ship a draft transfer: origin on_hand falls (refused if short), destination incoming rises."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *numberArgs) (any, error) {
				return db.ShipTransfer(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "receive_transfer", title: "Receive transfer",
			description: "Book arrived units, possibly partial: destination incoming falls, on_hand rises."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *receiveTransferArgs) (any, error) {
				return db.ReceiveTransfer(ctx, tx, storeID, actor, in.Number, lineInputs(in.Lines))
			}),
		writeTool(d, writeSpec{name: "cancel_transfer", title: "Cancel transfer", destructive: true, idempotent: true,
			description: "Cancel a transfer; units not yet received return to the origin's on_hand."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *numberArgs) (any, error) {
				return db.CancelTransfer(ctx, tx, storeID, actor, in.Number)
			}),
	}
}
