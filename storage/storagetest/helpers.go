package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage"
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
