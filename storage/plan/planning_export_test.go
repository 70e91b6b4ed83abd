package plan

import "context"

// WaitPlanRollovers waits until the background rollovers under way are
// done, so that tests can read their result without sleeping.
func (db *DB) WaitPlanRollovers() { db.plans().wait() }

// SetRollChunk makes the rollover recompute n variants per transaction
// until the returned function restores the default.
func SetRollChunk(n int) (restore func()) {
	old := rollChunk
	rollChunk = n
	return func() { rollChunk = old }
}

// RollStep does one transaction of the store's rollover to its today and
// reports whether the rollover is done.
func (db *DB) RollStep(ctx context.Context, storeID int64) (bool, error) {
	today, err := db.StoreToday(ctx, nil, storeID)
	if err != nil {
		return false, err
	}
	return db.rollStep(ctx, storeID, today)
}
