package documents_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// transferIn brings a fresh transfer of 3 MUG-STEEL from the Warehouse to
// Downtown Shop into status; partially received means 1 of 3 arrived.
func transferIn(t *testing.T, f storagetest.Fixture, status inventory.Status) string {
	t.Helper()
	ctx := context.Background()
	db, sid, a := f.DB, f.Store.ID, f.Actor()
	n := storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
		return documents.New(db).CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: storagetest.Warehouse, To: "dt",
			Lines: []documents.LineInput{{SKU: "MUG-STEEL", Quantity: 3}}})
	}).Transfer.Number
	ship := func(tx backend.Tx) (documents.TransferResult, error) {
		return documents.New(db).ShipTransfer(ctx, tx, sid, a, n)
	}
	receive := func(q int64) func(tx backend.Tx) (documents.TransferResult, error) {
		return func(tx backend.Tx) (documents.TransferResult, error) {
			return documents.New(db).ReceiveTransfer(ctx, tx, sid, a, n, []documents.LineInput{{SKU: "MUG-STEEL", Quantity: q}})
		}
	}
	switch status {
	case inventory.TransferInTransit:
		storagetest.Must(t, f, ship)
	case inventory.TransferPartiallyReceived:
		storagetest.Must(t, f, ship)
		storagetest.Must(t, f, receive(1))
	case inventory.TransferReceived:
		storagetest.Must(t, f, ship)
		storagetest.Must(t, f, receive(3))
	case inventory.TransferCancelled:
		storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
			return documents.New(db).CancelTransfer(ctx, tx, sid, a, n)
		})
	}
	if tr, err := documents.New(db).GetTransfer(ctx, nil, sid, n); err != nil || tr.Status != status {
		t.Fatalf("setting up a %s transfer: %s, %v", status, tr.Status, err)
	}
	return n
}

// twoLevels is MUG-STEEL's on_hand and incoming at the Warehouse and at
// Downtown Shop.
type twoLevels struct{ from, to levelDelta }

func mugLevels(t *testing.T, f storagetest.Fixture) twoLevels {
	w, d := f.Level(t, "MUG-STEEL", storagetest.Warehouse), f.Level(t, "MUG-STEEL", storagetest.DowntownShop)
	return twoLevels{levelDelta{w.OnHand, w.Incoming}, levelDelta{d.OnHand, d.Incoming}}
}

func (a twoLevels) minus(b twoLevels) twoLevels {
	return twoLevels{levelDelta{a.from.onHand - b.from.onHand, a.from.incoming - b.from.incoming},
		levelDelta{a.to.onHand - b.to.onHand, a.to.incoming - b.to.incoming}}
}

func TestTransferTransitions(t *testing.T) {
	type want struct {
		status inventory.Status
		delta  twoLevels
	}
	allowed := map[inventory.Status]map[inventory.Action]want{
		inventory.TransferDraft: {
			inventory.ActionShip:   {inventory.TransferInTransit, twoLevels{levelDelta{-3, 0}, levelDelta{0, 3}}},
			inventory.ActionCancel: {inventory.TransferCancelled, twoLevels{}},
		},
		inventory.TransferInTransit: {
			inventory.ActionReceive: {inventory.TransferPartiallyReceived, twoLevels{levelDelta{0, 0}, levelDelta{1, -1}}},
			inventory.ActionCancel:  {inventory.TransferCancelled, twoLevels{levelDelta{3, 0}, levelDelta{0, -3}}},
		},
		inventory.TransferPartiallyReceived: { // 1 of 3 received
			inventory.ActionReceive: {inventory.TransferReceived, twoLevels{levelDelta{0, 0}, levelDelta{2, -2}}},
			inventory.ActionCancel:  {inventory.TransferCancelled, twoLevels{levelDelta{2, 0}, levelDelta{0, -2}}},
		},
	}
	transitions[documents.TransferResult]{
		machine: inventory.Transfers,
		actions: []inventory.Action{inventory.ActionShip, inventory.ActionReceive, inventory.ActionCancel},
		in:      transferIn,
		allowed: func(s inventory.Status, a inventory.Action) bool { _, ok := allowed[s][a]; return ok },
		do: func(c docCall) (documents.TransferResult, error) {
			switch c.action {
			case inventory.ActionShip:
				return c.docs.ShipTransfer(c.ctx, c.tx, c.sid, c.a, c.n)
			case inventory.ActionReceive:
				q := int64(1)
				if c.status == inventory.TransferPartiallyReceived {
					q = 2
				}
				return c.docs.ReceiveTransfer(c.ctx, c.tx, c.sid, c.a, c.n, []documents.LineInput{{SKU: "MUG-STEEL", Quantity: q}})
			default:
				return c.docs.CancelTransfer(c.ctx, c.tx, c.sid, c.a, c.n)
			}
		},
		check: func(t *testing.T, f storagetest.Fixture, _ string, status inventory.Status, action inventory.Action, do func(tx backend.Tx) (documents.TransferResult, error)) {
			w := allowed[status][action]
			before := mugLevels(t, f)
			res := storagetest.Must(t, f, do)
			if got := mugLevels(t, f).minus(before); got != w.delta {
				t.Fatalf("levels changed by %+v, want %+v", got, w.delta)
			}
			if res.Transfer.Status != w.status {
				t.Fatalf("status %s, want %s", res.Transfer.Status, w.status)
			}
			if w.status == inventory.TransferCancelled && res.Transfer.Totals.Open != 0 {
				t.Fatalf("a cancelled transfer still has %d open", res.Transfer.Totals.Open)
			}
		},
	}.run(t)
}

func TestTransferRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		other := storagetest.SeedStore(t, db, "other.myshopify.com")
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		create := func(in documents.NewTransfer) func(tx backend.Tx) error {
			return func(tx backend.Tx) error { _, err := documents.New(db).CreateTransfer(ctx, tx, sid, a, in); return err }
		}
		mugs := []documents.LineInput{{SKU: "MUG-STEEL", Quantity: 1}}
		short := storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
			return documents.New(db).CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: storagetest.HarbourShop, To: storagetest.Warehouse,
				Lines: []documents.LineInput{{SKU: "MUG-STEEL", Quantity: 12}, {SKU: "TRS-40", Quantity: 5}}})
		}).Transfer.Number
		inTransit := transferIn(t, f, inventory.TransferInTransit)
		for _, c := range []struct {
			name string
			kind inventory.Kind
			fn   func(tx backend.Tx) error
		}{
			{"same location twice", inventory.Invalid, create(documents.NewTransfer{From: "WH", To: "warehouse", Lines: mugs})},
			{"another store's location", inventory.NotFound, create(documents.NewTransfer{From: "WH", To: itoa(other.Locations[storagetest.HarbourShop].ID), Lines: mugs})},
			{"unknown SKU", inventory.NotFound, create(documents.NewTransfer{From: "WH", To: "DT", Lines: []documents.LineInput{{SKU: "MUG-GOLD", Quantity: 1}}})},
			{"negative quantity", inventory.Invalid, create(documents.NewTransfer{From: "WH", To: "DT", Lines: []documents.LineInput{{SKU: "MUG-STEEL", Quantity: -1}}})},
			{"no lines", inventory.Invalid, create(documents.NewTransfer{From: "WH", To: "DT"})},
			// Harbour has 12 mugs but only 4 of TRS-40: the whole shipment is refused.
			{"ship more than the origin has", inventory.Insufficient, func(tx backend.Tx) error {
				_, err := documents.New(db).ShipTransfer(ctx, tx, sid, a, short)
				return err
			}},
			{"receive more than is open", inventory.Insufficient, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceiveTransfer(ctx, tx, sid, a, inTransit, []documents.LineInput{{SKU: "MUG-STEEL", Quantity: 4}})
				return err
			}},
			{"receive a SKU not on the transfer", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceiveTransfer(ctx, tx, sid, a, inTransit, []documents.LineInput{{SKU: "TRS-40", Quantity: 1}})
				return err
			}},
			{"receive zero", inventory.Invalid, func(tx backend.Tx) error {
				_, err := documents.New(db).ReceiveTransfer(ctx, tx, sid, a, inTransit, []documents.LineInput{{SKU: "MUG-STEEL", Quantity: 0}})
				return err
			}},
			{"unknown number", inventory.NotFound, func(tx backend.Tx) error {
				_, err := documents.New(db).ShipTransfer(ctx, tx, sid, a, "TO-9999")
				return err
			}},
		} {
			t.Run(c.name, func(t *testing.T) { storagetest.Refused(t, f, c.kind, c.fn) })
		}
		// Committed stock is not available to ship.
		storagetest.Must(t, f, func(tx backend.Tx) ([]storage.Effect, error) {
			return catalog.New(db).AdjustInventory(ctx, tx, sid, a, []storage.Change{{VariantID: f.Variants["TRS-40"].ID, LocationID: f.Locations[storagetest.HarbourShop].ID,
				Quantity: inventory.Committed, Delta: 3}})
		})
		n := storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
			return documents.New(db).CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: "HB", To: "WH", Lines: []documents.LineInput{{SKU: "TRS-40", Quantity: 2}}})
		}).Transfer.Number
		e := storagetest.Refused(t, f, inventory.Insufficient, func(tx backend.Tx) error { _, err := documents.New(db).ShipTransfer(ctx, tx, sid, a, n); return err })
		if !strings.Contains(e.Msg, "1 available") {
			t.Fatalf("refusal %q does not say what is available", e.Msg)
		}
	})
}

