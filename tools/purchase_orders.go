package tools

import (
	"context"
	"strings"

	"github.com/logistified/mcp-server/apps"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
)

type listPOArgs struct {
	Status   string   `json:"status,omitempty" jsonschema:"Only this status" enum:"draft,sent,partially_received,received,closed,cancelled"`
	Supplier nameOrID `json:"supplier,omitempty" jsonschema:"Supplier name or id"`
	Location nameOrID `json:"location,omitempty" jsonschema:"Destination location (name, code or id)"`
	SKU      string   `json:"sku,omitempty" jsonschema:"Only orders with a line for this SKU"`
	Overdue  bool     `json:"overdue,omitempty" jsonschema:"Only sent or partially received orders past their expected date"`
	// Payment and confirmation filters (issue 22).
	PaymentStatus   string `json:"payment_status,omitempty" enum:"unpaid,partially_paid,paid"`
	UnconfirmedDays int    `json:"unconfirmed_days,omitempty" jsonschema:"Only sent orders unconfirmed this many days after sending"`
	PageArgs
}

// linePageArgs page a document's lines; its totals cover every line.
type linePageArgs struct {
	LinesLimit  int    `json:"lines_limit,omitempty" jsonschema:"Lines shown (default 50, max 100)"`
	LinesCursor string `json:"lines_cursor,omitempty"`
}

func (a linePageArgs) page() documents.LinePage {
	return documents.LinePage{Limit: a.LinesLimit, Cursor: strings.TrimSpace(a.LinesCursor)}
}

type getPOArgs struct {
	Number string `json:"number" jsonschema:"Purchase order number, like PO-1001 (list_purchase_orders shows them)"`
	linePageArgs
}

func purchaseOrderTools(d Deps) []Tool {
	res := resolvers{d.DB}
	return []Tool{
		readTool(readSpec{"list_purchase_orders", "Purchase orders",
			"Purchase orders, newest first, filtered by status, supplier, location, SKU, overdue, payment or confirmation, with totals, open units and payment status."},
			func(ctx context.Context, storeID int64, in *listPOArgs) (any, error) {
				f := documents.PurchaseOrderFilter{Status: in.Status, Overdue: in.Overdue, PaymentStatus: in.PaymentStatus,
					UnconfirmedDays: in.UnconfirmedDays, Page: in.countedPage(ctx)}
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
				pos, next, err := documents.New(d.DB).ListPurchaseOrders(ctx, storeID, f)
				return countedList(in.PageArgs, f.Page, pos, next), err
			}),
		withApp(readTool(readSpec{"get_purchase_order", "Purchase order",
			"One purchase order by number with its lines (ordered, confirmed, received, rejected, open, unit cost), totals and payments."},
			func(ctx context.Context, storeID int64, in *getPOArgs) (any, error) {
				po, err := documents.New(d.DB).GetPurchaseOrder(ctx, nil, storeID, in.Number)
				if err != nil {
					return nil, err
				}
				return po, po.PageLines(in.page())
			}), apps.PurchaseOrder),
	}
}

// poLineArg is a purchase order line as create and update take it.
type poLineArg struct {
	SKURef
	Quantity int64    `json:"quantity" jsonschema:"Units (update: 0 removes the line)"`
	UnitCost *float64 `json:"unit_cost,omitempty" jsonschema:"Default: supplier cost"`
}

func poLines(in []poLineArg) ([]documents.POLineInput, error) {
	out := make([]documents.POLineInput, len(in))
	for i, l := range in {
		cost, err := parseMoney("unit_cost", l.ref().String(), l.UnitCost)
		if err != nil {
			return nil, err
		}
		out[i] = documents.POLineInput{SKU: l.ref().SKU, VariantID: l.VariantID, Quantity: l.Quantity}
		if cost != nil {
			c := int64(*cost)
			out[i].UnitCostCents = &c
		}
	}
	return out, nil
}

type createPOArgs struct {
	Supplier     nameOrID    `json:"supplier" jsonschema:"Supplier name or id"`
	Location     nameOrID    `json:"location" jsonschema:"Receiving location: name, code or id"`
	Lines        []poLineArg `json:"lines" jsonschema:"One per SKU"`
	ExpectedDate string      `json:"expected_date,omitempty"`
	Note         string      `json:"note,omitempty" jsonschema:"For the supplier"`
	WriteOptions
}

