package documents

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// SupplierReturn sends stock back to a supplier (an RMA).
type SupplierReturn struct {
	docHead
	Supplier       DocSupplier          `json:"supplier"`
	Location       storage.DocLocation  `json:"location"`
	PurchaseOrder  string               `json:"purchase_order,omitempty"`
	Note           string               `json:"note,omitempty"`
	Totals         SupplierReturnTotals `json:"totals"`
	AllowedActions []string             `json:"allowed_actions"`
	docLines[SupplierReturnLine]
	CreatedAt time.Time  `json:"created_at"`
	ShippedAt *time.Time `json:"shipped_at,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`

	id int64
}

// SupplierReturnLine is one SKU going back.
type SupplierReturnLine struct {
	SKU       string          `json:"sku"`
	VariantID int64           `json:"variant_id"`
	Product   string          `json:"product"`
	Variant   string          `json:"variant,omitempty"`
	Quantity  int64           `json:"quantity"`
	Reason    string          `json:"reason,omitempty"`
	UnitCost  inventory.Money `json:"unit_cost"`
	LineTotal inventory.Money `json:"line_total"`
}

// SupplierReturnTotals sums a return; Credit is set once it is closed.
type SupplierReturnTotals struct {
	Lines  int              `json:"lines"`
	Units  int64            `json:"units"`
	Value  inventory.Money  `json:"value"`
	Credit *inventory.Money `json:"credit,omitempty"`
}

// SupplierReturnResult is what a supplier return write returns.
type SupplierReturnResult struct {
	SupplierReturn SupplierReturn `json:"supplier_return"`
	docOutcome
}

