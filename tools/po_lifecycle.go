package tools

import (
	"context"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
)

// Purchase orders as merchants run them (issue 22): the supplier's
// confirmation, un-receiving, reopening, deleting a draft and payments.
// Each result carries reversible_by, which storage declares with the
// operation.

type confirmLineArg struct {
	SKURef
	Quantity     int64  `json:"quantity" jsonschema:"Confirmed units"`
	ExpectedDate string `json:"expected_date,omitempty"`
}

type confirmPOArgs struct {
	Number            string           `json:"number"`
	SupplierReference string           `json:"supplier_reference,omitempty" jsonschema:"The supplier's order number"`
	ExpectedDate      string           `json:"expected_date,omitempty" jsonschema:"Confirmed delivery date"`
	Lines             []confirmLineArg `json:"lines,omitempty" jsonschema:"Lines that differ; others as ordered"`
	WriteOptions
}

type unreceivePOArgs struct {
	Number string           `json:"number"`
	Lines  []receiptLineArg `json:"lines" jsonschema:"Units to take back"`
	WriteOptions
}

type paymentArgs struct {
	Number    string   `json:"number"`
	Amount    *float64 `json:"amount"`
	Date      string   `json:"date,omitempty" jsonschema:"Default today"`
	Method    string   `json:"method,omitempty"`
	Reference string   `json:"reference,omitempty" jsonschema:"Default P1, P2, …"`
	WriteOptions
}

type voidPaymentArgs struct {
	Number    string `json:"number"`
	Reference string `json:"reference" jsonschema:"See get_purchase_order"`
	Reason    string `json:"reason"`
	WriteOptions
}

func purchaseOrderLifecycleTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "confirm_purchase_order", title: "Confirm purchase order", idempotent: true,
			description: "Record the supplier's confirmation of a sent order; incoming and overdue follow it."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *confirmPOArgs) (any, error) {
				date, err := parseDate("expected_date", in.ExpectedDate)
				if err != nil {
					return nil, err
				}
				c := documents.POConfirmation{Number: in.Number, SupplierReference: in.SupplierReference, ExpectedDate: date}
				for _, l := range in.Lines {
					ld, err := parseDate("expected_date", l.ExpectedDate)
					if err != nil {
						return nil, err
					}
					c.Lines = append(c.Lines, documents.POConfirmLine{SKU: l.ref().SKU, VariantID: l.VariantID, Quantity: l.Quantity, ExpectedDate: ld})
				}
				return documents.New(db).ConfirmPurchaseOrder(ctx, tx, storeID, actor, c)
			}),
		writeTool(d, writeSpec{name: "unreceive_purchase_order", title: "Un-receive purchase order",
			description: "Reverse all or part of a receipt: on hand falls, incoming rises again."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *unreceivePOArgs) (any, error) {
				lines := make([]documents.ReceiptLine, len(in.Lines))
				for i, l := range in.Lines {
					lines[i] = documents.ReceiptLine{SKU: l.ref().SKU, VariantID: l.VariantID, Accepted: l.Accepted, Rejected: l.Rejected}
				}
				return documents.New(db).UnreceivePurchaseOrder(ctx, tx, storeID, actor, in.Number, lines)
			}),
		writeTool(d, writeSpec{name: "reopen_purchase_order", title: "Reopen purchase order", idempotent: true,
			description: "Return a closed or cancelled order to its status before."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *poNumberArgs) (any, error) {
				return documents.New(db).ReopenPurchaseOrder(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "delete_purchase_order", title: "Delete draft purchase order", destructive: true, idempotent: true,
			description: "Delete a draft. Its number is never reused."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *poNumberArgs) (any, error) {
				return documents.New(db).DeletePurchaseOrder(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "record_purchase_order_payment", title: "Record purchase order payment",
			description: "Record a payment of a sent order; overpaying is refused."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *paymentArgs) (any, error) {
				date, err := parseDate("date", in.Date)
				if err != nil {
					return nil, err
				}
				if in.Amount == nil {
					return nil, inventory.FieldErrorf("amount", inventory.Invalid, "give the amount paid, like 120.50")
				}
				amount, err := parseMoney("amount", "", in.Amount)
				if err != nil {
					return nil, err
				}
				return documents.New(db).RecordPurchaseOrderPayment(ctx, tx, storeID, actor, documents.NewPayment{
					Number: in.Number, Amount: *amount, Date: date, Method: in.Method, Reference: in.Reference})
			}),
		writeTool(d, writeSpec{name: "void_purchase_order_payment", title: "Void purchase order payment", destructive: true, idempotent: true,
			description: "Void a payment by reference; it stays listed, marked void."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *voidPaymentArgs) (any, error) {
				return documents.New(db).VoidPurchaseOrderPayment(ctx, tx, storeID, actor, in.Number, in.Reference, in.Reason)
			}),
	}
}
