// Package sqlite is the embedded SQLite backend (pure Go, no cgo), the
// default for a single machine.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a SQLite database file. SQLite allows one writer at a time, so
// writes go through a single connection (with BEGIN IMMEDIATE, so a
// transaction takes the write lock before it reads what it will change)
// while reads use a pool of read-only connections; WAL mode lets the two run
// side by side.
type DB struct {
	write *sql.DB
	read  *sql.DB
	stmts *stmtCache // the reads' prepared statements
}

var _ backend.Backend = (*DB)(nil)

// Open opens (creating if needed) the database file at path, and its folder.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, false)
}

// OpenExisting opens the database file at path only if it exists: it
// creates neither the file nor its folder, so a mistyped path leaves nothing
// behind. A missing file is an error that wraps fs.ErrNotExist.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, true)
}

func open(ctx context.Context, path string, existing bool) (*DB, error) {
	if path == "" {
		return nil, errors.New("the SQLite database path is empty")
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	if existing {
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
		}
		if info.IsDir() {
			return nil, fmt.Errorf("opening SQLite database %s: it is a folder, not a database file", path)
		}
		// SQLite's own check, should the file go between Stat and open:
		// mode=rw never creates it.
		pragmas += "&mode=rw"
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("creating the folder for the SQLite database: %w", err)
			}
		}
		// The file holds the store's data and key hashes: only its owner
		// reads it. SQLite gives the WAL and shared-memory files the mode of
		// the database file, so creating it 0600 covers all three.
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating SQLite database %s: %w", path, err)
		}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	write, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// The first connection creates the file and switches it to WAL before
	// the read-only connections open it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	return &DB{write: write, read: read, stmts: &stmtCache{db: read, stmts: map[string]*sql.Stmt{}}}, nil
}

func (db *DB) Dialect() backend.Dialect { return backend.Dialect{Name: "sqlite"} }

func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

func (db *DB) Close() error { return errors.Join(db.stmts.close(), db.read.Close(), db.write.Close()) }

func (db *DB) Migrate(ctx context.Context) error {
	return migrate.Up(ctx, "sqlite", db.write, migrations)
}

// Exec runs a statement on the writer; it is its own transaction.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return exec(ctx, db.write, q, args)
}

func (db *DB) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	return db.stmts.query(ctx, q, args)
}

func (db *DB) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	r, err := db.stmts.query(ctx, q, args)
	return row{r, err}
}

// stmtCache keeps the reads' statements prepared: SQLite spends most of a
// small read compiling its SQL (two thirds of get_store_overview on a small
// store), and a prepared statement is compiled once per connection. The
// statements are the code's own, so there are a few hundred; past
// maxStmts (IN lists of every length) a read runs unprepared.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

const maxStmts = 1000

func (c *stmtCache) query(ctx context.Context, q string, args []any) (*rows, error) {
	q = rewrite(q)
	c.mu.Lock()
	stmt, ok := c.stmts[q]
	c.mu.Unlock()
	if !ok {
		prepared, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			return nil, mapErr(err)
		}
		c.mu.Lock()
		if stmt, ok = c.stmts[q]; ok {
			prepared.Close() // another read prepared it meanwhile
		} else if len(c.stmts) < maxStmts {
			c.stmts[q], stmt = prepared, prepared
		} else {
			defer prepared.Close()
			stmt = prepared
		}
		c.mu.Unlock()
	}
	r, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return &rows{r: r}, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	c.stmts = map[string]*sql.Stmt{}
	return errors.Join(errs...)
}

func (db *DB) InTx(ctx context.Context, fn func(backend.Tx) error) error {
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a transaction: %w", mapErr(err))
	}
	if err := fn(tx{t}); err != nil {
		_ = t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("committing: %w", mapErr(err))
	}
	return nil
}

type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func exec(ctx context.Context, q sqlQuerier, query string, args []any) (int64, error) {
	res, err := q.ExecContext(ctx, rewrite(query), args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

func query(ctx context.Context, q sqlQuerier, query string, args []any) (*rows, error) {
	r, err := q.QueryContext(ctx, rewrite(query), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return &rows{r: r}, nil
}

var (
	placeholder = regexp.MustCompile(`\$(\d+)`)
	rewritten   sync.Map // statement text -> SQLite text
)

// rewrite turns $1 into ?1: SQLite reads $1 as a named parameter and numbers
// named parameters by first appearance, which would bind "$2 … $1" backwards.
func rewrite(q string) string {
	if s, ok := rewritten.Load(q); ok {
		return s.(string)
	}
	s := placeholder.ReplaceAllString(q, "?$1")
	rewritten.Store(q, s)
	return s
}

func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return backend.ErrNoRows
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", backend.ErrUniqueViolation, se.Error())
		}
	}
	return err
}

type rows struct {
	r *sql.Rows
}

func (r *rows) Next() bool { return r.r.Next() }
func (r *rows) Err() error { return mapErr(r.r.Err()) }
func (r *rows) Close()     { _ = r.r.Close() }

// Scan accepts time.Time destinations for computed columns (max(at), …),
// which SQLite returns as text because they carry no declared type.
// It wraps them in a copy of dest, since the caller may reuse its slice.
func (r *rows) Scan(dest ...any) error {
	wrapped := make([]any, len(dest))
	for i, d := range dest {
		switch d := d.(type) {
		case *time.Time:
			wrapped[i] = timeScanner{dst: d}
		case **time.Time:
			wrapped[i] = nullTimeScanner{dst: d}
		default:
			wrapped[i] = d
		}
	}
	return mapErr(r.r.Scan(wrapped...))
}

type row struct {
	r   *rows
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.r.Close()
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		return backend.ErrNoRows
	}
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	return r.r.Err()
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02",
}

func parseTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, v); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot read %q as a time", v)
	case int64:
		return time.Unix(v, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cannot read %T as a time", v)
}

type timeScanner struct{ dst *time.Time }

func (s timeScanner) Scan(v any) error {
	if v == nil {
		return errors.New("cannot read NULL as a time")
	}
	t, err := parseTime(v)
	*s.dst = t
	return err
}

type nullTimeScanner struct{ dst **time.Time }

func (s nullTimeScanner) Scan(v any) error {
	if v == nil {
		*s.dst = nil
		return nil
	}
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*s.dst = &t
	return nil
}

type tx struct{ t *sql.Tx }

func (t tx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return exec(ctx, t.t, q, args)
}

func (t tx) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	return query(ctx, t.t, q, args)
}

func (t tx) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	r, err := query(ctx, t.t, q, args)
	return row{r, err}
}

func (t tx) CopyFrom(ctx context.Context, table string, columns []string, data [][]any) (int64, error) {
	marks := make([]string, len(columns))
	for i := range marks {
		marks[i] = fmt.Sprintf("?%d", i+1)
	}
	stmt, err := t.t.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)",
		table, strings.Join(columns, ", "), strings.Join(marks, ", ")))
	if err != nil {
		return 0, fmt.Errorf("preparing bulk insert into %s: %w", table, err)
	}
	defer stmt.Close()
	for i, r := range data {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return int64(i), fmt.Errorf("bulk insert into %s, row %d: %w", table, i+1, mapErr(err))
		}
	}
	return int64(len(data)), nil
}

// ReserveIDs hands out ids above the table's current maximum; the write
// transaction holds SQLite's only write lock, so nobody else can take them.
func (t tx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	var top int64
	if err := t.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM "+table).Scan(&top); err != nil {
		return nil, fmt.Errorf("reserving %d ids for %s: %w", n, table, err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = top + int64(i) + 1
	}
	return ids, nil
}
