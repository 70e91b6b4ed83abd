package documents

import (
	"context"
	"fmt"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// PurchaseOrder is a purchase order as tools show it.
type PurchaseOrder struct {
	poHead
	Note         string `json:"note,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`
	Confirmation
	Totals  PurchaseOrderTotals `json:"totals"`
	Payment POPayment           `json:"payment"`
	docBody[PurchaseOrderLine]
	SentAt   *time.Time `json:"sent_at,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`

	// minOrder is the supplier's minimum order value, read with the head
	// for the warning a write gives below it (withOrderWarnings).
	minOrder inventory.Money
}

// scan scans poSelect's columns into h, then the rest into more.
func (h *poHead) scan(r backend.Row, more ...any) error {
	var status string
	err := r.Scan(append([]any{&h.id, &h.Number, &status, &h.Supplier.ID, &h.Supplier.Name, &h.Location.ID, &h.Location.Name, &h.expected}, more...)...)
	h.Status = inventory.Status(status)
	h.ExpectedDate = storage.DateString(h.expected)
	return err
}

// overdue: sent (or partly received) and expected before today.
func (h *poHead) overdue(today time.Time) {
	h.Overdue = (h.Status == inventory.POSent || h.Status == inventory.POPartiallyReceived) && h.expected != nil && h.expected.Before(today)
}

// poSelect selects a purchase order's head, then the columns a caller
// adds before poFrom.
const poSelect = `SELECT po.id, po.number, po.status, s.id, s.name, l.id, l.name, po.expected_date`

const poFrom = ` FROM purchase_orders po
	JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
	JOIN locations l ON l.store_id = po.store_id AND l.id = po.location_id`

// poHead leads a purchase order and its summary in a list.
type poHead struct {
	docHead
	Supplier     DocSupplier         `json:"supplier"`
	Location     storage.DocLocation `json:"location"`
	ExpectedDate string              `json:"expected_date,omitempty"`
	Overdue      bool                `json:"overdue,omitempty"`

	expected *time.Time // decides Overdue
}

// PurchaseOrderLine is one SKU of a purchase order. Open is what is still
// expected: ordered (or confirmed, once the supplier confirmed) − received
// − rejected.
type PurchaseOrderLine struct {
	lineVariant
	Ordered int64 `json:"ordered"`
	LineConfirmation
	Received int64 `json:"received"`
	Rejected int64 `json:"rejected"`
	Open     int64 `json:"open"`
	linePrice
}

// PurchaseOrderTotals sums a purchase order's lines. Total is the ordered
// value at unit cost.
type PurchaseOrderTotals struct {
	Lines   int   `json:"lines"`
	Ordered int64 `json:"units_ordered"`
	// Confirmed is what the supplier confirmed, once it did.
	Confirmed int64           `json:"units_confirmed,omitempty"`
	Received  int64           `json:"units_received"`
	Rejected  int64           `json:"units_rejected"`
	Open      int64           `json:"units_open"`
	Total     inventory.Money `json:"total"`
}

// POLineInput is a line of create_purchase_order or update_purchase_order.
// UnitCostCents nil takes the supplier's cost for the variant, else the
// variant's cost.
type POLineInput struct {
	SKU           string
	VariantID     int64
	Quantity      int64
	UnitCostCents *int64
}

func (l POLineInput) ref() storage.VariantRef { return storage.VariantRef{SKU: l.SKU, ID: l.VariantID} }

// NewPurchaseOrder is what CreatePurchaseOrder needs. Supplier and Location
// are names, codes or ids, as tools pass them.
type NewPurchaseOrder struct {
	Supplier     string
	Location     string
	Lines        []POLineInput
	ExpectedDate *time.Time
	Note         string
}

// CreatePurchaseOrder creates a draft purchase order. Nothing changes in
// inventory until it is sent.
func (db *DB) CreatePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in NewPurchaseOrder) (PurchaseOrderResult, error) {
	sup, err := db.ResolveSupplier(ctx, tx, storeID, in.Supplier)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	loc, err := db.ResolveLocation(ctx, tx, storeID, in.Location)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	lines, err := db.poLines(ctx, tx, storeID, sup.ID, "the purchase order", in.Lines, 1)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	past, err := db.pastDateWarning(ctx, tx, storeID, in.ExpectedDate)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	warnings := append(poLineWarnings(sup, lines), past...)
	r, err := poType.create(ctx, db, tx, storeID, docInsert{status: inventory.PODraft, note: in.Note, noted: true,
		cols: "supplier_id, location_id, expected_date", vals: []any{sup.ID, loc.ID, datePtr(in.ExpectedDate)},
		lineCols: poLineCols, lines: inserts(lines, poLine.insert)})
	return r, withOrderWarnings(&r, warnings, err)
}

