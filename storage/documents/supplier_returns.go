package documents

import (
	"context"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// SupplierReturn sends stock back to a supplier (an RMA).
type SupplierReturn struct {
	returnHead
	Note   string               `json:"note,omitempty"`
	Totals SupplierReturnTotals `json:"totals"`
	docBody[SupplierReturnLine]
	ShippedAt *time.Time `json:"shipped_at,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// scan scans returnSelect's columns: the head into h, the credit into
// credit and the creation time into created; then the rest into more.
func (h *returnHead) scan(r backend.Row, credit **inventory.Money, created *time.Time, more ...any) error {
	var status string
	var cents *int64
	err := r.Scan(append([]any{&h.id, &h.Number, &status, &h.Supplier.ID, &h.Supplier.Name, &h.Location.ID, &h.Location.Name, &h.PurchaseOrder,
		&cents, created}, more...)...)
	h.Status = inventory.Status(status)
	if cents != nil {
		c := inventory.Money(*cents)
		*credit = &c
	}
	return err
}

// returnSelect selects a return's head, its credit and when it was
// created, then the columns a caller adds before returnFrom.
const returnSelect = `SELECT r.id, r.number, r.status, s.id, s.name, l.id, l.name, coalesce(po.number, ''), r.credit_cents, r.created_at`

const returnFrom = ` FROM supplier_returns r
	JOIN suppliers s ON s.store_id = r.store_id AND s.id = r.supplier_id
	JOIN locations l ON l.store_id = r.store_id AND l.id = r.location_id
	LEFT JOIN purchase_orders po ON po.store_id = r.store_id AND po.id = r.purchase_order_id`

// returnHead leads a supplier return and its summary in a list.
type returnHead struct {
	docHead
	Supplier      DocSupplier         `json:"supplier"`
	Location      storage.DocLocation `json:"location"`
	PurchaseOrder string              `json:"purchase_order,omitempty"`
}

// SupplierReturnLine is one SKU going back.
type SupplierReturnLine struct {
	lineVariant
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason,omitempty"`
	linePrice
}

// SupplierReturnTotals sums a return; Credit is set once it is closed.
type SupplierReturnTotals struct {
	Lines  int              `json:"lines"`
	Units  int64            `json:"units"`
	Value  inventory.Money  `json:"value"`
	Credit *inventory.Money `json:"credit,omitempty"`
}

// ReturnLineInput is one line of create_supplier_return.
type ReturnLineInput struct {
	SKU       string
	VariantID int64
	Quantity  int64
	Reason    string
}

// NewSupplierReturn is what CreateSupplierReturn needs. With a
// PurchaseOrder, the supplier must be the order's, Location defaults to
// the order's, each SKU must be on it and no more can go back than was
// received.
type NewSupplierReturn struct {
	Supplier      string
	Location      string
	PurchaseOrder string
	Lines         []ReturnLineInput
	Note          string
}

// CreateSupplierReturn creates a draft return; stock leaves when it ships.
func (db *DB) CreateSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in NewSupplierReturn) (SupplierReturnResult, error) {
	sup, err := db.ResolveSupplier(ctx, tx, storeID, in.Supplier)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	var po *PurchaseOrder
	if normalizeNumber(in.PurchaseOrder) != "" {
		p, err := poType.get(ctx, db, tx, storeID, normalizeNumber(in.PurchaseOrder))
		if err != nil {
			return SupplierReturnResult{}, err
		}
		if p.Supplier.ID != sup.ID {
			return SupplierReturnResult{}, inventory.Errorf(inventory.Invalid, "%s is from %s, not %s: return its goods to the supplier who sent them",
				p.Number, p.Supplier.Name, sup.Name)
		}
		po = &p
		if in.Location == "" {
			in.Location = fmt.Sprint(p.Location.ID)
		}
	}
	loc, err := db.ResolveLocation(ctx, tx, storeID, in.Location)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	poIn := make([]POLineInput, len(in.Lines))
	for i, l := range in.Lines {
		poIn[i] = POLineInput{SKU: l.SKU, VariantID: l.VariantID, Quantity: l.Quantity}
	}
	// Priced like a purchase order line: the supplier's cost, else the
	// variant's; a line from a purchase order goes back at its cost there.
	lines, err := db.poLines(ctx, tx, storeID, sup.ID, "the return", poIn, 1)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	reasons := make([]string, len(lines))
	for i, l := range lines {
		if reasons[i], err = checkNote("reason", in.Lines[i].Reason); err != nil {
			return SupplierReturnResult{}, err
		}
		if po == nil {
			continue
		}
		var onPO *PurchaseOrderLine
		for j := range po.Lines {
			if po.Lines[j].VariantID == l.variant.ID {
				onPO = &po.Lines[j]
			}
		}
		if onPO == nil {
			return SupplierReturnResult{}, inventory.Errorf(inventory.Invalid, "%s is not on %s: return only SKUs it delivered, or leave purchase_order out", l.variant.SKU, po.Number)
		}
		if l.quantity > onPO.Received {
			return SupplierReturnResult{}, inventory.Errorf(inventory.Insufficient, "%s received %d of %s; this return sends back %d: return at most %d",
				po.Number, onPO.Received, l.variant.SKU, l.quantity, onPO.Received)
		}
		lines[i].cost = int64(onPO.UnitCost)
	}
	var poID *int64
	if po != nil {
		poID = &po.id
	}
	return returnType.create(ctx, db, tx, storeID, docInsert{status: inventory.ReturnDraft, note: in.Note, noted: true,
		cols: "supplier_id, location_id, purchase_order_id", vals: []any{sup.ID, loc.ID, poID},
		lineCols: "quantity, reason, unit_cost_cents", lines: inserts(lines, func(l poLine, i int) lineInsert {
			return lineInsert{variant: l.variant, vals: []any{l.quantity, reasons[i], l.cost}}
		})})
}

