package storage

import (
	"context"
	"fmt"

	"github.com/logistified/mcp-server/storage/backend"
)

// A level read names each location it shows, and a store's locations
// change almost never: joining their names into every read cost
// PostgreSQL a quarter of the statement. So the names are remembered per
// store, with the store's row_version they were read at. Every change to
// a store's locations moves that version in the same transaction
// (migration 00021), and the request's credential check confirms the
// version in the read's own round trip, so names remembered at the
// confirmed version are the names now, on every replica. Where no check
// confirms a version (SQLite, a credential's first request), the read
// joins the names itself.

// locationNames are a store's location names at one row version.
type locationNames struct {
	version int64
	names   map[int64]string
}

// maxRememberedStores bounds the stores whose names are remembered; past
// it the memory starts again empty.
const maxRememberedStores = 10000

// LocationNamesVouched reports whether ctx's credential check will
// confirm the store's row version, so that the request may read without
// joining location names and take them from LocationNames afterwards.
func (db *DB) LocationNamesVouched(ctx context.Context) bool {
	c := pendingCheck(ctx)
	if c == nil || c.lookup.VersionSQL == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return c.err == nil && c.fresh.Version[1] != 0
	}
	return c.predicted.Version[1] != 0
}

// LocationNames returns the names of the store's locations by id as of
// the store version that ctx's credential check confirmed (the check has
// run: call it after the request's first read). They are read, with the
// version, when not remembered at that version; fresh forces that read.
func (db *DB) LocationNames(ctx context.Context, storeID int64, fresh bool) (map[int64]string, error) {
	if c := pendingCheck(ctx); c != nil && !fresh {
		c.mu.Lock()
		v, ok := c.fresh.Version[1], c.done && c.refusal() == nil
		c.mu.Unlock()
		if e, known := db.locations.Load(storeID); ok && known && e.(locationNames).version == v {
			return e.(locationNames).names, nil
		}
	}
	e := locationNames{names: map[int64]string{}}
	rows, err := db.b.Query(ctx, `SELECT s.row_version, COALESCE(l.id, 0), COALESCE(l.name, '')
		FROM stores s LEFT JOIN locations l ON l.store_id = s.id WHERE s.id = $1`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the names of the locations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&e.version, &id, &name); err != nil {
			return nil, fmt.Errorf("reading the names of the locations: %w", err)
		}
		if id != 0 {
			e.names[id] = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the names of the locations: %w", err)
	}
	if e.version == 0 {
		return nil, fmt.Errorf("reading the names of the locations: %w", backend.ErrNoRows)
	}
	db.locations.put(storeID, e, maxRememberedStores)
	return e.names, nil
}
