package documents_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/catalog"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// TestRandomOperations runs a few hundred random document operations (a
// fixed seed, so a failure replays) and after each one checks that
//   - every stored quantity equals the sum of its ledger rows,
//   - no stored quantity is negative,
//   - incoming equals what open purchase orders and transfers still bring,
//   - each variant's on_hand across locations equals its starting stock
//     plus receipts and count corrections, less returns shipped and stock
//     in transit,
//   - a refused operation changed nothing.
func TestRandomOperations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		rng := rand.New(rand.NewSource(20261126))
		skus := f.SKUs()
		locs := []string{storagetest.Warehouse, storagetest.DowntownShop, storagetest.HarbourShop}
		sups := []string{storagetest.SummitGear, storagetest.CoastalTextiles, storagetest.AlpineSupply}
		docs := map[string][]string{}
		pick := func(xs []string) string {
			if len(xs) == 0 {
				return "NONE-1"
			}
			return xs[rng.Intn(len(xs))]
		}
		someSKUs := func() []string {
			n := 1 + rng.Intn(3)
			out := map[string]bool{}
			for len(out) < n {
				out[pick(skus)] = true
			}
			var list []string
			for s := range out {
				list = append(list, s)
			}
			return list
		}
		// pickDoc mostly picks a document whose status allows the action,
		// so that most operations get past the state machine, and
		// sometimes any document, so that refusals are exercised too.
		tables := map[string]string{"PO": "purchase_orders", "TO": "transfers", "ST": "stock_takes", "RMA": "supplier_returns"}
		machines := map[string]inventory.Machine{"PO": inventory.PurchaseOrders, "TO": inventory.Transfers, "ST": inventory.StockTakes, "RMA": inventory.SupplierReturns}
		pickDoc := func(kind string, action inventory.Action) string {
			if rng.Intn(4) == 0 {
				return pick(docs[kind])
			}
			rows, err := db.Backend().Query(ctx, `SELECT number, status FROM `+tables[kind]+` WHERE store_id = $1 ORDER BY id`, sid)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var fit []string
			for rows.Next() {
				var n, st string
				if err := rows.Scan(&n, &st); err != nil {
					t.Fatal(err)
				}
				if machines[kind].Allows(inventory.Status(st), action) {
					fit = append(fit, n)
				}
			}
			return pick(fit)
		}
		// docLines returns the SKUs of a document, for receipts and counts.
		poSKUs := func(n string) []string {
			po, err := documents.New(db).GetPurchaseOrder(ctx, nil, sid, n)
			if err != nil {
				return []string{pick(skus)}
			}
			var out []string
			for _, l := range po.Lines {
				out = append(out, l.SKU)
			}
			return out
		}
		ops := []struct {
			name string
			fn   func(tx backend.Tx) (string, error)
		}{
			{"create_po", func(tx backend.Tx) (string, error) {
				var lines []documents.POLineInput
				for _, s := range someSKUs() {
					lines = append(lines, documents.POLineInput{SKU: s, Quantity: int64(rng.Intn(12))}) // 0 is refused
				}
				r, err := documents.New(db).CreatePurchaseOrder(ctx, tx, sid, a, documents.NewPurchaseOrder{Supplier: pick(sups), Location: pick(locs), Lines: lines})
				return r.PurchaseOrder.Number, err
			}},
			{"update_po", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).UpdatePurchaseOrder(ctx, tx, sid, a, documents.PurchaseOrderUpdate{Number: pickDoc("PO", inventory.ActionUpdate),
					SetLines: []documents.POLineInput{{SKU: pick(skus), Quantity: int64(rng.Intn(5))}}})
				return "", err
			}},
			{"send_po", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).SendPurchaseOrder(ctx, tx, sid, a, pickDoc("PO", inventory.ActionSend))
				return "", err
			}},
			{"receive_po", func(tx backend.Tx) (string, error) {
				n := pickDoc("PO", inventory.ActionReceive)
				_, err := documents.New(db).ReceivePurchaseOrder(ctx, tx, sid, a, n, []documents.ReceiptLine{{SKU: pick(poSKUs(n)),
					Accepted: int64(rng.Intn(5)), Rejected: int64(rng.Intn(2))}})
				return "", err
			}},
			{"close_po", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).ClosePurchaseOrder(ctx, tx, sid, a, pick(docs["PO"])) // any order: ends fewer of them
				return "", err
			}},
			{"cancel_po", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CancelPurchaseOrder(ctx, tx, sid, a, pick(docs["PO"]), "random")
				return "", err
			}},
			{"create_transfer", func(tx backend.Tx) (string, error) {
				var lines []documents.LineInput
				for _, s := range someSKUs() {
					lines = append(lines, documents.LineInput{SKU: s, Quantity: 1 + int64(rng.Intn(5))})
				}
				r, err := documents.New(db).CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: pick(append(locs, storagetest.Warehouse, storagetest.Warehouse)), To: pick(locs), Lines: lines})
				return r.Transfer.Number, err
			}},
			{"ship_transfer", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).ShipTransfer(ctx, tx, sid, a, pickDoc("TO", inventory.ActionShip))
				return "", err
			}},
			{"receive_transfer", func(tx backend.Tx) (string, error) {
				n := pickDoc("TO", inventory.ActionReceive)
				tr, err := documents.New(db).GetTransfer(ctx, tx, sid, n)
				sku := pick(skus)
				if err == nil && len(tr.Lines) > 0 {
					sku = tr.Lines[rng.Intn(len(tr.Lines))].SKU
				}
				_, err = documents.New(db).ReceiveTransfer(ctx, tx, sid, a, n, []documents.LineInput{{SKU: sku, Quantity: 1 + int64(rng.Intn(3))}})
				return "", err
			}},
			{"cancel_transfer", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CancelTransfer(ctx, tx, sid, a, pickDoc("TO", inventory.ActionCancel))
				return "", err
			}},
			{"start_stock_take", func(tx backend.Tx) (string, error) {
				var refs []storage.VariantRef
				for _, s := range someSKUs() {
					refs = append(refs, storage.VariantRef{SKU: s})
				}
				r, err := documents.New(db).StartStockTake(ctx, tx, sid, a, documents.NewStockTake{Location: pick(locs), SKUs: refs})
				return r.StockTake.Number, err
			}},
			{"record_counts", func(tx backend.Tx) (string, error) {
				mode := []string{"set", "add", "set", "bogus"}[rng.Intn(4)]
				_, err := documents.New(db).RecordStockCounts(ctx, tx, sid, a, pickDoc("ST", inventory.ActionRecordCounts), []documents.CountInput{{SKU: pick(skus), Counted: int64(rng.Intn(40)) - 3, Mode: mode}})
				return "", err
			}},
			{"complete_stock_take", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CompleteStockTake(ctx, tx, sid, a, pickDoc("ST", inventory.ActionComplete))
				return "", err
			}},
			{"cancel_stock_take", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CancelStockTake(ctx, tx, sid, a, pick(docs["ST"]))
				return "", err
			}},
			{"create_return", func(tx backend.Tx) (string, error) {
				r, err := documents.New(db).CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: pick(sups), Location: pick(locs),
					Lines: []documents.ReturnLineInput{{SKU: pick(skus), Quantity: 1 + int64(rng.Intn(10))}}})
				return r.SupplierReturn.Number, err
			}},
			{"ship_return", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).ShipSupplierReturn(ctx, tx, sid, a, pickDoc("RMA", inventory.ActionShip))
				return "", err
			}},
			{"close_return", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CloseSupplierReturn(ctx, tx, sid, a, pickDoc("RMA", inventory.ActionClose), int64(rng.Intn(5000)))
				return "", err
			}},
			{"cancel_return", func(tx backend.Tx) (string, error) {
				_, err := documents.New(db).CancelSupplierReturn(ctx, tx, sid, a, pickDoc("RMA", inventory.ActionCancel))
				return "", err
			}},
			{"commit_stock", func(tx backend.Tx) (string, error) {
				_, err := catalog.New(db).AdjustInventory(ctx, tx, sid, a, []storage.Change{{VariantID: f.Variants[pick(skus)].ID,
					LocationID: f.Locations[pick(locs)].ID, Quantity: inventory.Committed, Delta: int64(rng.Intn(7)) - 3}})
				return "", err
			}},
		}
		// Sending, shipping, receiving and counting twice as often as the rest keeps
		// documents flowing rather than mostly cancelled.
		ops = append(ops, ops[2], ops[3], ops[3], ops[7], ops[8], ops[11], ops[12])
		ok, refusedOps := map[string]int{}, 0
		for i := 0; i < 400; i++ {
			op := ops[rng.Intn(len(ops))]
			before := storagetest.Snapshot(t, db, sid)
			var number string
			err := db.Backend().InTx(ctx, func(tx backend.Tx) error {
				var err error
				number, err = op.fn(tx)
				return err
			})
			var ie *inventory.Error
			switch {
			case err == nil:
				ok[op.name]++
				if number != "" {
					prefix := number[:len(number)-5]
					docs[prefix] = append(docs[prefix], number)
				}
			case errors.As(err, &ie):
				refusedOps++
				if after := storagetest.Snapshot(t, db, sid); after != before {
					t.Fatalf("op %d %s was refused (%v) but changed the store", i, op.name, err)
				}
			default:
				t.Fatalf("op %d %s failed: %v", i, op.name, err)
			}
			f.CheckLedger(t)
			checkInvariants(t, db, f, fmt.Sprintf("after op %d (%s)", i, op.name))
		}
		for _, name := range []string{"send_po", "receive_po", "ship_transfer", "receive_transfer", "complete_stock_take", "ship_return"} {
			if ok[name] == 0 {
				t.Errorf("%s never succeeded: the test exercises too little (%v)", name, ok)
			}
		}
		if refusedOps == 0 {
			t.Error("no operation was refused: the test exercises too little")
		}
		t.Logf("succeeded %v; refused %d", ok, refusedOps)
	})
}

