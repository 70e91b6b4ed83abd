package documents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
)

// Purchase orders as merchants run them (issue 22): the supplier's
// confirmation, un-receiving a receipt, reopening an ended order and
// deleting a draft. Payments are in po_payments.go.

// WarnConfirmedDiffers: the supplier confirmed another quantity than was
// ordered.
const WarnConfirmedDiffers = "confirmed_differs"

// Confirmation is the supplier's confirmation of an order, as
// get_purchase_order shows it. RequestedDate is the expected date the order
// asked for, shown when the confirmed date replaced it.
type Confirmation struct {
	ConfirmedAt       *time.Time `json:"confirmed_at,omitempty"`
	SupplierReference string     `json:"supplier_reference,omitempty"`
	RequestedDate     string     `json:"requested_date,omitempty"`
}

// LineConfirmation is a line's confirmed quantity and date, shown once the
// order is confirmed.
type LineConfirmation struct {
	Confirmed     *int64 `json:"confirmed,omitempty"`
	ConfirmedDate string `json:"confirmed_date,omitempty"`
}

// confirm fills the line's confirmation: a confirmed order's lines without
// a quantity of their own were confirmed as ordered.
func (l *PurchaseOrderLine) confirm(orderConfirmed bool, quantity *int64, date *time.Time) {
	l.ConfirmedDate = storage.DateString(date)
	if quantity == nil && orderConfirmed {
		q := l.Ordered
		quantity = &q
	}
	l.Confirmed = quantity
}

// expected is what the line expects in total.
func (l PurchaseOrderLine) expected() int64 {
	if l.Confirmed != nil {
		return *l.Confirmed
	}
	return l.Ordered
}

// receiptArgs is one line of a receipt or its reversal as the tools take it.
func receiptArgs(sku string, accepted, rejected int64) map[string]any {
	m := map[string]any{"sku": sku, "accepted": accepted}
	if rejected != 0 {
		m["rejected"] = rejected
	}
	return m
}

// updateReversal is the update_purchase_order call that puts back what in
// changed on the draft po (as it was before).
func updateReversal(po PurchaseOrder, in PurchaseOrderUpdate) storage.Reversal {
	args := map[string]any{"number": po.Number}
	if in.ExpectedDate != nil {
		if po.ExpectedDate == "" {
			return storage.NoUndo("the draft had no expected date, and update_purchase_order cannot clear one: set the date you want")
		}
		args["expected_date"] = po.ExpectedDate
	}
	if in.Note != nil {
		args["note"] = po.Note
	}
	if len(in.SetLines) > 0 {
		bySKU, byID := map[string]PurchaseOrderLine{}, map[int64]PurchaseOrderLine{}
		for _, l := range po.Lines {
			bySKU[strings.ToUpper(l.SKU)], byID[l.VariantID] = l, l
		}
		var lines []map[string]any
		for _, in := range in.SetLines {
			old, had := byID[in.VariantID]
			if in.VariantID == 0 {
				old, had = bySKU[strings.ToUpper(strings.TrimSpace(in.SKU))]
			}
			ref := map[string]any{"sku": strings.TrimSpace(in.SKU)}
			if in.SKU == "" {
				ref = map[string]any{"variant_id": in.VariantID}
			}
			if had {
				ref["sku"], ref["quantity"], ref["unit_cost"] = old.SKU, old.Ordered, old.UnitCost
				delete(ref, "variant_id")
			} else {
				ref["quantity"] = 0
			}
			lines = append(lines, ref)
		}
		args["set_lines"] = lines
	}
	return storage.UndoWith("update_purchase_order", args)
}

