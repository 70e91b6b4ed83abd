package storage

import (
	"context"
	"fmt"
	"sort"

	"github.com/logistified/mcp-server/inventory"
	"github.com/logistified/mcp-server/storage/backend"
)

// Actor is who makes a change: an API key, or (KeyID nil) the command line
// or the demo generator. Ledger rows and audit entries carry it.
type Actor struct {
	KeyID *int64
	Key   *APIKey
}

// ActorFor returns the actor for a principal's key.
func ActorFor(p Principal) Actor {
	id := p.Key.ID
	k := p.Key
	return Actor{KeyID: &id, Key: &k}
}

// Change is one quantity change to apply to a variant at a location.
type Change struct {
	VariantID  int64
	LocationID int64
	Quantity   inventory.Quantity
	Delta      int64
	// SKU and Location name the change in the result.
	SKU      string
	Location string
	// RequireAvailable refuses the change when it leaves the level's
	// available quantity below zero (shipping stock out, for instance).
	RequireAvailable bool
}

// Effect is one applied change, as write tools report it.
type Effect struct {
	SKU        string `json:"sku"`
	Location   string `json:"location"`
	VariantID  int64  `json:"variant_id"`
	LocationID int64  `json:"location_id"`
	Quantity   string `json:"quantity"`
	Delta      int64  `json:"delta"`
	NewValue   int64  `json:"new_value"`
}

// Movement is the context shared by a batch of changes: why they happen,
// which document caused them, and who.
type Movement struct {
	Reason   inventory.Reason
	Document string
	Actor    Actor
}

// ApplyChanges changes inventory levels inside tx and writes one ledger row
// per change, so every stored quantity stays equal to the sum of its
// adjustments. Changes are applied in (variant, location, quantity) order,
// the same order in every transaction, so concurrent writers cannot
// deadlock. A change that would leave a stored quantity below zero, or
// available below zero where RequireAvailable is set, fails with an
// Insufficient error; the caller's transaction then rolls back whole.
func (db *DB) ApplyChanges(ctx context.Context, tx backend.Tx, storeID int64, m Movement, changes []Change) ([]Effect, error) {
	sorted := make([]Change, 0, len(changes))
	for _, c := range changes {
		if c.Delta != 0 {
			sorted = append(sorted, c)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.VariantID != b.VariantID {
			return a.VariantID < b.VariantID
		}
		if a.LocationID != b.LocationID {
			return a.LocationID < b.LocationID
		}
		return a.Quantity < b.Quantity
	})
	now := db.Now()
	effects := make([]Effect, 0, len(sorted))
	for _, c := range sorted {
		if !c.Quantity.Stored() {
			return nil, fmt.Errorf("applying a change: %q is not a stored quantity", c.Quantity)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inventory_levels (store_id, variant_id, location_id, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (store_id, variant_id, location_id) DO NOTHING`,
			storeID, c.VariantID, c.LocationID, now); err != nil {
			return nil, fmt.Errorf("creating the inventory level of %s at %s: %w", c.SKU, c.Location, err)
		}
		col := string(c.Quantity) // a whitelisted column name, checked above
		var value, available int64
		if err := tx.QueryRow(ctx, `UPDATE inventory_levels SET `+col+` = `+col+` + $1, updated_at = $2
			WHERE store_id = $3 AND variant_id = $4 AND location_id = $5 RETURNING `+col+`, available`,
			c.Delta, now, storeID, c.VariantID, c.LocationID).Scan(&value, &available); err != nil {
			return nil, fmt.Errorf("changing %s of %s at %s: %w", col, c.SKU, c.Location, err)
		}
		if value < 0 {
			return nil, inventory.Errorf(inventory.Insufficient, "%s at %s has %d %s; this needs %d: change the quantity or restock first",
				c.SKU, c.Location, value-c.Delta, col, -c.Delta)
		}
		if c.RequireAvailable && available < 0 {
			return nil, inventory.Errorf(inventory.Insufficient, "%s at %s has %d available; this needs %d: lower the quantity or move stock there first",
				c.SKU, c.Location, available-c.Delta, -c.Delta)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inventory_adjustments
			(store_id, variant_id, location_id, quantity_name, delta, reason, document_number, key_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			storeID, c.VariantID, c.LocationID, col, c.Delta, string(m.Reason), m.Document, m.Actor.KeyID, now); err != nil {
			return nil, fmt.Errorf("writing the ledger row for %s at %s: %w", c.SKU, c.Location, err)
		}
		effects = append(effects, Effect{SKU: c.SKU, Location: c.Location, VariantID: c.VariantID, LocationID: c.LocationID,
			Quantity: col, Delta: c.Delta, NewValue: value})
	}
	return effects, nil
}

// LedgerMismatch is a level whose stored quantity differs from the sum of
// its ledger rows.
type LedgerMismatch struct {
	VariantID, LocationID int64
	Quantity              string
	Stored, Ledger        int64
}

// CheckLedger returns every level of the store where a stored quantity is
// not the sum of its adjustments. Tests call it after every operation.
func (db *DB) CheckLedger(ctx context.Context, storeID int64) ([]LedgerMismatch, error) {
	var out []LedgerMismatch
	for _, q := range inventory.StoredQuantities {
		col := string(q)
		rows, err := db.b.Query(ctx, `SELECT l.variant_id, l.location_id, l.`+col+`, coalesce(a.total, 0)
			FROM inventory_levels l
			LEFT JOIN (SELECT variant_id, location_id, sum(delta) AS total FROM inventory_adjustments
				WHERE store_id = $1 AND quantity_name = $2 GROUP BY variant_id, location_id) a
			ON a.variant_id = l.variant_id AND a.location_id = l.location_id
			WHERE l.store_id = $1 AND l.`+col+` <> coalesce(a.total, 0)`, storeID, col)
		if err != nil {
			return nil, fmt.Errorf("checking the ledger: %w", err)
		}
		for rows.Next() {
			m := LedgerMismatch{Quantity: col}
			if err := rows.Scan(&m.VariantID, &m.LocationID, &m.Stored, &m.Ledger); err != nil {
				rows.Close()
				return nil, fmt.Errorf("checking the ledger: %w", err)
			}
			out = append(out, m)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("checking the ledger: %w", err)
		}
	}
	return out, nil
}
