package sqlite

import (
	"context"
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