func (r SupplierReturnResult) AsPreview() (any, string) {
	number := r.preview(&r.SupplierReturn.docHead)
	return r, number
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
		p, err := db.getPurchaseOrder(ctx, tx, storeID, normalizeNumber(in.PurchaseOrder))
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
	note, err := checkNote("note", in.Note)
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
	number, err := db.NextNumber(ctx, tx, storeID, returnDoc.prefix)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	var poID *int64
	if po != nil {
		poID = &po.id
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO supplier_returns (store_id, number, supplier_id, location_id, purchase_order_id, status, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		storeID, number, sup.ID, loc.ID, poID, string(inventory.ReturnDraft), note, now).Scan(&id); err != nil {
		return SupplierReturnResult{}, fmt.Errorf("creating a supplier return: %w", err)
	}
	for i, l := range lines {
		if _, err := tx.Exec(ctx, `INSERT INTO supplier_return_lines (store_id, supplier_return_id, variant_id, position, quantity, reason, unit_cost_cents)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, storeID, id, l.variant.ID, i+1, l.quantity, reasons[i], l.cost); err != nil {
			return SupplierReturnResult{}, fmt.Errorf("adding %s to the return: %w", l.variant.SKU, err)
		}
	}
	r, err := db.returnResult(ctx, tx, storeID, number, nil)
	r.created = true
	r.Reversal = UndoByNumber("cancel_supplier_return", number)
	return r, err
}

// ShipSupplierReturn ships a draft: on_hand at its location falls by each
// line, refused when the available stock is short.
func (db *DB) ShipSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (SupplierReturnResult, error) {
	d, err := db.lockDoc(ctx, tx, returnDoc, storeID, number, inventory.ActionShip)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	r, err := db.getSupplierReturn(ctx, tx, storeID, d.Number)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	changes := make([]storage.Change, len(r.Lines))
	for i, l := range r.Lines {
		changes[i] = storage.Change{VariantID: l.VariantID, LocationID: r.Location.ID, Quantity: inventory.OnHand, Delta: -l.Quantity,
			SKU: l.SKU, Location: r.Location.Name, RequireAvailable: true}
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementCreated, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	if err := db.setStatus(ctx, tx, returnDoc, storeID, d, inventory.ReturnShipped, "shipped_at", db.Now()); err != nil {
		return SupplierReturnResult{}, err
	}
	res, err := db.returnResult(ctx, tx, storeID, d.Number, effects)
	res.Reversal = storage.NoUndo("shipped goods are with the supplier: receive them back on a purchase order")
	return res, err
}

// CloseSupplierReturn records the supplier's credit for a shipped return.
func (db *DB) CloseSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, creditCents int64) (SupplierReturnResult, error) {
	d, err := db.lockDoc(ctx, tx, returnDoc, storeID, number, inventory.ActionClose)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	if creditCents < 0 {
		return SupplierReturnResult{}, inventory.FieldErrorf("credit_amount", inventory.Invalid, "credit_amount %s is negative: give the credit the supplier granted, zero or more", inventory.Money(creditCents))
	}
	if err := inventory.CheckAmount("credit_amount", inventory.Money(creditCents)); err != nil {
		return SupplierReturnResult{}, err
	}
	if err := db.setStatus(ctx, tx, returnDoc, storeID, d, inventory.ReturnClosed, "credit_cents", creditCents, "closed_at", db.Now()); err != nil {
		return SupplierReturnResult{}, err
	}
	r, err := db.returnResult(ctx, tx, storeID, d.Number, nil)
	r.Reversal = storage.NoUndo("a closed return and its credit stand")
	return r, err
}

// CancelSupplierReturn cancels a draft; nothing had moved.
func (db *DB) CancelSupplierReturn(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (SupplierReturnResult, error) {
	d, err := db.lockDoc(ctx, tx, returnDoc, storeID, number, inventory.ActionCancel)
	if err != nil {
		return SupplierReturnResult{}, err
	}
	if err := db.setStatus(ctx, tx, returnDoc, storeID, d, inventory.ReturnCancelled); err != nil {
		return SupplierReturnResult{}, err
	}
	r, err := db.returnResult(ctx, tx, storeID, d.Number, nil)
	r.Reversal = storage.NoUndo("a cancelled return stays cancelled: create_supplier_return makes a new one")
	return r, err
}

func (db *DB) returnResult(ctx context.Context, tx backend.Tx, storeID int64, number string, effects []storage.Effect) (SupplierReturnResult, error) {
	doc, err := asWritten(func() (SupplierReturn, error) { return db.getSupplierReturn(ctx, tx, storeID, number) })
	return SupplierReturnResult{SupplierReturn: doc, docOutcome: outcomeOf(effects)}, err
}

// GetSupplierReturn reads a supplier return by number; q is a transaction,
// or nil for the read pool.
func (db *DB) GetSupplierReturn(ctx context.Context, q backend.Querier, storeID int64, number string) (SupplierReturn, error) {
	return db.getSupplierReturn(ctx, db.Querier(q), storeID, normalizeNumber(number))
}

const returnCols = `r.id, r.number, r.status, s.id, s.name, l.id, l.name, coalesce(po.number, ''), r.credit_cents, r.created_at`

const returnFrom = ` FROM supplier_returns r
	JOIN suppliers s ON s.store_id = r.store_id AND s.id = r.supplier_id
	JOIN locations l ON l.store_id = r.store_id AND l.id = r.location_id
	LEFT JOIN purchase_orders po ON po.store_id = r.store_id AND po.id = r.purchase_order_id`

func scanReturn(r backend.Row, extra ...any) (SupplierReturn, error) {
	var sr SupplierReturn
	var status string
	var credit *int64
	err := r.Scan(append([]any{&sr.id, &sr.Number, &status, &sr.Supplier.ID, &sr.Supplier.Name, &sr.Location.ID, &sr.Location.Name,
		&sr.PurchaseOrder, &credit, &sr.CreatedAt}, extra...)...)
	sr.Status = inventory.Status(status)
	sr.AllowedActions = inventory.SupplierReturns.Allowed(sr.Status)
	if credit != nil {
		c := inventory.Money(*credit)
		sr.Totals.Credit = &c
	}
	return sr, err
}

func (db *DB) getSupplierReturn(ctx context.Context, q backend.Querier, storeID int64, number string) (SupplierReturn, error) {
	if number == "" {
		return SupplierReturn{}, returnDoc.notFound("")
	}
	var note string
	var shipped, closed *time.Time
	sr, err := scanReturn(q.QueryRow(ctx, `SELECT `+returnCols+`, r.note, r.shipped_at, r.closed_at`+returnFrom+` WHERE r.store_id = $1 AND r.number = $2`,
		storeID, number), &note, &shipped, &closed)
	if errors.Is(err, backend.ErrNoRows) {
		return SupplierReturn{}, returnDoc.notFound(number)
	}
	if err != nil {
		return SupplierReturn{}, fmt.Errorf("reading %s: %w", number, err)
	}
	sr.Note, sr.ShippedAt, sr.ClosedAt = note, shipped, closed
	sr.Lines, err = storage.Collect(ctx, q, "reading the lines of "+number, func(r backend.Rows) (SupplierReturnLine, error) {
		var l SupplierReturnLine
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Quantity, &l.Reason, &l.UnitCost)
		if err != nil {
			return l, err
		}
		if l.LineTotal, err = l.UnitCost.Times(l.Quantity); err != nil {
			return l, inventory.OverflowError("the line total of " + l.SKU + " on " + number)
		}
		return l, nil
	}, `SELECT v.id, v.sku, p.title, v.title, rl.quantity, rl.reason, rl.unit_cost_cents
		FROM supplier_return_lines rl
		JOIN variants v ON v.store_id = rl.store_id AND v.id = rl.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE rl.store_id = $1 AND rl.supplier_return_id = $2 ORDER BY rl.position, v.sku`, storeID, sr.id)
	if err != nil {
		return SupplierReturn{}, err
	}
	for _, l := range sr.Lines {
		sr.Totals.Lines++
		sr.Totals.Units += l.Quantity
		if sr.Totals.Value, err = sr.Totals.Value.Add(l.LineTotal); err != nil {
			return SupplierReturn{}, inventory.OverflowError("the value of " + number)
		}
	}
	return sr, nil
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
	Number        string              `json:"number"`
	Status        inventory.Status    `json:"status"`
	Supplier      DocSupplier         `json:"supplier"`
	Location      storage.DocLocation `json:"location"`
	PurchaseOrder string              `json:"purchase_order,omitempty"`
	Lines         int                 `json:"lines"`
	Units         int64               `json:"units"`
	Value         inventory.Money     `json:"value"`
	Credit        *inventory.Money    `json:"credit,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`
}

// ListSupplierReturns lists supplier returns, newest first (two queries
// per page).
func (db *DB) ListSupplierReturns(ctx context.Context, storeID int64, f SupplierReturnFilter) ([]SupplierReturnSummary, string, error) {
	page, err := newIDPage(f.Page)
	if err != nil {
		return nil, "", err
	}
	args := []any{storeID}
	cond, err := statusFilter(returnDoc, f.Status, &args, "r.status")
	if err != nil {
		return nil, "", err
	}
	where := ` WHERE r.store_id = $1` + cond + storage.EqFilter(&args, "r.supplier_id", f.SupplierID) + storage.EqFilter(&args, "r.location_id", f.LocationID)
	if err := storage.Count(ctx, db.b, f.Page, "supplier returns", "supplier_returns r", where, args); err != nil {
		return nil, "", err
	}
	where += page.where(&args, "r.id")
	heads, err := storage.Collect(ctx, db.b, "listing supplier returns", func(r backend.Rows) (SupplierReturn, error) { return scanReturn(r) },
		`SELECT `+returnCols+returnFrom+where+` ORDER BY r.id DESC`+page.limitClause(), args...)
	if err != nil {
		return nil, "", err
	}
	heads, next := pageOut(page, heads, func(r SupplierReturn) int64 { return r.id })
	sums, err := lineSums(ctx, db.b, "supplier_return_lines", "supplier_return_id", storeID, heads, func(r SupplierReturn) int64 { return r.id },
		storage.SQLUnits("quantity"), storage.SQLDocMoney(db.Dialect(), "quantity", "unit_cost_cents"))
	if err != nil {
		return nil, "", err
	}
	out := make([]SupplierReturnSummary, len(heads))
	for i, h := range heads {
		v := sums(h)
		out[i] = SupplierReturnSummary{Number: h.Number, Status: h.Status, Supplier: h.Supplier, Location: h.Location, PurchaseOrder: h.PurchaseOrder,
			Lines: int(v[0]), Units: v[1], Value: inventory.Money(v[2]), Credit: h.Totals.Credit, CreatedAt: h.CreatedAt}
	}
	return out, next, nil
}
