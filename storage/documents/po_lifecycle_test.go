package documents_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// The new purchase-order actions in every status: allowed ones move the
// order and TRS-40 at the Warehouse as DESIGN.md §13 and the README say;
// the rest are refused, naming the status and what it allows.
func TestPurchaseOrderLifecycleActions(t *testing.T) {
	type want struct {
		status inventory.Status // "" : the order is gone
		delta  levelDelta
	}
	// poIn: partially_received has 3 accepted and 1 rejected of 10;
	// received 10 accepted; closed was sent and closed with nothing
	// received; cancelled was a draft.
	allowed := map[inventory.Status]map[inventory.Action]want{
		inventory.PODraft: {inventory.ActionDelete: {"", levelDelta{0, 0}}},
		inventory.POSent: {
			inventory.ActionConfirm: {inventory.POSent, levelDelta{0, -2}},
			inventory.ActionPay:     {inventory.POSent, levelDelta{0, 0}},
		},
		inventory.POPartiallyReceived: {
			inventory.ActionConfirm:   {inventory.POPartiallyReceived, levelDelta{0, -2}},
			inventory.ActionUnreceive: {inventory.POPartiallyReceived, levelDelta{-1, 1}},
			inventory.ActionPay:       {inventory.POPartiallyReceived, levelDelta{0, 0}},
		},
		inventory.POReceived: {
			inventory.ActionUnreceive: {inventory.POPartiallyReceived, levelDelta{-1, 1}},
			inventory.ActionPay:       {inventory.POReceived, levelDelta{0, 0}},
		},
		inventory.POClosed:    {inventory.ActionReopen: {inventory.POSent, levelDelta{0, 10}}},
		inventory.POCancelled: {inventory.ActionReopen: {inventory.PODraft, levelDelta{0, 0}}},
	}
	transitions[documents.PurchaseOrder]{
		machine: inventory.PurchaseOrders,
		actions: []inventory.Action{inventory.ActionConfirm, inventory.ActionUnreceive, inventory.ActionReopen, inventory.ActionDelete, inventory.ActionPay},
		in:      poIn,
		allowed: func(s inventory.Status, a inventory.Action) bool {
			_, ok := allowed[s][a]
			return ok || (s == inventory.POClosed && a == inventory.ActionPay)
		},
		do: func(c docCall) (documents.PurchaseOrder, error) {
			var r documents.PurchaseOrderResult
			var err error
			switch c.action {
			case inventory.ActionConfirm:
				r, err = c.docs.ConfirmPurchaseOrder(c.ctx, c.tx, c.sid, c.a, documents.POConfirmation{Number: c.n, SupplierReference: "SO-9",
					Lines: []documents.POConfirmLine{{SKU: "TRS-40", Quantity: 8}}})
			case inventory.ActionUnreceive:
				r, err = c.docs.UnreceivePurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 1}})
			case inventory.ActionReopen:
				r, err = c.docs.ReopenPurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n)
			case inventory.ActionDelete:
				d, err := c.docs.DeletePurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n)
				return d.PurchaseOrder, err
			default:
				p, err := c.docs.RecordPurchaseOrderPayment(c.ctx, c.tx, c.sid, c.a, documents.NewPayment{Number: c.n, Amount: 100})
				return p.PurchaseOrder, err
			}
			return r.PurchaseOrder, err
		},
		check: func(t *testing.T, f storagetest.Fixture, n string, status inventory.Status, action inventory.Action, do func(tx backend.Tx) (documents.PurchaseOrder, error)) {
			if status == inventory.POClosed && action == inventory.ActionPay {
				// Paying is allowed, but this order was closed with
				// nothing received: nothing is payable.
				e := storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error { _, err := do(tx); return err })
				if !strings.Contains(e.Msg, "payable for 0.00") {
					t.Fatalf("refusal %q", e.Msg)
				}
				return
			}
			w := allowed[status][action]
			before := f.Level(t, "TRS-40", storagetest.Warehouse)
			po := storagetest.Must(t, f, do)
			if got := deltaOf(before, f.Level(t, "TRS-40", storagetest.Warehouse)); got != w.delta {
				t.Fatalf("levels changed by %+v, want %+v", got, w.delta)
			}
			f.CheckLedger(t)
			if w.status == "" {
				if _, err := documents.New(f.DB).GetPurchaseOrder(context.Background(), nil, f.Store.ID, n); err == nil {
					t.Fatalf("%s still there after delete", n)
				}
				return
			}
			if po.Status != w.status {
				t.Fatalf("status %s, want %s", po.Status, w.status)
			}
			if action == inventory.ActionPay && (po.Payment.Paid != 100 || po.Payment.Status != documents.PaymentPartiallyPaid) {
				t.Fatalf("after a payment: %+v", po.Payment)
			}
		},
	}.run(t)
}

func TestPurchaseOrderLifecycleRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		partial := poIn(t, f, inventory.POPartiallyReceived) // 3 accepted, 1 rejected of 10
		for _, tc := range []struct {
			name string
			kind inventory.Kind
			do   func(tx backend.Tx) error
			want string
		}{
			{"confirm below what arrived", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ConfirmPurchaseOrder(ctx, tx, sid, a, documents.POConfirmation{Number: partial, Lines: []documents.POConfirmLine{{SKU: "TRS-40", Quantity: 3}}})
				return err
			}, "confirm at least 4"},
			{"confirm a SKU not on the order", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ConfirmPurchaseOrder(ctx, tx, sid, a, documents.POConfirmation{Number: partial, Lines: []documents.POConfirmLine{{SKU: "TRS-42", Quantity: 3}}})
				return err
			}, "TRS-42 is not on"},
			{"un-receive more than received", inventory.Insufficient, func(tx backend.Tx) error {
				_, err := documents.New(db).UnreceivePurchaseOrder(ctx, tx, sid, a, partial, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 4}})
				return err
			}, "received 3 and rejected 1"},
			{"un-receive nothing", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).UnreceivePurchaseOrder(ctx, tx, sid, a, partial, []documents.ReceiptLine{{SKU: "TRS-40"}})
				return err
			}, "takes nothing back"},
			{"overpay", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).RecordPurchaseOrderPayment(ctx, tx, sid, a, documents.NewPayment{Number: partial, Amount: 1_000_000})
				return err
			}, "would overpay it"},
			{"pay nothing", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).RecordPurchaseOrderPayment(ctx, tx, sid, a, documents.NewPayment{Number: partial, Amount: 0})
				return err
			}, "not positive"},
			{"pay in another currency", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).RecordPurchaseOrderPayment(ctx, tx, sid, a, documents.NewPayment{Number: partial, Amount: 100, Currency: "EUR"})
				return err
			}, "not EUR"},
			{"void without a reason", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).VoidPurchaseOrderPayment(ctx, tx, sid, a, partial, "P1", " ")
				return err
			}, "give a reason"},
			{"confirm on an unknown order", inventory.NotFound, func(tx backend.Tx) error {
				_, err := documents.New(db).ConfirmPurchaseOrder(ctx, tx, sid, a, documents.POConfirmation{Number: "PO-999"})
				return err
			}, "no purchase order"},
			{"void an unknown payment", inventory.NotFound, func(tx backend.Tx) error {
				_, err := documents.New(db).VoidPurchaseOrderPayment(ctx, tx, sid, a, partial, "NOPE", "typo")
				return err
			}, `no payment "NOPE"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := storagetest.Refused(t, f, tc.kind, tc.do)
				if !strings.Contains(e.Msg, tc.want) {
					t.Fatalf("refusal %q does not say %q", e.Msg, tc.want)
				}
			})
		}

		t.Run("un-receive below zero on hand", func(t *testing.T) {
			n := poIn(t, f, inventory.POReceived)
			onHand := f.Level(t, "TRS-40", storagetest.Warehouse).OnHand
			// Ship all but 4 units back to the supplier: the receipt of 10
			// can then be taken back only 4 at a time.
			ret := storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
				return documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: storagetest.SummitGear, Location: "WH",
					Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: onHand - 4}}})
			})
			storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
				return documents.New(db).ShipSupplierReturn(ctx, tx, sid, a, ret.SupplierReturn.Number)
			})
			e := storagetest.Refused(t, f, inventory.Insufficient, func(tx backend.Tx) error {
				_, err := documents.New(db).UnreceivePurchaseOrder(ctx, tx, sid, a, n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 10}})
				return err
			})
			if !strings.Contains(e.Msg, "has 4 on hand at Warehouse; un-receiving 10 would leave -6: un-receive at most 4") {
				t.Fatalf("refusal %q lacks the numbers", e.Msg)
			}
		})

		t.Run("reopen at a deactivated location", func(t *testing.T) {
			n := poIn(t, f, inventory.POClosed)
			if _, err := db.Backend().Exec(ctx, `UPDATE locations SET active = false WHERE store_id = $1 AND name = $2`, sid, storagetest.Warehouse); err != nil {
				t.Fatal(err)
			}
			defer db.Backend().Exec(ctx, `UPDATE locations SET active = true WHERE store_id = $1 AND name = $2`, sid, storagetest.Warehouse)
			e := storagetest.Refused(t, f, inventory.Conflict, func(tx backend.Tx) error {
				_, err := documents.New(db).ReopenPurchaseOrder(ctx, tx, sid, a, n)
				return err
			})
			if !strings.Contains(e.Msg, "has since been deactivated") {
				t.Fatalf("refusal %q", e.Msg)
			}
		})

		t.Run("a payment reference twice", func(t *testing.T) {
			n := poIn(t, f, inventory.POSent)
			pay := func(tx backend.Tx) (documents.PaymentResult, error) {
				return documents.New(db).RecordPurchaseOrderPayment(ctx, tx, sid, a, documents.NewPayment{Number: n, Amount: 100, Reference: "TX-1"})
			}
			storagetest.Must(t, f, pay)
			e := storagetest.Refused(t, f, inventory.Conflict, func(tx backend.Tx) error { _, err := pay(tx); return err })
			if !strings.Contains(e.Msg, "already has a payment TX-1") {
				t.Fatalf("refusal %q", e.Msg)
			}
			// Voided, the reference is free again.
			storagetest.Must(t, f, func(tx backend.Tx) (documents.PaymentResult, error) {
				return documents.New(db).VoidPurchaseOrderPayment(ctx, tx, sid, a, n, "tx-1", "paid twice")
			})
			storagetest.Must(t, f, pay)
		})
	})
}

// Un-receiving writes ledger rows that name the order, as the receipt's
// did, and the ledger still balances.
func TestUnreceiveLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		n := poIn(t, f, inventory.POReceived)
		before := f.Level(t, "TRS-40", storagetest.Warehouse)
		r := storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).UnreceivePurchaseOrder(ctx, tx, f.Store.ID, f.Actor(), n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 10}})
		})
		if r.PurchaseOrder.Status != inventory.POSent || r.PurchaseOrder.Totals.Open != 10 {
			t.Fatalf("after un-receiving everything: %s, %d open", r.PurchaseOrder.Status, r.PurchaseOrder.Totals.Open)
		}
		if got := deltaOf(before, f.Level(t, "TRS-40", storagetest.Warehouse)); got != (levelDelta{-10, 10}) {
			t.Fatalf("levels moved by %+v", got)
		}
		f.CheckLedger(t)
		var rows, sum int64
		if err := db.Backend().QueryRow(ctx, `SELECT count(*), sum(delta) FROM inventory_adjustments
			WHERE store_id = $1 AND document_number = $2 AND reason = 'received' AND quantity_name = 'on_hand'`, f.Store.ID, n).Scan(&rows, &sum); err != nil {
			t.Fatal(err)
		}
		if rows != 2 || sum != 0 {
			t.Fatalf("%s's receipt rows: %d rows summing to %d, want the receipt and its reversal summing to 0", n, rows, sum)
		}
	})
}

// Confirmation: incoming and the expected date follow it; list filters
// find unconfirmed and unpaid orders; get_supplier owes what was received
// less what was paid.
func TestConfirmationPaymentsAndOwed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		supplierBefore, err := catalog.New(db).GetSupplier(ctx, sid, storagetest.SummitGear)
		if err != nil {
			t.Fatal(err)
		}
		n := poIn(t, f, inventory.POSent)
		list := func(filter documents.PurchaseOrderFilter) string {
			t.Helper()
			pos, _, err := documents.New(db).ListPurchaseOrders(ctx, sid, filter)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range pos {
				if p.Number == n {
					out = append(out, p.Number+" "+p.Payment)
				}
			}
			return strings.Join(out, ",")
		}
		if got := list(documents.PurchaseOrderFilter{UnconfirmedDays: 3}); got != "" {
			t.Fatalf("a just-sent order listed as unconfirmed for 3 days: %q", got)
		}
		// Sent three days and an hour ago, it is unconfirmed for 3 days,
		// not for 4.
		if _, err := db.Backend().Exec(ctx, `UPDATE purchase_orders SET sent_at = $1 WHERE store_id = $2 AND number = $3`,
			db.Now().Add(-3*24*time.Hour-time.Hour), sid, n); err != nil {
			t.Fatal(err)
		}
		if got := list(documents.PurchaseOrderFilter{UnconfirmedDays: 3}); got != n+" unpaid" {
			t.Fatalf("unconfirmed for 3 days: %q", got)
		}
		if got := list(documents.PurchaseOrderFilter{UnconfirmedDays: 4}); got != "" {
			t.Fatalf("unconfirmed for 4 days: %q", got)
		}
		date := time.Date(2099, 1, 15, 0, 0, 0, 0, time.UTC)
		r := storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ConfirmPurchaseOrder(ctx, tx, sid, a, documents.POConfirmation{Number: n, SupplierReference: "SO-77",
				Lines: []documents.POConfirmLine{{SKU: "TRS-40", Quantity: 12, ExpectedDate: &date}}})
		})
		po := r.PurchaseOrder
		if po.ConfirmedAt == nil || po.SupplierReference != "SO-77" || po.ExpectedDate != "2099-01-15" ||
			po.Lines[0].Confirmed == nil || *po.Lines[0].Confirmed != 12 || po.Lines[0].Ordered != 10 || po.Lines[0].Open != 12 ||
			po.Lines[0].ConfirmedDate != "2099-01-15" || len(r.Changes) != 1 || r.Changes[0].Quantity != "incoming" || r.Changes[0].Delta != 2 {
			t.Fatalf("confirmed: %+v %+v %+v", po.Confirmation, po.Lines[0], r.Changes)
		}
		if got := list(documents.PurchaseOrderFilter{UnconfirmedDays: 3}); got != "" {
			t.Fatalf("a confirmed order listed as unconfirmed: %q", got)
		}
		if len(r.Warnings) != 1 || r.Warnings[0].Code != documents.WarnConfirmedDiffers || !strings.Contains(r.Warnings[0].Message, "confirmed 12 of TRS-40 where 10 were ordered") {
			t.Fatalf("confirmation warnings: %+v", r.Warnings)
		}
		if po.Totals.Confirmed != 12 || po.Totals.Ordered != 10 {
			t.Fatalf("totals of the confirmed order: %+v", po.Totals)
		}
		summaries, _, err := documents.New(db).ListPurchaseOrders(ctx, sid, documents.PurchaseOrderFilter{})
		if err != nil || summaries[0].Number != n || summaries[0].UnitsConfirmed != 12 || summaries[0].UnitsOrdered != 10 || summaries[0].UnitsOpen != 12 {
			t.Fatalf("the confirmed order in the list: %+v %v", summaries[0], err)
		}
		// Payable is the confirmed value: 12 × 49.50.
		if po.Payment.Payable != 12*4950 || po.Payment.Status != documents.PaymentUnpaid || list(documents.PurchaseOrderFilter{PaymentStatus: "unpaid"}) != n+" unpaid" {
			t.Fatalf("payment before paying: %+v", po.Payment)
		}
		pay := func(amount inventory.Money) documents.PurchaseOrder {
			return storagetest.Must(t, f, func(tx backend.Tx) (documents.PaymentResult, error) {
				return documents.New(db).RecordPurchaseOrderPayment(ctx, tx, sid, a, documents.NewPayment{Number: n, Amount: amount, Method: "card"})
			}).PurchaseOrder
		}
		po = pay(10000)
		if po.Payment.Status != documents.PaymentPartiallyPaid || len(po.Payment.Payments) != 1 || po.Payment.Payments[0].Reference != "P1" ||
			list(documents.PurchaseOrderFilter{PaymentStatus: "partially_paid"}) != n+" partially_paid" || list(documents.PurchaseOrderFilter{PaymentStatus: "unpaid"}) != "" {
			t.Fatalf("after a part payment: %+v", po.Payment)
		}
		po = pay(12*4950 - 10000)
		if po.Payment.Status != documents.PaymentPaid || list(documents.PurchaseOrderFilter{PaymentStatus: "paid"}) != n+" paid" {
			t.Fatalf("after paying in full: %+v", po.Payment)
		}
		// Received 5: the supplier is owed 5 × 49.50 less the 594.00 paid.
		storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 5}})
		})
		s, err := catalog.New(db).GetSupplier(ctx, sid, storagetest.SummitGear)
		if err != nil {
			t.Fatal(err)
		}
		b, p := supplierBefore.Purchasing, s.Purchasing
		if p.ReceivedValue-b.ReceivedValue != 5*4950 || p.Paid-b.Paid != 12*4950 || p.AmountOwed != p.ReceivedValue-p.Paid {
			t.Fatalf("owed before %+v, after %+v", b, p)
		}
		po = storagetest.Must(t, f, func(tx backend.Tx) (documents.PaymentResult, error) {
			return documents.New(db).VoidPurchaseOrderPayment(ctx, tx, sid, a, n, "P2", "wrong order")
		}).PurchaseOrder
		if po.Payment.Status != documents.PaymentPartiallyPaid || po.Payment.Paid != 10000 || po.Payment.Payments[1].VoidedAt == nil ||
			po.Payment.Payments[1].VoidReason != "wrong order" {
			t.Fatalf("after voiding P2: %+v", po.Payment)
		}
	})
}

// A deleted draft's number is never given again, and its audit entry
// lists its lines.
func TestDeletedDraftNumberNotReused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		n := newPO(t, f, "TRS-40", 7).Number
		p := f.WritePrincipal()
		if _, _, err := db.RunWrite(ctx, p, storage.WriteRequest{Tool: "delete_purchase_order", Arguments: []byte(`{"number":"` + n + `"}`)},
			func(tx backend.Tx, actor storage.Actor) (any, error) {
				return documents.New(db).DeletePurchaseOrder(ctx, tx, f.Store.ID, actor, n)
			}); err != nil {
			t.Fatal(err)
		}
		log, err := db.AuditLog(ctx, f.Store.ID, 1)
		if err != nil || log[0].Action != "delete_purchase_order" || !strings.Contains(log[0].Detail, "deleted draft "+n) || !strings.Contains(log[0].Detail, "TRS-40 x7 @") {
			t.Fatalf("audit of the deletion: %+v %v", log, err)
		}
		if next := newPO(t, f, "TRS-40", 1).Number; next == n {
			t.Fatalf("the deleted draft's number %s was given again", n)
		}
	})
}
