package sqlite_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/logistified/mcp-server/storage/sqlite"
)

// OpenExisting opens what Open created, and for a path with no database
// creates nothing: no file, no folder, no WAL.
func TestOpenExistingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "l.db"), filepath.Join(dir, "typo", "l.db")} {
		if db, err := sqlite.OpenExisting(ctx, path); !errors.Is(err, fs.ErrNotExist) {
			if db != nil {
				db.Close()
			}
			t.Errorf("%s: %v, want a not-exist error", path, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := sqlite.OpenExisting(ctx, dir); err == nil {
		t.Error("a folder opened as a database")
	}

	path := filepath.Join(dir, "l.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "CREATE TABLE probe (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatalf("an existing database: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "INSERT INTO probe (x) VALUES (1)"); err != nil {
		t.Errorf("writing to an existing database: %v", err)
	}
}
