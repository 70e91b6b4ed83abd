package documents_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// newPO creates a draft for 10 of sku from Summit Gear into the Warehouse.
func newPO(t *testing.T, f storagetest.Fixture, sku string, qty int64) documents.PurchaseOrder {
	t.Helper()
	ctx := context.Background()
	return storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
		return documents.New(f.DB).CreatePurchaseOrder(ctx, tx, f.Store.ID, f.Actor(), documents.NewPurchaseOrder{
			Supplier: storagetest.SummitGear, Location: "WH", Lines: []documents.POLineInput{{SKU: sku, Quantity: qty}}})
	}).PurchaseOrder
}

// poIn brings a fresh 10-unit TRS-40 order into status.
func poIn(t *testing.T, f storagetest.Fixture, status inventory.Status) string {
	t.Helper()
	ctx := context.Background()
	db, sid, a := f.DB, f.Store.ID, f.Actor()
	n := newPO(t, f, "TRS-40", 10).Number
	step := func(fn func(tx backend.Tx) (documents.PurchaseOrderResult, error)) { storagetest.Must(t, f, fn) }
	send := func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
		return documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, n)
	}
	switch status {
	case inventory.POSent:
		step(send)
	case inventory.POPartiallyReceived:
		step(send)
		step(func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 3, Rejected: 1}})
		})
	case inventory.POReceived:
		step(send)
		step(func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 10}})
		})
	case inventory.POClosed:
		step(send)
		step(func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ClosePurchaseOrder(ctx, tx, sid, a, n)
		})
	case inventory.POCancelled:
		step(func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).CancelPurchaseOrder(ctx, tx, sid, a, n, "")
		})
	}
	po, err := documents.New(db).GetPurchaseOrder(ctx, nil, sid, n)
	if err != nil || po.Status != status {
		t.Fatalf("setting up a %s order: got %s, %v", status, po.Status, err)
	}
	return n
}

