package documents_test

import (
	"context"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// returnIn brings a fresh return of 1 LAMP-300 from the Warehouse to
// Alpine Supply Co into status.
func returnIn(t *testing.T, f storagetest.Fixture, status inventory.Status) string {
	t.Helper()
	ctx := context.Background()
	db, sid, a := f.DB, f.Store.ID, f.Actor()
	n := storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
		return documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: storagetest.AlpineSupply, Location: "WH",
			Lines: []documents.ReturnLineInput{{SKU: "LAMP-300", Quantity: 1, Reason: "flickers"}}})
	}).SupplierReturn.Number
	ship := func(tx backend.Tx) (documents.SupplierReturnResult, error) {
		return documents.New(db).ShipSupplierReturn(ctx, tx, sid, a, n)
	}
	switch status {
	case inventory.ReturnShipped:
		storagetest.Must(t, f, ship)
	case inventory.ReturnClosed:
		storagetest.Must(t, f, ship)
		storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
			return documents.New(db).CloseSupplierReturn(ctx, tx, sid, a, n, 3000)
		})
	case inventory.ReturnCancelled:
		storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
			return documents.New(db).CancelSupplierReturn(ctx, tx, sid, a, n)
		})
	}
	return n
}

func TestSupplierReturnTransitions(t *testing.T) {
	type want struct {
		status inventory.Status
		onHand int64
	}
	allowed := map[inventory.Status]map[inventory.Action]want{
		inventory.ReturnDraft:   {inventory.ActionShip: {inventory.ReturnShipped, -1}, inventory.ActionCancel: {inventory.ReturnCancelled, 0}},
		inventory.ReturnShipped: {inventory.ActionClose: {inventory.ReturnClosed, 0}},
	}
	transitions[documents.SupplierReturnResult]{
		machine: inventory.SupplierReturns,
		actions: []inventory.Action{inventory.ActionShip, inventory.ActionClose, inventory.ActionCancel},
		in:      returnIn,
		allowed: func(s inventory.Status, a inventory.Action) bool { _, ok := allowed[s][a]; return ok },
		do: func(c docCall) (documents.SupplierReturnResult, error) {
			switch c.action {
			case inventory.ActionShip:
				return c.docs.ShipSupplierReturn(c.ctx, c.tx, c.sid, c.a, c.n)
			case inventory.ActionClose:
				return c.docs.CloseSupplierReturn(c.ctx, c.tx, c.sid, c.a, c.n, 3600)
			default:
				return c.docs.CancelSupplierReturn(c.ctx, c.tx, c.sid, c.a, c.n)
			}
		},
		check: func(t *testing.T, f storagetest.Fixture, _ string, status inventory.Status, action inventory.Action, do func(tx backend.Tx) (documents.SupplierReturnResult, error)) {
			w := allowed[status][action]
			before := f.Level(t, "LAMP-300", storagetest.Warehouse).OnHand
			res := storagetest.Must(t, f, do)
			if got := f.Level(t, "LAMP-300", storagetest.Warehouse).OnHand - before; got != w.onHand {
				t.Fatalf("on_hand changed by %d, want %d", got, w.onHand)
			}
			r := res.SupplierReturn
			if r.Status != w.status {
				t.Fatalf("status %s, want %s", r.Status, w.status)
			}
			if action == inventory.ActionClose && (r.Totals.Credit == nil || *r.Totals.Credit != 3600) {
				t.Fatalf("credit %v, want 36.00", r.Totals.Credit)
			}
		},
	}.run(t)
}

func TestSupplierReturnContent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		// A received purchase order from Summit Gear: 10 TRS-40 at $49.50.
		po := poIn(t, f, inventory.POReceived)
		res := storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
			return documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: storagetest.SummitGear, PurchaseOrder: strings.ToLower(po),
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 3, Reason: "sole detached"}}})
		})
		r := res.SupplierReturn
		if r.Number != "RMA-1001" || r.PurchaseOrder != po || r.Location.Name != storagetest.Warehouse || r.Lines[0].UnitCost != 4950 ||
			r.Lines[0].Reason != "sole detached" || r.Totals.Value != 3*4950 || strings.Join(r.AllowedActions, ",") != "ship,cancel" {
			t.Fatalf("created %+v", r)
		}
		create := func(in documents.NewSupplierReturn) func(tx backend.Tx) error {
			return func(tx backend.Tx) error {
				_, err := documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, in)
				return err
			}
		}
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		for _, c := range []struct {
			name string
			kind inventory.Kind
			fn   func(tx backend.Tx) error
		}{
			{"more than the order delivered", inventory.Insufficient, create(documents.NewSupplierReturn{Supplier: storagetest.SummitGear, PurchaseOrder: po,
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 11}}})},
			{"a SKU not on the order", inventory.Invalid, create(documents.NewSupplierReturn{Supplier: storagetest.SummitGear, PurchaseOrder: po,
				Lines: []documents.ReturnLineInput{{SKU: "TRS-42", Quantity: 1}}})},
			{"another supplier's order", inventory.Invalid, create(documents.NewSupplierReturn{Supplier: storagetest.AlpineSupply, PurchaseOrder: po,
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 1}}})},
			{"unknown order", inventory.NotFound, create(documents.NewSupplierReturn{Supplier: storagetest.SummitGear, PurchaseOrder: "PO-7777",
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 1}}})},
			{"another store's supplier id", inventory.NotFound, create(documents.NewSupplierReturn{Supplier: itoa(other.Suppliers[storagetest.SummitGear].ID),
				Location: "WH", Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 1}}})},
			{"zero quantity", inventory.Invalid, create(documents.NewSupplierReturn{Supplier: storagetest.SummitGear, Location: "WH",
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 0}}})},
			{"no location and no order", inventory.Invalid, create(documents.NewSupplierReturn{Supplier: storagetest.SummitGear,
				Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 1}}})},
		} {
			t.Run(c.name, func(t *testing.T) { storagetest.Refused(t, f, c.kind, c.fn) })
		}
		// Shipping more than the location holds is refused.
		short := storagetest.Must(t, f, func(tx backend.Tx) (documents.SupplierReturnResult, error) {
			return documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: storagetest.SummitGear, Location: "HB",
				Lines: []documents.ReturnLineInput{{SKU: "TRS-44", Quantity: 3}}})
		}).SupplierReturn.Number
		storagetest.Refused(t, f, inventory.Insufficient, func(tx backend.Tx) error {
			_, err := documents.New(db).ShipSupplierReturn(ctx, tx, sid, a, short)
			return err
		})
		shipped := returnIn(t, f, inventory.ReturnShipped)
		storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error {
			_, err := documents.New(db).CloseSupplierReturn(ctx, tx, sid, a, shipped, -1)
			return err
		})

		list, _, err := documents.New(db).ListSupplierReturns(ctx, sid, documents.SupplierReturnFilter{SupplierID: f.Suppliers[storagetest.SummitGear].ID})
		if err != nil || len(list) != 2 || list[0].Number != short || list[1].PurchaseOrder != po || list[1].Units != 3 || list[1].Value != 3*4950 {
			t.Fatalf("list %+v, %v", list, err)
		}
		list, _, _ = documents.New(db).ListSupplierReturns(ctx, sid, documents.SupplierReturnFilter{Status: "shipped"})
		if len(list) != 1 || list[0].Number != shipped {
			t.Fatalf("shipped list %+v", list)
		}
	})
}
