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

// Payment statuses of a purchase order.
const (
	PaymentUnpaid        = "unpaid"
	PaymentPartiallyPaid = "partially_paid"
	PaymentPaid          = "paid"
)

// POPayment is a purchase order's payments: what it is payable for (its
// confirmed or ordered value while open, its received value once ended),
// what was paid, the status that follows, and the payments themselves.
type POPayment struct {
	Status   string          `json:"status"`
	Payable  inventory.Money `json:"payable"`
	Paid     inventory.Money `json:"paid"`
	Payments []Payment       `json:"payments,omitempty"`
}

// Payment is one payment of a purchase order, in the store's currency.
// A voided payment is kept, marked, and no longer counts.
type Payment struct {
	Reference  string          `json:"reference"`
	Amount     inventory.Money `json:"amount"`
	Date       string          `json:"date"`
	Method     string          `json:"method,omitempty"`
	VoidedAt   *time.Time      `json:"voided_at,omitempty"`
	VoidReason string          `json:"void_reason,omitempty"`
}

// payable is what an order in status s is payable for: while it is open,
// the value of what is expected (confirmed or ordered); once it ended, of
// what was received.
func payable(s inventory.Status, expected, received inventory.Money) inventory.Money {
	if poEnded(s) {
		return received
	}
	return expected
}

func paymentStatus(payable, paid inventory.Money) string {
	switch {
	case paid <= 0:
		return PaymentUnpaid
	case paid >= payable:
		return PaymentPaid
	}
	return PaymentPartiallyPaid
}

// readPayments fills po.Payment from its lines and payments.
func (db *DB) readPayments(ctx context.Context, q backend.Querier, storeID int64, po *PurchaseOrder) error {
	var expected, received inventory.Money
	for _, l := range po.Lines {
		e, err1 := l.UnitCost.Times(l.expected())
		r, err2 := l.UnitCost.Times(l.Received)
		if err1 != nil || err2 != nil {
			return inventory.OverflowError("the payable amount of " + po.Number)
		}
		expected, received = expected+e, received+r
	}
	po.Payment.Payable = payable(po.Status, expected, received)
	po.Payment.Status = paymentStatus(po.Payment.Payable, po.Payment.Paid)
	var err error
	po.Payment.Payments, err = storage.Collect(ctx, q, "reading the payments of "+po.Number, func(r backend.Rows) (Payment, error) {
		var p Payment
		var date time.Time
		err := r.Scan(&p.Reference, &p.Amount, &date, &p.Method, &p.VoidedAt, &p.VoidReason)
		p.Date = storage.DateString(&date)
		return p, err
	}, `SELECT reference, amount_cents, paid_on, method, voided_at, void_reason FROM purchase_order_payments
		WHERE store_id = $1 AND purchase_order_id = $2 ORDER BY id`, storeID, po.id)
	if len(po.Payment.Payments) == 0 {
		po.Payment.Payments = nil
	}
	return err
}

// NewPayment is a payment as record_purchase_order_payment takes it.
// Reference "" is given one (P1, P2, … per order); Date nil is the store's
// today; Currency "" is the store's, and another currency is refused.
type NewPayment struct {
	Number    string
	Amount    inventory.Money
	Date      *time.Time
	Method    string
	Reference string
	Currency  string
}

// PaymentResult is what the payment writes return: the order as it now
// stands (with its payments) and the payment recorded or voided.
type PaymentResult struct {
	Payment       Payment          `json:"payment"`
	PurchaseOrder PurchaseOrder    `json:"purchase_order"`
	Changes       []storage.Effect `json:"inventory_changes"`
	storage.Reversal
}

// maxReferenceLen bounds a payment's reference and method.
const maxReferenceLen = 100