func TestTransferConcurrentShips(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		n := transferIn(t, f, inventory.TransferDraft)
		before := mugLevels(t, f)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Backend().InTx(ctx, func(tx backend.Tx) error {
					_, err := documents.New(db).ShipTransfer(ctx, tx, f.Store.ID, f.Actor(), n)
					return err
				})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("want exactly one ship to succeed: %v, %v", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil {
				wantKind(t, err, inventory.Conflict)
			}
		}
		if got := mugLevels(t, f).minus(before); got != (twoLevels{levelDelta{-3, 0}, levelDelta{0, 3}}) {
			t.Fatalf("levels changed by %+v", got)
		}
		f.CheckLedger(t)
	})
}

func TestListTransfers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		draft := transferIn(t, f, inventory.TransferDraft)
		partial := transferIn(t, f, inventory.TransferPartiallyReceived)
		back := storagetest.Must(t, f, func(tx backend.Tx) (documents.TransferResult, error) {
			return documents.New(db).CreateTransfer(ctx, tx, f.Store.ID, f.Actor(), documents.NewTransfer{From: "HB", To: "WH",
				Lines: []documents.LineInput{{SKU: "TRS-40", Quantity: 1}, {SKU: "SHELL-S", Quantity: 2}}})
		}).Transfer.Number
		for _, c := range []struct {
			name string
			f    documents.TransferFilter
			want []string
		}{
			{"all", documents.TransferFilter{}, []string{back, partial, draft}},
			{"status", documents.TransferFilter{Status: "partially_received"}, []string{partial}},
			{"from", documents.TransferFilter{FromLocationID: f.Locations[storagetest.HarbourShop].ID}, []string{back}},
			{"to", documents.TransferFilter{ToLocationID: f.Locations[storagetest.DowntownShop].ID}, []string{partial, draft}},
			{"sku", documents.TransferFilter{VariantID: f.Variants["SHELL-S"].ID}, []string{back}},
		} {
			t.Run(c.name, func(t *testing.T) {
				list, _, err := documents.New(db).ListTransfers(ctx, f.Store.ID, c.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, s := range list {
					got = append(got, s.Number)
				}
				if strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			})
		}
		list, next, err := documents.New(db).ListTransfers(ctx, f.Store.ID, documents.TransferFilter{Page: storage.Page{Limit: 1}})
		if err != nil || len(list) != 1 || next == "" || list[0].Lines != 2 || list[0].Units != 3 || list[0].From.Name != storagetest.HarbourShop {
			t.Fatalf("first page %+v, %q, %v", list, next, err)
		}
		list, _, _ = documents.New(db).ListTransfers(ctx, f.Store.ID, documents.TransferFilter{Page: storage.Page{Limit: 1, Cursor: next}})
		if len(list) != 1 || list[0].Number != partial || list[0].UnitsOpen != 2 {
			t.Fatalf("second page %+v", list)
		}
		_, _, err = documents.New(db).ListTransfers(ctx, f.Store.ID, documents.TransferFilter{Status: "shipped"})
		wantKind(t, err, inventory.Invalid)
	})
}
