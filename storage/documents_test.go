package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/documents"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Helpers shared by the document tests.

// snapshot is everything a refused operation must leave alone: every level,
// the ledger's length and every document's status and lines.
func snapshot(t *testing.T, db *storage.DB, storeID int64) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT variant_id, location_id, on_hand, committed, incoming, reserved, damaged, safety_stock, quality_control
			FROM inventory_levels WHERE store_id = $1 ORDER BY variant_id, location_id`,
		`SELECT count(*), 0, 0, 0, 0, 0, 0, 0, 0 FROM inventory_adjustments WHERE store_id = $1`,
		`SELECT id, 1, paid_cents, CASE WHEN confirmed_at IS NULL THEN 0 ELSE 1 END, 0, 0, 0, 0, 0 FROM purchase_orders WHERE store_id = $1 ORDER BY id`,
		`SELECT purchase_order_id, variant_id, coalesce(quantity_confirmed, -1), 0, 0, 0, 0, 0, 0
			FROM purchase_order_lines WHERE store_id = $1 ORDER BY purchase_order_id, variant_id`,
		`SELECT purchase_order_id, amount_cents, CASE WHEN voided_at IS NULL THEN 0 ELSE 1 END, 0, 0, 0, 0, 0, 0
			FROM purchase_order_payments WHERE store_id = $1 ORDER BY id`,
		`SELECT purchase_order_id, variant_id, quantity_ordered, quantity_received, quantity_rejected, unit_cost_cents, 0, 0, 0
			FROM purchase_order_lines WHERE store_id = $1 ORDER BY purchase_order_id, variant_id`,
		`SELECT transfer_id, variant_id, quantity, quantity_received, 0, 0, 0, 0, 0 FROM transfer_lines WHERE store_id = $1 ORDER BY transfer_id, variant_id`,
		`SELECT stock_take_id, variant_id, expected, coalesce(counted, -1), 0, 0, 0, 0, 0 FROM stock_take_lines WHERE store_id = $1 ORDER BY stock_take_id, variant_id`,
		`SELECT supplier_return_id, variant_id, quantity, 0, 0, 0, 0, 0, 0 FROM supplier_return_lines WHERE store_id = $1 ORDER BY supplier_return_id, variant_id`,
		`SELECT variant_id, location_id, coalesce(min_qty, -1), coalesce(max_qty, -1), coalesce(safety_stock, -1), 0, 0, 0, 0 FROM reorder_rules WHERE store_id = $1 ORDER BY variant_id, location_id`,
	} {
		rows, err := db.Backend().Query(context.Background(), q, storeID)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		for rows.Next() {
			var v [9]int64
			if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]); err != nil {
				t.Fatalf("snapshot: %v", err)
			}
			fmt.Fprintln(&b, v)
		}
		rows.Close()
	}
	for _, table := range []string{"purchase_orders", "transfers", "stock_takes", "supplier_returns"} {
		rows, err := db.Backend().Query(context.Background(), `SELECT number, status FROM `+table+` WHERE store_id = $1 ORDER BY id`, storeID)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		for rows.Next() {
			var n, s string
			if err := rows.Scan(&n, &s); err != nil {
				t.Fatalf("snapshot: %v", err)
			}
			fmt.Fprintln(&b, n, s)
		}
		rows.Close()
	}
	return b.String()
}

// refused runs fn in a transaction, wants an error of kind, and checks
// that nothing changed and the ledger still holds.
func refused(t *testing.T, f storagetest.Fixture, kind inventory.Kind, fn func(tx backend.Tx) error) *inventory.Error {
	t.Helper()
	before := snapshot(t, f.DB, f.Store.ID)
	err := f.DB.Backend().InTx(context.Background(), fn)
	wantKind(t, err, kind)
	if after := snapshot(t, f.DB, f.Store.ID); after != before {
		t.Fatalf("a refused operation changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	f.CheckLedger(t)
	var ie *inventory.Error
	errors.As(err, &ie)
	return ie
}

// must runs fn in a transaction and fails the test on error.
func must[T any](t *testing.T, f storagetest.Fixture, fn func(tx backend.Tx) (T, error)) T {
	t.Helper()
	var out T
	err := f.DB.Backend().InTx(context.Background(), func(tx backend.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.CheckLedger(t)
	return out
}

// wantKind is storagetest.WantKind, by the name the document tests use.
var wantKind = storagetest.WantKind

func ptr[T any](v T) *T { return &v }

// levelDelta is the change of on_hand and incoming of a SKU at a location.
type levelDelta struct{ onHand, incoming int64 }

func deltaOf(before, after storagetest.Level) levelDelta {
	return levelDelta{after.OnHand - before.OnHand, after.Incoming - before.Incoming}
}

func asInventory(err error, target **inventory.Error) bool { return errors.As(err, target) }

// Every ledger row a document writes names the document, the reason and
// the key that acted.
func TestLedgerRowsNameDocumentReasonAndKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx := context.Background()
		sid, a := f.Store.ID, f.Actor()
		po := poIn(t, f, inventory.POPartiallyReceived)
		to := transferIn(t, f, inventory.TransferInTransit)
		st := startStockTake(t, f, documents.NewStockTake{Location: "WH", SKUs: []storage.VariantRef{{SKU: "SOCK-M"}}}).Number
		must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
			if _, err := documents.New(db).RecordStockCounts(ctx, tx, sid, a, st, []documents.CountInput{{SKU: "SOCK-M", Counted: 58}}); err != nil {
				return documents.StockTakeResult{}, err
			}
			return documents.New(db).CompleteStockTake(ctx, tx, sid, a, st)
		})
		rma := returnIn(t, f, inventory.ReturnShipped)
		rows, err := db.Backend().Query(ctx, `SELECT document_number, reason, quantity_name, CAST(sum(delta) AS BIGINT), count(*)
			FROM inventory_adjustments WHERE store_id = $1 AND document_number <> '' AND key_id = $2
			GROUP BY document_number, reason, quantity_name ORDER BY document_number, reason, quantity_name`, sid, f.WriteKey.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var doc, reason, q string
			var sum, n int64
			if err := rows.Scan(&doc, &reason, &q, &sum, &n); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %s %s %d", doc, reason, q, sum))
		}
		want := []string{
			po + " movement_created incoming 10",
			po + " received incoming -4",
			po + " received on_hand 3",
			rma + " movement_created on_hand -1",
			st + " cycle_count_available on_hand -2",
			to + " movement_created incoming 3",
			to + " movement_created on_hand -3",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("ledger rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var unkeyed int
		if err := db.Backend().QueryRow(ctx, `SELECT count(*) FROM inventory_adjustments WHERE store_id = $1 AND document_number <> '' AND key_id IS NULL`,
			sid).Scan(&unkeyed); err != nil || unkeyed != 0 {
			t.Fatalf("%d document rows have no key (%v)", unkeyed, err)
		}
	})
}