// PurchaseOrderResult is what a purchase order write returns: the order as
// it now stands and the inventory changes the write made.
type PurchaseOrderResult struct {
	Warnings      []Warning     `json:"warnings,omitempty"`
	PurchaseOrder PurchaseOrder `json:"purchase_order"`
	docOutcome
}

func (r PurchaseOrderResult) AsPreview() (any, string) {
	return previewOf(&r, r.docOutcome, &r.PurchaseOrder.docHead)
}

// poLineWarnings warns of lines the supplier does not supply, or ordered
// below its minimum quantity or outside its pack size.
func poLineWarnings(sup storage.Supplier, lines []poLine) []Warning {
	var ws []Warning
	for _, l := range lines {
		sku := l.variant.SKU
		switch {
		case l.quantity == 0:
		case !l.supplied:
			ws = append(ws, Warning{Code: WarnNotSupplied, SKU: sku, Message: fmt.Sprintf(
				"%s does not supply %s (no terms on file): check with list_suppliers or get_supplier, or order it from its supplier", sup.Name, sku)})
		case l.quantity < l.minQty:
			ws = append(ws, Warning{Code: WarnBelowMinOrderQty, SKU: sku, Message: fmt.Sprintf(
				"%d of %s is below %s's minimum order quantity of %d", l.quantity, sku, sup.Name, l.minQty)})
		case l.packSize > 1 && l.quantity%l.packSize != 0:
			ws = append(ws, Warning{Code: WarnNotPackSize, SKU: sku, Message: fmt.Sprintf(
				"%d of %s is not a whole number of %s's packs of %d: %d or %d would be", l.quantity, sku, sup.Name, l.packSize,
				l.quantity/l.packSize*l.packSize, (l.quantity/l.packSize+1)*l.packSize)})
		}
	}
	return ws
}

// withOrderWarnings adds warnings to a purchase order result, with one for
// an order below its supplier's minimum order value; err, the write's,
// passes through.
func withOrderWarnings(r *PurchaseOrderResult, ws []Warning, err error) error {
	if err != nil {
		return err
	}
	po := &r.PurchaseOrder
	if po.minOrder > 0 && po.Totals.Total < po.minOrder {
		ws = append(ws, Warning{Code: WarnBelowMinOrder, Message: fmt.Sprintf("the order totals %s, below %s's minimum order of %s",
			po.Totals.Total, po.Supplier.Name, po.minOrder)})
	}
	r.Warnings = capWarnings(ws)
	return nil
}

// poLine is a validated line with its variant and unit cost.
type poLine struct {
	variant  storage.Variant
	quantity int64
	cost     int64
	// The supplier's terms for the variant, when it supplies it.
	supplied         bool
	minQty, packSize int64
}

// poLines validates lines (quantities at least minQty) and prices them:
// an explicit unit cost, else the supplier's terms, else the variant cost.
func (db *DB) poLines(ctx context.Context, q backend.Querier, storeID, supplierID int64, what string, in []POLineInput, minQty int64) ([]poLine, error) {
	refs := make([]storage.VariantRef, len(in))
	for i, l := range in {
		refs[i] = l.ref()
	}
	vs, err := db.resolveLines(ctx, q, storeID, what, refs)
	if err != nil {
		return nil, err
	}
	return db.pricePOLines(ctx, q, storeID, supplierID, vs, in, minQty)
}

