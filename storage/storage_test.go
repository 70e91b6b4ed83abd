package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// clock is a settable time source for storage.WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustStore(t testing.TB, db *storage.DB, domain string) storage.Store {
	t.Helper()
	s, err := access.New(db).CreateStore(context.Background(), access.NewStore{Domain: domain, Name: "Shop " + domain})
	if err != nil {
		t.Fatalf("creating store %s: %v", domain, err)
	}
	return s
}

func mustKey(t testing.TB, db *storage.DB, storeID int64, scope keys.Scope, label string) access.CreatedKey {
	t.Helper()
	k, err := access.New(db).CreateKey(context.Background(), storeID, access.NewKey{
		Scope: scope, Label: label, CreatedByName: "Jane Doe", CreatedByEmail: "jane@example.com",
	})
	if err != nil {
		t.Fatalf("creating key: %v", err)
	}
	return k
}

// count returns the number of rows in table.
func count(t testing.TB, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Backend().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

func TestOpenRefusesBadURLsWithoutShowingThePassword(t *testing.T) {
	const password = "s3cret-pw"
	for _, tc := range []struct{ name, url, want string }{
		{"empty", "", "empty"},
		{"unsupported scheme", "mysql://root:" + password + "@db/x", "not supported"},
		{"malformed postgres", "postgres://u:" + password + "@host:notaport/db", "malformed"},
		{"bad postgres option", "postgres://u:" + password + "@127.0.0.1/db?sslmode=sometimes", "malformed"},
		{"unreachable postgres", "postgres://u:" + password + "@127.0.0.1:1/db", "connecting to PostgreSQL"},
		{"key=value string", "host=db user=u password=" + password + " dbname=x", "key=value"},
		{"unusable sqlite path", "sqlite:" + filepath.Join("/proc", "no", "such", "x.db"), "SQLite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := storage.Open(context.Background(), tc.url)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not mention %q", msg, tc.want)
			}
			if strings.Contains(msg, password) {
				t.Errorf("error shows the password: %q", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestOpenSQLiteCreatesItsFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	for _, url := range []string{"sqlite:" + filepath.Join(dir, "x.db"), filepath.Join(dir, "plain.db")} {
		db, err := storage.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("Open(%q): %v", url, err)
		}
		if db.Dialect() != "sqlite" {
			t.Errorf("Open(%q) chose %s", url, db.Dialect())
		}
		db.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "plain.db")); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultURL(t *testing.T) {
	t.Setenv("HOME", "/home/jane")
	for _, tc := range []struct{ home, xdg, want string }{
		{"/srv/lf", "/xdg", "sqlite:/srv/lf/logistified.db"},
		{"", "/xdg", "sqlite:/xdg/logistified/logistified.db"},
		{"", "", "sqlite:/home/jane/.local/share/logistified/logistified.db"},
	} {
		t.Setenv("LOGISTIFIED_HOME", tc.home)
		t.Setenv("XDG_DATA_HOME", tc.xdg)
		got, err := storage.DefaultURL()
		if err != nil || got != tc.want {
			t.Errorf("DefaultURL() with LOGISTIFIED_HOME=%q XDG_DATA_HOME=%q = %q, %v; want %q", tc.home, tc.xdg, got, err, tc.want)
		}
	}
}

// Reopening a database applies no migration twice and keeps its data.
func TestReopenKeepsData(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := storagetest.URL(t, name)
			db, err := storage.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			s := mustStore(t, db, "acme.myshopify.com")
			k := mustKey(t, db, s.ID, keys.ScopeRead, "")
			db.Close()

			db, err = storage.Open(ctx, url)
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer db.Close()
			if db.Dialect() != name {
				t.Fatalf("dialect %s, want %s", db.Dialect(), name)
			}
			if _, err := access.New(db).Authenticate(ctx, k.Secret); err != nil {
				t.Fatalf("key lost on reopen: %v", err)
			}
		})
	}
}

// A database migrated by a newer logistified is refused, not used.
func TestOpenRefusesNewerSchema(t *testing.T) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := storagetest.URL(t, name)
			db, err := storage.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			mustStore(t, db, "acme.myshopify.com")
			if _, err := db.Backend().Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
				t.Fatal(err)
			}
			db.Close()

			db, err = storage.Open(ctx, url)
			if err == nil {
				db.Close()
				t.Fatal("Open used a database with a newer schema")
			}
			if !errors.Is(err, backend.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade logistified") {
				t.Fatalf("got %v, want ErrSchemaTooNew telling to upgrade", err)
			}
		})
	}
}