// SupplierReturnResult is what a supplier return write returns.
type SupplierReturnResult struct {
	SupplierReturn SupplierReturn `json:"supplier_return"`
	docOutcome
}

func (r SupplierReturnResult) AsPreview() (any, string) {
	return previewOf(&r, r.docOutcome, &r.SupplierReturn.docHead)
}

// ShipSupplierReturn ships a draft: on_hand at its location falls by each
// line, refused when the available stock is short.
func (db *DB) ShipSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (SupplierReturnResult, error) {
	return returnType.act(ctx, db, tx, storeID, actor, number, inventory.ActionShip, func(d lockedDoc, r SupplierReturn) (move, error) {
		changes := make([]storage.Change, len(r.Lines))
		for i, l := range r.Lines {
			changes[i] = storage.Change{VariantID: l.VariantID, LocationID: r.Location.ID, Quantity: inventory.OnHand, Delta: -l.Quantity,
				SKU: l.SKU, Location: r.Location.Name, RequireAvailable: true}
		}
		return move{reason: inventory.ReasonMovementCreated, changes: changes, status: inventory.ReturnShipped, set: []any{"shipped_at", db.Now()},
			undo: storage.NoUndo("shipped goods are with the supplier: receive them back on a purchase order")}, nil
	})
}

// CloseSupplierReturn records the supplier's credit for a shipped return.
func (db *DB) CloseSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, creditCents int64) (SupplierReturnResult, error) {
	return returnType.actOnLock(ctx, db, tx, storeID, actor, number, inventory.ActionClose, func(lockedDoc) (move, error) {
		if creditCents < 0 {
			return move{}, inventory.FieldErrorf("credit_amount", inventory.Invalid, "credit_amount %s is negative: give the credit the supplier granted, zero or more", inventory.Money(creditCents))
		}
		return move{status: inventory.ReturnClosed, set: []any{"credit_cents", creditCents, "closed_at", db.Now()},
			undo: storage.NoUndo("a closed return and its credit stand")}, inventory.CheckAmount("credit_amount", inventory.Money(creditCents))
	})
}