// poListFilters adds list_purchase_orders' payment_status and
// unconfirmed_days filters.
func (db *DB) poListFilters(f PurchaseOrderFilter, args *[]any) (string, error) {
	where := ""
	if s := strings.TrimSpace(f.PaymentStatus); s != "" {
		lineSum := func(qty string) string {
			return `(SELECT COALESCE(SUM(` + qty + ` * unit_cost_cents), 0) FROM purchase_order_lines x
				WHERE x.store_id = po.store_id AND x.purchase_order_id = po.id)`
		}
		payableSQL := `(CASE WHEN po.status IN ('closed', 'cancelled') THEN ` + lineSum("quantity_received") +
			` ELSE ` + lineSum(storage.POLineExpected) + ` END)`
		switch s {
		case PaymentUnpaid:
			where += ` AND po.paid_cents = 0`
		case PaymentPartiallyPaid:
			where += ` AND po.paid_cents > 0 AND po.paid_cents < ` + payableSQL
		case PaymentPaid:
			where += ` AND po.paid_cents > 0 AND po.paid_cents >= ` + payableSQL
		default:
			return "", inventory.FieldErrorf("payment_status", inventory.Invalid,
				"payment_status %q is not one of unpaid, partially_paid, paid", s)
		}
	}
	if f.UnconfirmedDays < 0 {
		return "", inventory.FieldErrorf("unconfirmed_days", inventory.Invalid,
			"unconfirmed_days %d is negative: give the days since the order was sent, like 3", f.UnconfirmedDays)
	}
	if f.UnconfirmedDays > 0 {
		*args = append(*args, string(inventory.POSent), db.Now().Add(-time.Duration(f.UnconfirmedDays)*24*time.Hour))
		n := len(*args)
		where += fmt.Sprintf(` AND po.status = $%d AND po.confirmed_at IS NULL AND po.sent_at <= $%d`, n-1, n)
	}
	return where, nil
}

// POConfirmation is the supplier's confirmation as confirm_purchase_order
// takes it. Lines left out are confirmed as ordered; each confirmation
// replaces the one before.
type POConfirmation struct {
	Number            string
	SupplierReference string
	// ExpectedDate, when set, becomes the order's expected date (overdue
	// follows it); else the latest line date does, if any.
	ExpectedDate *time.Time
	Lines        []POConfirmLine
}

// POConfirmLine is one line the supplier confirmed differently from the
// order: its quantity and, optionally, its date.
type POConfirmLine struct {
	SKU          string
	VariantID    int64
	Quantity     int64
	ExpectedDate *time.Time
}

// ConfirmPurchaseOrder records the supplier's confirmation of a sent (or
// partly received) order. Incoming follows each line's confirmed quantity,
// and the order's expected date the confirmed date.
func (db *DB) ConfirmPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in POConfirmation) (PurchaseOrderResult, error) {
	var warnings []Warning
	r, err := poType.actOnLock(ctx, db, tx, storeID, actor, in.Number, inventory.ActionConfirm, func(d lockedDoc) (m move, err error) {
		m, warnings, err = db.confirm(ctx, tx, storeID, d, in)
		return m, err
	})
	return r, withOrderWarnings(&r, warnings, err)
}

