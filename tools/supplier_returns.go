package tools

import (
	"context"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
)

type listReturnsArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"Only this status" enum:"draft,shipped,closed,cancelled"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Supplier name or id"`
	PageArgs
}

func supplierReturnTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_supplier_returns", "Supplier returns",
			"Returns to suppliers (RMAs), newest first, filtered by status or supplier."},
			func(ctx context.Context, storeID int64, in *listReturnsArgs) (any, error) {
				f := documents.SupplierReturnFilter{Status: in.Status, Page: in.countedPage(ctx)}
				var err error
				if f.SupplierID, err = res.supplier(ctx, storeID, in.Supplier); err != nil {
					return nil, err
				}
				list, next, err := documents.New(d.DB).ListSupplierReturns(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, list, next), err
			}),
		readTool(readSpec{"get_supplier_return", "Supplier return",
			"One supplier return by number (RMA-…) with its lines, reasons and credit."},
			func(ctx context.Context, storeID int64, in *getRMAArgs) (any, error) {
				doc, err := documents.New(d.DB).GetSupplierReturn(ctx, nil, storeID, in.Number)
				if err != nil {
					return nil, err
				}
				return doc, doc.PageLines(in.page())
			}),
	}
}

type returnLineArg struct {
	SKURef
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason,omitempty" jsonschema:"e.g. damaged"`
}

type createReturnArgs struct {
	Supplier      nameOrID        `json:"supplier" jsonschema:"Supplier name or id"`
	Location      nameOrID        `json:"location,omitempty" jsonschema:"Ships from (default: the order's location)"`
	Lines         []returnLineArg `json:"lines" jsonschema:"One per SKU"`
	PurchaseOrder string          `json:"purchase_order,omitempty" jsonschema:"Purchase order number, like PO-1001"`
	WriteOptions
}

type closeReturnArgs struct {
	Number       string  `json:"number"`
	CreditAmount float64 `json:"credit_amount" jsonschema:"Credit granted"`
	WriteOptions
}

func supplierReturnWriteTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "create_supplier_return", title: "Create supplier return",
			description: "Create a draft return to a supplier, optionally against a purchase order."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *createReturnArgs) (any, error) {
				lines := make([]documents.ReturnLineInput, len(in.Lines))
				for i, l := range in.Lines {
					lines[i] = documents.ReturnLineInput{SKU: l.ref().SKU, VariantID: l.VariantID, Quantity: l.Quantity, Reason: l.Reason}
				}
				return documents.New(db).CreateSupplierReturn(ctx, tx, storeID, actor, documents.NewSupplierReturn{
					Supplier: string(in.Supplier), Location: string(in.Location), PurchaseOrder: in.PurchaseOrder, Lines: lines})
			}),
		writeTool(d, writeSpec{name: "ship_supplier_return", title: "Ship supplier return",
			description: "Ship a draft return: on_hand at its location falls (refused if short)."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *rmaNumberArgs) (any, error) {
				return documents.New(db).ShipSupplierReturn(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "close_supplier_return", title: "Close supplier return", destructive: true, idempotent: true,
			description: "Close a shipped return, recording the credit the supplier granted."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *closeReturnArgs) (any, error) {
				credit, err := parseMoney("credit_amount", "", &in.CreditAmount)
				if err != nil {
					return nil, err
				}
				return documents.New(db).CloseSupplierReturn(ctx, tx, storeID, actor, in.Number, int64(*credit))
			}),
		writeTool(d, writeSpec{name: "cancel_supplier_return", title: "Cancel supplier return", destructive: true, idempotent: true,
			description: "Cancel a draft return; nothing had moved."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *rmaNumberArgs) (any, error) {
				return documents.New(db).CancelSupplierReturn(ctx, tx, storeID, actor, in.Number)
			}),
	}
}

type getRMAArgs struct {
	Number string `json:"number" jsonschema:"Supplier return number, like RMA-1001 (list_supplier_returns shows them)"`
	linePageArgs
}

type rmaNumberArgs struct {
	Number string `json:"number"`
	WriteOptions
}