// RecordPurchaseOrderPayment records a payment of a sent, received or
// closed order. An amount beyond what is still payable is refused.
func (db *DB) RecordPurchaseOrderPayment(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, in NewPayment) (PaymentResult, error) {
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, in.Number, inventory.ActionPay)
	if err != nil {
		return PaymentResult{}, err
	}
	var currency string
	if err := tx.QueryRow(ctx, `SELECT currency FROM stores WHERE id = $1`, storeID).Scan(&currency); err != nil {
		return PaymentResult{}, fmt.Errorf("reading the store's currency: %w", err)
	}
	if c := strings.ToUpper(strings.TrimSpace(in.Currency)); c != "" && c != currency {
		return PaymentResult{}, inventory.FieldErrorf("currency", inventory.Invalid,
			"%s is in %s, not %s: give the amount in %s", d.Number, currency, c, currency)
	}
	if in.Amount <= 0 {
		return PaymentResult{}, inventory.FieldErrorf("amount", inventory.Invalid, "amount %s is not positive: give the amount paid, like 120.50", in.Amount)
	}
	method, ref := strings.TrimSpace(in.Method), strings.TrimSpace(in.Reference)
	if len(method) > maxReferenceLen || len(ref) > maxReferenceLen {
		return PaymentResult{}, inventory.Errorf(inventory.Invalid, "method and reference take at most %d characters: shorten them", maxReferenceLen)
	}
	po, err := poType.get(ctx, db, tx, storeID, d.Number)
	if err != nil {
		return PaymentResult{}, err
	}
	if left := po.Payment.Payable - po.Payment.Paid; in.Amount > left {
		return PaymentResult{}, inventory.FieldErrorf("amount", inventory.Invalid,
			"%s is payable for %s and %s is paid, so %s would overpay it: pay at most %s",
			d.Number, po.Payment.Payable, po.Payment.Paid, in.Amount, max(left, 0))
	}
	if ref == "" {
		ref = fmt.Sprintf("P%d", len(po.Payment.Payments)+1)
	}
	for _, p := range po.Payment.Payments {
		if p.VoidedAt == nil && strings.EqualFold(p.Reference, ref) {
			return PaymentResult{}, inventory.FieldErrorf("reference", inventory.Conflict,
				"%s already has a payment %s (%s on %s): give another reference, or void that one first", d.Number, p.Reference, p.Amount, p.Date)
		}
	}
	date := in.Date
	if date == nil {
		today, err := db.StoreToday(ctx, tx, storeID)
		if err != nil {
			return PaymentResult{}, err
		}
		date = &today
	}
	if _, err := tx.Exec(ctx, `INSERT INTO purchase_order_payments (store_id, purchase_order_id, reference, amount_cents, paid_on, method, key_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, storeID, d.ID, ref, int64(in.Amount), datePtr(date), method, actor.KeyID, db.Now()); err != nil {
		return PaymentResult{}, fmt.Errorf("recording a payment of %s: %w", d.Number, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET paid_cents = paid_cents + $1 WHERE store_id = $2 AND id = $3`, int64(in.Amount), storeID, d.ID); err != nil {
		return PaymentResult{}, fmt.Errorf("recording a payment of %s: %w", d.Number, err)
	}
	r, err := db.paymentResult(ctx, tx, storeID, d, Payment{Reference: ref, Amount: in.Amount, Date: storage.DateString(date), Method: method})
	r.Reversal = storage.UndoWith("void_purchase_order_payment", map[string]any{"number": d.Number, "reference": ref, "reason": "recorded in error"})
	return r, err
}

// VoidPurchaseOrderPayment voids a payment by its reference, with a reason:
// it stays on the order, marked, and no longer counts as paid.
func (db *DB) VoidPurchaseOrderPayment(ctx context.Context, tx backend.Tx, storeID int64, actor storage.Actor, number, reference, reason string) (PaymentResult, error) {
	// Any status: a payment can be found wrong at any time.
	// lockDoc's status check is for ActionPay, which a cancelled or draft
	// order refuses; only a missing order stops a void.
	d, err := db.lockDoc(ctx, tx, poDoc, storeID, number, inventory.ActionPay)
	var ie *inventory.Error
	if err != nil && (!errors.As(err, &ie) || ie.Kind != inventory.Conflict) {
		return PaymentResult{}, err
	}
	reason, err = checkNote("reason", reason)
	if err != nil {
		return PaymentResult{}, err
	}
	if reason == "" {
		return PaymentResult{}, inventory.FieldErrorf("reason", inventory.Invalid, "give a reason for voiding the payment, for the record")
	}
	reference = strings.TrimSpace(reference)
	var p Payment
	var id int64
	var date time.Time
	err = tx.QueryRow(ctx, `SELECT id, reference, amount_cents, paid_on, method FROM purchase_order_payments
		WHERE store_id = $1 AND purchase_order_id = $2 AND voided_at IS NULL AND lower(reference) = lower($3)`,
		storeID, d.ID, reference).Scan(&id, &p.Reference, &p.Amount, &date, &p.Method)
	if err != nil {
		if errors.Is(err, backend.ErrNoRows) {
			return PaymentResult{}, inventory.FieldErrorf("reference", inventory.NotFound,
				"%s has no payment %q that is not void: get_purchase_order lists its payments and their references", d.Number, reference)
		}
		return PaymentResult{}, fmt.Errorf("finding payment %s of %s: %w", reference, d.Number, err)
	}
	p.Date = storage.DateString(&date)
	now := db.Now()
	if _, err := tx.Exec(ctx, `UPDATE purchase_order_payments SET voided_at = $1, void_reason = $2 WHERE store_id = $3 AND id = $4`,
		now, reason, storeID, id); err != nil {
		return PaymentResult{}, fmt.Errorf("voiding payment %s of %s: %w", p.Reference, d.Number, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE purchase_orders SET paid_cents = paid_cents - $1 WHERE store_id = $2 AND id = $3`, int64(p.Amount), storeID, d.ID); err != nil {
		return PaymentResult{}, fmt.Errorf("voiding payment %s of %s: %w", p.Reference, d.Number, err)
	}
	p.VoidedAt, p.VoidReason = &now, reason
	r, err := db.paymentResult(ctx, tx, storeID, d, p)
	args := map[string]any{"number": d.Number, "amount": p.Amount, "date": p.Date, "reference": p.Reference}
	if p.Method != "" {
		args["method"] = p.Method
	}
	r.Reversal = storage.UndoWith("record_purchase_order_payment", args)
	return r, err
}

func (db *DB) paymentResult(ctx context.Context, tx backend.Tx, storeID int64, d lockedDoc, p Payment) (PaymentResult, error) {
	po, err := poType.asWritten(ctx, db, tx, storeID, d.Number)
	return PaymentResult{Payment: p, PurchaseOrder: po, Changes: []storage.Effect{}}, err
}
