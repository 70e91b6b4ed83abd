package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// runCmd runs the command line in-process, as main does.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// mustRun runs a command that must succeed against url.
func mustRun(t *testing.T, url string, args ...string) string {
	t.Helper()
	out, stderr, err := runCmd(t, append([]string{"--database-url", url}, args...)...)
	if err != nil {
		t.Fatalf("logistified %s: %v (stderr %q)", strings.Join(args, " "), err, stderr)
	}
	return out
}

// eachBackendURL runs fn with a fresh database URL of every backend.
func eachBackendURL(t *testing.T, fn func(t *testing.T, url string)) {
	for _, name := range storagetest.Backends {
		t.Run(name, func(t *testing.T) { fn(t, storagetest.URL(t, name)) })
	}
}

// rowCounts counts the rows of the tables the CLI writes.
func rowCounts(t *testing.T, url string) map[string]int {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, table := range []string{"stores", "api_keys", "audit_log"} {
		var n int
		if err := db.Backend().QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// wantUserError checks a refusal is one sentence that main can print, with
// no trace and none of the forbidden strings.
func wantUserError(t *testing.T, err error, mention string, forbidden ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the command succeeded; want an error mentioning %q", mention)
	}
	msg := userMessage(err)
	if !strings.Contains(msg, mention) {
		t.Errorf("error %q does not mention %q", msg, mention)
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") {
		t.Errorf("error is not one plain sentence: %q", msg)
	}
	for _, f := range forbidden {
		if f != "" && strings.Contains(msg, f) {
			t.Errorf("error %q shows %q", msg, f)
		}
	}
}

// jsonKeys returns the sorted field names of a JSON object.
func jsonKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func TestStoresCreateAndList(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "migrate") // a SQLite file must exist for stores list
		if out := mustRun(t, url, "stores", "list"); !strings.Contains(out, "No stores yet") {
			t.Fatalf("empty list: %q", out)
		}
		if out := mustRun(t, url, "stores", "list", "--json"); strings.TrimSpace(out) != "[]" {
			t.Fatalf("empty JSON list: %q", out)
		}
		out := mustRun(t, url, "stores", "create", "--domain", "Acme.MyShopify.com", "--name", "Acme Outdoor")
		if !strings.Contains(out, "acme.myshopify.com") || !strings.Contains(out, "USD") || !strings.Contains(out, "UTC") {
			t.Fatalf("create output: %q", out)
		}
		out = mustRun(t, url, "stores", "create", "--domain", "bolt.example.com", "--name", "Bolt", "--currency", "eur", "--timezone", "Europe/Berlin", "--json")
		var s storage.Store
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("create --json: %v: %q", err, out)
		}
		if s.ID == 0 || s.Domain != "bolt.example.com" || s.Name != "Bolt" || s.Currency != "EUR" || s.Timezone != "Europe/Berlin" || s.CreatedAt.IsZero() {
			t.Fatalf("create --json = %+v", s)
		}

		table := mustRun(t, url, "stores", "list")
		lines := strings.Split(strings.TrimSpace(table), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "DOMAIN") ||
			!strings.HasPrefix(lines[1], "acme.myshopify.com") || !strings.Contains(lines[1], "Acme Outdoor") ||
			!strings.HasPrefix(lines[2], "bolt.example.com") || !strings.Contains(lines[2], "Europe/Berlin") {
			t.Fatalf("stores list:\n%s", table)
		}
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(mustRun(t, url, "stores", "list", "--json")), &list); err != nil || len(list) != 2 {
			t.Fatalf("stores list --json: %v, %d stores", err, len(list))
		}
		if got := strings.Join(jsonKeys(t, list[0]), ","); got != "created_at,currency,domain,id,key_expiry_days,name,service_level,timezone" {
			t.Fatalf("store JSON fields: %s", got)
		}
	})
}

func TestStoresCreateRefusals(t *testing.T) {
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		before := rowCounts(t, url)
		for _, tc := range []struct {
			name    string
			args    []string
			mention string
		}{
			{"taken domain", []string{"--domain", "ACME.myshopify.com", "--name", "Again"}, "already exists"},
			{"empty name", []string{"--domain", "b.example.com", "--name", ""}, "name is empty"},
			{"missing name", []string{"--domain", "b.example.com"}, "name"},
			{"bad domain", []string{"--domain", "not a domain", "--name", "B"}, "not a valid host name"},
			{"bad currency", []string{"--domain", "b.example.com", "--name", "B", "--currency", "dollars"}, "ISO 4217"},
			{"bad time zone", []string{"--domain", "b.example.com", "--name", "B", "--timezone", "Nowhere/Town"}, "IANA"},
			{"argument", []string{"--domain", "b.example.com", "--name", "B", "extra"}, "unknown command"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := runCmd(t, append([]string{"--database-url", url, "stores", "create"}, tc.args...)...)
				wantUserError(t, err, tc.mention)
				if after := rowCounts(t, url); !mapsEqual(after, before) {
					t.Fatalf("a refused command wrote: %v -> %v", before, after)
				}
			})
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Input that is wrong on its face is refused before a database is opened,
// so a typo does not even create the default SQLite file.
func TestBadInputCreatesNoDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "never.db")
	for _, args := range [][]string{
		{"stores", "create", "--domain", "acme.myshopify.com", "--name", " "},
		{"stores", "create", "--domain", "acme", "--name", "Acme"},
		{"keys", "create", "--store", "acme.myshopify.com", "--scope", "admin", "--created-by-name", "J", "--created-by-email", "j@example.com"},
		{"keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "J", "--created-by-email", "nope"},
		{"keys", "list", "--store", "not a domain"},
		{"keys", "revoke", "--store", "acme.myshopify.com"},
	} {
		_, _, err := runCmd(t, append([]string{"--database-url", "sqlite:" + path}, args...)...)
		if err == nil {
			t.Fatalf("%v succeeded", args)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%v created the database file", args)
		}
	}
}

// Commands that read or change what a database holds refuse a SQLite path
// where there is none, naming it, and leave no empty database behind: a
// mistyped path must not look like an empty store.
func TestCommandsOnAMissingSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo", "logistified.db")
	url := "sqlite:" + path
	for _, args := range [][]string{
		{"stores", "list"},
		{"keys", "list", "--store", "acme.myshopify.com"},
		{"keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "Ada", "--created-by-email", "ada@example.com"},
		{"members", "list", "--store", "acme.myshopify.com"},
		{"audit", "--store", "acme.myshopify.com"},
		{"apps", "list", "--store", "acme.myshopify.com"},
		{"import", "sales", "--store", "acme.myshopify.com", filepath.Join("..", "..", "testdata", "import", "sales.csv")},
	} {
		_, _, err := runCmd(t, append([]string{"--database-url", url}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "there is no database at "+url) {
			t.Errorf("logistified %s on a missing file: %v, want an error naming %s", strings.Join(args, " "), err, url)
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("logistified %s created %s", strings.Join(args, " "), filepath.Dir(path))
		}
	}
}