// pricePOLines is poLines for lines whose variants vs are already
// resolved, in order.
func (db *DB) pricePOLines(ctx context.Context, q backend.Querier, storeID, supplierID int64, vs []storage.Variant, in []POLineInput, minQty int64) ([]poLine, error) {
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	args := []any{storeID, supplierID}
	inList := storage.Placeholders(&args, ids)
	terms, err := storage.Collect(ctx, q, "reading supplier costs", func(r backend.Rows) ([4]int64, error) {
		var t [4]int64
		return t, r.Scan(&t[0], &t[1], &t[2], &t[3])
	}, `SELECT variant_id, unit_cost_cents, min_order_qty, pack_size FROM supplier_variants
		WHERE store_id = $1 AND supplier_id = $2 AND variant_id IN (`+inList+`)`, args...)
	if err != nil {
		return nil, err
	}
	byVariant := map[int64][4]int64{}
	for _, t := range terms {
		byVariant[t[0]] = t
	}
	out := make([]poLine, len(in))
	for i, l := range in {
		v := vs[i]
		if err := checkQuantity(v.SKU, "quantity", l.Quantity, minQty); err != nil {
			return nil, err
		}
		t, ok := byVariant[v.ID]
		c := t[1]
		if !ok {
			c = v.CostCents
		}
		if l.UnitCostCents != nil {
			c = *l.UnitCostCents
		}
		// Checked whatever its source: a supplier's or variant's cost
		// imported beyond the limit must not make a total overflow.
		if err := inventory.CheckUnitCost("unit_cost", v.SKU, inventory.Money(c)); err != nil {
			return nil, err
		}
		out[i] = poLine{variant: v, quantity: l.Quantity, cost: c, supplied: ok, minQty: t[2], packSize: t[3]}
	}
	return out, nil
}

// poLineCols are what a purchase order line inserts beside its variant.
const poLineCols = "quantity_ordered, unit_cost_cents"

func (l poLine) insert(int) lineInsert {
	return lineInsert{variant: l.variant, vals: []any{l.quantity, l.cost}}
}

// PurchaseOrderUpdate changes a draft: fields left nil stay as they are;
// SetLines adds or replaces lines, and a quantity of 0 removes one.
type PurchaseOrderUpdate struct {
	Number       string
	ExpectedDate *time.Time
	Note         *string
	SetLines     []POLineInput
}

// UpdatePurchaseOrder changes a draft's expected date, note or lines.
func (db *DB) UpdatePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in PurchaseOrderUpdate) (PurchaseOrderResult, error) {
	var warnings []Warning
	r, err := poType.act(ctx, db, tx, storeID, actor, in.Number, inventory.ActionUpdate, func(d lockedDoc, po PurchaseOrder) (m move, err error) {
		warnings, err = db.updateDraft(ctx, tx, storeID, d, po, in)
		return move{status: d.Status, undo: updateReversal(po, in)}, err
	})
	return r, withOrderWarnings(&r, warnings, err)
}

// updateDraft writes an update to a locked draft and returns what it
// warns of.
func (db *DB) updateDraft(ctx context.Context, tx backend.Tx, storeID int64, d lockedDoc, po PurchaseOrder, in PurchaseOrderUpdate) ([]Warning, error) {
	if in.ExpectedDate == nil && in.Note == nil && len(in.SetLines) == 0 {
		return nil, inventory.Errorf(inventory.Invalid, "nothing to update on %s: give expected_date, note or set_lines", d.Number)
	}
	warnings, err := db.pastDateWarning(ctx, tx, storeID, in.ExpectedDate)
	if err != nil {
		return nil, err
	}
	if in.ExpectedDate != nil {
		if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET expected_date = $1 WHERE store_id = $2 AND id = $3`,
			datePtr(in.ExpectedDate), storeID, d.ID); err != nil {
			return nil, fmt.Errorf("updating %s: %w", d.Number, err)
		}
	}
	if in.Note != nil {
		note, err := checkNote("note", *in.Note)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET note = $1 WHERE store_id = $2 AND id = $3`, note, storeID, d.ID); err != nil {
			return nil, fmt.Errorf("updating %s: %w", d.Number, err)
		}
	}
	if len(in.SetLines) > 0 {
		lines, err := db.poLines(ctx, tx, storeID, po.Supplier.ID, "set_lines", in.SetLines, 0)
		if err != nil {
			return nil, err
		}
		warnings = append(poLineWarnings(storage.Supplier{ID: po.Supplier.ID, Name: po.Supplier.Name}, lines), warnings...)
		existing := map[int64]PurchaseOrderLine{}
		for _, l := range po.Lines {
			existing[l.VariantID] = l
		}
		count, position := len(po.Lines), len(po.Lines)
		for i, l := range lines {
			old, had := existing[l.variant.ID]
			switch {
			case l.quantity == 0 && !had:
				return nil, inventory.Errorf(inventory.Invalid, "%s is not on %s, so quantity 0 cannot remove it", l.variant.SKU, d.Number)
			case l.quantity == 0:
				_, err = tx.Exec(ctx, `DELETE FROM purchase_order_lines WHERE store_id = $1 AND purchase_order_id = $2 AND variant_id = $3`,
					storeID, d.ID, l.variant.ID)
				count--
			case had:
				if in.SetLines[i].UnitCostCents == nil {
					l.cost = int64(old.UnitCost) // keep the agreed cost unless a new one is given
				}
				_, err = tx.Exec(ctx, `UPDATE purchase_order_lines SET quantity_ordered = $1, unit_cost_cents = $2
					WHERE store_id = $3 AND purchase_order_id = $4 AND variant_id = $5`, l.quantity, l.cost, storeID, d.ID, l.variant.ID)
			default:
				err = poType.insertLines(ctx, tx, storeID, d.ID, position, poLineCols, []lineInsert{l.insert(0)})
				position++
				count++
			}
			if err != nil {
				return nil, fmt.Errorf("updating the lines of %s: %w", d.Number, err)
			}
		}
		if count == 0 {
			return nil, inventory.Errorf(inventory.Invalid, "this update would leave %s with no lines: keep at least one, or cancel the order instead", d.Number)
		}
		if count > inventory.MaxLines {
			return nil, inventory.FieldErrorf("set_lines", inventory.Invalid, "this update would give %s %d lines; a document holds at most %d: put the rest on another order", d.Number, count, inventory.MaxLines)
		}
	}
	return warnings, nil
}

