package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
)

// WantKind fails the test unless err is an inventory.Error of the kind.
func WantKind(t testing.TB, err error, kind inventory.Kind) {
	t.Helper()
	var ie *inventory.Error
	if !errors.As(err, &ie) || ie.Kind != kind {
		t.Fatalf("want a %s error, got %v", kind, err)
	}
}

// LevelsState reads the store's planning state: up to when level changes
// are folded in (levels_at), and its latest level change.
func LevelsState(t testing.TB, db *storage.DB, storeID int64) (levelsAt, lastChange time.Time) {
	t.Helper()
	if err := db.Backend().QueryRow(context.Background(), `SELECT s.levels_at, (SELECT MAX(updated_at) FROM inventory_levels WHERE store_id = $1)
		FROM sales_summary_state s WHERE s.store_id = $1`, storeID).Scan(&levelsAt, &lastChange); err != nil {
		t.Fatal(err)
	}
	return levelsAt, lastChange
}

// Helpers shared by the document tests and the planning data's.

// Snapshot is everything a refused operation must leave alone: every level,
// the ledger's length and every document's status and lines.
func Snapshot(t *testing.T, db *storage.DB, storeID int64) string {
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

// Refused runs fn in a transaction, wants an error of kind, and checks
// that nothing changed and the ledger still holds.
func Refused(t *testing.T, f Fixture, kind inventory.Kind, fn func(tx backend.Tx) error) *inventory.Error {
	t.Helper()
	before := Snapshot(t, f.DB, f.Store.ID)
	err := f.DB.Backend().InTx(context.Background(), fn)
	WantKind(t, err, kind)
	if after := Snapshot(t, f.DB, f.Store.ID); after != before {
		t.Fatalf("a refused operation changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	f.CheckLedger(t)
	var ie *inventory.Error
	errors.As(err, &ie)
	return ie
}

// Must runs fn in a transaction and fails the test on error.
func Must[T any](t *testing.T, f Fixture, fn func(tx backend.Tx) (T, error)) T {
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

// Clock is a settable time source for storage.WithClock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at a fixed instant, so that tests' dates are the same
// on every run.
func NewClock() *Clock {
	return &Clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// MustStore creates a store with domain, or fails the test.
func MustStore(t testing.TB, db *storage.DB, domain string) storage.Store {
	t.Helper()
	s, err := access.New(db).CreateStore(context.Background(), access.NewStore{Domain: domain, Name: "Shop " + domain})
	if err != nil {
		t.Fatalf("creating store %s: %v", domain, err)
	}
	return s
}

// MustKey creates a key of the store, made by Jane Doe, or fails the test.
func MustKey(t testing.TB, db *storage.DB, storeID int64, scope keys.Scope, label string) access.CreatedKey {
	t.Helper()
	k, err := access.New(db).CreateKey(context.Background(), storeID, access.NewKey{
		Scope: scope, Label: label, CreatedByName: "Jane Doe", CreatedByEmail: "jane@example.com",
	})
	if err != nil {
		t.Fatalf("creating key: %v", err)
	}
	return k
}

// Count is the number of rows in table.
func Count(t testing.TB, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Backend().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}
