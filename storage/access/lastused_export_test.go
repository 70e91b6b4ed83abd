package access

// FlushLastUsed waits until every pending last_used_at write is done, so
// that tests can read the result without sleeping.
func (db *DB) FlushLastUsed() { db.lastUsed().flush() }