// SendPurchaseOrder sends a draft: the destination's incoming rises by
// each line's ordered quantity.
func (db *DB) SendPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (PurchaseOrderResult, error) {
	var po PurchaseOrder
	r, err := poType.act(ctx, db, tx, storeID, actor, number, inventory.ActionSend, func(d lockedDoc, doc PurchaseOrder) (move, error) {
		po = doc
		changes := make([]storage.Change, len(po.Lines))
		for i, l := range po.Lines {
			changes[i] = po.change(l, inventory.Incoming, l.Ordered)
		}
		return move{reason: inventory.ReasonMovementCreated, changes: changes, status: inventory.POSent, set: []any{"sent_at", db.Now()},
			undo: storage.NoUndo("a sent order does not go back to draft: cancel_purchase_order takes its incoming back while nothing is received")}, nil
	})
	if err != nil {
		return r, err
	}
	warnings, err := db.sendWarnings(ctx, tx, storeID, po)
	return r, withOrderWarnings(&r, warnings, err)
}

// sendWarnings are what create and update warned of, which still holds
// when the order goes out: warned again, as this is the last moment to
// fix it. The order's lines name their variants already, so they are
// priced without being resolved again.
func (db *DB) sendWarnings(ctx context.Context, tx backend.Tx, storeID int64, po PurchaseOrder) ([]Warning, error) {
	vs := make([]storage.Variant, len(po.Lines))
	inputs := make([]POLineInput, len(po.Lines))
	for i, l := range po.Lines {
		c := int64(l.UnitCost)
		vs[i] = storage.Variant{ID: l.VariantID, SKU: l.SKU}
		inputs[i] = POLineInput{VariantID: l.VariantID, Quantity: l.Ordered, UnitCostCents: &c}
	}
	lines, err := db.pricePOLines(ctx, tx, storeID, po.Supplier.ID, vs, inputs, 1)
	if err != nil {
		return nil, err
	}
	warnings := poLineWarnings(storage.Supplier{ID: po.Supplier.ID, Name: po.Supplier.Name}, lines)
	past, err := db.pastDateWarning(ctx, tx, storeID, po.expected)
	return append(warnings, past...), err
}

func (po PurchaseOrder) change(l PurchaseOrderLine, q inventory.Quantity, delta int64) storage.Change {
	return storage.Change{VariantID: l.VariantID, LocationID: po.Location.ID, Quantity: q, Delta: delta, SKU: l.SKU, Location: po.Location.Name}
}

// ReceiptLine is one SKU of a purchase order receipt.
type ReceiptLine struct {
	SKU       string
	VariantID int64
	Accepted  int64
	Rejected  int64
}

