package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The database holds a store's data and its keys' hashes: other users of
// the machine must not read it, even when its folder already existed with
// looser permissions.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"existing folder", filepath.Join(dir, "logistified.db")},
		{"new folder", filepath.Join(dir, "new", "logistified.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{tc.path, tc.path + "-wal", tc.path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(p), err)
				}
				if mode := fi.Mode().Perm(); mode&0o077 != 0 {
					t.Errorf("%s has mode %v: others can read it", filepath.Base(p), mode)
				}
			}
			if tc.name == "new folder" {
				fi, err := os.Stat(filepath.Dir(tc.path))
				if err != nil {
					t.Fatal(err)
				}
				if mode := fi.Mode().Perm(); mode != 0o700 {
					t.Errorf("the new folder has mode %v, want 0700", mode)
				}
			}
		})
	}
}

// Reads run as prepared statements, kept up to maxStmts: every read
// answers the same whether its statement is kept, new or beyond the
// cap, from many goroutines at once, and a kept statement sees the rows
// written after it was prepared.
func TestReadsThroughPreparedStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "stmts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		if got := count(); got != int64(i) {
			t.Fatalf("a kept statement read %d rows, want %d", got, i)
		}
		if _, err := db.Exec(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range maxStmts/4 + 10 {
				k := g*(maxStmts/4+10) + i // distinct texts, past the cap in all
				var got int64
				if err := db.QueryRow(ctx, fmt.Sprintf(`SELECT $1 + %d`, k), 1).Scan(&got); err != nil || got != int64(k+1) {
					errs <- fmt.Errorf("SELECT $1 + %d = %d, %v", k, got, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(db.stmts.stmts); n != maxStmts {
		t.Errorf("%d statements kept, want the cap of %d", n, maxStmts)
	}
}