// confirm writes a confirmation to the locked order d and returns the
// move it makes and what it warns of.
func (db *DB) confirm(ctx context.Context, tx backend.Tx, storeID int64, d lockedDoc, in POConfirmation) (move, []Warning, error) {
	ref, err := checkNote("supplier_reference", in.SupplierReference)
	if err != nil {
		return move{}, nil, err
	}
	po, err := poType.get(ctx, db, tx, storeID, d.Number)
	if err != nil {
		return move{}, nil, err
	}
	type confirmed struct {
		qty  *int64
		date *time.Time
	}
	byID := map[int64]confirmed{}
	onPO := map[int64]bool{}
	for _, l := range po.Lines {
		onPO[l.VariantID] = true
	}
	latest := in.ExpectedDate
	if len(in.Lines) > 0 {
		refs := make([]storage.VariantRef, len(in.Lines))
		for i, l := range in.Lines {
			refs[i] = storage.VariantRef{SKU: l.SKU, ID: l.VariantID}
		}
		vs, err := db.resolveLines(ctx, tx, storeID, "the confirmation", refs)
		if err != nil {
			return move{}, nil, err
		}
		for i, l := range in.Lines {
			if !onPO[vs[i].ID] {
				return move{}, nil, inventory.Errorf(inventory.Invalid, "%s is not on %s: confirm only the SKUs it lists (see get_purchase_order)", vs[i].SKU, d.Number)
			}
			if err := checkQuantity(vs[i].SKU, "quantity", l.Quantity, 0); err != nil {
				return move{}, nil, err
			}
			q := l.Quantity
			byID[vs[i].ID] = confirmed{&q, datePtr(l.ExpectedDate)}
			if in.ExpectedDate == nil && l.ExpectedDate != nil && (latest == nil || l.ExpectedDate.After(*latest)) {
				latest = l.ExpectedDate
			}
		}
	}
	reversal := confirmReversal(po)
	var changes []storage.Change
	var warnings []Warning
	for _, l := range po.Lines {
		c := byID[l.VariantID]
		want := l.Ordered
		if c.qty != nil {
			want = *c.qty
		}
		if took := l.Received + l.Rejected; want < took {
			return move{}, nil, inventory.Errorf(inventory.Invalid,
				"%s has received %d and rejected %d of %s, so the supplier cannot confirm %d: confirm at least %d, or un-receive first",
				d.Number, l.Received, l.Rejected, l.SKU, want, took)
		}
		changes = append(changes, po.change(l, inventory.Incoming, (want-l.Received-l.Rejected)-l.Open))
		if want != l.Ordered {
			warnings = append(warnings, Warning{Code: WarnConfirmedDiffers, SKU: l.SKU, Message: fmt.Sprintf(
				"%s confirmed %d of %s where %d were ordered: incoming follows the confirmed %d", po.Supplier.Name, want, l.SKU, l.Ordered, want)})
		}
		stored := c.qty
		if stored != nil && *stored == l.Ordered {
			stored = nil // confirmed as ordered
		}
		if _, err := tx.Exec(ctx, `UPDATE purchase_order_lines SET quantity_confirmed = $1, confirmed_date = $2
			WHERE store_id = $3 AND purchase_order_id = $4 AND variant_id = $5`, stored, c.date, storeID, d.ID, l.VariantID); err != nil {
			return move{}, nil, fmt.Errorf("confirming %s on %s: %w", l.SKU, d.Number, err)
		}
	}
	if latest != nil {
		if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET requested_date = COALESCE(requested_date, expected_date), expected_date = $1
			WHERE store_id = $2 AND id = $3`, datePtr(latest), storeID, d.ID); err != nil {
			return move{}, nil, fmt.Errorf("confirming the date of %s: %w", d.Number, err)
		}
	}
	past, err := db.pastDateWarning(ctx, tx, storeID, latest)
	if err != nil {
		return move{}, nil, err
	}
	warnings = append(warnings, past...)
	if latest != nil && po.ExpectedDate == "" && reversal.By != nil {
		reversal = storage.NoUndo("the order had no expected date before, and no call clears one: confirm again with the date you want")
	}
	return move{reason: inventory.ReasonMovementCreated, changes: changes, status: d.Status, set: []any{"confirmed_at", db.Now(), "supplier_reference", ref},
		undo: reversal}, warnings, nil
}

// confirmReversal is the confirmation that puts po's back: none for an
// order the supplier had not confirmed.
func confirmReversal(po PurchaseOrder) storage.Reversal {
	if po.ConfirmedAt == nil {
		return storage.NoUndo("a first confirmation is not withdrawn: call confirm_purchase_order again with the figures the supplier gives")
	}
	args := map[string]any{"number": po.Number, "supplier_reference": po.SupplierReference}
	if po.ExpectedDate != "" {
		args["expected_date"] = po.ExpectedDate
	}
	var lines []map[string]any
	for _, l := range po.Lines {
		if l.expected() == l.Ordered && l.ConfirmedDate == "" {
			continue
		}
		m := map[string]any{"sku": l.SKU, "quantity": l.expected()}
		if l.ConfirmedDate != "" {
			m["expected_date"] = l.ConfirmedDate
		}
		lines = append(lines, m)
	}
	if len(lines) > 0 {
		args["lines"] = lines
	}
	return storage.UndoWith("confirm_purchase_order", args)
}

// UnreceivePurchaseOrder reverses all or part of a receipt: on_hand falls
// by what is taken back of the accepted units, incoming rises by that and
// the rejected units taken back, and the ledger's rows reference the order
// as the receipt's did. It is refused when on_hand would go below zero.
func (db *DB) UnreceivePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string, lines []ReceiptLine) (PurchaseOrderResult, error) {
	return poType.act(ctx, db, tx, storeID, actor, number, inventory.ActionUnreceive, func(d lockedDoc, po PurchaseOrder) (move, error) {
		rls, undo, err := db.receiptLines(ctx, tx, storeID, d, po, inventory.ActionUnreceive, lines)
		if err != nil {
			return move{}, err
		}
		var changes []storage.Change
		for _, rl := range rls {
			in, v, l := rl.in, rl.v, rl.l
			if in.Accepted > l.Received || in.Rejected > l.Rejected {
				return move{}, inventory.Errorf(inventory.Insufficient,
					"%s received %d and rejected %d of %s; this takes back %d accepted and %d rejected: take back at most what was received",
					d.Number, l.Received, l.Rejected, v.SKU, in.Accepted, in.Rejected)
			}
			var onHand int64
			err := tx.QueryRow(ctx, `SELECT on_hand FROM inventory_levels WHERE store_id = $1 AND variant_id = $2 AND location_id = $3`,
				storeID, v.ID, po.Location.ID).Scan(&onHand)
			if err != nil && !errors.Is(err, backend.ErrNoRows) {
				return move{}, fmt.Errorf("reading the stock of %s at %s: %w", v.SKU, po.Location.Name, err)
			}
			if onHand < in.Accepted {
				return move{}, inventory.Errorf(inventory.Insufficient,
					"%s has %d on hand at %s; un-receiving %d would leave %d: un-receive at most %d (the rest has been sold or moved)",
					v.SKU, onHand, po.Location.Name, in.Accepted, onHand-in.Accepted, onHand)
			}
			if _, err := tx.Exec(ctx, `UPDATE purchase_order_lines SET quantity_received = quantity_received - $1, quantity_rejected = quantity_rejected - $2
			WHERE store_id = $3 AND purchase_order_id = $4 AND variant_id = $5`, in.Accepted, in.Rejected, storeID, d.ID, v.ID); err != nil {
				return move{}, fmt.Errorf("un-receiving %s on %s: %w", v.SKU, d.Number, err)
			}
			changes = append(changes, po.change(l, inventory.OnHand, -in.Accepted), po.change(l, inventory.Incoming, in.Accepted+in.Rejected))
			po.Totals.Received -= in.Accepted
			po.Totals.Rejected -= in.Rejected
		}
		status := inventory.POPartiallyReceived
		if po.Totals.Received+po.Totals.Rejected == 0 {
			status = inventory.POSent
		}
		return move{reason: inventory.ReasonReceived, changes: changes, status: status,
			undo: storage.UndoWith("receive_purchase_order", map[string]any{"number": d.Number, "lines": undo})}, nil
	})
}

// ReopenPurchaseOrder returns a closed or cancelled order to the status it
// ended from, with what it received unchanged: a draft stays out of
// incoming; a sent order's open quantities go back into it.
func (db *DB) ReopenPurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (PurchaseOrderResult, error) {
	return poType.act(ctx, db, tx, storeID, actor, number, inventory.ActionReopen, func(d lockedDoc, po PurchaseOrder) (move, error) {
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM locations WHERE store_id = $1 AND id = $2`, storeID, po.Location.ID).Scan(&active); err != nil {
			return move{}, fmt.Errorf("reading the location of %s: %w", d.Number, err)
		}
		if !active {
			return move{}, inventory.Errorf(inventory.Conflict,
				"%s cannot be reopened: its location %s has since been deactivated, so nothing more can arrive there; order again for an active location",
				d.Number, po.Location.Name)
		}
		// What the order was before it ended follows from what it had done:
		// close and cancel change nothing else.
		m := move{reason: inventory.ReasonMovementCreated, set: []any{"closed_at", nil, "cancel_reason", ""}, undo: UndoByNumber("close_purchase_order", d.Number)}
		var took, open int64
		for _, l := range po.Lines {
			took += l.Received + l.Rejected
			o := l.expected() - l.Received - l.Rejected
			open += o
			m.changes = append(m.changes, po.change(l, inventory.Incoming, o))
		}
		switch {
		case po.SentAt == nil:
			m.status, m.changes = inventory.PODraft, nil
		case took == 0:
			m.status = inventory.POSent
		default:
			m.status = inventory.ReceiptStatus(open, inventory.POPartiallyReceived, inventory.POReceived)
		}
		if d.Status == inventory.POCancelled {
			args := map[string]any{"number": d.Number}
			if po.CancelReason != "" {
				args["reason"] = po.CancelReason
			}
			m.undo = storage.UndoWith("cancel_purchase_order", args)
		}
		return m, nil
	})
}