// ReceivePurchaseOrder books a receipt: on_hand rises by what is accepted,
// incoming falls by what is accepted or rejected. A line may not take more
// than is open.
func (db *DB) ReceivePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, lines []ReceiptLine) (PurchaseOrderResult, error) {
	return poType.act(ctx, db, tx, storeID, actor, number, inventory.ActionReceive, func(d lockedDoc, po PurchaseOrder) (move, error) {
		rls, undo, err := db.receiptLines(ctx, tx, storeID, d, po, inventory.ActionReceive, lines)
		if err != nil {
			return move{}, err
		}
		var changes []storage.Change
		for _, rl := range rls {
			in, v, l := rl.in, rl.v, rl.l
			took := in.Accepted + in.Rejected
			if took > l.Open {
				return move{}, inventory.Errorf(inventory.Insufficient, "%s has %d of %s open; this receipt takes %d: receive at most %d, or add the extra to a new purchase order",
					d.Number, l.Open, v.SKU, took, l.Open)
			}
			if _, err := tx.Exec(ctx, `UPDATE purchase_order_lines SET quantity_received = quantity_received + $1, quantity_rejected = quantity_rejected + $2
			WHERE store_id = $3 AND purchase_order_id = $4 AND variant_id = $5`, in.Accepted, in.Rejected, storeID, d.ID, v.ID); err != nil {
				return move{}, fmt.Errorf("receiving %s on %s: %w", v.SKU, d.Number, err)
			}
			changes = append(changes, po.change(l, inventory.OnHand, in.Accepted), po.change(l, inventory.Incoming, -took))
			po.Totals.Open -= took
		}
		return move{reason: inventory.ReasonReceived, changes: changes, status: inventory.ReceiptStatus(po.Totals.Open, inventory.POPartiallyReceived, inventory.POReceived),
			undo: storage.UndoWith("unreceive_purchase_order", map[string]any{"number": d.Number, "lines": undo})}, nil
	})
}

// receiptLine is a line of a receipt, or of its reversal, resolved against
// its purchase order.
type receiptLine struct {
	in ReceiptLine
	v  storage.Variant
	l  PurchaseOrderLine
}

// receiptLines resolves the lines of a receipt or its reversal (action)
// against the locked order po: each names a SKU on the order and moves a
// quantity above zero. undo is the lines as the opposite call takes them.
func (db *DB) receiptLines(ctx context.Context, tx backend.Tx, storeID int64, d lockedDoc, po PurchaseOrder, action inventory.Action, lines []ReceiptLine) ([]receiptLine, []map[string]any, error) {
	what, verb, nothing := "the receipt", "receive", "receives nothing"
	if action == inventory.ActionUnreceive {
		what, verb, nothing = "the reversal", "un-receive", "takes nothing back"
	}
	refs := make([]storage.VariantRef, len(lines))
	for i, l := range lines {
		refs[i] = storage.VariantRef{SKU: l.SKU, ID: l.VariantID}
	}
	vs, err := db.resolveLines(ctx, tx, storeID, what, refs)
	if err != nil {
		return nil, nil, err
	}
	onPO := map[int64]PurchaseOrderLine{}
	for _, l := range po.Lines {
		onPO[l.VariantID] = l
	}
	out := make([]receiptLine, len(lines))
	undo := make([]map[string]any, len(lines))
	for i, in := range lines {
		v := vs[i]
		undo[i] = receiptArgs(v.SKU, in.Accepted, in.Rejected)
		l, ok := onPO[v.ID]
		if !ok {
			return nil, nil, inventory.Errorf(inventory.Invalid, "%s is not on %s: %s only the SKUs it lists (see get_purchase_order)", v.SKU, d.Number, verb)
		}
		if err := checkQuantity(v.SKU, "accepted", in.Accepted, 0); err != nil {
			return nil, nil, err
		}
		if err := checkQuantity(v.SKU, "rejected", in.Rejected, 0); err != nil {
			return nil, nil, err
		}
		if in.Accepted+in.Rejected == 0 {
			return nil, nil, inventory.Errorf(inventory.Invalid, "the line for %s %s: give accepted (and rejected) quantities above zero, or leave the line out", v.SKU, nothing)
		}
		out[i] = receiptLine{in: in, v: v, l: l}
	}
	return out, undo, nil
}

// ClosePurchaseOrder closes an order: whatever is still open will not come,
// so incoming falls by it.
func (db *DB) ClosePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (PurchaseOrderResult, error) {
	return db.endPurchaseOrder(ctx, tx, storeID, actor, number, inventory.ActionClose, "")
}