func TestPurchaseOrderTransitions(t *testing.T) {
	type want struct {
		status inventory.Status
		delta  levelDelta
	}
	// Every allowed (status, action) and its effect on TRS-40 at the
	// Warehouse; every pair not listed must be refused.
	allowed := map[inventory.Status]map[inventory.Action]want{
		inventory.PODraft: {
			inventory.ActionUpdate: {inventory.PODraft, levelDelta{0, 0}},
			inventory.ActionSend:   {inventory.POSent, levelDelta{0, 10}},
			inventory.ActionCancel: {inventory.POCancelled, levelDelta{0, 0}},
		},
		inventory.POSent: {
			inventory.ActionReceive: {inventory.POPartiallyReceived, levelDelta{2, -2}},
			inventory.ActionClose:   {inventory.POClosed, levelDelta{0, -10}},
			inventory.ActionCancel:  {inventory.POCancelled, levelDelta{0, -10}},
		},
		inventory.POPartiallyReceived: { // 3 accepted, 1 rejected, 6 open
			inventory.ActionReceive: {inventory.POReceived, levelDelta{6, -6}},
			inventory.ActionClose:   {inventory.POClosed, levelDelta{0, -6}},
		},
		inventory.POReceived: {
			inventory.ActionClose: {inventory.POClosed, levelDelta{0, 0}},
		},
	}
	transitions[documents.PurchaseOrderResult]{
		machine: inventory.PurchaseOrders,
		actions: []inventory.Action{inventory.ActionUpdate, inventory.ActionSend, inventory.ActionReceive, inventory.ActionClose, inventory.ActionCancel},
		in:      poIn,
		allowed: func(s inventory.Status, a inventory.Action) bool { _, ok := allowed[s][a]; return ok },
		do: func(c docCall) (documents.PurchaseOrderResult, error) {
			switch c.action {
			case inventory.ActionUpdate:
				return c.docs.UpdatePurchaseOrder(c.ctx, c.tx, c.sid, c.a, documents.PurchaseOrderUpdate{Number: c.n, Note: ptr("call first")})
			case inventory.ActionSend:
				return c.docs.SendPurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n)
			case inventory.ActionReceive:
				qty := int64(2)
				if c.status == inventory.POPartiallyReceived {
					qty = 6
				}
				return c.docs.ReceivePurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: qty}})
			case inventory.ActionClose:
				return c.docs.ClosePurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n)
			default:
				return c.docs.CancelPurchaseOrder(c.ctx, c.tx, c.sid, c.a, c.n, "supplier out of stock")
			}
		},
		refused: func(t *testing.T, msg string, status inventory.Status) {
			for _, act := range inventory.PurchaseOrders.Allowed(status) {
				if !strings.Contains(msg, act) {
					t.Fatalf("refusal %q does not list allowed action %s", msg, act)
				}
			}
		},
		check: func(t *testing.T, f storagetest.Fixture, _ string, status inventory.Status, action inventory.Action, do func(tx backend.Tx) (documents.PurchaseOrderResult, error)) {
			w := allowed[status][action]
			before := f.Level(t, "TRS-40", storagetest.Warehouse)
			res := storagetest.Must(t, f, do)
			after := f.Level(t, "TRS-40", storagetest.Warehouse)
			if got := deltaOf(before, after); got != w.delta {
				t.Fatalf("levels changed by %+v, want %+v", got, w.delta)
			}
			if res.PurchaseOrder.Status != w.status {
				t.Fatalf("status %s, want %s", res.PurchaseOrder.Status, w.status)
			}
			if (w.status == inventory.POClosed || w.status == inventory.POCancelled) && res.PurchaseOrder.Totals.Open != 0 {
				t.Fatalf("a %s order still has %d open", w.status, res.PurchaseOrder.Totals.Open)
			}
			if got := strings.Join(res.PurchaseOrder.AllowedActions, ","); got != strings.Join(inventory.PurchaseOrders.Allowed(w.status), ",") {
				t.Fatalf("allowed actions %s after %s", got, action)
			}
			var sum levelDelta
			for _, e := range res.Changes {
				if e.SKU != "TRS-40" || e.Location != storagetest.Warehouse {
					t.Fatalf("unexpected effect %+v", e)
				}
				switch e.Quantity {
				case "on_hand":
					sum.onHand += e.Delta
				case "incoming":
					sum.incoming += e.Delta
				}
			}
			if sum != w.delta {
				t.Fatalf("reported changes %+v sum to %+v, want %+v", res.Changes, sum, w.delta)
			}
		},
	}.run(t)
}

