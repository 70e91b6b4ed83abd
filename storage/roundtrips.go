package storage

import (
	"context"
	"sync/atomic"

	"github.com/logistified/mcp-server/storage/backend"
)

// CountRoundTrips adds to n one for every statement the DB sends and two
// for every transaction (its BEGIN and COMMIT), so that tests and
// benchmarks can see what a call costs in trips to the database. The
// last-used writer's background updates are not counted: no call waits
// for them.
func CountRoundTrips(n *atomic.Int64) Option { return func(db *DB) { db.roundTrips = n } }

// tripCounter is a Backend that counts its round trips.
type tripCounter struct {
	backend.Backend
	n *atomic.Int64
}

func (c tripCounter) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	c.n.Add(1)
	return c.Backend.Exec(ctx, sql, args...)
}

func (c tripCounter) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	c.n.Add(1)
	return c.Backend.Query(ctx, sql, args...)
}

func (c tripCounter) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	c.n.Add(1)
	return c.Backend.QueryRow(ctx, sql, args...)
}

func (c tripCounter) InTx(ctx context.Context, fn func(tx backend.Tx) error) error {
	return c.Backend.InTx(ctx, func(tx backend.Tx) error {
		c.n.Add(2)
		return fn(tripCounterTx{tx, c.n})
	})
}

type tripCounterTx struct {
	backend.Tx
	n *atomic.Int64
}

func (c tripCounterTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	c.n.Add(1)
	return c.Tx.Exec(ctx, sql, args...)
}

func (c tripCounterTx) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	c.n.Add(1)
	return c.Tx.Query(ctx, sql, args...)
}

func (c tripCounterTx) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	c.n.Add(1)
	return c.Tx.QueryRow(ctx, sql, args...)
}

func (c tripCounterTx) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	c.n.Add(1)
	return c.Tx.CopyFrom(ctx, table, columns, rows)
}

func (c tripCounterTx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	c.n.Add(1)
	return c.Tx.ReserveIDs(ctx, table, n)
}

// QueryAfter is one round trip where the backend pipelines, two where it
// cannot.
func (c tripCounter) QueryAfter(ctx context.Context, first backend.Statement, sql string, args ...any) (backend.Rows, error) {
	if p, ok := c.Backend.(backend.Pipeliner); ok {
		c.n.Add(1)
		return p.QueryAfter(ctx, first, sql, args...)
	}
	c.n.Add(2)
	if err := first.Scan(c.Backend.QueryRow(ctx, first.SQL, first.Args...)); err != nil {
		return nil, err
	}
	return c.Backend.Query(ctx, sql, args...)
}