// CancelPurchaseOrder cancels a draft, or a sent order nothing was received
// on; a sent order's incoming is taken back.
func (db *DB) CancelPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number, reason string) (PurchaseOrderResult, error) {
	return db.endPurchaseOrder(ctx, tx, storeID, actor, number, inventory.ActionCancel, reason)
}

func (db *DB) endPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, action inventory.Action, reason string) (PurchaseOrderResult, error) {
	return poType.actOnLock(ctx, db, tx, storeID, actor, number, action, func(d lockedDoc) (move, error) {
		reason, err := checkNote("reason", reason)
		if err != nil {
			return move{}, err
		}
		po, err := poType.get(ctx, db, tx, storeID, d.Number)
		if err != nil {
			return move{}, err
		}
		m := move{reason: inventory.ReasonMovementCanceled, status: inventory.POClosed, set: []any{"closed_at", db.Now()},
			undo: UndoByNumber("reopen_purchase_order", d.Number)}
		if action == inventory.ActionCancel {
			m.status, m.set = inventory.POCancelled, append([]any{"cancel_reason", reason}, m.set...)
		}
		if d.Status != inventory.PODraft { // a draft never added to incoming
			for _, l := range po.Lines {
				m.changes = append(m.changes, po.change(l, inventory.Incoming, -l.Open))
			}
		}
		return m, nil
	})
}

// poType is a purchase order to the document engine. Its lines total at
// unit cost; it is overdue when sent and expected before the store's
// today; it carries its payments (po_payments.go).
var poType = &docType[PurchaseOrder, PurchaseOrderLine, PurchaseOrderResult]{
	docKind: poDoc,
	head: poSelect + `, po.note, po.cancel_reason, po.created_at, po.sent_at, po.closed_at,
	po.supplier_reference, po.requested_date, po.confirmed_at, po.paid_cents, s.min_order_cents` + poFrom,
	scanHead: func(po *PurchaseOrder, r backend.Row) error {
		var requested *time.Time
		err := po.scan(r, &po.Note, &po.CancelReason, &po.CreatedAt, &po.SentAt, &po.ClosedAt,
			&po.SupplierReference, &requested, &po.ConfirmedAt, &po.Payment.Paid, &po.minOrder)
		if r := storage.DateString(requested); r != po.ExpectedDate {
			po.RequestedDate = r
		}
		return err
	}, parts: func(po *PurchaseOrder) (*docHead, *docBody[PurchaseOrderLine]) { return &po.docHead, &po.docBody },
	result: func(po PurchaseOrder, o docOutcome) PurchaseOrderResult {
		return PurchaseOrderResult{PurchaseOrder: po, docOutcome: o}
	},

	lineCols: `x.quantity_ordered, x.quantity_received, x.quantity_rejected, x.unit_cost_cents, x.quantity_confirmed, x.confirmed_date`,
	scanLine: func(po *PurchaseOrder, r backend.Rows, number string) (PurchaseOrderLine, error) {
		var l PurchaseOrderLine
		var confirmed *int64
		var date *time.Time
		err := r.Scan(&l.VariantID, &l.SKU, &l.Product, &l.Variant, &l.Ordered, &l.Received, &l.Rejected, &l.UnitCost, &confirmed, &date)
		l.confirm(po.ConfirmedAt != nil, confirmed, date)
		l.Open = l.expected() - l.Received - l.Rejected
		if poEnded(po.Status) {
			l.Open = 0 // a closed or cancelled order expects nothing more
		}
		if err != nil {
			return l, err
		}
		return l, l.price(l.Ordered, l.SKU, number)
	},
	addLine: func(po *PurchaseOrder, l PurchaseOrderLine, number string) (err error) {
		t := &po.Totals
		t.Lines++
		t.Ordered += l.Ordered
		if l.Confirmed != nil {
			t.Confirmed += *l.Confirmed
		}
		t.Received += l.Received
		t.Rejected += l.Rejected
		t.Open += l.Open
		if t.Total, err = t.Total.Add(l.LineTotal); err != nil {
			return inventory.OverflowError("the total of " + number)
		}
		return nil
	},
	finish: func(ctx context.Context, db *DB, q backend.Querier, storeID int64, po *PurchaseOrder) error {
		today, err := db.StoreToday(ctx, q, storeID)
		if err != nil {
			return err
		}
		po.overdue(today)
		return db.readPayments(ctx, q, storeID, po)
	},
}

