// Package backend declares the small interface that the PostgreSQL and SQLite
// backends implement, so that every data operation in package storage is
// written once against it. Backends differ only where the SQL dialects must.
package backend

import (
	"context"
	"errors"
)

// Querier runs SQL. Statements use PostgreSQL's $1, $2 … placeholders on
// both backends; the SQLite backend rewrites them to its numbered form.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is a result set. Close must be called; it is safe to call twice.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a write transaction.
type Tx interface {
	Querier
	// CopyFrom bulk-loads rows into table: COPY on PostgreSQL, one prepared
	// INSERT on SQLite.
	CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error)
	// ReserveIDs returns n fresh values for table's id column, for bulk
	// loads that must know ids before inserting children.
	ReserveIDs(ctx context.Context, table string, n int) ([]int64, error)
}

// Backend is one database. Its own Query and QueryRow are for reads (on
// SQLite they run on read-only connections); Exec runs a single statement
// as its own transaction; anything else that writes goes through InTx.
type Backend interface {
	Querier
	// InTx runs fn in one write transaction, committing when fn returns nil
	// and rolling back otherwise. On PostgreSQL a serialization failure or
	// deadlock retries fn, so fn must not have effects outside the tx.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Dialect names the SQL differences the shared code needs.
	Dialect() Dialect
	// Migrate applies the embedded migrations and refuses a database whose
	// schema is newer than this binary.
	Migrate(ctx context.Context) error
	Ping(ctx context.Context) error
	Close() error
}

// Dialect holds the few SQL fragments that differ between backends.
type Dialect struct {
	// Name is "postgres" or "sqlite".
	Name string
	// ForUpdate is appended to a SELECT that reads rows the transaction
	// will change (" FOR UPDATE" on PostgreSQL; SQLite's write transactions
	// already hold the database's single write lock).
	ForUpdate string
	// RowVersions: stores and api_keys have a row_version column that
	// counts their writes (PostgreSQL, kept by a trigger); SQLite, whose
	// lookups cost no round trip, has none.
	RowVersions bool
}

// ErrNoRows is returned by Row.Scan when the query matched nothing.
var ErrNoRows = errors.New("no rows in result set")

// ErrUniqueViolation is wrapped by backends when a statement breaks a unique
// constraint, so callers can turn it into a domain error.
var ErrUniqueViolation = errors.New("unique constraint violated")

// ErrCommitUnknown is wrapped by backends when the connection was lost
// while a transaction committed: it may or may not have been applied.
var ErrCommitUnknown = errors.New("the connection was lost during commit")

// ErrSchemaTooNew is returned by Migrate when the database was migrated by
// a newer version of logistified.
var ErrSchemaTooNew = errors.New("database schema is newer than this version of logistified")

// Statement is a query of one row, scanned by Scan, that a Pipeliner
// sends ahead of another query.
type Statement struct {
	SQL  string
	Args []any
	// Scan reads the statement's row (or its ErrNoRows). An error from it
	// abandons the query that follows, unread.
	Scan func(Row) error
}

// Pipeliner is a Backend that can send a statement and a read in one
// round trip (PostgreSQL's pipeline). The SQLite backend, which has no
// round trips to save, does not implement it.
type Pipeliner interface {
	QueryAfter(ctx context.Context, first Statement, sql string, args ...any) (Rows, error)
}
