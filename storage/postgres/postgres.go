// Package postgres is the PostgreSQL backend, on a pgx connection pool.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
}

var _ backend.Backend = (*DB)(nil)

// Open connects to url and checks that the server answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx quotes the URL, password included, in its parse errors.
		return nil, errors.New("the PostgreSQL database URL is malformed; expected postgres://user:password@host:5432/dbname")
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	db := &DB{pool: pool}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, unwrapConnectErr(err))
	}
	return db, nil
}

// unwrapConnectErr keeps the message short and free of credentials.
func unwrapConnectErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return errors.New(pgErr.Message)
	}
	// The network's own words ("connection refused", "no such host") say
	// what is wrong; pgx's wrappers repeat the address several times.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.Unwrap(ce)
	}
	return err
}

func (db *DB) Dialect() backend.Dialect {
	return backend.Dialect{Name: "postgres", ForUpdate: " FOR UPDATE"}
}

func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

func (db *DB) Close() error { db.pool.Close(); return nil }

// Pool exposes the pool for bulk tools and tests that need pgx directly.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

func (db *DB) Migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	return migrate.Up(ctx, "postgres", sqlDB, migrations)
}

func (db *DB) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return exec(ctx, db.pool, sql, args)
}

func (db *DB) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	return query(ctx, db.pool, sql, args)
}

func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	return row{db.pool.QueryRow(ctx, sql, args...)}
}

// InTx retries on serialization failures and deadlocks, which PostgreSQL
// reports when concurrent writers touch the same rows in different orders.
func (db *DB) InTx(ctx context.Context, fn func(backend.Tx) error) error {
	const attempts = 5
	var err error
	for i := 0; i < attempts; i++ {
		err = pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error { return fn(tx{t}) })
		if !retryable(err) {
			return err
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
	return err
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func exec(ctx context.Context, q querier, sql string, args []any) (int64, error) {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func query(ctx context.Context, q querier, sql string, args []any) (backend.Rows, error) {
	r, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return rows{r}, nil
}

func mapErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", backend.ErrUniqueViolation, pgErr.ConstraintName)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ErrNoRows
	}
	return err
}

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return mapErr(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return mapErr(r.Rows.Err()) }

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.Row.Scan(dest...)) }

type tx struct{ t pgx.Tx }

func (t tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return exec(ctx, t.t, sql, args)
}

func (t tx) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	return query(ctx, t.t, sql, args)
}

func (t tx) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	return row{t.t.QueryRow(ctx, sql, args...)}
}

func (t tx) CopyFrom(ctx context.Context, table string, columns []string, data [][]any) (int64, error) {
	n, err := t.t.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(data))
	if err != nil {
		return 0, fmt.Errorf("copying %d rows into %s: %w", len(data), table, mapErr(err))
	}
	return n, nil
}

func (t tx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	r, err := t.t.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("reserving %d ids for %s: %w", n, table, err)
	}
	ids, err := pgx.CollectRows(r, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("reserving %d ids for %s: %w", n, table, err)
	}
	return ids, nil
}
