package storage

import "sync/atomic"

// CountRoundTrips adds to n one for every statement the DB sends and two
// for every transaction (its BEGIN and COMMIT), so that tests and
// benchmarks can see what a call costs in trips to the database. The
// last-used writer's background updates are not counted: no call waits
// for them.
func CountRoundTrips(n *atomic.Int64) Option { return func(db *DB) { db.roundTrips = n } }