func poEnded(s inventory.Status) bool { return s == inventory.POClosed || s == inventory.POCancelled }

// PurchaseOrderFilter narrows ListPurchaseOrders; zero values do not
// filter. Today (default: the store's date by the database clock) decides Overdue.
type PurchaseOrderFilter struct {
	Status     string
	SupplierID int64
	LocationID int64
	VariantID  int64
	Overdue    bool
	// PaymentStatus: unpaid, partially_paid or paid.
	PaymentStatus string
	// UnconfirmedDays > 0: only sent orders the supplier has not confirmed
	// UnconfirmedDays or more days after they were sent.
	UnconfirmedDays int
	Today           time.Time
	Page            storage.Page
}

// PurchaseOrderSummary is a purchase order in a list.
type PurchaseOrderSummary struct {
	poHead
	Lines        int             `json:"lines"`
	UnitsOrdered int64           `json:"units_ordered"`
	UnitsOpen    int64           `json:"units_open"`
	Total        inventory.Money `json:"total"`
	// UnitsConfirmed is what the supplier confirmed, once it did.
	UnitsConfirmed int64     `json:"units_confirmed,omitempty"`
	Payment        string    `json:"payment_status"`
	CreatedAt      time.Time `json:"created_at"`

	paid      inventory.Money
	confirmed bool
}

// ListPurchaseOrders lists purchase orders, newest first, one page at a
// time: one query for the page and one for its lines' totals.
func (db *DB) ListPurchaseOrders(ctx context.Context, storeID int64, f PurchaseOrderFilter) ([]PurchaseOrderSummary, string, error) {
	today := storage.UTCDate(f.Today)
	if f.Today.IsZero() {
		var err error
		if today, err = db.StoreToday(ctx, nil, storeID); err != nil {
			return nil, "", err
		}
	}
	return listDocs(ctx, db, poDoc, storeID, docList[PurchaseOrderSummary]{
		page: f.Page, status: f.Status,
		where: func(args *[]any) (string, error) {
			where := storage.EqFilter(args, "po.supplier_id", f.SupplierID) + storage.EqFilter(args, "po.location_id", f.LocationID) + poDoc.hasVariant(args, f.VariantID)
			if f.Overdue {
				*args = append(*args, string(inventory.POSent), string(inventory.POPartiallyReceived), today)
				n := len(*args)
				where += fmt.Sprintf(` AND po.status IN ($%d, $%d) AND po.expected_date < $%d`, n-2, n-1, n)
			}
			cond, err := db.poListFilters(f, args)
			return where + cond, err
		},
		sel: poSelect + `, po.created_at, po.confirmed_at, po.paid_cents` + poFrom,
		scan: func(r backend.Rows) (PurchaseOrderSummary, error) {
			var s PurchaseOrderSummary
			var confirmedAt *time.Time
			err := s.scan(r, &s.CreatedAt, &confirmedAt, &s.paid)
			s.confirmed = confirmedAt != nil
			s.overdue(today)
			return s, err
		},
		sums: []string{storage.SQLUnits("quantity_ordered"), storage.SQLUnits(storage.POLineExpected + " - quantity_received - quantity_rejected"),
			storage.SQLDocMoney(db.Dialect(), "quantity_ordered", "unit_cost_cents"),
			storage.SQLDocMoney(db.Dialect(), storage.POLineExpected, "unit_cost_cents"), storage.SQLDocMoney(db.Dialect(), "quantity_received", "unit_cost_cents"),
			storage.SQLUnits(storage.POLineExpected)},
		total: func(s *PurchaseOrderSummary, v []int64) {
			s.Lines, s.UnitsOrdered, s.UnitsOpen, s.Total = int(v[0]), v[1], v[2], inventory.Money(v[3])
			if poEnded(s.Status) {
				s.UnitsOpen = 0
			}
			if s.confirmed {
				s.UnitsConfirmed = v[6]
			}
			s.Payment = paymentStatus(payable(s.Status, inventory.Money(v[4]), inventory.Money(v[5])), s.paid)
		},
	})
}

// GetPurchaseOrder reads a purchase order by number; q is a transaction,
// or nil for the read pool.
func (db *DB) GetPurchaseOrder(ctx context.Context, q backend.Querier, storeID int64, number string) (PurchaseOrder, error) {
	return poType.read(ctx, db, q, storeID, number)
}