type updatePOArgs struct {
	Number       string      `json:"number"`
	ExpectedDate string      `json:"expected_date,omitempty"`
	Note         *string     `json:"note,omitempty" jsonschema:"Replaces the note"`
	SetLines     []poLineArg `json:"set_lines,omitempty" jsonschema:"Lines to add or change"`
	WriteOptions
}

// poNumberArgs names a purchase order and nothing else.
type poNumberArgs struct {
	Number string `json:"number"`
	WriteOptions
}

type receiptLineArg struct {
	SKURef
	Accepted int64 `json:"accepted" jsonschema:"Units into stock"`
	Rejected int64 `json:"rejected,omitempty" jsonschema:"Units refused"`
}

type receivePOArgs struct {
	Number string           `json:"number"`
	Lines  []receiptLineArg `json:"lines" jsonschema:"SKUs that arrived"`
	WriteOptions
}

type cancelPOArgs struct {
	Number string `json:"number"`
	Reason string `json:"reason,omitempty" jsonschema:"Why, for the record"`
	WriteOptions
}

func purchaseOrderWriteTools(d Deps) []Tool {
	return []Tool{
		writeTool(d, writeSpec{name: "create_purchase_order", title: "Create purchase order",
			description: "Create a draft purchase order. Inventory changes only when it is sent."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *createPOArgs) (any, error) {
				date, err := parseDate("expected_date", in.ExpectedDate)
				if err != nil {
					return nil, err
				}
				lines, err := poLines(in.Lines)
				if err != nil {
					return nil, err
				}
				return documents.New(db).CreatePurchaseOrder(ctx, tx, storeID, actor, documents.NewPurchaseOrder{
					Supplier: string(in.Supplier), Location: string(in.Location), Lines: lines, ExpectedDate: date, Note: in.Note})
			}),
		writeTool(d, writeSpec{name: "update_purchase_order", title: "Update draft purchase order", idempotent: true,
			description: "Change a draft purchase order's expected date, note or lines."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *updatePOArgs) (any, error) {
				date, err := parseDate("expected_date", in.ExpectedDate)
				if err != nil {
					return nil, err
				}
				lines, err := poLines(in.SetLines)
				if err != nil {
					return nil, err
				}
				return documents.New(db).UpdatePurchaseOrder(ctx, tx, storeID, actor, documents.PurchaseOrderUpdate{
					Number: in.Number, ExpectedDate: date, Note: in.Note, SetLines: lines})
			}),
		writeTool(d, writeSpec{name: "send_purchase_order", title: "Send purchase order",
			description: "Send a draft to its supplier: incoming rises by each line's quantity."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *poNumberArgs) (any, error) {
				return documents.New(db).SendPurchaseOrder(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "receive_purchase_order", title: "Receive purchase order",
			description: "Book a delivery, possibly partial: accepted units go on hand; accepted and rejected leave incoming."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *receivePOArgs) (any, error) {
				lines := make([]documents.ReceiptLine, len(in.Lines))
				for i, l := range in.Lines {
					lines[i] = documents.ReceiptLine{SKU: l.ref().SKU, VariantID: l.VariantID, Accepted: l.Accepted, Rejected: l.Rejected}
				}
				return documents.New(db).ReceivePurchaseOrder(ctx, tx, storeID, actor, in.Number, lines)
			}),
		writeTool(d, writeSpec{name: "close_purchase_order", title: "Close purchase order", destructive: true, idempotent: true,
			description: "Close a sent or partly received order: what is still open leaves incoming."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *poNumberArgs) (any, error) {
				return documents.New(db).ClosePurchaseOrder(ctx, tx, storeID, actor, in.Number)
			}),
		writeTool(d, writeSpec{name: "cancel_purchase_order", title: "Cancel purchase order", destructive: true, idempotent: true,
			description: "Cancel a draft, or a sent order with nothing received (its incoming is taken back)."},
			func(ctx context.Context, db *storage.DB, tx backend.Tx, storeID int64, actor storage.Actor, in *cancelPOArgs) (any, error) {
				return documents.New(db).CancelPurchaseOrder(ctx, tx, storeID, actor, in.Number, in.Reason)
			}),
	}
}
