package backend

import (
	"context"
	"sync/atomic"
)

// CountTrips is b adding to n one for every statement it sends and two
// for every transaction (its BEGIN and COMMIT), so that tests and
// benchmarks can see what a call costs in trips to the database.
func CountTrips(b Backend, n *atomic.Int64) Backend { return tripCounter{b, n} }

// tripCounter is a Backend that counts its round trips.
type tripCounter struct {
	Backend
	n *atomic.Int64
}

func (c tripCounter) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	c.n.Add(1)
	return c.Backend.Exec(ctx, sql, args...)
}

func (c tripCounter) Query(ctx context.Context, sql string, args ...any) (Rows, error) {
	c.n.Add(1)
	return c.Backend.Query(ctx, sql, args...)
}

func (c tripCounter) QueryRow(ctx context.Context, sql string, args ...any) Row {
	c.n.Add(1)
	return c.Backend.QueryRow(ctx, sql, args...)
}

func (c tripCounter) InTx(ctx context.Context, fn func(tx Tx) error) error {
	return c.Backend.InTx(ctx, func(tx Tx) error {
		c.n.Add(2)
		return fn(tripCounterTx{tx, c.n})
	})
}

type tripCounterTx struct {
	Tx
	n *atomic.Int64
}

func (c tripCounterTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	c.n.Add(1)
	return c.Tx.Exec(ctx, sql, args...)
}

func (c tripCounterTx) Query(ctx context.Context, sql string, args ...any) (Rows, error) {
	c.n.Add(1)
	return c.Tx.Query(ctx, sql, args...)
}

func (c tripCounterTx) QueryRow(ctx context.Context, sql string, args ...any) Row {
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
func (c tripCounter) QueryAfter(ctx context.Context, first Statement, sql string, args ...any) (Rows, error) {
	if p, ok := c.Backend.(Pipeliner); ok {
		c.n.Add(1)
		return p.QueryAfter(ctx, first, sql, args...)
	}
	c.n.Add(2)
	if err := first.Scan(c.Backend.QueryRow(ctx, first.SQL, first.Args...)); err != nil {
		return nil, err
	}
	return c.Backend.Query(ctx, sql, args...)
}