func TestPurchaseOrderContent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		expected := f.Today.AddDate(0, 0, 7).Add(13 * time.Hour)
		res := storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).CreatePurchaseOrder(ctx, tx, sid, a, documents.NewPurchaseOrder{Supplier: "summit gear", Location: "Warehouse",
				ExpectedDate: &expected, Note: "spring restock",
				Lines: []documents.POLineInput{{SKU: "TRS-40", Quantity: 10}, {SKU: "POLE-AL", Quantity: 4, UnitCostCents: ptr[int64](2000)},
					{VariantID: f.Variants["LAMP-300"].ID, Quantity: 2}}})
		})
		po := res.PurchaseOrder
		if po.Number != "PO-1001" || po.Status != inventory.PODraft || po.Supplier.Name != storagetest.SummitGear ||
			po.Location.Name != storagetest.Warehouse || po.ExpectedDate != expected.Format(time.DateOnly) || po.Note != "spring restock" {
			t.Fatalf("created %+v", po)
		}
		// TRS-40: Summit's terms (cost less 10%); POLE-AL: given; LAMP-300:
		// Summit has no terms, so the variant's cost.
		wantCost := map[string]inventory.Money{"TRS-40": 4950, "POLE-AL": 2000, "LAMP-300": 1800}
		for _, l := range po.Lines {
			if l.UnitCost != wantCost[l.SKU] || l.Open != l.Ordered {
				t.Fatalf("line %+v, want unit cost %v", l, wantCost[l.SKU])
			}
		}
		if po.Totals.Ordered != 16 || po.Totals.Total != 10*4950+4*2000+2*1800 || len(res.Changes) != 0 {
			t.Fatalf("totals %+v, changes %v", po.Totals, res.Changes)
		}
		if strings.Join(po.AllowedActions, ",") != "update,send,cancel,delete" {
			t.Fatalf("allowed actions %v", po.AllowedActions)
		}
		// Money is written as a decimal number.
		js, _ := json.Marshal(po)
		if !strings.Contains(string(js), `"total":611.00`) || !strings.Contains(string(js), `"unit_cost":49.50`) {
			t.Fatalf("JSON %s", js)
		}
		// Update: change a quantity (keeps its cost), remove a line, add one.
		res = storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).UpdatePurchaseOrder(ctx, tx, sid, a, documents.PurchaseOrderUpdate{Number: "po-1001",
				SetLines: []documents.POLineInput{{SKU: "POLE-AL", Quantity: 6}, {SKU: "LAMP-300", Quantity: 0}, {SKU: "TRS-42", Quantity: 3}}})
		})
		got := map[string]documents.PurchaseOrderLine{}
		for _, l := range res.PurchaseOrder.Lines {
			got[l.SKU] = l
		}
		if len(got) != 3 || got["POLE-AL"].Ordered != 6 || got["POLE-AL"].UnitCost != 2000 || got["TRS-42"].Ordered != 3 || got["TRS-40"].Ordered != 10 {
			t.Fatalf("after update: %+v", res.PurchaseOrder.Lines)
		}
		storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error {
			_, err := documents.New(db).UpdatePurchaseOrder(ctx, tx, sid, a, documents.PurchaseOrderUpdate{Number: "PO-1001",
				SetLines: []documents.POLineInput{{SKU: "POLE-AL", Quantity: 0}, {SKU: "TRS-42", Quantity: 0}, {SKU: "TRS-40", Quantity: 0}}})
			return err
		})
		// Send, then receive across two lines with rejects.
		storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, "PO-1001")
		})
		before := f.Level(t, "TRS-42", storagetest.Warehouse)
		res = storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			return documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, "PO-1001", []documents.ReceiptLine{{SKU: "TRS-42", Accepted: 2, Rejected: 1}, {SKU: "POLE-AL", Accepted: 6}})
		})
		if d := deltaOf(before, f.Level(t, "TRS-42", storagetest.Warehouse)); d != (levelDelta{2, -3}) {
			t.Fatalf("TRS-42 changed by %+v", d)
		}
		if res.PurchaseOrder.Status != inventory.POPartiallyReceived || res.PurchaseOrder.Totals.Open != 10 || res.PurchaseOrder.Totals.Rejected != 1 {
			t.Fatalf("after receipt: %+v", res.PurchaseOrder)
		}
		// Over-receipt is refused whole, even when another line is fine.
		e := storagetest.Refused(t, f, inventory.Insufficient, func(tx backend.Tx) error {
			_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, "PO-1001", []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 5}, {SKU: "TRS-42", Accepted: 1}})
			return err
		})
		if !strings.Contains(e.Msg, "TRS-42") {
			t.Fatalf("refusal %q does not name the SKU", e.Msg)
		}
	})
}