// checkInvariants compares the stored levels with what the documents say
// they must be.
func checkInvariants(t *testing.T, db *storage.DB, f storagetest.Fixture, when string) {
	t.Helper()
	ctx := context.Background()
	sid := f.Store.ID
	sums := func(sql string) map[[2]int64]int64 {
		rows, err := db.Backend().Query(ctx, sql, sid)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		defer rows.Close()
		out := map[[2]int64]int64{}
		for rows.Next() {
			var v, l, n int64
			if err := rows.Scan(&v, &l, &n); err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if n != 0 {
				out[[2]int64{v, l}] += n
			}
		}
		return out
	}
	var negatives int
	if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM inventory_levels WHERE store_id = $1 AND (on_hand < 0 OR incoming < 0
		OR committed < 0 OR reserved < 0 OR damaged < 0 OR safety_stock < 0 OR quality_control < 0)`, sid).Scan(&negatives); err != nil || negatives > 0 {
		t.Fatalf("%s: %d levels have a negative quantity (%v)", when, negatives, err)
	}
	incoming := sums(`SELECT variant_id, location_id, incoming FROM inventory_levels WHERE store_id = $1`)
	expected := sums(`SELECT l.variant_id, p.location_id, CAST(sum(l.quantity_ordered - l.quantity_received - l.quantity_rejected) AS BIGINT)
		FROM purchase_order_lines l JOIN purchase_orders p ON p.store_id = l.store_id AND p.id = l.purchase_order_id
		WHERE l.store_id = $1 AND p.status IN ('sent', 'partially_received') GROUP BY l.variant_id, p.location_id`)
	for k, n := range sums(`SELECT l.variant_id, t.to_location_id, CAST(sum(l.quantity - l.quantity_received) AS BIGINT)
		FROM transfer_lines l JOIN transfers t ON t.store_id = l.store_id AND t.id = l.transfer_id
		WHERE l.store_id = $1 AND t.status IN ('in_transit', 'partially_received') GROUP BY l.variant_id, t.to_location_id`) {
		expected[k] += n
	}
	if fmt.Sprint(incoming) != fmt.Sprint(expected) {
		t.Fatalf("%s: incoming %v, but open documents bring %v", when, incoming, expected)
	}
	// Per variant (location 0): on_hand = start + accepted + count
	// corrections − returns shipped − in transit.
	onHand := sums(`SELECT variant_id, 0, CAST(sum(on_hand) AS BIGINT) FROM inventory_levels WHERE store_id = $1 GROUP BY variant_id`)
	want := map[[2]int64]int64{}
	for sku, locs := range storagetest.Stock {
		for _, n := range locs {
			want[[2]int64{f.Variants[sku].ID, 0}] += n
		}
	}
	for _, q := range []string{
		`SELECT variant_id, 0, CAST(sum(quantity_received) AS BIGINT) FROM purchase_order_lines WHERE store_id = $1 GROUP BY variant_id`,
		`SELECT l.variant_id, 0, CAST(sum(l.counted - l.expected) AS BIGINT) FROM stock_take_lines l
			JOIN stock_takes s ON s.store_id = l.store_id AND s.id = l.stock_take_id
			WHERE l.store_id = $1 AND s.status = 'completed' AND l.counted IS NOT NULL GROUP BY l.variant_id`,
		`SELECT l.variant_id, 0, -CAST(sum(l.quantity) AS BIGINT) FROM supplier_return_lines l
			JOIN supplier_returns r ON r.store_id = l.store_id AND r.id = l.supplier_return_id
			WHERE l.store_id = $1 AND r.status IN ('shipped', 'closed') GROUP BY l.variant_id`,
		`SELECT l.variant_id, 0, -CAST(sum(l.quantity - l.quantity_received) AS BIGINT) FROM transfer_lines l
			JOIN transfers t ON t.store_id = l.store_id AND t.id = l.transfer_id
			WHERE l.store_id = $1 AND t.status IN ('in_transit', 'partially_received') GROUP BY l.variant_id`,
	} {
		for k, n := range sums(q) {
			want[k] += n
		}
	}
	for k, n := range want {
		if n == 0 {
			delete(want, k)
		}
	}
	if fmt.Sprint(onHand) != fmt.Sprint(want) {
		t.Fatalf("%s: on_hand by variant %v, but the documents account for %v", when, onHand, want)
	}
}