// CancelSupplierReturn cancels a draft; nothing had moved.
func (db *DB) CancelSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (SupplierReturnResult, error) {
	return returnType.actOnLock(ctx, db, tx, storeID, actor, number, inventory.ActionCancel, func(lockedDoc) (move, error) {
		return move{status: inventory.ReturnCancelled, undo: storage.NoUndo("a cancelled return stays cancelled: create_supplier_return makes a new one")}, nil
	})
}

// returnType is a supplier return to the document engine. Its lines
// total at unit cost.
var returnType = &docType[SupplierReturn, SupplierReturnLine, SupplierReturnResult]{
	docKind: returnDoc,
	head:    returnSelect + `, r.note, r.shipped_at, r.closed_at` + returnFrom,
	scanHead: func(sr *SupplierReturn, r backend.Row) error {
		return sr.scan(r, &sr.Totals.Credit, &sr.CreatedAt, &sr.Note, &sr.ShippedAt, &sr.ClosedAt)
	},
	parts: func(r *SupplierReturn) (*docHead, *docBody[SupplierReturnLine]) { return &r.docHead, &r.docBody },
	result: func(r SupplierReturn, o docOutcome) SupplierReturnResult {
		return SupplierReturnResult{SupplierReturn: r, docOutcome: o}
	},
	lineCols: `x.quantity, x.reason, x.unit_cost_cents`,
	scanLine: func(_ *SupplierReturn, r backend.Rows, number string) (SupplierReturnLine, error) {
		var l SupplierReturnLine
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Quantity, &l.Reason, &l.UnitCost)
		if err != nil {
			return l, err
		}
		return l, l.price(l.Quantity, l.SKU, number)
	},
	addLine: func(sr *SupplierReturn, l SupplierReturnLine, number string) (err error) {
		sr.Totals.Lines++
		sr.Totals.Units += l.Quantity
		if sr.Totals.Value, err = sr.Totals.Value.Add(l.LineTotal); err != nil {
			return inventory.OverflowError("the value of " + number)
		}
		return nil
	},
}

// SupplierReturnFilter narrows ListSupplierReturns.
type SupplierReturnFilter struct {
	Status     string
	SupplierID int64
	LocationID int64
	Page       storage.Page
}

// SupplierReturnSummary is a supplier return in a list.
type SupplierReturnSummary struct {
	returnHead
	Lines     int              `json:"lines"`
	Units     int64            `json:"units"`
	Value     inventory.Money  `json:"value"`
	Credit    *inventory.Money `json:"credit,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
}

// ListSupplierReturns lists supplier returns, newest first (two queries
// per page).
func (db *DB) ListSupplierReturns(ctx context.Context, storeID int64, f SupplierReturnFilter) ([]SupplierReturnSummary, string, error) {
	return listDocs(ctx, db, returnDoc, storeID, docList[SupplierReturnSummary]{
		page: f.Page, status: f.Status,
		where: func(args *[]any) (string, error) {
			return storage.EqFilter(args, "r.supplier_id", f.SupplierID) + storage.EqFilter(args, "r.location_id", f.LocationID), nil
		},
		sel: returnSelect + returnFrom,
		scan: func(r backend.Rows) (SupplierReturnSummary, error) {
			var s SupplierReturnSummary
			err := s.scan(r, &s.Credit, &s.CreatedAt)
			return s, err
		},
		sums: []string{storage.SQLUnits("quantity"), storage.SQLDocMoney(db.Dialect(), "quantity", "unit_cost_cents")},
		total: func(s *SupplierReturnSummary, v []int64) {
			s.Lines, s.Units, s.Value = int(v[0]), v[1], inventory.Money(v[2])
		},
	})
}

// GetSupplierReturn reads a supplier return by number; q is a transaction,
// or nil for the read pool.
func (db *DB) GetSupplierReturn(ctx context.Context, q backend.Querier, storeID int64, number string) (SupplierReturn, error) {
	return returnType.read(ctx, db, q, storeID, number)
}