// PurchaseOrderDeleted is what delete_purchase_order returns: the draft as
// it was, so its lines stay on record with the audit entry.
type PurchaseOrderDeleted struct {
	Deleted       bool             `json:"deleted"`
	PurchaseOrder PurchaseOrder    `json:"purchase_order"`
	Changes       []storage.Effect `json:"inventory_changes"`
	storage.Reversal

	lines string
}

// AuditDetail records the deleted draft's lines with the audit entry.
func (r PurchaseOrderDeleted) AuditDetail() string { return r.lines }

// DeletePurchaseOrder deletes a draft. Its number is never given again
// (document numbers only count up), and the audit entry lists its lines.
func (db *DB) DeletePurchaseOrder(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number string) (PurchaseOrderDeleted, error) {
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, number, inventory.ActionDelete)
	if err != nil {
		return PurchaseOrderDeleted{}, err
	}
	po, err := poType.get(ctx, db, tx, storeID, d.Number)
	if err != nil {
		return PurchaseOrderDeleted{}, err
	}
	var returns int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM supplier_returns WHERE store_id = $1 AND purchase_order_id = $2`, storeID, d.ID).Scan(&returns); err != nil {
		return PurchaseOrderDeleted{}, fmt.Errorf("looking for returns against %s: %w", d.Number, err)
	}
	if returns > 0 {
		return PurchaseOrderDeleted{}, inventory.Errorf(inventory.Conflict,
			"%s is named by %d supplier return(s), so it cannot be deleted: cancel_purchase_order ends it instead", d.Number, returns)
	}
	for _, q := range []string{
		`DELETE FROM purchase_order_lines WHERE store_id = $1 AND purchase_order_id = $2`,
		`DELETE FROM purchase_orders WHERE store_id = $1 AND id = $2`,
	} {
		if _, err := tx.Exec(ctx, q, storeID, d.ID); err != nil {
			return PurchaseOrderDeleted{}, fmt.Errorf("deleting %s: %w", d.Number, err)
		}
	}
	lines := make([]string, len(po.Lines))
	for i, l := range po.Lines {
		lines[i] = fmt.Sprintf("%s x%d @%s", l.SKU, l.Ordered, l.UnitCost)
	}
	r := PurchaseOrderDeleted{Deleted: true, PurchaseOrder: po, Changes: []storage.Effect{},
		lines: fmt.Sprintf("deleted draft %s (%s, %s): %s", d.Number, po.Supplier.Name, po.Location.Name, strings.Join(lines, "; "))}
	r.PurchaseOrder.AllowedActions = []string{}
	r.Reversal = storage.NoUndo("a deleted draft is gone and its number is never reused: create_purchase_order with the lines shown makes a new draft")
	return r, r.PurchaseOrder.PageLines(LinePage{Limit: WriteResultLines})
}