func TestPurchaseOrderValidation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		newPO(t, other, "TRS-40", 5)
		otherPO := newPO(t, other, "TRS-40", 5).Number // PO-1002 exists only in the other store
		sent := poIn(t, f, inventory.POSent)           // PO-1001 here
		create := func(in documents.NewPurchaseOrder) func(tx backend.Tx) error {
			return func(tx backend.Tx) error {
				_, err := documents.New(db).CreatePurchaseOrder(ctx, tx, sid, a, in)
				return err
			}
		}
		line := func(sku string, q int64) []documents.POLineInput {
			return []documents.POLineInput{{SKU: sku, Quantity: q}}
		}
		many := make([]documents.POLineInput, 501)
		for i := range many {
			many[i] = documents.POLineInput{SKU: "TRS-40", Quantity: 1}
		}
		cases := []struct {
			name string
			kind inventory.Kind
			fn   func(tx backend.Tx) error
		}{
			{"unknown SKU", inventory.NotFound, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: line("NOPE", 1)})},
			{"SQL in a SKU", inventory.NotFound, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: line("x' OR '1'='1", 1)})},
			{"unknown supplier", inventory.NotFound, create(documents.NewPurchaseOrder{Supplier: "'; DROP TABLE suppliers; --", Location: "WH", Lines: line("TRS-40", 1)})},
			{"another store's location id", inventory.NotFound, create(documents.NewPurchaseOrder{Supplier: "Summit Gear",
				Location: itoa(other.Locations[storagetest.Warehouse].ID), Lines: line("TRS-40", 1)})},
			{"another store's variant id", inventory.NotFound, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH",
				Lines: []documents.POLineInput{{VariantID: other.Variants["TRS-40"].ID, Quantity: 1}}})},
			{"zero quantity", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: line("TRS-40", 0)})},
			{"negative quantity", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: line("TRS-40", -5)})},
			{"negative unit cost", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH",
				Lines: []documents.POLineInput{{SKU: "TRS-40", Quantity: 1, UnitCostCents: ptr[int64](-1)}}})},
			{"same SKU twice", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH",
				Lines: []documents.POLineInput{{SKU: "TRS-40", Quantity: 1}, {VariantID: f.Variants["TRS-40"].ID, Quantity: 2}}})},
			{"no lines", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH"})},
			{"501 lines", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: many})},
			{"huge note", inventory.Invalid, create(documents.NewPurchaseOrder{Supplier: "Summit Gear", Location: "WH", Lines: line("TRS-40", 1), Note: strings.Repeat("x", 5000)})},
			{"another store's number", inventory.NotFound, func(tx backend.Tx) error {
				_, err := documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, otherPO)
				return err
			}},
			{"empty number", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ClosePurchaseOrder(ctx, tx, sid, a, " ")
				return err
			}},
			{"receive a SKU not on the order", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, sent, []documents.ReceiptLine{{SKU: "TRS-42", Accepted: 1}})
				return err
			}},
			{"receive a negative quantity", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, sent, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 3, Rejected: -1}})
				return err
			}},
			{"receive nothing", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, sent, []documents.ReceiptLine{{SKU: "TRS-40"}})
				return err
			}},
			{"receive more than open", inventory.Insufficient, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, sent, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 10, Rejected: 1}})
				return err
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { storagetest.Refused(t, f, c.kind, c.fn) })
		}
		// The other store's order is untouched and not visible here.
		if _, err := documents.New(db).GetPurchaseOrder(ctx, nil, sid, "PO-1002"); err == nil {
			t.Fatal("PO-1002 exists in this store")
		}
		if po, err := documents.New(db).GetPurchaseOrder(ctx, nil, other.Store.ID, otherPO); err != nil || po.Status != inventory.PODraft {
			t.Fatalf("other store's order: %+v, %v", po, err)
		}
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestPurchaseOrderConcurrentReceipts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		n := poIn(t, f, inventory.POSent)
		before := f.Level(t, "TRS-40", storagetest.Warehouse)
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Backend().InTx(ctx, func(tx backend.Tx) error {
					_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, f.Store.ID, f.Actor(), n, []documents.ReceiptLine{{SKU: "TRS-40", Accepted: 1}})
					return err
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			var ie *inventory.Error
			if !asInventory(err, &ie) || (ie.Kind != inventory.Insufficient && ie.Kind != inventory.Conflict) {
				t.Fatalf("a losing receipt failed with %v", err)
			}
		}
		if ok != 10 {
			t.Fatalf("%d receipts succeeded, want exactly 10", ok)
		}
		if d := deltaOf(before, f.Level(t, "TRS-40", storagetest.Warehouse)); d != (levelDelta{10, -10}) {
			t.Fatalf("levels changed by %+v", d)
		}
		po, _ := documents.New(db).GetPurchaseOrder(ctx, nil, f.Store.ID, n)
		if po.Status != inventory.POReceived || po.Totals.Received != 10 {
			t.Fatalf("after the race: %+v", po)
		}
		f.CheckLedger(t)
	})
}

