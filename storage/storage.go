// Package storage is the one place where the product's data is read and
// written. Every operation is written once, against backend.Backend, and
// runs on PostgreSQL (production, many replicas) and embedded SQLite (the
// zero-setup default) alike.
//
// This package is the kernel: the database handle and its backends, the
// write path (RunWrite), the ledger, audit writes, paging, money, the
// store's day, natural identifiers (resolve.go), the credential check
// (credentials.go) and the query helpers every subject shares. The
// subjects are packages beside it, each a view of the kernel's DB (see
// package catalog): storage/access (stores, members, keys, sessions,
// OAuth, last use, the audit log's queries), storage/catalog (the
// catalogue and its imports), storage/documents and storage/plan (the
// planning data). They import the kernel; the kernel imports none of
// them. Of access it keeps only the caller's identity (identity.go),
// which RunWrite, the ledger and the audit log take, and it runs the
// credential lookup that access writes (CredentialLookup).
package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/postgres"
	"github.com/logistified/mcp-server/storage/sqlite"
)

// DB is an open database with the product's operations on it.
type DB struct {
	b   backend.Backend
	now func() time.Time
	// bg is the backend past the round-trip counter and the
	// credential check, for work no call waits for (see Background).
	bg backend.Backend
	// auditFailed is told of an audit entry that could not be recorded
	// on its own (a refusal, a dry run); see SetAuditFailureHook.
	auditFailed func(ctx context.Context, action string, err error)
	existing    bool // set by Existing before the backend opens
	workers     workers
	roundTrips  *atomic.Int64 // see CountRoundTrips
	zones       sync.Map      // store id → its time zone (see StoreZone)
	// recent holds the principals of credentials accepted lately, by
	// kind and hash, for CheckCredentialLater.
	recent boundedMap
	// locations holds stores' location names by the store version they
	// were read at (see LocationNames).
	locations boundedMap
}

// boundedMap is a memory that holds a bounded number of keys: past the
// bound it starts again empty, and each key is read afresh on its next
// use.
type boundedMap struct {
	sync.Map
	n atomic.Int64 // keys stored since it was last emptied
}

// put stores v at k, and empties the map when k is a key too many.
func (m *boundedMap) put(k, v any, bound int64) {
	if _, known := m.Swap(k, v); !known && m.n.Add(1) > bound {
		m.Clear()
		m.n.Store(0)
	}
}

// Option configures Open.
type Option func(*DB)

// WithClock replaces time.Now, for tests that need a fixed date.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// Existing opens only a database that already exists: a SQLite file that
// is missing is an error wrapping fs.ErrNotExist, and neither it nor its
// folder is created. For commands that only serve or read what is there
// (stdio), so that a mistyped path leaves no empty database behind.
// PostgreSQL databases are never created by Open either way.
func Existing() Option { return func(db *DB) { db.existing = true } }

// DefaultURL is the SQLite database used when no URL is configured:
// $LOGISTIFIED_HOME/logistified.db, where LOGISTIFIED_HOME defaults to
// $XDG_DATA_HOME/logistified and then ~/.local/share/logistified.
func DefaultURL() (string, error) {
	home, err := HomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home folder for the default database (set LOGISTIFIED_DATABASE_URL or LOGISTIFIED_HOME): %w", err)
	}
	return "sqlite:" + filepath.Join(home, "logistified.db"), nil
}

// HomeDir is $LOGISTIFIED_HOME, which defaults to
// $XDG_DATA_HOME/logistified and then ~/.local/share/logistified: where
// the default database and the demo's keys file live.
func HomeDir() (string, error) {
	if home := os.Getenv("LOGISTIFIED_HOME"); home != "" {
		return home, nil
	}
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" {
		userHome, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		data = filepath.Join(userHome, ".local", "share")
	}
	return filepath.Join(data, "logistified"), nil
}

// Open connects to the database named by url (postgres://…, postgresql://…,
// sqlite:PATH or a plain file path) and applies pending migrations.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	db := &DB{now: time.Now}
	for _, o := range opts {
		o(db)
	}
	b, err := openBackend(ctx, url, db.existing)
	if err != nil {
		return nil, err
	}
	if err := b.Migrate(ctx); err != nil {
		b.Close()
		return nil, err
	}
	db.b = b
	if db.roundTrips != nil {
		db.b = backend.CountTrips(b, db.roundTrips)
	}
	db.b = checkedBackend{db.b}
	db.bg = b
	return db, nil
}

func openBackend(ctx context.Context, url string, existing bool) (backend.Backend, error) {
	openSQLite := sqlite.Open
	if existing {
		openSQLite = sqlite.OpenExisting
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//"))
	case strings.Contains(url, "://"):
		scheme, _, _ := strings.Cut(url, "://")
		return nil, fmt.Errorf("database URL scheme %q is not supported: use postgres://…, sqlite:PATH or a file path", scheme)
	case url == "":
		return nil, errors.New("the database URL is empty: set --database-url or LOGISTIFIED_DATABASE_URL, or leave both unset for the default SQLite file")
	case strings.Contains(url, "=") && strings.Contains(url, " "):
		// A libpq "host=… password=…" string would otherwise become the
		// name of a new SQLite file, password and all.
		return nil, errors.New("the database URL looks like a key=value connection string: use postgres://user:password@host:5432/dbname, sqlite:PATH or a file path")
	default:
		return openSQLite(ctx, url)
	}
}

// Close stops background work and closes the database.
func (db *DB) Close() error {
	db.workers.close()
	return db.b.Close()
}

// Backend exposes the backend, for the bulk loader and tests.
func (db *DB) Backend() backend.Backend { return db.b }

// Background is the backend for work no call waits for (the keys'
// last-used writer, a Worker): past a request's pending credential check,
// and not counted by CountRoundTrips.
func (db *DB) Background() backend.Backend { return db.bg }

// Dialect names the backend: "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.b.Dialect().Name }

// Ping checks that the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.b.Ping(ctx) }

// Now is the database's clock, truncated to microseconds, which both
// backends store exactly.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Worker is background work a subject keeps beside an open database (the
// planning rows' daily rollover): one per database, started on first use
// and stopped by Close before the database closes.
type Worker interface{ Close() }

// Worker returns the database's worker of kind key (a comparable value of
// the subject's own type), starting it with start on first use. A worker
// started after Close is stopped at once.
func (db *DB) Worker(key any, start func() Worker) Worker {
	w := &db.workers
	w.mu.Lock()
	defer w.mu.Unlock()
	if found, ok := w.byKey[key]; ok {
		return found
	}
	started := start()
	if w.closed {
		started.Close()
	}
	if w.byKey == nil {
		w.byKey = map[any]Worker{}
	}
	w.byKey[key] = started
	w.order = append(w.order, started)
	return started
}

// workers are a database's Workers, in the order they started.
type workers struct {
	mu     sync.Mutex
	byKey  map[any]Worker
	order  []Worker
	closed bool
}

// close stops the workers, the last started first.
func (w *workers) close() {
	w.mu.Lock()
	w.closed = true
	order := w.order
	w.mu.Unlock()
	for i := len(order) - 1; i >= 0; i-- {
		order[i].Close()
	}
}
