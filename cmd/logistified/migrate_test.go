package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrate(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		for range 2 { // a second run finds nothing to do
			out := mustRun(t, url, "migrate")
			if !strings.Contains(out, "up to date") {
				t.Fatalf("migrate printed %q", out)
			}
		}
	})
}

// The database comes from --database-url, else LOGISTIFIED_DATABASE_URL,
// else $LOGISTIFIED_HOME/logistified.db (the folder is created).
func TestDatabaseChoice(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home", "nested")
	t.Setenv("LOGISTIFIED_HOME", home)
	t.Setenv("LOGISTIFIED_DATABASE_URL", "")
	create := func(domain string, args ...string) {
		t.Helper()
		args = append(args, "stores", "create", "--domain", domain, "--name", "X")
		if _, stderr, err := runCmd(t, args...); err != nil {
			t.Fatalf("%v: %v %s", args, err, stderr)
		}
	}
	list := func(args ...string) string {
		t.Helper()
		out, _, err := runCmd(t, append(args, "stores", "list")...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	create("home.example.com")
	if _, err := os.Stat(filepath.Join(home, "logistified.db")); err != nil {
		t.Fatalf("the default database is not in LOGISTIFIED_HOME: %v", err)
	}

	envDB := "sqlite:" + filepath.Join(dir, "env.db")
	t.Setenv("LOGISTIFIED_DATABASE_URL", envDB)
	create("env.example.com")
	flagDB := filepath.Join(dir, "flag.db") // a plain path selects SQLite too
	create("flag.example.com", "--database-url", flagDB)

	for _, tc := range []struct {
		args      []string
		want, not string
	}{
		{nil, "env.example.com", "home.example.com"},
		{[]string{"--database-url", flagDB}, "flag.example.com", "env.example.com"},
	} {
		out := list(tc.args...)
		if !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("stores list %v:\n%s", tc.args, out)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, err := runCmd(t, args...)
		if err != nil || !strings.HasPrefix(out, "logistified ") || !strings.Contains(out, version()) || version() == "" {
			t.Fatalf("%v printed %q, %v", args, out, err)
		}
	}
}
