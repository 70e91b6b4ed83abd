package storage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
)

// A store's day runs from midnight to midnight in its own time zone: the
// sales windows move, and a purchase order becomes overdue, at the store's
// midnight, not at UTC's. DATE columns hold a calendar date as UTC
// midnight (UTCDate), so a store's day is that form of its local date.

// locations caches time.LoadLocation, which reads the time zone database
// from disk on every call.
var locations sync.Map // name → *time.Location

// StoreLocation is the named IANA time zone, UTC when it is unknown: stores'
// zones are validated when they are written, so an unknown one means the
// host's tz database lacks it, and UTC is the day the store had before
// zones counted.
func StoreLocation(tz string) *time.Location {
	if tz == "" || tz == "UTC" {
		return time.UTC
	}
	if loc, ok := locations.Load(tz); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		loc = time.UTC
	}
	locations.Store(tz, loc)
	return loc
}

// StoreDate is the calendar date at t in the time zone tz (IANA; unknown
// zones count as UTC), as UTC midnight: the form DATE columns hold.
func StoreDate(t time.Time, tz string) time.Time {
	y, m, d := t.In(StoreLocation(tz)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StoreZone is the store's time zone. A store's zone is set when it is
// created and never changed (nothing updates stores.timezone), so it is
// read from the database once per process and store; should the zone ever
// become editable, this cache must go.
func (db *DB) StoreZone(ctx context.Context, q backend.Querier, storeID int64) (string, error) {
	if tz, ok := db.zones.Load(storeID); ok {
		return tz.(string), nil
	}
	if q == nil {
		q = db.b
	}
	var tz string
	if err := q.QueryRow(ctx, `SELECT timezone FROM stores WHERE id = $1`, storeID).Scan(&tz); err != nil {
		return "", fmt.Errorf("reading the store's time zone: %w", err)
	}
	db.zones.Store(storeID, tz)
	return tz, nil
}

// StoreToday is the store's current calendar date, as UTC midnight (see
// StoreDate); q nil reads outside a transaction.
func (db *DB) StoreToday(ctx context.Context, q backend.Querier, storeID int64) (time.Time, error) {
	tz, err := db.StoreZone(ctx, q, storeID)
	if err != nil {
		return time.Time{}, err
	}
	return StoreDate(db.Now(), tz), nil
}

// UTCDate truncates t to its UTC date, the form every DATE column holds.
// A store's "today" is not the UTC date of now but StoreDate's.
func UTCDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StaleAsOf is the as_of that marks a store's planning rows stale: they
// are rebuilt before they are read (a new service level moves every
// reorder point).
var StaleAsOf = time.Unix(0, 0).UTC()
