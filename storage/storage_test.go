package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/backend"
	"github.com/logistified/mcp-server/storage/storagetest"
)

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
			s := storagetest.MustStore(t, db, "acme.myshopify.com")
			k := storagetest.MustKey(t, db, s.ID, keys.ScopeRead, "")
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
			storagetest.MustStore(t, db, "acme.myshopify.com")
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
