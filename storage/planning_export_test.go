package storage

// WaitPlanRollovers waits until the background rollovers under way are
// done, so that tests can read their result without sleeping.
func (db *DB) WaitPlanRollovers() { db.plans.wait() }
