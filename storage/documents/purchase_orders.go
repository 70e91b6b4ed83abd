package documents

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// PurchaseOrder is a purchase order as tools show it.
type PurchaseOrder struct {
	docHead
	Supplier     DocSupplier         `json:"supplier"`
	Location     storage.DocLocation `json:"location"`
	ExpectedDate string              `json:"expected_date,omitempty"`
	Overdue      bool                `json:"overdue,omitempty"`
	Note         string              `json:"note,omitempty"`
	CancelReason string              `json:"cancel_reason,omitempty"`
	Confirmation
	Totals         PurchaseOrderTotals `json:"totals"`
	Payment        POPayment           `json:"payment"`
	AllowedActions []string            `json:"allowed_actions"`
	docLines[PurchaseOrderLine]
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`

	id int64
}

// PurchaseOrderLine is one SKU of a purchase order. Open is what is still
// expected: ordered (or confirmed, once the supplier confirmed) − received
// − rejected.
type PurchaseOrderLine struct {
	SKU       string `json:"sku"`
	VariantID int64  `json:"variant_id"`
	Product   string `json:"product"`
	Variant   string `json:"variant,omitempty"`
	Ordered   int64  `json:"ordered"`
	LineConfirmation
	Received  int64           `json:"received"`
	Rejected  int64           `json:"rejected"`
	Open      int64           `json:"open"`
	UnitCost  inventory.Money `json:"unit_cost"`
	LineTotal inventory.Money `json:"line_total"`
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

// PurchaseOrderResult is what a purchase order write returns: the order as
// it now stands and the inventory changes the write made.
type PurchaseOrderResult struct {
	Warnings      []Warning     `json:"warnings,omitempty"`
	PurchaseOrder PurchaseOrder `json:"purchase_order"`
	docOutcome
}

func (r PurchaseOrderResult) AsPreview() (any, string) {
	number := r.preview(&r.PurchaseOrder.docHead)
	return r, number
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

// PurchaseOrderUpdate changes a draft: fields left nil stay as they are;
// SetLines adds or replaces lines, and a quantity of 0 removes one.
type PurchaseOrderUpdate struct {
	Number       string
	ExpectedDate *time.Time
	Note         *string
	SetLines     []POLineInput
}

// ReceiptLine is one SKU of a purchase order receipt.
type ReceiptLine struct {
	SKU       string
	VariantID int64
	Accepted  int64
	Rejected  int64
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
	note, err := checkNote("note", in.Note)
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
	number, err := db.NextNumber(ctx, tx, storeID, poDoc.prefix)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO purchase_orders (store_id, number, supplier_id, location_id, status, expected_date, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		storeID, number, sup.ID, loc.ID, string(inventory.PODraft), datePtr(in.ExpectedDate), note, now).Scan(&id); err != nil {
		return PurchaseOrderResult{}, fmt.Errorf("creating a purchase order: %w", err)
	}
	for i, l := range lines {
		if err := insertPOLine(ctx, tx, storeID, id, i+1, l); err != nil {
			return PurchaseOrderResult{}, err
		}
	}
	r, err := db.poResult(ctx, tx, storeID, number, nil)
	r.created = true
	r.Reversal = UndoByNumber("delete_purchase_order", number)
	return r, db.withOrderWarnings(ctx, tx, storeID, &r, warnings, err)
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
// an order below its supplier's minimum order value.
func (db *DB) withOrderWarnings(ctx context.Context, q backend.Querier, storeID int64, r *PurchaseOrderResult, ws []Warning, err error) error {
	if err != nil {
		return err
	}
	var minCents int64
	if err := q.QueryRow(ctx, `SELECT min_order_cents FROM suppliers WHERE store_id = $1 AND id = $2`, storeID, r.PurchaseOrder.Supplier.ID).Scan(&minCents); err != nil {
		return fmt.Errorf("reading the minimum order of %s: %w", r.PurchaseOrder.Supplier.Name, err)
	}
	if total := r.PurchaseOrder.Totals.Total; minCents > 0 && int64(total) < minCents {
		ws = append(ws, Warning{Code: WarnBelowMinOrder, Message: fmt.Sprintf("the order totals %s, below %s's minimum order of %s",
			total, r.PurchaseOrder.Supplier.Name, inventory.Money(minCents))})
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

func insertPOLine(ctx context.Context, tx backend.Tx, storeID, poID int64, position int, l poLine) error {
	if _, err := tx.Exec(ctx, `INSERT INTO purchase_order_lines (store_id, purchase_order_id, variant_id, position, quantity_ordered, unit_cost_cents)
		VALUES ($1, $2, $3, $4, $5, $6)`, storeID, poID, l.variant.ID, position, l.quantity, l.cost); err != nil {
		return fmt.Errorf("adding %s to the purchase order: %w", l.variant.SKU, err)
	}
	return nil
}

// UpdatePurchaseOrder changes a draft's expected date, note or lines.
func (db *DB) UpdatePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in PurchaseOrderUpdate) (PurchaseOrderResult, error) {
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, in.Number, inventory.ActionUpdate)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	po, err := db.getPurchaseOrder(ctx, tx, storeID, d.Number)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	if in.ExpectedDate == nil && in.Note == nil && len(in.SetLines) == 0 {
		return PurchaseOrderResult{}, inventory.Errorf(inventory.Invalid, "nothing to update on %s: give expected_date, note or set_lines", d.Number)
	}
	warnings, err := db.pastDateWarning(ctx, tx, storeID, in.ExpectedDate)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	if in.ExpectedDate != nil {
		if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET expected_date = $1 WHERE store_id = $2 AND id = $3`,
			datePtr(in.ExpectedDate), storeID, d.ID); err != nil {
			return PurchaseOrderResult{}, fmt.Errorf("updating %s: %w", d.Number, err)
		}
	}
	if in.Note != nil {
		note, err := checkNote("note", *in.Note)
		if err != nil {
			return PurchaseOrderResult{}, err
		}
		if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET note = $1 WHERE store_id = $2 AND id = $3`, note, storeID, d.ID); err != nil {
			return PurchaseOrderResult{}, fmt.Errorf("updating %s: %w", d.Number, err)
		}
	}
	if len(in.SetLines) > 0 {
		lines, err := db.poLines(ctx, tx, storeID, po.Supplier.ID, "set_lines", in.SetLines, 0)
		if err != nil {
			return PurchaseOrderResult{}, err
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
				return PurchaseOrderResult{}, inventory.Errorf(inventory.Invalid, "%s is not on %s, so quantity 0 cannot remove it", l.variant.SKU, d.Number)
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
				position++
				count++
				err = insertPOLine(ctx, tx, storeID, d.ID, position, l)
			}
			if err != nil {
				return PurchaseOrderResult{}, fmt.Errorf("updating the lines of %s: %w", d.Number, err)
			}
		}
		if count == 0 {
			return PurchaseOrderResult{}, inventory.Errorf(inventory.Invalid, "this update would leave %s with no lines: keep at least one, or cancel the order instead", d.Number)
		}
		if count > inventory.MaxLines {
			return PurchaseOrderResult{}, inventory.FieldErrorf("set_lines", inventory.Invalid, "this update would give %s %d lines; a document holds at most %d: put the rest on another order", d.Number, count, inventory.MaxLines)
		}
	}
	if err := db.setStatus(ctx, tx, poDoc, storeID, d, d.Status); err != nil {
		return PurchaseOrderResult{}, err
	}
	r, err := db.poResult(ctx, tx, storeID, d.Number, nil)
	r.Reversal = updateReversal(po, in)
	return r, db.withOrderWarnings(ctx, tx, storeID, &r, warnings, err)
}

// SendPurchaseOrder sends a draft: the destination's incoming rises by
// each line's ordered quantity.
func (db *DB) SendPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (PurchaseOrderResult, error) {
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, number, inventory.ActionSend)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	po, err := db.getPurchaseOrder(ctx, tx, storeID, d.Number)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	changes := make([]storage.Change, len(po.Lines))
	for i, l := range po.Lines {
		changes[i] = po.change(l, inventory.Incoming, l.Ordered)
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementCreated, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	if err := db.setStatus(ctx, tx, poDoc, storeID, d, inventory.POSent, "sent_at", db.Now()); err != nil {
		return PurchaseOrderResult{}, err
	}
	// What create and update warned of still holds when the order goes
	// out: warn again, as this is the last moment to fix it.
	inputs := make([]POLineInput, len(po.Lines))
	for i, l := range po.Lines {
		c := int64(l.UnitCost)
		inputs[i] = POLineInput{VariantID: l.VariantID, Quantity: l.Ordered, UnitCostCents: &c}
	}
	lines, err := db.poLines(ctx, tx, storeID, po.Supplier.ID, d.Number, inputs, 1)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	warnings := poLineWarnings(storage.Supplier{ID: po.Supplier.ID, Name: po.Supplier.Name}, lines)
	if po.ExpectedDate != "" {
		if expected, err := time.Parse(time.DateOnly, po.ExpectedDate); err == nil {
			past, err := db.pastDateWarning(ctx, tx, storeID, &expected)
			if err != nil {
				return PurchaseOrderResult{}, err
			}
			warnings = append(warnings, past...)
		}
	}
	r, err := db.poResult(ctx, tx, storeID, d.Number, effects)
	r.Reversal = storage.NoUndo("a sent order does not go back to draft: cancel_purchase_order takes its incoming back while nothing is received")
	return r, db.withOrderWarnings(ctx, tx, storeID, &r, warnings, err)
}

func (po PurchaseOrder) change(l PurchaseOrderLine, q inventory.Quantity, delta int64) storage.Change {
	return storage.Change{VariantID: l.VariantID, LocationID: po.Location.ID, Quantity: q, Delta: delta, SKU: l.SKU, Location: po.Location.Name}
}

// ReceivePurchaseOrder books a receipt: on_hand rises by what is accepted,
// incoming falls by what is accepted or rejected. A line may not take more
// than is open.
func (db *DB) ReceivePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, lines []ReceiptLine) (PurchaseOrderResult, error) {
	d, po, rls, undo, err := db.lockReceipt(ctx, tx, storeID, number, inventory.ActionReceive, lines)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	var changes []storage.Change
	for _, rl := range rls {
		in, v, l := rl.in, rl.v, rl.l
		took := in.Accepted + in.Rejected
		if took > l.Open {
			return PurchaseOrderResult{}, inventory.Errorf(inventory.Insufficient, "%s has %d of %s open; this receipt takes %d: receive at most %d, or add the extra to a new purchase order",
				d.Number, l.Open, v.SKU, took, l.Open)
		}
		if _, err := tx.Exec(ctx, `UPDATE purchase_order_lines SET quantity_received = quantity_received + $1, quantity_rejected = quantity_rejected + $2
			WHERE store_id = $3 AND purchase_order_id = $4 AND variant_id = $5`, in.Accepted, in.Rejected, storeID, d.ID, v.ID); err != nil {
			return PurchaseOrderResult{}, fmt.Errorf("receiving %s on %s: %w", v.SKU, d.Number, err)
		}
		changes = append(changes, po.change(l, inventory.OnHand, in.Accepted), po.change(l, inventory.Incoming, -took))
		po.Totals.Open -= took
	}
	effects, err := db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonReceived, Document: d.Number, Actor: actor}, changes)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	status := inventory.ReceiptStatus(po.Totals.Open, inventory.POPartiallyReceived, inventory.POReceived)
	if err := db.setStatus(ctx, tx, poDoc, storeID, d, status); err != nil {
		return PurchaseOrderResult{}, err
	}
	r, err := db.poResult(ctx, tx, storeID, d.Number, effects)
	r.Reversal = storage.UndoWith("unreceive_purchase_order", map[string]any{"number": d.Number, "lines": undo})
	return r, err
}

// receiptLine is a line of a receipt, or of its reversal, resolved against
// its purchase order.
type receiptLine struct {
	in ReceiptLine
	v  storage.Variant
	l  PurchaseOrderLine
}

// lockReceipt locks the order for a receipt or its reversal (action) and
// resolves the call's lines against it: each names a SKU on the order and
// moves a quantity above zero. undo is the lines as the opposite call
// takes them.
func (db *DB) lockReceipt(ctx context.Context, tx backend.Tx, storeID int64, number string, action inventory.Action, lines []ReceiptLine) (lockedDoc, PurchaseOrder, []receiptLine, []map[string]any, error) {
	what, verb, nothing := "the receipt", "receive", "receives nothing"
	if action == inventory.ActionUnreceive {
		what, verb, nothing = "the reversal", "un-receive", "takes nothing back"
	}
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, number, action)
	if err != nil {
		return d, PurchaseOrder{}, nil, nil, err
	}
	po, err := db.getPurchaseOrder(ctx, tx, storeID, d.Number)
	if err != nil {
		return d, po, nil, nil, err
	}
	refs := make([]storage.VariantRef, len(lines))
	for i, l := range lines {
		refs[i] = storage.VariantRef{SKU: l.SKU, ID: l.VariantID}
	}
	vs, err := db.resolveLines(ctx, tx, storeID, what, refs)
	if err != nil {
		return d, po, nil, nil, err
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
			return d, po, nil, nil, inventory.Errorf(inventory.Invalid, "%s is not on %s: %s only the SKUs it lists (see get_purchase_order)", v.SKU, d.Number, verb)
		}
		if err := checkQuantity(v.SKU, "accepted", in.Accepted, 0); err != nil {
			return d, po, nil, nil, err
		}
		if err := checkQuantity(v.SKU, "rejected", in.Rejected, 0); err != nil {
			return d, po, nil, nil, err
		}
		if in.Accepted+in.Rejected == 0 {
			return d, po, nil, nil, inventory.Errorf(inventory.Invalid, "the line for %s %s: give accepted (and rejected) quantities above zero, or leave the line out", v.SKU, nothing)
		}
		out[i] = receiptLine{in: in, v: v, l: l}
	}
	return d, po, out, undo, nil
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
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, number, action)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	reason, err = checkNote("reason", reason)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	po, err := db.getPurchaseOrder(ctx, tx, storeID, d.Number)
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	var effects []storage.Effect
	if d.Status != inventory.PODraft { // a draft never added to incoming
		var changes []storage.Change
		for _, l := range po.Lines {
			changes = append(changes, po.change(l, inventory.Incoming, -l.Open))
		}
		if effects, err = db.ApplyChanges(ctx, tx, storeID, storage.Movement{Reason: inventory.ReasonMovementCanceled, Document: d.Number, Actor: actor}, changes); err != nil {
			return PurchaseOrderResult{}, err
		}
	}
	if action == inventory.ActionCancel {
		err = db.setStatus(ctx, tx, poDoc, storeID, d, inventory.POCancelled, "cancel_reason", reason, "closed_at", db.Now())
	} else {
		err = db.setStatus(ctx, tx, poDoc, storeID, d, inventory.POClosed, "closed_at", db.Now())
	}
	if err != nil {
		return PurchaseOrderResult{}, err
	}
	r, err := db.poResult(ctx, tx, storeID, d.Number, effects)
	r.Reversal = UndoByNumber("reopen_purchase_order", d.Number)
	return r, err
}

func (db *DB) poResult(ctx context.Context, tx backend.Tx, storeID int64, number string, effects []storage.Effect) (PurchaseOrderResult, error) {
	doc, err := asWritten(func() (PurchaseOrder, error) { return db.getPurchaseOrder(ctx, tx, storeID, number) })
	return PurchaseOrderResult{PurchaseOrder: doc, docOutcome: outcomeOf(effects)}, err
}

// GetPurchaseOrder reads a purchase order by number; q is a transaction,
// or nil for the read pool.
func (db *DB) GetPurchaseOrder(ctx context.Context, q backend.Querier, storeID int64, number string) (PurchaseOrder, error) {
	return db.getPurchaseOrder(ctx, db.Querier(q), storeID, normalizeNumber(number))
}

const poSelect = `SELECT po.id, po.number, po.status, s.id, s.name, l.id, l.name, po.expected_date, po.note, po.cancel_reason,
	po.created_at, po.sent_at, po.closed_at, po.supplier_reference, po.requested_date, po.confirmed_at, po.paid_cents
	FROM purchase_orders po
	JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
	JOIN locations l ON l.store_id = po.store_id AND l.id = po.location_id`

func scanPOHeader(r backend.Row, today time.Time) (PurchaseOrder, error) {
	var po PurchaseOrder
	var status string
	var expected, requested *time.Time
	err := r.Scan(&po.id, &po.Number, &status, &po.Supplier.ID, &po.Supplier.Name, &po.Location.ID, &po.Location.Name,
		&expected, &po.Note, &po.CancelReason, &po.CreatedAt, &po.SentAt, &po.ClosedAt,
		&po.SupplierReference, &requested, &po.ConfirmedAt, &po.Payment.Paid)
	po.Status = inventory.Status(status)
	po.ExpectedDate = storage.DateString(expected)
	if r := storage.DateString(requested); r != po.ExpectedDate {
		po.RequestedDate = r
	}
	po.Overdue = poOverdue(po.Status, expected, today)
	po.AllowedActions = inventory.PurchaseOrders.Allowed(po.Status)
	return po, err
}

func poEnded(s inventory.Status) bool { return s == inventory.POClosed || s == inventory.POCancelled }

// poOverdue: sent (or partly received) and expected before today.
func poOverdue(s inventory.Status, expected *time.Time, today time.Time) bool {
	return (s == inventory.POSent || s == inventory.POPartiallyReceived) && expected != nil && expected.Before(today)
}

func (db *DB) getPurchaseOrder(ctx context.Context, q backend.Querier, storeID int64, number string) (PurchaseOrder, error) {
	if number == "" {
		return PurchaseOrder{}, poDoc.notFound("")
	}
	today, err := db.StoreToday(ctx, q, storeID)
	if err != nil {
		return PurchaseOrder{}, err
	}
	po, err := scanPOHeader(q.QueryRow(ctx, poSelect+` WHERE po.store_id = $1 AND po.number = $2`, storeID, number), today)
	if errors.Is(err, backend.ErrNoRows) {
		return PurchaseOrder{}, poDoc.notFound(number)
	}
	if err != nil {
		return PurchaseOrder{}, fmt.Errorf("reading %s: %w", number, err)
	}
	po.Lines, err = storage.Collect(ctx, q, "reading the lines of "+number, func(r backend.Rows) (PurchaseOrderLine, error) {
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
		if l.LineTotal, err = l.UnitCost.Times(l.Ordered); err != nil {
			return l, inventory.OverflowError("the line total of " + l.SKU + " on " + number)
		}
		return l, nil
	}, `SELECT v.id, v.sku, p.title, v.title, pl.quantity_ordered, pl.quantity_received,
		pl.quantity_rejected, pl.unit_cost_cents, pl.quantity_confirmed, pl.confirmed_date
		FROM purchase_order_lines pl
		JOIN variants v ON v.store_id = pl.store_id AND v.id = pl.variant_id
		JOIN products p ON p.store_id = v.store_id AND p.id = v.product_id
		WHERE pl.store_id = $1 AND pl.purchase_order_id = $2 ORDER BY pl.position, v.sku`, storeID, po.id)
	if err != nil {
		return PurchaseOrder{}, err
	}
	for _, l := range po.Lines {
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
			return PurchaseOrder{}, inventory.OverflowError("the total of " + number)
		}
	}
	return po, db.readPayments(ctx, q, storeID, &po)
}

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
	Number       string              `json:"number"`
	Status       inventory.Status    `json:"status"`
	Supplier     DocSupplier         `json:"supplier"`
	Location     storage.DocLocation `json:"location"`
	ExpectedDate string              `json:"expected_date,omitempty"`
	Overdue      bool                `json:"overdue,omitempty"`
	Lines        int                 `json:"lines"`
	UnitsOrdered int64               `json:"units_ordered"`
	UnitsOpen    int64               `json:"units_open"`
	Total        inventory.Money     `json:"total"`
	// UnitsConfirmed is what the supplier confirmed, once it did.
	UnitsConfirmed int64     `json:"units_confirmed,omitempty"`
	Payment        string    `json:"payment_status"`
	CreatedAt      time.Time `json:"created_at"`

	id        int64
	paid      inventory.Money
	confirmed bool
}

// ListPurchaseOrders lists purchase orders, newest first, one page at a
// time: one query for the page and one for its lines' totals.
func (db *DB) ListPurchaseOrders(ctx context.Context, storeID int64, f PurchaseOrderFilter) ([]PurchaseOrderSummary, string, error) {
	page, err := newIDPage(f.Page)
	if err != nil {
		return nil, "", err
	}
	today := storage.UTCDate(f.Today)
	if f.Today.IsZero() {
		if today, err = db.StoreToday(ctx, nil, storeID); err != nil {
			return nil, "", err
		}
	}
	args := []any{storeID}
	where := ` WHERE po.store_id = $1`
	cond, err := statusFilter(poDoc, f.Status, &args, "po.status")
	if err != nil {
		return nil, "", err
	}
	where += cond + storage.EqFilter(&args, "po.supplier_id", f.SupplierID) + storage.EqFilter(&args, "po.location_id", f.LocationID)
	if f.VariantID != 0 {
		args = append(args, f.VariantID)
		where += ` AND EXISTS (SELECT 1 FROM purchase_order_lines x WHERE x.store_id = po.store_id AND x.purchase_order_id = po.id
			AND x.variant_id = $` + strconv.Itoa(len(args)) + `)`
	}
	if f.Overdue {
		args = append(args, string(inventory.POSent), string(inventory.POPartiallyReceived), today)
		n := len(args)
		where += fmt.Sprintf(` AND po.status IN ($%d, $%d) AND po.expected_date < $%d`, n-2, n-1, n)
	}
	cond, err = db.poListFilters(f, &args)
	if err != nil {
		return nil, "", err
	}
	where += cond
	if err := storage.Count(ctx, db.b, f.Page, "purchase orders", "purchase_orders po", where, args); err != nil {
		return nil, "", err
	}
	where += page.where(&args, "po.id")
	list, err := storage.Collect(ctx, db.b, "listing purchase orders", func(r backend.Rows) (PurchaseOrderSummary, error) {
		var s PurchaseOrderSummary
		var status string
		var expected, confirmedAt *time.Time
		var paid int64
		err := r.Scan(&s.id, &s.Number, &status, &s.Supplier.ID, &s.Supplier.Name, &s.Location.ID, &s.Location.Name, &expected, &s.CreatedAt, &confirmedAt, &paid)
		s.confirmed, s.paid = confirmedAt != nil, inventory.Money(paid)
		s.Status = inventory.Status(status)
		s.ExpectedDate = storage.DateString(expected)
		s.Overdue = poOverdue(s.Status, expected, today)
		return s, err
	}, `SELECT po.id, po.number, po.status, s.id, s.name, l.id, l.name, po.expected_date, po.created_at, po.confirmed_at, po.paid_cents
		FROM purchase_orders po
		JOIN suppliers s ON s.store_id = po.store_id AND s.id = po.supplier_id
		JOIN locations l ON l.store_id = po.store_id AND l.id = po.location_id`+where+` ORDER BY po.id DESC`+page.limitClause(), args...)
	if err != nil {
		return nil, "", err
	}
	list, next := pageOut(page, list, func(s PurchaseOrderSummary) int64 { return s.id })
	sums, err := lineSums(ctx, db.b, "purchase_order_lines", "purchase_order_id", storeID, list, func(s PurchaseOrderSummary) int64 { return s.id },
		storage.SQLUnits("quantity_ordered"), storage.SQLUnits(storage.POLineExpected+" - quantity_received - quantity_rejected"),
		storage.SQLDocMoney(db.Dialect(), "quantity_ordered", "unit_cost_cents"),
		storage.SQLDocMoney(db.Dialect(), storage.POLineExpected, "unit_cost_cents"), storage.SQLDocMoney(db.Dialect(), "quantity_received", "unit_cost_cents"),
		storage.SQLUnits(storage.POLineExpected))
	if err != nil {
		return nil, "", err
	}
	for i := range list {
		v := sums(list[i])
		list[i].Lines, list[i].UnitsOrdered, list[i].UnitsOpen, list[i].Total = int(v[0]), v[1], v[2], inventory.Money(v[3])
		if poEnded(list[i].Status) {
			list[i].UnitsOpen = 0
		}
		if list[i].confirmed {
			list[i].UnitsConfirmed = v[6]
		}
		list[i].Payment = paymentStatus(payable(list[i].Status, inventory.Money(v[4]), inventory.Money(v[5])), list[i].paid)
	}
	return list, next, nil
}
