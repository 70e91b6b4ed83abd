// Package postgres is the PostgreSQL backend, on a pgx connection pool.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"syscall"
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
	plainOnLoopback(url, &cfg.ConnConfig.Config, os.Getenv)
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

// plainOnLoopback tries a plain connection first, and TLS only after it,
// when TLS was only preferred (no sslmode, nor any other TLS setting, in
// the URL or the environment) and every host is a loopback address: libpq's
// sslmode=allow. sslmode=prefer verifies no certificate, so it guards
// against no one who could intercept a connection; on loopback it only
// guards the bytes from someone who can already read this process's
// memory, and it costs both processes a cipher on every round trip (10–15%
// of a read's throughput when the database shares the host's cores). A
// server that accepts only TLS still gets it, from the fallback. An
// explicit sslmode, prefer included, is kept as given.
func plainOnLoopback(url string, cc *pgconn.Config, getenv func(string) string) {
	lower := strings.ToLower(url)
	if strings.Contains(lower, "ssl") || strings.Contains(lower, "service") {
		return
	}
	for _, name := range []string{"PGSSLMODE", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT", "PGSSLNEGOTIATION", "PGSERVICE", "PGSERVICEFILE"} {
		if getenv(name) != "" {
			return
		}
	}
	loopback := func(host string, tls bool) bool {
		ip := net.ParseIP(host)
		return !tls || (ip != nil && ip.IsLoopback())
	}
	if !loopback(cc.Host, cc.TLSConfig != nil) {
		return
	}
	for _, f := range cc.Fallbacks {
		if !loopback(f.Host, f.TLSConfig != nil) {
			return
		}
	}
	attempts := append([]*pgconn.FallbackConfig{{Host: cc.Host, Port: cc.Port, TLSConfig: cc.TLSConfig}}, cc.Fallbacks...)
	// Every plain attempt first, then every TLS one, each in the order
	// pgx parsed them.
	sort.SliceStable(attempts, func(i, j int) bool { return attempts[i].TLSConfig == nil && attempts[j].TLSConfig != nil })
	cc.Host, cc.Port, cc.TLSConfig = attempts[0].Host, attempts[0].Port, attempts[0].TLSConfig
	cc.Fallbacks = attempts[1:]
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
	return backend.Dialect{Name: "postgres", ForUpdate: " FOR UPDATE", RowVersions: true}
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

// Exec outside a transaction is retried on a lost connection only when pgx
// knows the statement was never sent.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	for attempt := 0; ; attempt++ {
		n, err := exec(ctx, db.pool, sql, args)
		if err == nil || !pgconn.SafeToRetry(err) || !backoff(ctx, attempt) {
			return n, err
		}
	}
}

// Query outside a transaction is a read (the SQLite backend even runs it on
// read-only connections), so it is retried on a lost connection. pgx runs a
// statement it has already prepared on the connection without waiting for
// an answer, and reports a dead connection only when the rows are read; so
// the first row is read here, where the query can still be retried.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (backend.Rows, error) {
	for attempt := 0; ; attempt++ {
		r, err := db.pool.Query(ctx, sql, args...)
		if err == nil {
			if r.Next() {
				return &peekedRows{rows: rows{r}, peeked: true}, nil
			}
			if err = r.Err(); err == nil {
				return &peekedRows{rows: rows{r}}, nil
			}
			r.Close()
		}
		err = mapErr(err)
		if !connectionLost(err) || !backoff(ctx, attempt) {
			return nil, err
		}
	}
}

// peekedRows are rows whose first row, if any, Query has already read.
type peekedRows struct {
	rows
	peeked bool
}

func (r *peekedRows) Next() bool {
	if r.peeked {
		r.peeked = false
		return true
	}
	return r.rows.Next()
}

func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) backend.Row {
	return retryRow{ctx: ctx, pool: db.pool, sql: sql, args: args}
}

// retryRow runs its query when scanned, which is when pgx reports errors,
// and retries it there on a lost connection.
type retryRow struct {
	ctx  context.Context
	pool *pgxpool.Pool
	sql  string
	args []any
}

func (r retryRow) Scan(dest ...any) error {
	for attempt := 0; ; attempt++ {
		err := mapErr(r.pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...))
		if err == nil || !connectionLost(err) || !backoff(r.ctx, attempt) {
			return err
		}
	}
}

// InTx retries on serialization failures and deadlocks, which PostgreSQL
// reports when concurrent writers touch the same rows in different orders,
// and on a lost connection (a server restart or failover) as long as the
// commit was not yet sent: such a transaction was never applied. When the
// connection drops during the commit itself the outcome is unknown, and
// the error says so rather than risk applying the write twice.
func (db *DB) InTx(ctx context.Context, fn func(backend.Tx) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		var committing bool
		err = db.tryTx(ctx, fn, &committing)
		switch {
		case err == nil:
			return nil
		case committing && connectionLost(err):
			return fmt.Errorf("%w: %w", backend.ErrCommitUnknown, err)
		case !retryable(err) && !connectionLost(err):
			return err
		}
		if !backoff(ctx, attempt) {
			return err
		}
	}
}

func (db *DB) tryTx(ctx context.Context, fn func(backend.Tx) error, committing *bool) error {
	t, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx{t}); err != nil {
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	*committing = true
	return t.Commit(ctx)
}

// backoff waits before attempt+1 and reports whether to make it.
func backoff(ctx context.Context, attempt int) bool {
	// 5 ms, 10 ms, 20 ms … capped at 1 s: about 8 s over 14 attempts.
	const maxAttempts = 14
	if attempt+1 >= maxAttempts {
		return false
	}
	d := min(time.Duration(5<<attempt)*time.Millisecond, time.Second)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// connectionLost reports an error that means the connection, not the
// statement, failed: the server shut down or restarted (57P01–57P03), a
// connection exception (class 08), or the network dropped.
func connectionLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || strings.HasPrefix(pgErr.Code, "08")
	}
	var ce *pgconn.ConnectError
	var netErr net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &ce) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
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
	if err == nil {
		// Every scanned row passes here: spare it errors.As's allocation.
		return nil
	}
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

// QueryAfter sends first and the query in one pipeline, so both cost one
// round trip. first's row is scanned before the query's rows are handed
// out; when first.Scan fails the query's rows are discarded unread. A lost
// connection is retried, as for Query: both statements are reads.
func (db *DB) QueryAfter(ctx context.Context, first backend.Statement, sql string, args ...any) (backend.Rows, error) {
	for attempt := 0; ; attempt++ {
		var b pgx.Batch
		b.Queue(first.SQL, first.Args...)
		b.Queue(sql, args...)
		br := db.pool.SendBatch(ctx, &b)
		err := first.Scan(row{br.QueryRow()})
		if err == nil {
			var r pgx.Rows
			if r, err = br.Query(); err == nil {
				return &batchRows{rows: rows{r}, batch: br}, nil
			}
		}
		br.Close()
		err = mapErr(err)
		if !connectionLost(err) || !backoff(ctx, attempt) {
			return nil, err
		}
	}
}

// batchRows are the rows of a pipeline's last query; closing them ends
// the pipeline and returns its connection to the pool.
type batchRows struct {
	rows
	batch pgx.BatchResults
}

func (r *batchRows) Close() {
	r.rows.Close()
	_ = r.batch.Close()
}
