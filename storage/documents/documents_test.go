package documents_test

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
		storagetest.Must(t, f, func(tx backend.Tx) (documents.StockTakeResult, error) {
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

// transitions tests a document type's state machine: every action on a
// fresh document in every status. An action the status does not allow is
// refused as a conflict that names the document and its status (refused,
// when set, checks what else it says); an allowed one is checked by check.
type transitions[R any] struct {
	machine inventory.Machine
	actions []inventory.Action
	// in brings a fresh document into status and returns its number.
	in      func(t *testing.T, f storagetest.Fixture, status inventory.Status) string
	allowed func(status inventory.Status, action inventory.Action) bool
	// do is the call of c.action on document c.n, in c.status.
	do      func(c docCall) (R, error)
	refused func(t *testing.T, msg string, status inventory.Status)
	check   func(t *testing.T, f storagetest.Fixture, n string, status inventory.Status, action inventory.Action, do func(tx backend.Tx) (R, error))
}

// docCall is one call of a transition: action on document n, in status,
// inside tx.
type docCall struct {
	ctx    context.Context
	tx     backend.Tx
	docs   *documents.DB
	sid    int64
	a      storage.Actor
	n      string
	status inventory.Status
	action inventory.Action
}

// callOf is do's call of action on document n of f's store, as a
// transaction's body.
func callOf[R any](f storagetest.Fixture, n string, status inventory.Status, action inventory.Action, do func(c docCall) (R, error)) func(tx backend.Tx) (R, error) {
	return func(tx backend.Tx) (R, error) {
		return do(docCall{ctx: context.Background(), tx: tx, docs: documents.New(f.DB), sid: f.Store.ID, a: f.Actor(), n: n, status: status, action: action})
	}
}

func (c transitions[R]) run(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		for _, status := range c.machine.Statuses() {
			for _, action := range c.actions {
				t.Run(string(status)+"/"+string(action), func(t *testing.T) {
					n := c.in(t, f, status)
					do := callOf(f, n, status, action, c.do)
					if c.allowed(status, action) {
						c.check(t, f, n, status, action, do)
						return
					}
					e := storagetest.Refused(t, f, inventory.Conflict, func(tx backend.Tx) error { _, err := do(tx); return err })
					if !strings.Contains(e.Msg, n+" is "+string(status)) {
						t.Fatalf("refusal %q does not name the %s and its status", e.Msg, c.machine.Noun)
					}
					if c.refused != nil {
						c.refused(t, e.Msg, status)
					}
				})
			}
		}
	})
}

// A note longer than a document holds is refused with what to do, on
// every document type that takes one, and nothing is created; the longest
// note allowed is kept whole.
func TestCreateRefusesALongNote(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		ctx, sid, a := context.Background(), f.Store.ID, f.Actor()
		docs := documents.New(db)
		creates := map[string]func(note string) func(tx backend.Tx) (string, error){
			"purchase order": func(note string) func(tx backend.Tx) (string, error) {
				return func(tx backend.Tx) (string, error) {
					r, err := docs.CreatePurchaseOrder(ctx, tx, sid, a, documents.NewPurchaseOrder{Supplier: storagetest.SummitGear, Location: "WH",
						Lines: []documents.POLineInput{{SKU: "TRS-40", Quantity: 5}}, Note: note})
					return r.PurchaseOrder.Note, err
				}
			},
			"transfer": func(note string) func(tx backend.Tx) (string, error) {
				return func(tx backend.Tx) (string, error) {
					r, err := docs.CreateTransfer(ctx, tx, sid, a, documents.NewTransfer{From: "WH", To: "DT",
						Lines: []documents.LineInput{{SKU: "TRS-40", Quantity: 1}}, Note: note})
					return r.Transfer.Note, err
				}
			},
			"supplier return": func(note string) func(tx backend.Tx) (string, error) {
				return func(tx backend.Tx) (string, error) {
					r, err := docs.CreateSupplierReturn(ctx, tx, sid, a, documents.NewSupplierReturn{Supplier: storagetest.SummitGear, Location: "WH",
						Lines: []documents.ReturnLineInput{{SKU: "TRS-40", Quantity: 1}}, Note: note})
					return r.SupplierReturn.Note, err
				}
			},
		}
		for name, create := range creates {
			t.Run(name, func(t *testing.T) {
				e := storagetest.Refused(t, f, inventory.Invalid, func(tx backend.Tx) error { _, err := create(strings.Repeat("n", 2001))(tx); return err })
				if !strings.Contains(e.Msg, "note is longer than 2000 characters: shorten it") {
					t.Errorf("refusal %q does not say what to do", e.Msg)
				}
				longest := strings.Repeat("n", 2000)
				if got := storagetest.Must(t, f, create(" "+longest+" ")); got != longest {
					t.Errorf("the longest note came back %d characters long, want %d", len(got), len(longest))
				}
			})
		}
	})
}