func TestListPurchaseOrders(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		draft := poIn(t, f, inventory.PODraft)
		sent := poIn(t, f, inventory.POSent)
		partial := poIn(t, f, inventory.POPartiallyReceived)
		closed := poIn(t, f, inventory.POClosed)
		// A late order from another supplier, for another SKU.
		late := storagetest.Must(t, f, func(tx backend.Tx) (documents.PurchaseOrderResult, error) {
			r, err := documents.New(db).CreatePurchaseOrder(ctx, tx, sid, a, documents.NewPurchaseOrder{Supplier: storagetest.CoastalTextiles, Location: "DT",
				ExpectedDate: ptr(f.Today.AddDate(0, 0, -3)), Lines: []documents.POLineInput{{SKU: "SHELL-M", Quantity: 4}}})
			if err != nil {
				return r, err
			}
			return documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, r.PurchaseOrder.Number)
		}).PurchaseOrder.Number
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		newPO(t, other, "TRS-40", 1)

		numbers := func(f documents.PurchaseOrderFilter) []string {
			t.Helper()
			list, _, err := documents.New(db).ListPurchaseOrders(ctx, sid, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range list {
				out = append(out, s.Number)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    documents.PurchaseOrderFilter
			want []string
		}{
			{"all, newest first", documents.PurchaseOrderFilter{}, []string{late, closed, partial, sent, draft}},
			{"status", documents.PurchaseOrderFilter{Status: "sent"}, []string{late, sent}},
			{"supplier", documents.PurchaseOrderFilter{SupplierID: f.Suppliers[storagetest.CoastalTextiles].ID}, []string{late}},
			{"location", documents.PurchaseOrderFilter{LocationID: f.Locations[storagetest.Warehouse].ID}, []string{closed, partial, sent, draft}},
			{"sku", documents.PurchaseOrderFilter{VariantID: f.Variants["SHELL-M"].ID}, []string{late}},
			{"overdue", documents.PurchaseOrderFilter{Overdue: true}, []string{late}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := numbers(c.f); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			})
		}
		list, _, _ := documents.New(db).ListPurchaseOrders(ctx, sid, documents.PurchaseOrderFilter{Status: "sent"})
		if s := list[0]; !s.Overdue || s.Lines != 1 || s.UnitsOrdered != 4 || s.UnitsOpen != 4 || s.Total != 4*6300 || s.Supplier.Name != storagetest.CoastalTextiles {
			t.Fatalf("summary %+v", s)
		}
		// Paging walks every order once.
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := documents.New(db).ListPurchaseOrders(ctx, sid, documents.PurchaseOrderFilter{Page: storage.Page{Limit: 2, Cursor: cursor}})
			if err != nil || pages > 5 {
				t.Fatal(err, pages)
			}
			for _, s := range page {
				seen = append(seen, s.Number)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 5 {
			t.Fatalf("paging saw %v", seen)
		}
		for _, bad := range []documents.PurchaseOrderFilter{{Status: "shipped"}, {Page: storage.Page{Cursor: "not-a-cursor"}}} {
			_, _, err := documents.New(db).ListPurchaseOrders(ctx, sid, bad)
			wantKind(t, err, inventory.Invalid)
		}
	})
}
