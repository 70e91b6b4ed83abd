// Package storagetest gives tests a fresh, migrated database on each backend.
//
// SQLite always runs. PostgreSQL runs when LOGISTIFIED_TEST_POSTGRES_URL
// names a server (each test gets its own schema there, dropped afterwards);
// otherwise those subtests are skipped with a message saying so, except
// under CI (CI set), where a missing URL fails the run. A package whose
// TestMain calls Main or Report also says so once in `go test ./...`,
// where a skipped subtest's message shows only with -v.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logistified/mcp-server/storage"
)

// EnvPostgresURL names the PostgreSQL server the tests use.
const EnvPostgresURL = "LOGISTIFIED_TEST_POSTGRES_URL"

// Backends are the names Each runs.
var Backends = []string{"sqlite", "postgres"}

// Each runs fn as a subtest on a fresh database of every backend.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB), opts ...storage.Option) {
	t.Helper()
	for _, name := range Backends {
		t.Run(name, func(t *testing.T) {
			fn(t, Open(t, name, opts...))
		})
	}
}

// Open returns a fresh migrated database of the named backend, closed (and
// on PostgreSQL dropped) when the test ends.
func Open(t testing.TB, backendName string, opts ...storage.Option) *storage.DB {
	t.Helper()
	u := URL(t, backendName)
	ctx := context.Background()
	db, err := storage.Open(ctx, u, opts...)
	if err != nil {
		t.Fatalf("opening %s test database: %v", backendName, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a fresh, empty database of the named backend.
func URL(t testing.TB, backendName string) string {
	t.Helper()
	switch backendName {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown backend %q", backendName)
	return ""
}

// PostgresURL returns the server URL, skipping (or, under CI, failing) the
// test when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", EnvPostgresURL)
		}
		skipped.Add(1)
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run them", EnvPostgresURL)
	}
	return base
}

func postgresSchema(t testing.TB) string {
	base := PostgresURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", EnvPostgresURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
